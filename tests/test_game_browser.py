"""The Commissioning Game in real Chromium: a teacher and pupils on one server, as a class.

One server for the module (`commissioning app`, as a teacher starts it) and a browser
context per person, so each is its own Solara session: the teacher's at a projector's
1280x720, the pupils' at a phone's 390x844. Every page must load with no failed
request and never show a traceback. The engine behind the pages is tested without a
browser in test_game_engine.py; here, what a class does through the pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from commissioning.experiments.game.store import RoomStore
from commissioning.experiments.game.words import money
from commissioning.model.scenario import load_scenario, packaged_scenarios

from .app_server import chromium_or_skip, playwright_or_skip

playwright_api = playwright_or_skip()
expect = playwright_api.expect

chromium_or_skip()

LOAD = 60_000  # ms: a session's first page
ACT = 20_000  # ms: anything a click starts (a turn shows on every screen within ~1 s)
END = 120_000  # ms: End game runs the rest of the contract and the model's own runs
CLAIMANTS = 1000
PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}


class Person:
    """One person's browser context: a fresh Solara session, its failures recorded."""

    def __init__(self, browser, base: str, viewport: dict):
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.failures: list[str] = []
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: None if "/_solara/api/close/" in r.url
                     else self.failures.append(f"failed {r.url}"))
        self.page.on("response", lambda r: self.failures.append(f"{r.status} {r.url}")
                     if r.status >= 400 else None)
        self.page.goto(base + "game")

    def check(self) -> None:
        if not self.page.is_closed():
            assert "Traceback" not in self.page.inner_text("body")
        assert not self.failures, f"requests failed (the app is offline): {self.failures}"

    def close(self) -> None:
        self.check()
        self.context.close()


@pytest.fixture
def people(browser, app_url) -> Iterator:
    made: list[Person] = []

    def person(viewport: dict = PHONE) -> Person:
        p = Person(browser, app_url, viewport)
        made.append(p)
        return p

    yield person
    for p in made:
        if not p.context.pages:
            continue
        p.close()


def create_room(teacher: Person) -> str:
    page = teacher.page
    expect(page.get_by_role("button", name="Create room")).to_be_visible(timeout=LOAD)
    page.get_by_label("Claimants (fewer: faster turns)").click(force=True)
    page.get_by_role("option", name=str(CLAIMANTS), exact=True).click()
    page.get_by_role("button", name="Create room").click()
    code = page.locator(".room-code")
    expect(code).to_have_text(re.compile(r"^[A-Z]{4}$"), timeout=ACT)
    return code.inner_text()


def join(pupil: Person, code: str, name: str) -> None:
    page = pupil.page
    expect(page.get_by_role("button", name="Join")).to_be_visible(timeout=LOAD)
    page.get_by_label("Room code").first.fill(f" {code.lower()} ")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    week(page, 0)


def week(page, n: int) -> None:
    expect(page.locator(".week-now")).to_have_text(f"Week {n}", timeout=ACT)


def predict(page, answers: tuple[str, str, str]) -> None:
    for key, answer in zip(("charities_bust", "job_outcome_rate", "anyway"), answers,
                           strict=True):
        page.locator(f".predict-{key} input").fill(answer)
    page.get_by_role("button", name="Save my prediction").click()
    expect(page.get_by_text("Prediction saved")).to_be_visible(timeout=ACT)


def cash_after_two_turns(fee: str | None) -> float:
    """Prime A's charity's cash at week 26, the engine's way, with or without Sam's fee."""
    room = RoomStore().create(load_scenario(packaged_scenarios() / "two_tier.toml"),
                              "two_tier.toml", seed=1, claimants=CLAIMANTS)
    room.join("Sam")
    charity = room.join("Jo").role
    room.start()
    if fee:
        room.submit("Sam", {"management_fee": fee, "attachment_passed": "40"})
    room.next_turn()
    room.next_turn()
    return room.views[charity].cash


def test_a_class_plays_two_turns_and_sees_the_same_claimants_debrief(people, tmp_path):
    teacher = people(PROJECTOR)
    code = create_room(teacher)
    sam, jo = people(), people()
    join(sam, code, "Sam")
    join(jo, code, "Jo")
    expect(sam.page.get_by_text(f"Room {code} · Sam · Prime A (prime contractor)")
           ).to_be_visible()
    expect(jo.page.get_by_text("L1 end-to-end 1 (charity, tier-1 subcontractor)")
           ).to_be_visible()
    predict(sam.page, ("2", "30", "7"))
    predict(jo.page, ("5", "20", "4"))
    expect(teacher.page.get_by_text("Sam: Prime A (prime contractor) (predicted)")
           ).to_be_visible(timeout=ACT)

    teacher.page.get_by_role("button", name="Start").click()
    for person in (sam, jo):
        expect(person.page.get_by_role("button", name="Save my decisions")
               ).to_be_visible(timeout=ACT)
    # A fee out of range is refused with a sentence, and nothing else is lost.
    fee = sam.page.locator(".choice-management-fee input")
    fee.fill("150")
    sam.page.get_by_role("button", name="Save my decisions").click()
    expect(sam.page.get_by_text("expected a number from 0 to 100 (%), got '150'")
           ).to_be_visible(timeout=ACT)
    fee.fill("60")
    sam.page.locator(".choice-attachment-passed input").fill("40")
    sam.page.get_by_role("button", name="Save my decisions").click()
    expect(sam.page.get_by_text("Saved: management fee 60%; passes on 40% of attachment fees"
                                )).to_be_visible(timeout=ACT)
    jo.page.get_by_role("button", name="Save my decisions").click()
    expect(jo.page.get_by_text("Saved: no change")).to_be_visible(timeout=ACT)
    expect(teacher.page.get_by_text("2 of 2 pupils have decided this turn.")
           ).to_be_visible(timeout=ACT)

    for n in (13, 26):
        teacher.page.get_by_role("button", name=re.compile("Next turn")).click()
        for person in (teacher, sam, jo):
            week(person.page, n)
    # The charity's cash on Jo's screen is the run with Sam's fee: less than without it.
    played, plain = cash_after_two_turns("60"), cash_after_two_turns(None)
    assert played < plain
    cash = jo.page.locator(".facts tr").first
    expect(cash).to_contain_text(money(played))
    expect(teacher.page.get_by_text("Week 0: Prime A: management fee 60%.")).to_be_visible()
    # The phone's page fits a phone; the projector's text is 18 px or more.
    assert jo.page.evaluate("() => document.querySelector('.pupil').scrollWidth") <= PHONE[
        "width"]
    smallest = teacher.page.evaluate("""() => Math.min(...[...document.querySelectorAll(
        '.teacher *')].filter(e => e.offsetParent !== null && [...e.childNodes].some(
        n => n.nodeType === 3 && n.textContent.trim())).map(
        e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 18

    # Jo's phone drops out; she joins again with the same code and name.
    jo.close()
    jo_again = people()
    expect(jo_again.page.get_by_role("button", name="Join")).to_be_visible(timeout=LOAD)
    join_week = jo_again.page
    join_week.get_by_label("Room code").first.fill(code)
    join_week.get_by_label("Your name").fill("jo")
    join_week.get_by_role("button", name="Join").click()
    week(join_week, 26)
    expect(join_week.get_by_text(f"Room {code} · Jo · L1 end-to-end 1")).to_be_visible()

    teacher.page.get_by_role("button", name="End game").click()
    debrief = "Debrief: what your decisions did, on the same 1,000 claimants"
    expect(teacher.page.get_by_text(debrief)).to_be_visible(timeout=END)
    table = teacher.page.locator("table.comparison")
    for column in ("Your class", "The model, two-tier", "The model, locality", "No programme"):
        expect(table).to_contain_text(column)
    expect(teacher.page.get_by_text("L1 end-to-end 1 (charity, tier-1 subcontractor), played "
                                    "by Jo")).to_be_visible()
    expect(sam.page.get_by_text(debrief)).to_be_visible(timeout=ACT)
    with teacher.page.expect_download() as pdf:
        teacher.page.get_by_role("button", name="Summary (PDF)").click()
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
    with teacher.page.expect_download() as toml:
        teacher.page.get_by_role("button", name="Your decisions (scenario file)").click()
    path = tmp_path / toml.value.suggested_filename
    toml.value.save_as(path)
    assert path.name == f"game_{code}.toml"
    decisions = load_scenario(path).decisions
    assert {"week": 0, "organisation": "Prime A", "outcome_pass_through": pytest.approx(0.4),
            "attachment_pass_through": pytest.approx(0.4)} in decisions


def test_two_rooms_on_one_server_never_touch(people):
    first, second = people(PROJECTOR), people(PROJECTOR)
    a, b = create_room(first), create_room(second)
    assert a != b
    ann = people()
    join(ann, b, "<i>Ann</i> & co")
    # What a pupil types is shown as typed, never as markup.
    expect(second.page.get_by_text("<i>Ann</i> & co: Prime A (prime contractor)")
           ).to_be_visible(timeout=ACT)
    assert second.page.locator(".teacher i", has_text="Ann").count() == 0
    first.page.get_by_role("button", name="Start").click()
    first.page.get_by_role("button", name=re.compile("Next turn")).click()
    week(first.page, 13)
    expect(second.page.get_by_text("of 260: the game has not started")).to_be_visible()
    week(second.page, 0)
    week(ann.page, 0)
    expect(ann.page.get_by_text("Wait for your teacher to start the game.")).to_be_visible()

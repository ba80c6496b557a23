"""The Mesa view (`/mesa`): the model in Mesa's own SolaraViz, used as a person uses it.

The same set-up as `test_app_browser.py`: `commissioning app` on a free port
(tests/app_server.py), Debian's Chromium, a fresh browser context (a fresh
Solara session) per test, and after every test no failed request (the app is
offline) and no Python traceback on the page. The buttons and texts are
SolaraViz's own: "Reset", "▶" / "❚❚", "Step" and its counter "Step: N".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from commissioning.viz.mesa_page import PLAY_INTERVAL_MS

from .app_server import WEEKS, chromium_or_skip, playwright_or_skip

playwright_api = playwright_or_skip()
expect = playwright_api.expect

chromium_or_skip()

LOAD = 45_000  # ms: the page builds a model and draws it
ACT = 30_000  # ms: anything a click starts (a scenario change builds two models)



class Session:
    """One browser context (one Solara session) that records failed requests."""

    def __init__(self, browser, base: str, **context):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context)
        self.failures: list[str] = []
        self.pages: list = []

    def open(self, path: str = "mesa"):
        page = self.context.new_page()
        # Solara's kernel-close beacon fails whenever a page closes: not a failure.
        page.on("requestfailed", lambda r: None if "/_solara/api/close/" in r.url
                else self.failures.append(f"failed {r.url}"))
        page.on("response", lambda r: self.failures.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.goto(self.base + path)
        self.pages.append(page)
        return page

    def check_and_close(self) -> None:
        try:
            for page in self.pages:
                body = page.inner_text("body")
                assert "Traceback" not in body, "a traceback reached the page"
                assert "Something went wrong" not in body, body
            assert not self.failures, f"requests failed (the app must work offline): " \
                                      f"{self.failures}"
        finally:
            self.context.close()


@pytest.fixture
def session(browser, app_url) -> Iterator[Session]:
    s = Session(browser, app_url)
    yield s
    s.check_and_close()


PICTURES = 9  # the network, its key (drawn once) and seven charts


def mesa_view(session: Session, path: str = "mesa"):
    page = session.open(path)
    expect(step_button(page)).to_be_enabled(timeout=LOAD)
    expect(page.locator(".mesa-view .picture img")).to_have_count(PICTURES, timeout=LOAD)
    return page


def step_button(page):
    return page.get_by_role("button", name="Step", exact=True)


def counter(page, n: int) -> None:
    """SolaraViz's step counter (its Information card) shows n; a step is a week."""
    expect(page.get_by_text(f"Step: {n}", exact=True)).to_be_visible(timeout=ACT)
    expect(page.get_by_text(re.compile(rf"^Week {n} of {WEEKS}"))).to_be_visible()


def steps_shown(page) -> int:
    return int(re.search(r"Step: (\d+)", page.inner_text("body")).group(1))


def settled(page) -> int:
    """The step counter once it has stood still for longer than a week of Play can take.

    Mesa 3.3.1's Play loop sleeps `play_interval` and then steps, and its `do_step`
    steps even when Pause was pressed during that sleep: one more week may land up
    to a play interval, plus the week and its redraw, after Pause. So stillness is
    judged over three play intervals, not one (one interval made this test flaky).
    """
    still_for = 3 * PLAY_INTERVAL_MS
    shown, since = steps_shown(page), 0
    for _ in range(40):
        page.wait_for_timeout(200)
        now = steps_shown(page)
        since = since + 200 if now == shown else 0
        shown = now
        if since >= still_for:
            return now
    raise AssertionError(f"the step counter is still moving: {shown}")


def model_line(page):
    """The page's line above the pictures: the week and the model's parameters."""
    return page.locator(".mesa-now")


def picture_sources(page) -> list[str]:
    return page.eval_on_selector_all(".mesa-view .picture img", "imgs => imgs.map(i => i.src)")


def test_mesa_view_loads_offline_in_mesas_interface_and_steps(session):
    page = mesa_view(session)
    expect(page.get_by_role("tab", name="Mesa view")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Mesa's standard SolaraViz interface")).to_be_visible()
    expect(page.get_by_text("is the fuller classroom view")).to_be_visible()
    for card in ("Controls", "Model Parameters", "Information"):
        expect(page.locator(".v-card__title", has_text=card)).to_be_visible()
    for button in ("Reset", "▶"):
        expect(page.get_by_role("button", name=button, exact=True)).to_be_enabled()
    for label in ("Claimants", "Seed (the people and their luck)", "Attachment fee (£)",
                  "Job outcome fee (£)", "Service fee share", "Recession depth"):
        expect(page.get_by_text(label, exact=True)).to_be_visible()
    for label, value in (("Claimants", "2000"), ("Seed (the people and their luck)", "1"),
                         ("Attachment fee (£)", "400"), ("Job outcome fee (£)", "1200")):
        expect(page.get_by_role("slider", name=label)).to_have_attribute("aria-valuenow", value)
    expect(page.get_by_label("Commissioning regime")).to_be_attached()
    counter(page, 0)
    expect(model_line(page)).to_contain_text("two_tier, 2,000 claimants, seed 1")
    expect(page.get_by_text("47 organisations: 3 primes")).to_be_visible()
    for n in (1, 2):  # Step advances the counter and redraws the network and the charts
        before = picture_sources(page)
        step_button(page).click()
        page.wait_for_function(
            "([before, n]) => document.body.innerText.includes(`Step: ${n}`) && "
            "[...document.querySelectorAll('.mesa-view .picture img')].filter((img, k) => "
            "img.src !== before[k]).length >= 7", arg=[before, n], timeout=LOAD)
        counter(page, n)


def test_reset_after_a_slider_change_rebuilds_the_model(session):
    page = mesa_view(session)
    step_button(page).click()
    counter(page, 1)
    seed = page.get_by_role("slider", name="Seed (the people and their luck)")
    seed.focus()
    seed.press("ArrowRight")
    expect(seed).to_have_attribute("aria-valuenow", "2")
    # A moved slider waits for Reset, as in any SolaraViz: the model on screen is unchanged.
    expect(model_line(page)).to_contain_text("seed 1,")
    counter(page, 1)
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(model_line(page)).to_contain_text("two_tier, 2,000 claimants, seed 2,", timeout=ACT)
    counter(page, 0)
    page.get_by_label("Commissioning regime").click(force=True)
    page.get_by_role("option", name="locality", exact=True).click()
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(model_line(page)).to_contain_text("locality, 2,000 claimants, seed 2,", timeout=ACT)
    expect(page.get_by_text("51 organisations: 3 large providers, 4 local partnerships")
           ).to_be_visible(timeout=ACT)
    step_button(page).click()
    counter(page, 1)


def test_two_sessions_have_their_own_models(browser, app_url):
    first, second = Session(browser, app_url), Session(browser, app_url)
    try:
        a, b = mesa_view(first), mesa_view(second)
        step_button(a).click()
        counter(a, 1)
        step_button(a).click()
        counter(a, 2)
        counter(b, 0)
        seed = b.get_by_role("slider", name="Seed (the people and their luck)")
        seed.focus()
        seed.press("ArrowRight")
        b.get_by_role("button", name="Reset", exact=True).click()
        expect(model_line(b)).to_contain_text("seed 2,", timeout=ACT)
        expect(model_line(a)).to_contain_text("seed 1,")
        counter(a, 2)
    finally:
        first.check_and_close()
        second.check_and_close()


def test_play_pauses_and_leaving_the_page_stops_it(session):
    """SolaraViz's Play thread outlives its page: leaving must stop the model, not run it on.

    Explore is opened first, so leaving for it is quick (its first visit builds a
    run, and the Mesa view is only taken down, and its model stopped, after that).
    """
    page = session.open("")
    expect(page.get_by_text("This run:")).to_be_visible(timeout=LOAD)
    page.get_by_role("tab", name="Mesa view").click()
    expect(step_button(page)).to_be_enabled(timeout=LOAD)
    expect(page.locator(".mesa-view .picture img")).to_have_count(PICTURES, timeout=LOAD)
    counter(page, 0)
    page.get_by_role("button", name="▶", exact=True).click()
    # Nine pictures a week on a shared 2-core machine: Play may be slow, so wait long.
    expect(page.get_by_text(re.compile(r"^Step: ([3-9]|\d\d+)$"))).to_be_visible(timeout=LOAD)
    page.get_by_role("button", name="❚❚", exact=True).click()
    expect(step_button(page)).to_be_enabled(timeout=LOAD)
    paused_at = settled(page)  # a week under way, or Mesa's late one, still lands
    page.wait_for_timeout(700)  # several weeks of Play
    assert steps_shown(page) == paused_at
    page.get_by_role("button", name="▶", exact=True).click()
    expect(page.get_by_text(re.compile(rf"^Step: ({paused_at + 2}|{paused_at + 3}|"
                                       rf"{paused_at + 4})$"))).to_be_visible(timeout=LOAD)
    page.get_by_role("tab", name="Explore").click()
    expect(page.get_by_text("This run:")).to_be_visible(timeout=LOAD)
    expect(page.locator(".mesa-view")).to_have_count(0, timeout=ACT)
    page.wait_for_timeout(1500)  # a Play loop left running would step ~15 weeks meanwhile
    page.get_by_role("tab", name="Mesa view").click()
    expect(step_button(page)).to_be_enabled(timeout=LOAD)
    expect(page.locator(".mesa-view .picture img")).to_have_count(PICTURES, timeout=LOAD)
    left_at = settled(page)
    page.wait_for_timeout(700)
    assert steps_shown(page) == left_at, "the model went on stepping after the page was left"
    assert left_at <= paused_at + 8
    expect(model_line(page)).to_contain_text(f"Week {left_at} of {WEEKS}")
    step_button(page).click()
    counter(page, left_at + 1)


SLIDER_NAMES = """
els => [...els].filter(input => input.offsetParent !== null).map(input => {
    const label = input.querySelector('.v-label');
    const value = input.querySelector('.v-slider__thumb-label');
    const a = label.getBoundingClientRect(), b = value.getBoundingClientRect();
    const card = input.closest('.v-card').getBoundingClientRect();
    return {name: label.textContent.trim(), cut: label.scrollWidth > label.clientWidth,
            covered: a.right > b.left && b.right > a.left && a.bottom > b.top
                     && b.bottom > a.top,
            outside: b.left < card.left || b.right > card.right};
})
"""


def test_every_slider_shows_its_whole_name_and_its_value_inside_its_card(session):
    """SolaraViz puts a slider's name beside its track, where the value shown over the
    thumb covered the name's end ("Recession dept"): each name is whole and uncovered."""
    page = mesa_view(session)
    sliders = page.eval_on_selector_all(".v-navigation-drawer .v-input:has(.v-slider)",
                                        SLIDER_NAMES)
    assert len(sliders) == 6, sliders  # the model's; Mesa's play and render intervals are hidden
    assert [s["name"] for s in sliders if s["cut"] or s["covered"] or s["outside"]] == [], \
        sliders


def test_a_computer_in_dark_mode_keeps_the_app_light(browser, app_url):
    """SolaraViz's theme toggle follows the system's dark mode; the app is drawn for light."""
    s = Session(browser, app_url, color_scheme="dark")
    try:
        page = mesa_view(s)
        page.wait_for_timeout(500)
        assert "theme--light" in page.get_attribute(".v-application", "class")
        page.get_by_role("tab", name="Explore").click()
        expect(page.get_by_text("This run:")).to_be_visible(timeout=LOAD)
        assert "theme--light" in page.get_attribute(".v-application", "class")
    finally:
        s.check_and_close()

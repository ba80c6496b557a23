"""The browser app, used as a person uses it: `commissioning app`, then Chromium.

One server for the module (started by the command a user types, on a free
port, its output in a log file); a fresh browser context, hence a fresh
Solara session, for every test. Every page must load with no failed request
(the app is offline: no CDN, nothing outside the server) and never show a
Python traceback; both are checked after each test. Solara's kernel-close
beacon (`/_solara/api/close/`) fails whenever a page closes: not a failure.

Waits are Playwright's `expect(...)` conditions, never fixed sleeps, so the
tests are as quick as the app. How long a step takes is measured by
`benchmarks/app_step_timing.py` (a speed target is a benchmark, not a test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from commissioning.cli.main import main
from commissioning.model import load_scenario
from commissioning.viz.lesson_material import experiments
from commissioning.viz.scenario_files import title_of
from commissioning.viz.settings import KNOB, KNOBS, Settings
from commissioning.viz.state import settings_for

from .app_server import WEEKS, chromium_or_skip, playwright_or_skip

playwright_api = playwright_or_skip()
expect = playwright_api.expect

chromium_or_skip()

PENDING = "These settings are not the run's yet."
LOAD = 45_000  # ms: the first page of a session builds a model and draws it
ACT = 30_000  # ms: anything a click starts (a scenario change builds two models)
BAD_SCENARIO = """\
[scenario]
name = "A scenario with a typo"
inherits = "two_tier.toml"

[area]
claimants = -5
"""
#: Settings between the sliders' steps (a calibrated fee rarely sits on a round number).
OFF_GRID_SCENARIO = """\
[scenario]
name = "Between the steps"
inherits = "two_tier.toml"

[providers]
third_sector_reserves_weeks = 12.5

[contract]
outcome_pass_through = 0.6543
"""
GOOD_SCENARIO = """\
[scenario]
name = "Locality, deep recession"
description = "Uploaded in a test."
inherits = "locality.toml"

[labour_market]
recession_depth = 0.6
"""



class Watched:
    """A browser context whose pages report failed requests and error responses."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                           accept_downloads=True)
        self.failures: list[str] = []
        self.pages: list = []

    def open(self, path: str = ""):
        page = self.context.new_page()
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
                assert "Traceback" not in page.inner_text("body"), "a traceback reached the page"
            assert not self.failures, f"requests failed (the app must work offline): " \
                                      f"{self.failures}"
        finally:
            self.context.close()


@pytest.fixture
def session(browser, app_url) -> Iterator[Watched]:
    watched = Watched(browser, app_url)
    yield watched
    watched.check_and_close()


PICTURES = 9  # Explore: the network, its key and seven charts


def explore(session: Watched):
    page = session.open()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(timeout=LOAD)
    expect(page.locator(".picture img")).to_have_count(PICTURES, timeout=LOAD)
    return page


def week(page, n: int, of: int = WEEKS) -> None:
    expect(page.get_by_text(f"Week {n} of {of}")).to_be_visible(timeout=ACT)


def picture_sources(page) -> list[str]:
    # Pictures are drawn again once the page has said how wide they are shown, and may be
    # replaced between two looks: count them and read them in one look.
    return page.wait_for_function(
        "n => { const s = [...document.querySelectorAll('.picture img')].map(i => i.src);"
        " return s.length === n ? s : null; }", arg=PICTURES, timeout=ACT).json_value()


def choose(page, index: int, option: str) -> None:
    """Pick a scenario by its title in the page's `index`-th scenario picker."""
    page.locator(".scenario-picker").nth(index).click()
    page.get_by_role("option", name=option, exact=True).click()


def upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("Upload")).click()
    chooser.value.set_files(path)


def test_explore_loads_offline_steps_and_downloads(session):
    page = explore(session)
    expect(page.get_by_role("banner").get_by_text("Who should buy employment support?")
           ).to_be_visible()
    week(page, 0)
    expect(page.get_by_text("organisations: 3 primes")).to_be_visible()
    expect(page.get_by_text("two_tier.toml")).to_have_count(0)  # titles, not file names
    before = picture_sources(page)
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 1)
    page.wait_for_function("before => [...document.querySelectorAll('.picture img')]"
                           ".filter((img, k) => img.src !== before[k]).length >= 7",
                           arg=before, timeout=ACT)
    with page.expect_download() as download:
        page.get_by_role("button", name="Weekly numbers (CSV)").click()
    header, *rows = Path(download.value.path()).read_text().strip().splitlines()
    assert download.value.suggested_filename == "explore_two_tier_seed1_week1.csv"
    assert header.startswith("Scenario,Week,Date,Seed,Claimants,Claimants referred so far,"
                             "Job outcomes so far,Job outcomes per referral (%)")
    assert len(rows) == 2  # week 0 and week 1
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Every weekly column")).click()
    assert Path(download.value.path()).read_text().startswith(
        "scenario,seed,claimants,weeks,referrals,job_outcome_rate")
    with page.expect_download() as download:
        page.get_by_role("button", name="Pictures (PNG)").click()
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.get_by_role("button", name="13 weeks").click()
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 14)
    run_to = page.locator(".week-input input")  # straight there, on and back
    for target in (156, 40):
        run_to.fill(str(target))
        page.get_by_role("button", name="Go", exact=True).click()
        week(page, target)
        expect(page.get_by_text(re.compile(rf"^of {WEEKS} \(\w+ \d{{4}}\); [\d,]+ of 2,000 "
                                           "claimants referred$"))).to_be_visible()
    run_to.fill("9999")
    page.get_by_role("button", name="Go", exact=True).click()
    expect(page.get_by_text(f"Run to week: expected a week from 0 to {WEEKS}")
           ).to_be_visible(timeout=ACT)
    week(page, 40)


def test_changing_the_scenario_changes_the_network(session):
    page = explore(session)
    before = picture_sources(page)[0]
    choose(page, 0, "Locality partnerships")
    expect(page.get_by_text("51 organisations: 3 large providers, 4 local partnerships")
           ).to_be_visible(timeout=ACT)
    expect(page.get_by_text("Locality commissioning (partnerships, blended payments)").first
           ).to_be_visible()
    page.wait_for_function("before => document.querySelector('.picture img').src !== before",
                           arg=before, timeout=ACT)
    week(page, 0)


def test_compare_shows_both_regimes_stepped_together(session):
    page = session.open("compare")
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(timeout=LOAD)
    table = page.locator(".comparison table")
    expect(table).to_contain_text("Two-tier (Work Programme)", timeout=LOAD)
    expect(table).to_contain_text("Locality partnerships")
    for row in ("The same people, no programme", "Paid to specialists", "… of which service fees",
                "Routes to specialists used", "Cost of each extra lasting job"):
        expect(table).to_contain_text(row)
    # The captions come with the network pictures, drawn after the table.
    expect(page.get_by_text("Two-tier (Work Programme): 47 organisations")
           ).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Locality partnerships: 51 organisations")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("2,000 claimants and seed 1, so the same people")).to_be_visible()
    page.get_by_role("button", name="4 weeks").click()
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 4)
    expect(table).to_contain_text("week 4")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Every weekly column")).click()
    assert download.value.suggested_filename == \
        "compare_two_tier_locality_seed1_week4_all_columns.csv"
    rows = Path(download.value.path()).read_text().strip().splitlines()[1:]
    runs = {}
    for row in rows:
        scenario, seed, claimants, week_number = row.split(",")[:4]
        runs.setdefault(scenario, []).append((seed, claimants, week_number))
    assert set(runs) == {"two_tier", "locality"}
    assert runs["two_tier"] == runs["locality"]  # same seed, claimants and weeks, together
    assert [w for *_, w in runs["two_tier"]] == ["0", "1", "2", "3", "4"]


def test_lesson_renders_and_each_experiment_loads_exactly_its_settings(session):
    page = session.open("lesson")
    expect(page.get_by_role("heading", name="What is it?")).to_be_visible(timeout=LOAD)
    for heading in ("How it works", "How to use it", "Things to notice", "Things to try",
                    "Extending the model"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    found = experiments()
    buttons = page.get_by_role("button", name=re.compile(r"Load experiment \d into"))
    expect(buttons).to_have_count(len(found))
    for e in found:
        if e.number > 1:
            page.get_by_role("tab", name="Lesson").click()
        page.get_by_role("button", name=f"Load experiment {e.number} into {e.page.title()}"
                         ).click()
        first, *other = e.build(settings_for)  # what the experiment's text asks for
        if e.page == "explore":
            expect(page.get_by_text(f"This run: {first.describe()}.", exact=True)
                   ).to_be_visible(timeout=LOAD)
            assert page.url.rstrip("/") == session.base.rstrip("/")
        else:
            (second,) = other
            expect(page.get_by_text(
                f"Blue: {title_of(first.scenario_label)}. Orange: "
                f"{title_of(second.scenario_label)}. Both: {first.claimants:,} claimants and "
                f"seed {first.seed}, so the same people with the same luck.", exact=True)
            ).to_be_visible(timeout=LOAD)
            assert page.url.endswith("/compare")
        for name in ("claimants", "seed"):  # the sidebar shows the run's own settings
            knob = KNOB[name]
            expect(page.get_by_text(f"{knob.label}: {knob.format(getattr(first, name))}",
                                    exact=True)).to_be_visible()
        expect(page.get_by_text(PENDING)).to_have_count(0)
        week(page, 0)


def test_a_bad_uploaded_scenario_shows_its_error_and_a_good_one_runs(session, tmp_path,
                                                                   monkeypatch, capsys):
    """The page says what `commissioning validate` says of the same file: file, key, expected."""
    bad = tmp_path / "typo.toml"
    bad.write_text(BAD_SCENARIO)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "typo.toml"]) == 2
    said = capsys.readouterr().err.strip().removeprefix("error: ")
    assert said == ("typo.toml: area.claimants: expected a whole number between 1 and "
                    "5,000,000 (claimants), got -5")
    page = explore(session)
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 1)
    upload(page, bad)
    expect(page.get_by_text(f"That scenario file was not loaded. {said}", exact=True)
           ).to_be_visible(timeout=ACT)
    week(page, 1)  # the run on screen is untouched
    expect(page.get_by_text("This run: Two-tier (Work Programme)")).to_be_visible()
    good = tmp_path / "deep.toml"
    good.write_text(GOOD_SCENARIO)
    upload(page, good)
    expect(page.get_by_text("This run: Locality, deep recession (uploaded: deep.toml)")
           ).to_be_visible(timeout=ACT)
    expect(page.get_by_text("recession 60%").first).to_be_visible()
    expect(page.get_by_text("typo.toml")).to_have_count(0)


def test_two_sessions_have_their_own_runs(browser, app_url):
    first, second = Watched(browser, app_url), Watched(browser, app_url)
    try:
        a, b = explore(first), explore(second)
        a.get_by_role("button", name="4 weeks").click()
        a.get_by_role("button", name="Step", exact=True).click()
        week(a, 4)
        week(b, 0)
        b.get_by_role("button", name="Step", exact=True).click()
        week(b, 1)
        week(a, 4)
    finally:
        first.check_and_close()
        second.check_and_close()


def test_the_run_survives_moving_between_pages_and_leaving_pauses_play(session):
    page = explore(session)
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 1)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_text(re.compile(rf"Week ([3-9]|\d\d+) of {WEEKS}"))).to_be_visible(
        timeout=ACT)
    page.get_by_role("tab", name="Compare").click()
    expect(page.locator(".comparison table")).to_be_visible(timeout=LOAD)
    page.get_by_role("tab", name="Explore").click()
    expect(page.locator(".comparison table")).to_have_count(0, timeout=ACT)
    expect(page.get_by_text("This run: Two-tier (Work Programme)")).to_be_visible(timeout=ACT)
    # Explore's week, not Compare's (still at 0, and its sidebar may linger a moment).
    status = page.get_by_text(re.compile(rf"Week [1-9]\d* of {WEEKS}\b.*\(paused\)"))
    expect(status).to_be_visible(timeout=ACT)
    left_at = status.inner_text()
    page.wait_for_timeout(1000)  # a second of Play would be several weeks
    assert status.inner_text() == left_at


def test_play_runs_and_pause_stops(session):
    page = explore(session)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_text(re.compile(rf"Week ([3-9]|\d\d+) of {WEEKS}"))).to_be_visible(
        timeout=ACT)
    page.get_by_role("button", name="❚❚ Pause").click()
    expect(page.get_by_text(re.compile(rf"of {WEEKS}\b.*\(paused\)"))).to_be_visible(timeout=ACT)
    paused_at = page.get_by_text(re.compile(rf"Week \d+ of {WEEKS}")).inner_text()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
    page.get_by_role("button", name="Step", exact=True).click()
    n = int(re.search(r"Week (\d+)", paused_at).group(1))
    week(page, n + 1)
    page.get_by_role("button", name="Reset").click()  # a new run with the same settings
    week(page, 0)
    expect(page.get_by_text("This run: Two-tier (Work Programme): 2,000 claimants, seed 1,")
           ).to_be_visible()


def test_a_slider_waits_for_reset_and_its_rounding_is_no_change(session, tmp_path):
    """A slider sits on its nearest step (a calibrated 40.02% at 40%): that is no change.

    Moving a slider is, and waits for a new run. A Step is a round trip to the
    server: whatever the sliders sent when they were drawn has been handled by
    the time the next week is on screen.
    """
    page = explore(session)
    fresh = Settings.from_scenario(load_scenario("two_tier"), "two_tier.toml")
    for knob in KNOBS:
        if not knob.choices:
            value = knob.format(getattr(fresh, knob.name))
            expect(page.get_by_text(f"{knob.label}: {value}", exact=True)).to_be_visible()
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 1)
    expect(page.get_by_text(PENDING)).to_have_count(0)
    off_grid = tmp_path / "between.toml"
    off_grid.write_text(OFF_GRID_SCENARIO)
    upload(page, off_grid)
    expect(page.get_by_text("Between the steps", exact=True)).to_be_visible(timeout=ACT)
    expect(page.get_by_text("Management fee: 34.57%", exact=True)).to_be_visible()
    expect(page.get_by_text("Charities' cash reserves: 12.5 weeks", exact=True)).to_be_visible()
    page.get_by_role("button", name="Step", exact=True).click()
    week(page, 1)
    expect(page.get_by_text(PENDING)).to_have_count(0)
    expect(page.get_by_text("This run: Between the steps (uploaded: between.toml): 2,000 "
                            "claimants, seed 1, attachment fee £400, job outcome fee £1,200, "
                            "management fee 34.57%")).to_be_visible()
    seed = page.get_by_role("slider").nth(1)  # claimants, then seed
    seed.focus()
    seed.press("ArrowRight")
    expect(page.get_by_text("Seed (the people and their luck): 2")).to_be_visible(timeout=ACT)
    expect(page.get_by_text(PENDING)).to_be_visible()
    expect(page.get_by_text("This run: Between the steps (uploaded: between.toml): 2,000 "
                            "claimants, seed 1,")).to_be_visible()
    page.get_by_role("button", name="Start a new run with them").click()
    expect(page.get_by_text("This run: Between the steps (uploaded: between.toml): 2,000 "
                            "claimants, seed 2, attachment fee £400, job outcome fee £1,200, "
                            "management fee 34.57%")).to_be_visible(timeout=ACT)
    expect(page.get_by_text(re.compile("^Against the run before, at week 0: seed 2, was 1"))
           ).to_be_visible()
    expect(page.get_by_text(PENDING)).to_have_count(0)


def test_ctrl_c_stops_the_app_with_one_line_and_its_spread_worker_with_it(browser, tmp_path):
    """Ctrl-C in the teacher's terminal reaches the app, its server and Spread's worker
    process: the app says "stopped" (status 130) with no traceback, and nothing is left
    running, even with a spread half done (its worker, which waits for work from the
    server for ever, once stayed behind with a few hundred MB at each restart)."""
    import time

    from .app_server import _answers, free_port
    from .interrupts import group_gone, press_ctrl_c, start_as_in_a_terminal

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "app.log"
    proc = start_as_in_a_terminal(["app", "--host", "127.0.0.1", "--port", str(port)], log)
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        page = browser.new_page()
        page.goto(url + "spread")
        page.get_by_role("button", name=re.compile(r"^Run \d+ runs$")).click(timeout=60_000)
        expect(page.get_by_text(re.compile(r"[1-9]\d* of \d+ runs done"))).to_be_visible(
            timeout=120_000)  # the worker is running them
        page.close()
        rc = press_ctrl_c(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert rc == 130 and "stopped" in text, text
    assert "Traceback" not in text, text
    assert group_gone(proc.pid), "left running after Ctrl-C"

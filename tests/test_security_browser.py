"""A curious pupil at the classroom app, in a real browser (issue 19).

The app is started as a teacher starts it (`commissioning app`) and opened
in Debian's Chromium. What a pupil can do from the browser's console is done
here the same way: Solara's page exposes its widget manager
(`solara.debug.widgetManager()`), so a control's state can be rewritten and
sent to the server as if the control had sent it. Nothing may reach a file
on the server, a traceback may never reach the page, a refusal is a plain
sentence, and no page may break its own Content-Security-Policy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .app_server import WEEKS, chromium_or_skip, playwright_or_skip, running_app

playwright_api = playwright_or_skip()
expect = playwright_api.expect

chromium_or_skip()

LOAD = 45_000  # ms: the first page of a session builds a model and draws it
ACT = 30_000  # ms: anything a click starts (a scenario change builds two models)
SECRET = "hunter2-password"
SCRIPT_NAME = "<img src=x onerror=alert(document.cookie)>"

#: Rewrite a control's state in the page and send it, as from the browser's console.
REWRITE = """async ([label, changes]) => {
  const manager = solara.debug.widgetManager();
  const models = await Promise.all(Object.values(manager._models));
  const control = models.find(m => m.get('label') === label);
  for (const [key, value] of Object.entries(changes)) { control.set(key, value); }
  control.save_changes();
}"""
#: Ask the server to make a new control (a text box of 100 kB): was the comm closed at once?
NEW_CONTROL = """async () => {
  const comm = solara.debug.kernel().createComm('jupyter.widget');
  const closed = new Promise(resolve => { comm.onClose = () => resolve(true); });
  comm.open({state: {_model_module: '@jupyter-widgets/controls', _model_module_version: '2.0.0',
                     _model_name: 'TextModel', _view_module: '@jupyter-widgets/controls',
                     _view_module_version: '2.0.0', _view_name: 'TextView',
                     value: 'x'.repeat(100000)}, buffer_paths: []}, {version: '2.1.0'});
  return await Promise.race([closed, new Promise(r => setTimeout(() => r(false), 10000))]);
}"""
#: Call the upload button's message to the server directly, with any name and content.
SEND_FILE = """([name, size, text]) => {
  const button = document.querySelector('.upload-scenario').__vue__;
  button.received({name, size}, [new TextEncoder().encode(text).buffer]);
}"""


class Pupil:
    """A browser context (a Solara session) that records failures, dialogs and CSP breaches."""

    def __init__(self, browser, base: str):
        self.base = base
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.pages: list = []

    def open(self, path: str = ""):
        page = self.context.new_page()
        page.on("requestfailed", lambda r: None if "/_solara/api/close/" in r.url
                else self.problems.append(f"failed {r.url}"))
        page.on("console", lambda m: self.problems.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(self.base + path)
        self.pages.append(page)
        return page

    def check_and_close(self) -> None:
        try:
            for page in self.pages:
                body = page.inner_text("body")
                assert "Traceback" not in body and SECRET not in body
            assert not self.problems, self.problems
            assert not self.dialogs, f"a script ran in the page: {self.dialogs}"
        finally:
            self.context.close()


@pytest.fixture
def pupil(browser, app_url) -> Iterator[Pupil]:
    someone = Pupil(browser, app_url)
    yield someone
    someone.check_and_close()


@pytest.fixture
def secret_file(tmp_path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(f'[scenario]\nname = "{SECRET}"\ninherits = "locality.toml"\n')
    return path


def explore(pupil: Pupil):
    page = pupil.open()
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(timeout=LOAD)
    return page


def rewrite(page, label: str, **changes) -> None:
    page.evaluate(REWRITE, [label, changes])


def upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("Upload")).click()
    chooser.value.set_files(path)


def test_the_picker_takes_only_what_it_offers(pupil, secret_file):
    page = explore(pupil)
    rewrite(page, "Scenario file", v_model=str(secret_file))
    expect(page.get_by_text(re.compile("Not used: the page sent “Scenario file”"))
           ).to_be_visible(timeout=ACT)
    rewrite(page, "Scenario file", items=["two_tier.toml", str(secret_file)])
    rewrite(page, "Scenario file", v_model=str(secret_file))
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_text(f"Week 1 of {WEEKS}")).to_be_visible(timeout=ACT)
    expect(page.get_by_text("This run: Two-tier (Work Programme)")).to_be_visible()


def test_a_tab_bar_takes_only_its_tabs(pupil):
    """Tab 99 of the page's tab bar was an IndexError traceback on the page."""
    page = explore(pupil)
    page.evaluate("""async () => {
      const models = await Promise.all(Object.values(solara.debug.widgetManager()._models));
      for (const tabs of models.filter(m => m.get('_model_name') === 'TabsModel')) {
        tabs.set('v_model', 99); tabs.save_changes(); } }""")
    expect(page.get_by_text(re.compile("Not used: the page sent a control 99, not one of its "
                                       "tabs"))).to_be_visible(timeout=ACT)
    page.get_by_role("tab", name="Compare").click()
    expect(page.locator(".comparison table")).to_be_visible(timeout=LOAD)


def test_the_mesa_view_refuses_what_its_controls_do_not_offer(pupil):
    page = pupil.open("mesa")
    expect(page.get_by_role("button", name="Reset")).to_be_visible(timeout=LOAD)
    rewrite(page, "Commissioning regime", v_model="evil")
    expect(page.get_by_text("Not used: the page sent “Commissioning regime” 'evil'")
           ).to_be_visible(timeout=ACT)
    rewrite(page, "Claimants", v_model=5_000_000)
    expect(page.get_by_text("Not used: the page sent “Claimants” 5,000,000, not 200 to "
                            "20,000.")).to_be_visible(timeout=ACT)
    rewrite(page, "Play Interval (ms)", v_model=-1)
    expect(page.get_by_text("“Play Interval (ms)” -1")).to_be_visible(timeout=ACT)
    page.get_by_role("button", name="Reset").click()
    line = page.get_by_text(re.compile("the model on screen: two_tier, [0-9,]+ claimants"))
    expect(line).to_be_visible(timeout=LOAD)
    claimants = int(re.search(r"two_tier, ([0-9,]+) claimants", line.inner_text())
                    .group(1).replace(",", ""))
    assert claimants <= 20_000


def test_a_file_named_like_a_script_is_just_its_name_on_compare(pupil, tmp_path):
    hostile = tmp_path / f"{SCRIPT_NAME}.toml"
    hostile.write_text('[scenario]\nname = "$x+x$ <b>bold</b>"\ninherits = "locality"\n')
    page = pupil.open("compare")
    table = page.locator(".comparison table")
    expect(table).to_contain_text("Two-tier (Work Programme)", timeout=LOAD)
    upload(page, hostile)
    expect(table).to_contain_text(SCRIPT_NAME[:30], timeout=ACT)  # titles: at most 40 characters
    expect(page.locator(".comparison img, .comparison b")).to_have_count(0)
    page.get_by_role("button", name="Step", exact=True).click()
    expect(table).to_contain_text("week 1", timeout=ACT)


def test_odd_uploads_get_one_plain_sentence(pupil, tmp_path):
    page = explore(pupil)
    refused = page.get_by_text(re.compile("^That scenario file was not loaded"))
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 300_000)
    upload(page, big)
    expect(refused).to_have_text("That scenario file was not loaded. big.toml: expected a "
                                 "scenario file of at most 200 kB (this one is 300 kB)",
                                 timeout=ACT)
    huge = tmp_path / "huge.toml"  # over the server's 16 MB message limit before issue 19
    huge.write_bytes(b"#" * 20_000_000)
    upload(page, huge)
    expect(refused).to_contain_text("huge.toml: expected a scenario file of at most 200 kB "
                                    "(this one is 20.0 MB)", timeout=ACT)
    page.evaluate(SEND_FILE, ["a" * 300 + ".toml", 10, "[area]\n"])
    expect(refused).to_contain_text("a file name of at most 100 characters", timeout=ACT)
    page.evaluate(SEND_FILE, ["bad\u0000name.toml", 10, "[area]\n"])
    expect(refused).to_contain_text("a file name without control characters", timeout=ACT)
    page.evaluate(SEND_FILE, ["child.toml", 30, "[scenario]\ninherits = '/etc/passwd'\n"])
    expect(refused).to_contain_text("child.toml: scenario.inherits: expected a shipped "
                                    "scenario", timeout=ACT)
    assert "/tmp" not in page.inner_text("body")
    expect(page.get_by_text("This run: Two-tier (Work Programme)")).to_be_visible()


@pytest.fixture
def small_server(tmp_path) -> Iterator[str]:
    """A server for one tab at a time, releasing a tab gone without closing after 6 s."""
    with running_app(tmp_path / "app.log", ["--max-sessions", "1",
                                            "--session-timeout", "0.1"]) as url:
        yield url


def test_a_full_server_says_so_and_a_vanished_tab_gives_its_place_back(browser, small_server):
    first, second = Pupil(browser, small_server), Pupil(browser, small_server)
    try:
        page = explore(first)
        waiting = second.open()
        expect(waiting.get_by_text(re.compile("already has 1 browser tab open"))
               ).to_be_visible(timeout=LOAD)
        expect(waiting.get_by_role("button", name="Step", exact=True)).to_have_count(0)
        page.close()  # as a killed browser: no close message, only the connection drops
        time.sleep(8)  # the session timeout (6 s), then the server releases the session
        waiting.reload()
        expect(waiting.get_by_role("button", name="Step", exact=True)).to_be_enabled(
            timeout=LOAD)
    finally:
        first.pages.clear()  # closed on purpose
        first.check_and_close()
        second.check_and_close()


def test_a_page_cannot_make_controls_on_the_server(pupil):
    page = explore(pupil)
    assert page.evaluate(NEW_CONTROL) is True
    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.get_by_text(f"Week 1 of {WEEKS}")).to_be_visible(timeout=ACT)

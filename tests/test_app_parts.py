"""The browser app's parts without a browser: settings, uploads, lessons, runs, pictures.

These are quick checks of the translations a browser test cannot see
directly: that a slider left alone changes nothing, that a fee slider keeps
each payment group's price in proportion, that an uploaded file is refused
with the command line's message naming the file, that every guided
experiment loads exactly its settings, and that a run which fails says so
instead of raising.
"""

from __future__ import annotations

import itertools
import re
import socket
from pathlib import Path

import pytest

from commissioning.cli.main import main
from commissioning.model import CommissioningModel, ScenarioError, load_scenario
from commissioning.viz import lesson_check
from commissioning.viz.layout import DEFAULT, Layout
from commissioning.viz.lesson_material import experiments, info_text, parse_experiment
from commissioning.viz.pictures import frame, picture_names, sheet_of, width_of
from commissioning.viz.runs import Runs
from commissioning.viz.scenario_files import load_upload, shipped_files, title_of
from commissioning.viz.settings import KNOB, KNOBS, Settings
from commissioning.viz.state import settings_for
from commissioning.viz.views import follow_sentence


def settings(name: str = "two_tier", **changes) -> Settings:
    base = Settings.from_scenario(load_scenario(name), f"{name}.toml")
    return base.changed(**changes) if changes else base


@pytest.mark.parametrize("name", ["two_tier", "locality", "two_tier_recession"])
def test_settings_left_alone_reproduce_the_scenario(name):
    s = settings(name)
    model = CommissioningModel(**s.model_kwargs())
    reference = CommissioningModel(scenario=name, claimants=s.claimants)
    assert model.p == reference.p
    assert s.claimants == 2000  # the classroom's scale, whatever the file says


def test_fee_sliders_keep_the_groups_in_proportion():
    p = CommissioningModel(**settings(attachment_fee=200, job_outcome_fee=2400)
                           .model_kwargs()).p
    base = load_scenario("two_tier").params
    for group, fee in base["attachment_fee"].items():
        assert p["attachment_fee"][group] == pytest.approx(fee / 2)
    for group, fee in base["job_outcome_fee"].items():
        assert p["job_outcome_fee"][group] == pytest.approx(fee * 2)


def test_management_fee_and_specialist_rule_are_terms_of_the_scenarios_contract():
    two_tier = CommissioningModel(**settings(management_fee=40).model_kwargs()).p
    assert two_tier["outcome_pass_through"] == pytest.approx(0.6)
    local = settings("locality", management_fee=10,
                     referral_rule="when the case holder expects it to pay")
    p = CommissioningModel(**local.model_kwargs()).p
    assert p["outcome_pass_through"] == pytest.approx(0.9)
    assert p["referral_rule"] == "expected_value"
    untouched = settings("locality").model_kwargs()
    assert CommissioningModel(**untouched).p["outcome_pass_through"] == load_scenario(
        "locality").params["outcome_pass_through"]


def test_a_setting_out_of_range_is_refused_with_its_name():
    with pytest.raises(ScenarioError, match="claimants: expected a number from 200 to 20000"):
        settings(claimants=10)
    with pytest.raises(ScenarioError, match="referral_rule"):
        settings(referral_rule="by lottery")
    assert {k.name for k in KNOBS} >= {"attachment_fee", "job_outcome_fee", "management_fee",
                                       "service_fee_share", "recession_depth", "claimants",
                                       "seed"}


def test_a_slider_is_handed_its_nearest_step_and_the_setting_keeps_its_value():
    """The browser's slider rounds a value between its steps and reports the rounding as a
    move, so it is handed the step it would show (half-way rounds up, as JavaScript does)."""
    fee = KNOB["management_fee"]  # whole per cents
    assert fee.on_steps(40.32) == 40 and fee.on_steps(40.5) == 41 and fee.on_steps(40.7) == 41
    assert KNOB["attachment_fee"].on_steps(412.5) == 425  # steps of £25
    assert KNOB["claimants"].on_steps(20_000) == 20_000
    for knob in (k for k in KNOBS if not k.choices):
        for value in (knob.low, knob.high, (knob.low + knob.high) / 3):
            shown = knob.on_steps(value)
            assert knob.low <= shown <= knob.high
            assert abs(shown - value) <= knob.step / 2 + 1e-9
            assert (shown - knob.low) / knob.step == pytest.approx(round((shown - knob.low)
                                                                         / knob.step))
    s = settings()
    assert s.changed().management_fee == s.management_fee  # nothing rounds the setting itself
    assert fee.format(40.01985) == "40.02%" and fee.format(40.0) == "40%"


def test_an_uploaded_file_is_checked_like_the_command_line_checks_it():
    with pytest.raises(ScenarioError) as bad:
        load_upload("typo.toml", b'[scenario]\ninherits = "two_tier.toml"\n[payments]\n'
                                 b"atachment_fee = 3\n")
    assert str(bad.value).startswith("typo.toml: payments.atachment_fee: expected a "
                                     "parameter of [payments]")
    assert "commissioning-upload" not in str(bad.value)  # not the temporary copy's path
    with pytest.raises(ScenarioError, match=re.escape("notes.txt: expected a scenario file")):
        load_upload("notes.txt", b"")
    with pytest.raises(ScenarioError, match=re.escape("broken.toml: expected valid TOML")):
        load_upload("broken.toml", b"[area\n")
    label, scenario = load_upload("mine.toml", b'[scenario]\nname = "Mine"\n'
                                               b'inherits = "locality.toml"\n')
    assert label == "mine.toml (uploaded)"
    assert scenario.params["regime"] == "locality"


def test_every_experiment_loads_its_settings_and_has_a_question():
    found = experiments()
    assert 4 <= len(found) <= 6
    assert [e.number for e in found] == list(range(1, len(found) + 1))
    for e in found:
        runs = e.build(settings_for)
        assert len(runs) == (1 if e.page == "explore" else 2)
        assert e.question.endswith("?") and e.text
        for s in runs:
            for name, value in e.settings.items():
                assert getattr(s, name) == value
            CommissioningModel(**s.model_kwargs())  # valid model parameters
        if e.page == "compare":
            assert runs[0].seed == runs[1].seed and runs[0].claimants == runs[1].claimants
    assert sum(e.minutes for e in found) <= 60
    for heading in ("What is it?", "How it works", "How to use it", "Things to notice",
                    "Things to try", "Extending the model"):
        assert f"## {heading}" in info_text()


TEACHING = Path(__file__).resolve().parents[1] / "docs" / "teaching.md"


@pytest.fixture(scope="module")
def lesson_runs() -> lesson_check.Measurements:
    return lesson_check.measure()  # every experiment's settings, as its button loads them


def test_what_the_lesson_says_students_will_see_is_what_the_model_shows(lesson_runs):
    assert lesson_check.failed_claims(lesson_runs) == []


def test_the_lesson_plans_numbers_are_the_models_numbers_now(lesson_runs):
    """Refresh with `python -m commissioning.viz.lesson_check --write docs/teaching.md`."""
    text = TEACHING.read_text(encoding="utf-8")
    assert lesson_check.marked_names(text) == ["e1", "e2", "e3", "e4", "e5", "e6", "glossary"]
    assert lesson_check.fill(text, lesson_check.blocks(lesson_runs)) == text


def test_the_lesson_plan_has_the_lesson_pages_experiments_in_order():
    text = TEACHING.read_text(encoding="utf-8")
    headings = re.findall(r"^### (\d)\. (.+?) \((Explore|Compare): (.*)\)$", text, re.M)
    assert [(int(n), title, page.lower()) for n, title, page, _ in headings
            ] == [(e.number, e.title, e.page) for e in experiments()]
    for (*_, details), e in zip(headings, experiments(), strict=True):
        assert f"{e.minutes} minutes" in details
        assert all(f"*{title_of(scenario)}*" in details for scenario in e.scenarios)
    for part in ("## Learning goals", "## Timeline", "## Discussion questions", "## Glossary",
                 "## Worksheet"):
        assert part in text
    # The class's 50 minutes: the timeline's last row ends at 50, every row follows on.
    rows = re.findall(r"^\| (\d+)-(\d+) \|", text, re.M)
    assert rows[0][0] == "0" and rows[-1][1] == "50"
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))


def test_a_malformed_experiment_file_is_refused():
    with pytest.raises(ScenarioError, match=re.escape("experiment_9_x.md: page: expected")):
        parse_experiment("experiment_9_x.md", '+++\ntitle = "x"\npage = "garden"\n'
                         'scenarios = ["two_tier.toml"]\nminutes = 5\nquestion = "?"\n+++\nx')
    with pytest.raises(ScenarioError, match=re.escape("settings.colour")):
        parse_experiment("experiment_9_x.md", '+++\ntitle = "x"\npage = "explore"\n'
                         'scenarios = ["two_tier.toml"]\nminutes = 5\nquestion = "?"\n'
                         '[settings]\ncolour = 3\n+++\nx')


def test_a_run_that_cannot_start_says_why_instead_of_raising():
    broken = settings()
    object.__setattr__(broken, "claimants", -1)  # past the sliders' checks
    runs = Runs([broken])
    assert not runs.running and runs.timelines == []
    assert runs.error.startswith("Could not start the run: ")
    assert "area.claimants" in runs.error
    assert runs.step() == 0


def test_runs_step_together_and_tables_name_them():
    runs = Runs([settings(claimants=300), settings("locality", claimants=300)])
    assert runs.step(3) == 3
    assert runs.week == 3 and [t.done for t in runs.timelines] == [3, 3]
    table = runs.weekly_table()
    assert list(table.columns[:3]) == ["scenario", "seed", "claimants"]
    assert table.groupby("scenario").size().to_dict() == {"two_tier": 4, "locality": 4}
    assert runs.titles == ["Two-tier (Work Programme)", "Locality partnerships"]


def test_a_model_stepped_elsewhere_is_recorded_as_it_is_now_in_one_look(monkeypatch):
    """The Mesa view's and a game's models are stepped by others: weeks run between two
    looks are all recorded as the week now (and the record says it is incomplete), and the
    model is read once however many weeks were missed (it was once per week: 5 s for a
    model at the app's limits run to the end)."""
    from commissioning.viz.timeline import LiveTimeline

    model = CommissioningModel(scenario="two_tier", claimants=300, seed=3)
    timeline = LiveTimeline(model)
    assert timeline.complete and timeline.done == 0
    for _ in range(30):
        model.step()
    looks = []
    read = model.referral_network
    monkeypatch.setattr(model, "referral_network", lambda: looks.append(1) or read())
    timeline.sync()
    assert len(looks) == 1 and timeline.done == 30 and not timeline.complete
    now = timeline.network(30)
    assert all(timeline.network(w) is now for w in range(1, 31))
    assert list(timeline.cash(30)[0][-1]) == [o.cash for o in model.providers]
    model.step()
    timeline.sync()
    assert len(looks) == 2 and timeline.done == 31 and timeline.network(31) is not now


def test_pictures_are_drawn_without_pyplot_and_follow_the_weeks():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    runs = Runs([settings(claimants=300, seed=11)])
    first = frame(runs, 0, DEFAULT)
    runs.step(20)
    later = frame(runs, runs.week, DEFAULT)
    assert [p.name for p in first] == ["network:0", "key", "added", "barriers", "groups",
                                       "big_cash", "small_cash", "busts", "money"]
    assert all(p.png[:8] == b"\x89PNG\r\n\x1a\n" for p in (*first, *later))
    assert [a.png != b.png for a, b in zip(first, later, strict=True)].count(True) >= 7
    assert plt.get_fignums() == before  # drawn on canvases of their own, none kept by pyplot


def test_a_picture_is_the_png_of_its_canvas_pixel_for_pixel():
    """The fast PNG writer (`png_writer.BandedPNG`) gives the canvas's pixels, as Pillow
    reads them back, and the same pixels Pillow's own encoder gives, whether its bands
    are the background's or drawn over it; a wrong row layout, channel order or band
    boundary would show in the network's dots or the charts' lines."""
    import io

    import numpy as np
    from PIL import Image

    from commissioning.viz.png_writer import BAND_ROWS, BandedPNG

    def read(png: bytes) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(png)))

    runs = Runs([settings(claimants=300, seed=11)])
    runs.step(5)
    sheet = sheet_of(runs)
    frame(runs, runs.week, DEFAULT)
    figures = [f for f in sheet.figures.values()]
    assert len(figures) == len(picture_names(runs))
    for figure in figures:
        rgba = np.asarray(figure.blit.canvas.buffer_rgba())
        assert len(np.unique(rgba[..., 0])) > 20  # a real picture, not one colour
        pillows = io.BytesIO()
        Image.fromarray(rgba).convert("RGB").save(pillows, format="PNG")
        for background in (rgba.copy(), np.zeros_like(rgba)):  # every band plain, or drawn
            ours = read(BandedPNG(background).png(rgba))
            assert ours.shape == (*rgba.shape[:2], 3)
            assert np.array_equal(ours, rgba[..., :3])
            assert np.array_equal(ours, read(pillows.getvalue()))
    for height in (5, BAND_ROWS, 2 * BAND_ROWS + 5):  # one band, exactly one, a short last
        odd = np.arange(height * 3 * 4, dtype=np.uint8).reshape(height, 3, 4)
        background = odd.copy()
        background[BAND_ROWS // 2:] = 0  # some bands the background's, some not
        writer = BandedPNG(background)
        assert np.array_equal(read(writer.png(odd)), odd[..., :3])
        assert np.array_equal(read(writer.png(odd)), odd[..., :3])  # again, from its bands


def test_every_picture_served_is_its_canvas_pixel_for_pixel_week_after_week():
    """The pictures are written from bands of rows kept deflated (`png_writer.BandedPNG`):
    whatever bands changed, each PNG a page gets must be the canvas as drawn that week,
    on both pages, through legends that grow and axes that stretch (new backgrounds)."""
    import io

    import numpy as np
    from PIL import Image

    for names in (["two_tier"], ["two_tier", "locality"]):
        runs = Runs([settings(name, claimants=300, seed=5) for name in names])
        sheet = sheet_of(runs)
        for weeks in (1, 1, 2, 5, 1, 13, 1, 30):
            runs.step(weeks)
            for shown in frame(runs, runs.week, DEFAULT):
                assert shown.failure is None, shown.failure
                figure = sheet.figures[(shown.name, DEFAULT, shown.width)]
                canvas = np.asarray(figure.blit.canvas.buffer_rgba())[..., :3]
                served = np.asarray(Image.open(io.BytesIO(shown.png)))  # zlib checks its sum
                assert np.array_equal(served, canvas), (shown.name, runs.week)


def test_adler32_of_joined_bands_is_zlibs_of_the_whole():
    import zlib

    import numpy as np

    from commissioning.viz.png_writer import adler32_combine

    rng = np.random.default_rng(2)
    for _ in range(50):
        data = rng.integers(0, 256, int(rng.integers(1, 300_000)), dtype=np.uint8).tobytes()
        cut = int(rng.integers(0, len(data) + 1))
        first, second = data[:cut], data[cut:]
        assert adler32_combine(zlib.adler32(first), zlib.adler32(second),
                               len(second)) == zlib.adler32(data)
    white = b"\xff" * 200_000  # long runs of the largest byte: the sums wrap many times
    assert adler32_combine(zlib.adler32(white), zlib.adler32(white),
                           len(white)) == zlib.adler32(white + white)


def _smallest_anywhere(picture) -> float:
    """The smallest visible, non-blank text of every artist, found by walking them all."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in picture.fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return float(min(sizes)) if sizes else picture.size


def test_a_pictures_smallest_text_follows_every_week_and_every_change_of_its_text():
    """Each picture's smallest text is looked for in its background once per drawing of
    it: it must still be what a walk over every artist finds, week after week (legends
    that grow, dots that come and go, both pages) and after a background text changes."""
    for names in (["two_tier"], ["two_tier", "locality"]):
        runs = Runs([settings(name, claimants=300, seed=3) for name in names])
        sheet = sheet_of(runs)
        for _ in range(12):
            runs.step(4)
            frame(runs, runs.week, DEFAULT)
            for name in picture_names(runs):
                picture = sheet.figures[(name, DEFAULT, width_of(name, DEFAULT, runs))]
                assert picture.smallest_text() == _smallest_anywhere(picture), name
    title = next(t for t in picture.fig.findobj(lambda a: hasattr(a, "get_text"))
                 if t.get_visible() and t.get_text().strip())
    title.set_fontsize(3.5)
    picture.blit.invalidate()
    assert picture.smallest_text() == 3.5 == _smallest_anywhere(picture)
    picture.png(runs.week)
    assert picture.smallest_text() == 3.5


def clashes(picture) -> list[str]:
    """Titles, axis labels, keys and axes of a drawn picture that overlap or leave it."""
    fig = picture.fig
    renderer = fig.canvas.get_renderer()
    boxes = []
    for ax in fig.axes:
        name = ax.get_title(loc="left") or ax.get_title()
        if ax.axison:
            boxes += [(f"axes '{name}'", ax.get_window_extent(renderer)),
                      (f"y label of '{name}'", ax.yaxis.label.get_window_extent(renderer)),
                      (f"x label of '{name}'", ax.xaxis.label.get_window_extent(renderer))]
            lo, hi = ax.get_ylim()
            ticks = [t.get_window_extent(renderer) for t, y in
                     zip(ax.get_yticklabels(), ax.get_yticks(), strict=True)
                     if t.get_text() and lo <= y <= hi]  # those drawn
            boxes += [(f"a y tick label of '{name}'", b) for b in ticks[:1] + ticks[-1:]]
        if name:
            boxes.append((f"title '{name}'", ax._left_title.get_window_extent(renderer)))
    for text in fig.texts:
        boxes.append((f"text '{text.get_text()[:20]}'", text.get_window_extent(renderer)))
    for key in fig.legends:
        boxes.append((f"a key ({key.texts[0].get_text()}, ...)",
                      key.get_window_extent(renderer)))
    page = fig.bbox
    found = [f"{name} leaves the picture" for name, b in boxes
             if b.x0 < page.x0 - 1 or b.x1 > page.x1 + 1 or b.y0 < page.y0 - 1
             or b.y1 > page.y1 + 1]
    solid = [(n, b) for n, b in boxes if not n.startswith(("a y tick", "text"))]
    for i, (first, a) in enumerate(solid):
        found += [f"{first} overlaps {second}" for second, b in solid[i + 1:] if a.overlaps(b)]
    return found


@pytest.mark.parametrize("layout", [Layout(880, 1.0, 18.0), Layout(520, 1.5, 18.0),
                                    Layout(1440, 1.0, 24.0)], ids=["1280", "150%", "1920"])
@pytest.mark.parametrize("names", [("two_tier_recession",), ("locality",),
                                   ("two_tier", "locality")])
def test_no_title_key_or_label_overlaps_another_or_leaves_the_picture(names, layout):
    """Readable on a projector: every picture's title, key and axis labels stand clear, and
    no text in it is smaller than the page's text at the width it is drawn for."""
    runs = Runs([settings(name, claimants=300, seed=3) for name in names])
    runs.step(120)
    sheet = sheet_of(runs)
    for name in picture_names(runs):
        sheet.draw(name, runs.week, layout, width_of(name, layout, runs), runs.timelines)
        picture = sheet.figures[(name, layout, width_of(name, layout, runs))]
        assert clashes(picture) == [], name
        assert picture.smallest_text() >= layout.text, name
        for ax in picture.fig.axes:
            if ax.axison:
                assert ax.get_xlabel() and ax.get_ylabel(), name  # a unit on every axis
        assert picture.fig.get_size_inches()[0] * 72 == pytest.approx(
            width_of(name, layout, runs)), name


def test_a_followed_claimant_is_told_in_words():
    runs = Runs([settings(claimants=300)])
    assert follow_sentence(runs.timelines[0], 0, 0).endswith("To be referred this week, "
                                                             "at the next step.")
    runs.step(30)
    text = follow_sentence(runs.timelines[0], 0, 30)
    assert text.startswith("Claimant 0: ") and "barrier" in text and "locality" in text
    assert "referred in week 0" in text


def test_shipped_scenarios_are_offered():
    assert {"two_tier.toml", "locality.toml"} <= set(shipped_files())


def test_the_app_command_refuses_a_port_in_use(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port} is in use" in capsys.readouterr().err
    assert main(["app", "--port", "70000"]) == 2


def test_the_app_serves_this_machine_only_unless_told_otherwise():
    import argparse

    from commissioning.cli.app import register, server_command, server_env

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    default = parser.parse_args(["app"])
    assert (default.host, default.port) == ("127.0.0.1", 8765)
    chosen = parser.parse_args(["app", "--host", "0.0.0.0", "--port", "9000"])
    command = server_command(chosen.host, chosen.port)
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert command[command.index("--port") + 1] == "9000"
    assert command[command.index("-m") + 1] == "commissioning.viz.server"  # no version check
    assert server_env()["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"


"""Nothing a person types is markup, mathematics or code (issue 19).

An uploaded file named `<img src=x onerror=alert(document.cookie)>.toml` ran
its script on the Compare page (its label went into the comparison table's
Markdown, shown as raw HTML); a scenario named `$x+x+...+x$` (198 kB) was
typeset by matplotlib's mathematics parser, 99 s of server CPU a drawing.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest

from commissioning.model import load_scenario
from commissioning.viz.compare_page import comparison_markdown
from commissioning.viz.runs import Runs
from commissioning.viz.settings import Settings
from commissioning.viz.ui import markdown_html
from commissioning.viz.views import charts_view, network_view

SCRIPT = "<img src=x onerror=alert(document.cookie)>"
MARKUP = "a|b *c* _d_ [x](javascript:alert(1)) `e` \\ <b>f</b> &amp;"
MATHS = "$" + "x+" * 99_000 + "x$"  # 198 kB, under the app's upload cap of 200 kB
SECONDS = 60  # the maths took 99 s a drawing; without it a drawing takes about a second


def runs_named(first: str, second: str, name: str = "A scenario") -> Runs:
    scenario = load_scenario("two_tier", ["run.weeks=4"])
    scenario.name = name
    return Runs([Settings.from_scenario(scenario, f"{label}.toml (uploaded)", 200)
                 for label in (first, second)])


@pytest.mark.parametrize("label", [SCRIPT, MARKUP])
def test_a_file_name_in_the_comparison_table_is_text_not_markup(label):
    runs = runs_named(label, "plain")
    runs.step(1)
    page = markdown_html(comparison_markdown(runs))
    assert re.findall(r"<(\w+)", page) == re.findall(r"<(\w+)", markdown_html(
        comparison_markdown(runs_named("plain", "plain2")))), "the label made markup"
    header = page[:page.index("</tr>")]
    assert len(re.findall(r"<th[ >]", header)) == 4  # a | in a name splits no cell
    assert label in html.unescape(re.sub(r"<[^>]+>", "", page))  # shown as typed


def test_a_name_of_maths_is_drawn_as_text_in_bounded_time():
    """In a child process, so that a regression is stopped instead of drawing for minutes."""
    code = """
from tests.test_security_text import runs_named, MATHS
from commissioning.viz.views import charts_view, network_view
runs = runs_named(MATHS, "plain", MATHS)
network_view(runs).png()
charts_view(runs).png()
network_view(runs).full_png()
print("drawn")
"""
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"drawing a 198 kB name still running after {SECONDS} s")
    assert done.stdout.strip() == "drawn", done.stderr[-2000:]


def test_a_persons_text_in_a_picture_is_one_short_plain_line():
    runs = runs_named(MATHS, "plain", MATHS)
    explore = Runs(runs.settings[:1])  # one run: the title carries the scenario's own name
    title = network_view(explore).drawings[0].ax._left_title
    assert not title.get_parse_math()
    assert len(title.get_text()) <= 80 and title.get_text().startswith("Who refers")
    keys = [t for legend in charts_view(runs).fig.legends for t in legend.get_texts()]
    keys += [t for sub in charts_view(runs).fig.subfigs for legend in sub.legends
             for t in legend.get_texts()]
    mine = [t for t in keys if t.get_text().startswith("$x+")]
    assert mine and all(not t.get_parse_math() and len(t.get_text()) <= 40 for t in mine)

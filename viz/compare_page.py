"""The Compare page: two scenarios on the same claimants and seed, stepped together.

Both runs are built with the same number of claimants and the same seed, so
the people, their barriers, the local labour markets and every weekly chance
are identical: a difference between the two columns comes from how the
service is commissioned and paid, not from luck. The table shows this week's
numbers side by side with the difference, in the lesson's words
(`measures.py`); the pictures overlay the same charts in two colours (the
first run blue, the second orange).
"""

from __future__ import annotations

import solara

from .controls import CompareScenarios, RunControls, RunOptions
from .measures import MEASURES, extra_cost_per_extra_job, money, shown
from .runs import Runs
from .scenario_files import file_stem
from .state import ensure_compare
from .views import Downloads, Pictures, table_html

#: The measures of the Compare table, in reading order.
ROWS = tuple(m.key for m in MEASURES)


def comparison_rows(runs: Runs, week: int | None = None) -> list[tuple]:
    """This week's numbers for both runs and the difference (header row first)."""
    a_title, b_title = runs.titles
    a, b = runs.timelines
    w = runs.week if week is None else week
    rows: list[tuple] = [(f"week {w}", a_title, b_title, f"{b_title} − {a_title}")]
    for m in MEASURES:
        va, vb = m.value(a, w), m.value(b, w)
        rows.append((m.name, shown(m.key, a, w), shown(m.key, b, w), m.change(va, vb), m.help))
    per = extra_cost_per_extra_job(a, b, w)
    rows.append((f"Cost of each extra lasting job, {b_title} against {a_title}", "", "",
                 money(per) if per == per else "– (no more lasting jobs)",
                 "How much more the second run paid, divided by how many more lasting jobs "
                 "it added than the first (blank where it added none)."))
    return rows


@solara.component
def ComparisonTable(runs: Runs, tick: int) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=table_html(comparison_rows(runs)),
                classes=["comparison"])


@solara.component
def Compare() -> None:
    """Two regimes side by side, stepped together."""
    state = ensure_compare()
    runs = state.runs.value
    tick = state.tick.value
    with solara.Div(classes=["page"]):
        with solara.Div(classes=["page-side"]):
            with solara.Card("Run both", classes=["controls", "run-card"]):
                RunControls(state).key("compare-run-controls")
            with solara.Card("Step and play speed", classes=["controls", "page-settings"]):
                RunOptions(state)
            with solara.Card("Scenarios", classes=["controls", "page-settings"]):
                CompareScenarios(state)
        with solara.Div(classes=["page-main"]):
            if state.message.value:
                solara.Error(state.message.value)
            if runs.error:
                solara.Error(runs.error)
            if len(runs.timelines) != 2:
                return
            first = runs.settings[0]
            solara.Text(f"Blue: {runs.titles[0]}. Orange: {runs.titles[1]}. Both: "
                        f"{first.claimants:,} claimants and seed {first.seed}, so the same "
                        "people with the same luck.", classes=["this-run"])
            ComparisonTable(runs, tick)
            Pictures(runs, state, tick)
            Downloads(runs, tick, file_stem(f"compare_{'_'.join(runs.stems)}"))

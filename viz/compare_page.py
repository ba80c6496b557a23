"""The Compare page: two scenario files on the same claimants and seed, stepped together.

Both runs are built with the same number of claimants and the same seed, so
the people, their barriers, the local labour markets and every weekly chance
are identical: a difference between the two columns comes from how the
service is commissioned and paid, not from luck. The table shows this week's
numbers side by side with the difference; the pictures overlay the same
charts in two colours (the first run blue, the second vermillion).
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from commissioning.model import CommissioningModel

from .controls import CompareScenarios, RunControls
from .runs import Runs
from .scenario_files import file_stem
from .state import ensure_compare
from .ui import Prose, markdown_text
from .views import ChartsPicture, Downloads, NetworkPicture, latest, money, share


def _routes_used(model: CommissioningModel) -> float:
    graph = model.referral_network()
    routes = [d["referrals"] for a, b, d in graph.edges(data=True)
              if graph.nodes[b]["role"] == "specialist"]
    return sum(r > 0 for r in routes) / len(routes) if routes else float("nan")


def _points(a: float, b: float) -> str:
    return "–" if a != a or b != b else f"{100 * (b - a):+.1f} points"


def _pounds(a: float, b: float) -> str:
    return "–" if a != a or b != b else ("+" if b >= a else "−") + money(abs(b - a))


def share1(value: float) -> str:
    return share(value, 1)


def _count(a: float, b: float) -> str:
    return f"{b - a:+,.0f}"


ROWS: tuple[tuple[str, Callable[[CommissioningModel], float], Callable, Callable], ...] = (
    ("Job outcomes per referral", lambda m: latest(m, "job_outcome_rate"), share1, _points),
    ("… for claimants with 0-1 barriers",
     lambda m: latest(m, "job_outcome_rate_low_barrier"), share1, _points),
    ("… for claimants with 3+ barriers",
     lambda m: latest(m, "job_outcome_rate_high_barrier"), share1, _points),
    ("Extra job outcomes the programme made (per referral)",
     lambda m: latest(m, "additional_job_outcome_rate"), share1, _points),
    ("Weeks looking for work spent parked", lambda m: latest(m, "parked_share"), share1,
     _points),
    ("Routes to specialists used", _routes_used, share1, _points),
    ("Providers gone bust", lambda m: latest(m, "providers_insolvent"),
     lambda v: f"{v:,.0f}", _count),
    ("Paid by the commissioner", lambda m: latest(m, "total_spend"), money, _pounds),
    ("Cost per job outcome", lambda m: latest(m, "cost_per_job_outcome"), money, _pounds),
    ("Charities' share of the money", lambda m: latest(m, "third_sector_share_of_spend"),
     share1, _points),
)


def comparison_markdown(runs: Runs) -> str:
    """This week's numbers for both runs and the difference, as a Markdown table."""
    a_label, b_label = (markdown_text(label) for label in runs.labels)  # a file's name
    a, b = runs.models
    lines = [f"| week {runs.week} | {a_label} | {b_label} | {b_label} − {a_label} |",
             "|:---|---:|---:|---:|"]
    for name, value, fmt, diff in ROWS:
        va, vb = value(a), value(b)
        lines.append(f"| {name} | {fmt(va)} | {fmt(vb)} | {diff(va, vb)} |")
    return "\n".join(lines)


@solara.component
def Compare() -> None:
    """Two regimes side by side, stepped together."""
    state = ensure_compare()
    runs = state.runs.value
    tick = state.tick.value
    with solara.Sidebar():
        with solara.Card("Run both", classes=["controls"]):
            RunControls(state).key("compare-run-controls")
        with solara.Card("Scenarios", classes=["controls"]):
            CompareScenarios(state)
    if state.message.value:
        solara.Error(state.message.value)
    if runs.error:
        solara.Error(runs.error)
    if len(runs.models) != 2:
        return
    first, second = runs.settings
    solara.Text(f"Blue: {runs.labels[0]}, {first.scenario.name}. Vermillion: "
                f"{runs.labels[1]}, {second.scenario.name}. Both: {first.claimants:,} "
                f"claimants and seed {first.seed}, so the same people with the same luck.",
                classes=["this-run"])
    Prose(comparison_markdown(runs), classes=("comparison",))
    NetworkPicture(runs, tick)
    ChartsPicture(runs, tick)
    Downloads(runs, tick, file_stem(f"compare_{runs.labels[0]}_{runs.labels[1]}"))

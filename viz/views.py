"""What the Explore and Compare pages show of their runs: pictures, numbers, downloads.

Each picture is drawn by an object kept with the runs (`Runs.views`), built
the first time it is needed and redrawn only when the week changes (the
`tick` a page passes in), under the runs' lock so a week never changes
half-way through a picture. A failure to draw shows a sentence where the
picture would be.

Every component here takes the page's `tick` as an argument even where it
does not use it: Solara does not re-render a child whose arguments are
unchanged, so without it a number or a download's file name would stay at the
week it was first drawn.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from commissioning.model import CommissioningModel

from .network_plot import NetworkFigure, describe
from .runs import Runs
from .ui import Picture, Stat, download_bytes, draw_safely
from .weekly_charts import GROUPS, Run, WeeklyCharts


def _view(runs: Runs, name: str, build: Callable[[], object]):
    view = runs.views.get(name)
    if view is None:
        view = runs.views[name] = build()
    return view


def network_view(runs: Runs) -> NetworkFigure:
    """The network picture of these runs (built once)."""
    if len(runs.models) == 1:
        titles = [f"Who refers claimants to whom: {runs.settings[0].scenario.name}"]
    else:  # the charts' colours for the runs, so the class can match the two pictures
        titles = [f"{label} ({colour} in the charts)"
                  for label, colour in zip(runs.labels, ("blue", "vermillion"), strict=False)]
    return _view(runs, "network", lambda: NetworkFigure(runs.models, titles))


def charts_view(runs: Runs) -> WeeklyCharts:
    """The weekly charts of these runs (built once)."""
    return _view(runs, "charts", lambda: WeeklyCharts(
        [Run(m, label) for m, label in zip(runs.models, runs.labels, strict=True)]))


@solara.component
def NetworkPicture(runs: Runs, tick: int) -> None:
    """The referral network this week, and a sentence about it per run."""

    def draw() -> bytes:
        with runs.lock:
            return network_view(runs).png()

    png, failure = solara.use_memo(lambda: draw_safely(draw, "the referral network"),
                                   [runs, tick])
    Picture(png, "The referral network: organisations, and the claimants referred between "
            "them", failure)
    for label, model in zip(runs.labels, runs.models, strict=True):
        prefix = f"{label}: " if len(runs.models) > 1 else ""
        solara.Text(prefix + describe(model), classes=["caption"])


@solara.component
def ChartsPicture(runs: Runs, tick: int) -> None:
    """The four panels of weekly charts this week."""

    def draw() -> bytes:
        with runs.lock:
            return charts_view(runs).png()

    png, failure = solara.use_memo(lambda: draw_safely(draw, "the charts"), [runs, tick])
    Picture(png, "Charts over weeks: job outcomes, parking, providers' cash, money", failure)


@solara.component
def Downloads(runs: Runs, tick: int, stem: str) -> None:
    """This run's weekly data as CSV, and the pictures as PNG, named by scenario and week.

    `tick` is only there to re-render the buttons (their file names) each week.
    """
    name = f"{stem}_seed{runs.settings[0].seed}_week{runs.week}" if runs.settings else stem

    def picture(view: Callable[[Runs], object]) -> Callable[[], bytes]:
        def make() -> bytes:
            with runs.lock:
                return view(runs).full_png()
        return make

    def table() -> str:
        with runs.lock:
            return runs.weekly_table().to_csv(index=False)

    with solara.Row(classes=["downloads"], gap="12px"):
        solara.FileDownload(download_bytes(table, "the weekly data"), filename=f"{name}.csv",
                            label="Weekly data (CSV)", mime_type="text/csv")
        solara.FileDownload(download_bytes(picture(network_view), "the network picture"),
                            filename=f"{name}_network.png", label="Network picture (PNG)",
                            mime_type="image/png")
        solara.FileDownload(download_bytes(picture(charts_view), "the charts"),
                            filename=f"{name}_charts.png", label="Charts (PNG)",
                            mime_type="image/png")


def latest(model: CommissioningModel, key: str) -> float:
    """This week's value of a weekly measure."""
    return float(model.datacollector.model_vars[key][-1])


def money(value: float) -> str:
    """Pounds, rounded for a class: £950, £12.3k, £2.56m."""
    if value != value:  # NaN: nothing to divide by yet
        return "–"
    if abs(value) >= 1e6:
        return f"£{value / 1e6:.2f}m"
    if abs(value) >= 1e4:
        return f"£{value / 1e3:.0f}k"
    return f"£{value:,.0f}"


def share(value: float, decimals: int = 0) -> str:
    """A share as a percentage ("–" when there is nothing to divide by yet)."""
    return "–" if value != value else f"{100 * value:.{decimals}f}%"


@solara.component
def Summary(runs: Runs, tick: int) -> None:
    """This week of the Explore run in seven numbers."""
    model = runs.models[0]
    jo = latest(model, "job_outcomes")
    spend = latest(model, "total_spend")
    with solara.Div(classes=["stats"]):
        Stat("week", f"{runs.week}", f"of {runs.weeks}; {latest(model, 'referrals'):,.0f} of "
             f"{model.p['claimants']:,} claimants referred")
        Stat("job outcomes", f"{jo:,.0f}", f"{share(latest(model, 'job_outcome_rate'))} "
             "of referrals")
        Stat("job outcomes, 0-1 barriers", share(latest(model, "job_outcome_rate_low_barrier")),
             "of referrals with few barriers")
        Stat("job outcomes, 3+ barriers", share(latest(model, "job_outcome_rate_high_barrier")),
             "of referrals with many barriers")
        Stat("parked this week", share(latest(model, "parked_this_week")),
             f"of those looking for work; {share(latest(model, 'parked_share'))} of all "
             "weeks so far")
        Stat("insolvent providers", f"{latest(model, 'providers_insolvent'):,.0f}",
             "gone bust so far")
        Stat("paid by the commissioner", money(spend),
             f"{money(spend / jo) if jo else '–'} a job outcome")


PLAIN_STATUS = {"not yet referred": "not referred yet", "not attached": "referred, did not start",
                "searching": "looking for work", "in work": "in work",
                "in work after programme": "in work, programme over",
                "left the programme": "left the programme"}


def follow_sentence(model: CommissioningModel, i: int) -> str:
    """One claimant's story so far, in a sentence or two."""
    c = model.claimant(i)
    group = GROUPS[c.payment_group][0]
    barriers = ", ".join(c.barriers) or "none"
    text = (f"Claimant {i}: {group}, {len(c.barriers)} barrier(s) to work ({barriers}), "
            f"locality {c.locality + 1}, referred in week {c.referral_week}. "
            f"Now {PLAIN_STATUS[c.status]}")
    if c.status == "not yet referred":
        return text + "."
    if c.status == "searching":
        text += f", getting {c.support_level} support"
    if c.case_holder >= 0 and c.status in ("searching", "in work"):
        text += f"; case held by {model.orgs[c.case_holder].name}"
    text += f". Parked {c.weeks_parked} of {c.weeks_searching} weeks looking for work"
    if c.treated_barriers:
        text += f"; a specialist helped with {', '.join(c.treated_barriers)}"
    text += (f". Job outcome in week {c.job_outcome_week}." if c.job_outcome
             else ". No job outcome yet.")
    return text


@solara.component
def FollowClaimant(runs: Runs, tick: int, number: solara.Reactive[int]) -> None:
    """One claimant to follow week by week (a class can pick a person and watch them)."""
    model = runs.models[0]
    n = int(model.p["claimants"])
    with solara.Row(classes=["follow"], gap="12px", style={"align-items": "center"}):
        solara.InputInt("Follow claimant", value=number, dense=True,
                        style={"max-width": "9rem", "min-width": "9rem"})
        i = number.value
        if 0 <= i < n:
            solara.Text(follow_sentence(model, i), classes=["follow-text"])
        else:
            solara.Text(f"Claimants are numbered 0 to {n - 1:,}.", classes=["follow-text"])

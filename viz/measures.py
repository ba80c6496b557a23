"""The numbers a lesson asks for, each with its name, its meaning and how it is rounded.

One list serves every place a number appears: the Explore page's tiles, the
Compare table, the Spread page and the lesson plan's "In our run" table
(`lesson_check.py`), so the worksheet's words are the screen's words and the
screen's numbers add up (issue 16: "extra job outcomes" 3.9% on one basis
against 2.7 points on screen on another).

**One basis for what the programme added.** Everyone referred, whether or
not they ever started with a provider, counted as reaching a *lasting job*
(13 or 26 weeks in work, as a job outcome needs): with the programme (a
claimant who started reaches it exactly when a job outcome is earned; one who
never started lives as without it) and without the programme (the same
people on the same random numbers, with no programme at all). The difference
is what the model's `additional_job_outcome_rate` measures, so "with" minus
"without" on screen is the "added" on screen. "Job outcomes per referral" is
the Work Programme's own statistic (paid outcomes of those who started, over
everyone referred): a different number, named differently.

Shares are shown to one decimal, so that the changes a lesson talks about
(7.6% to 7.9% for the hardest to help) are visible; money in £ to three
significant figures; counts whole.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .timeline import Timeline

NAN = float("nan")


def _isnan(x: float) -> bool:
    return x != x


def share(x: float, decimals: int = 1) -> str:
    """A share as a per cent, one decimal by default ("–" when there is nothing to share)."""
    return "–" if _isnan(x) else f"{100 * x:.{decimals}f}%"


def money(x: float) -> str:
    """Pounds to three significant figures: £850, £4,450, £368k, £2.53m."""
    if _isnan(x):
        return "–"
    sign, x = ("−" if x < 0 else ""), abs(x)
    if x >= 9.995e5:
        return f"{sign}£{x / 1e6:.2f}m" if x < 9.995e6 else f"{sign}£{x / 1e6:,.1f}m"
    if x >= 9.995e4:
        return f"{sign}£{x / 1e3:.0f}k"
    if x >= 1e4:
        return f"{sign}£{x / 1e3:.1f}k"
    return f"{sign}£{x:,.0f}"


def minus(text: str) -> str:
    """A signed number as printed, with a minus sign rather than a hyphen (as money has)."""
    return "−" + text[1:] if text.startswith("-") else text


def count(x: float) -> str:
    return "–" if _isnan(x) else f"{x:,.0f}"


def points(a: float, b: float) -> str:
    """The change from a to b in percentage points."""
    return "–" if _isnan(a) or _isnan(b) else minus(f"{100 * (b - a):+.1f} points")


def pounds(a: float, b: float) -> str:
    return "–" if _isnan(a) or _isnan(b) else ("+" if b >= a else "−") + money(abs(b - a))


def more(a: float, b: float) -> str:
    return "–" if _isnan(a) or _isnan(b) else minus(f"{b - a:+,.0f}")


# --- reading a timeline at a week -------------------------------------------------------


def first_week(t: Timeline, key: str, week: int) -> float:
    """The first week, up to `week`, in which a running total was above zero (NaN: none yet)."""
    above = np.flatnonzero(t.series(key, week) > 0)
    return float(above[0]) if above.size else NAN


def routes_to_specialists(t: Timeline, week: int) -> tuple[int, int]:
    """Routes from case holders to specialists used so far, and all such routes."""
    net = t.network(week)
    data = t.record.node_data
    to_specialists = [k for k, (_, b) in enumerate(net.edges)
                      if data[b]["role"] == "specialist"]
    return int(sum(net.referrals[k] > 0 for k in to_specialists)), len(to_specialists)


def providers_held_contracts(t: Timeline) -> int:
    """Providers that held a contract (as `providers_insolvent_share` counts them: all but the
    specialists no contract holder listed)."""
    m = t.model
    return int(sum(not (m.is_specialist[o.index] and not m.contracted[o.index])
                   for o in m.providers))


def with_programme(t: Timeline, w: int) -> float:
    return t.at("no_programme_outcome_rate", w) + t.at("additional_job_outcome_rate", w)


def extra_jobs(t: Timeline, w: int) -> float:
    """Lasting jobs the programme added so far (with it, minus without it), a count."""
    return t.at("additional_job_outcome_rate", w) * t.at("referrals", w)


def cost_per_extra_job(t: Timeline, w: int) -> float:
    extra = extra_jobs(t, w)
    return t.at("total_spend", w) / extra if extra > 0.5 else NAN


def extra_cost_per_extra_job(a: Timeline, b: Timeline, w: int) -> float:
    """What each extra lasting job bought by b costs, against a (NaN if b adds none)."""
    jobs = extra_jobs(b, w) - extra_jobs(a, w)
    spend = b.at("total_spend", w) - a.at("total_spend", w)
    return spend / jobs if jobs >= 1 else NAN


@dataclass(frozen=True)
class Measure:
    """A number the lesson uses: its name, what it means, how to read it and show it."""

    key: str
    name: str
    help: str
    value: Callable[[Timeline, int], float]
    shown: Callable[[float], str]
    change: Callable[[float, float], str]
    #: How to say "b against a" in a sentence ("higher", "more").
    unit: str = ""

    def text(self, t: Timeline, week: int) -> str:
        return self.shown(self.value(t, week))


def _series(key: str) -> Callable[[Timeline, int], float]:
    return lambda t, w: t.at(key, w)


MEASURES: tuple[Measure, ...] = (
    Measure("job_outcome_rate", "Job outcomes per referral",
            "Claimants who started with a provider and reached a paid job outcome (13 or 26 "
            "weeks in work), over everyone referred so far: the Work Programme's own "
            "statistic.", _series("job_outcome_rate"), share, points),
    Measure("low", "… with 0-1 barriers",
            "Job outcomes per referral for claimants with no barrier to work or one.",
            _series("job_outcome_rate_low_barrier"), share, points),
    Measure("high", "… with 3+ barriers",
            "Job outcomes per referral for claimants with three barriers to work or more "
            "(ill health, debt, no housing, caring, ...).",
            _series("job_outcome_rate_high_barrier"), share, points),
    Measure("parked", "Weeks looking for work spent parked",
            "Of all the weeks claimants spent looking for work so far (while a job could "
            "still earn an outcome), the share with only minimal support and no specialist "
            "help.", _series("parked_share"), share, points),
    Measure("with", "Lasting jobs, with the programme",
            "Everyone referred, whether or not they started, who reached 13 or 26 weeks in "
            "work (as a job outcome needs), per referral.", with_programme, share, points),
    Measure("without", "The same people, no programme",
            "The same claimants, with the same luck, run alongside with no programme at "
            "all: the jobs that would have happened anyway (deadweight).",
            _series("no_programme_outcome_rate"), share, points),
    Measure("added", "Added by the programme",
            "Lasting jobs with the programme minus without it, per referral: what the "
            "programme really added.", _series("additional_job_outcome_rate"),
            lambda x: "–" if _isnan(x) else minus(f"{100 * x:+.1f} points"), points),
    Measure("extra_jobs", "Extra lasting jobs (a count)",
            "How many more people reached a lasting job than would have without the "
            "programme.", extra_jobs, count, more),
    Measure("spend", "Paid by the commissioner",
            "Everything the commissioner (DWP) has paid so far.", _series("total_spend"),
            money, pounds),
    Measure("attachment", "… of which attachment fees",
            "Paid when a claimant starts with a provider.", _series("paid_attachment"),
            money, pounds),
    Measure("service", "… of which service fees",
            "Paid every month for each claimant on the programme, whatever happens.",
            _series("paid_service_fee"), money, pounds),
    Measure("outcome", "… of which outcome payments",
            "Job outcome and sustainment payments: paid only for results.",
            lambda t, w: t.at("paid_outcome", w), money, pounds),
    Measure("specialists", "Paid to specialists",
            "What case holders and contract holders paid specialists (housing, debt, health, "
            "...) for the help they gave: fees, and any share of outcome payments.",
            lambda t, w: t.at("paid_specialist_fee", w) + t.at("paid_specialist_outcome", w),
            money, pounds),
    Measure("routes", "Routes to specialists used",
            "Routes from a case holder to a specialist that at least one claimant has been "
            "sent along.", lambda t, w: float(routes_to_specialists(t, w)[0]),
            count, more),
    Measure("busts", "Providers gone bust",
            "Providers that ran out of cash past their overdraft limit and closed; their "
            "claimants were handed on.", _series("providers_insolvent"), count, more),
    Measure("charity_busts", "… of which charities",
            "Third-sector providers (charities) among those gone bust.",
            _series("insolvent_third_sector"), count, more),
    Measure("cost_per_job", "Cost per job outcome",
            "Paid by the commissioner, divided by the job outcomes so far.",
            _series("cost_per_job_outcome"), money, pounds),
    Measure("cost_per_extra", "Cost per extra lasting job",
            "Paid by the commissioner, divided by the lasting jobs the programme added "
            "(not by all job outcomes: most would have happened anyway).",
            cost_per_extra_job, money, pounds),
    Measure("charity_share", "Charities' share of the money",
            "Of everything the commissioner paid, the share that reached charities "
            "(third-sector providers).", _series("third_sector_share_of_spend"), share,
            points),
    Measure("funds_used", "Providers' own money spent",
            "What organisations spent beyond what they were paid (their reserves or "
            "overdraft).", _series("provider_funds_used"), money, pounds),
)
MEASURE = {m.key: m for m in MEASURES}


def routes_text(t: Timeline, week: int) -> str:
    used, total = routes_to_specialists(t, week)
    return f"{used} of {total}"


def busts_text(t: Timeline, week: int) -> str:
    return f"{count(t.at('providers_insolvent', week))} of {providers_held_contracts(t)}"


#: Measures shown as "x of y" rather than a bare number.
AS_FRACTION: dict[str, Callable[[Timeline, int], str]] = {"routes": routes_text,
                                                          "busts": busts_text}


def shown(key: str, t: Timeline, week: int) -> str:
    """A measure of a run at a week, as the page shows it."""
    if key in AS_FRACTION:
        return AS_FRACTION[key](t, week)
    return MEASURE[key].text(t, week)


def week_phrase(week: float) -> str:
    return "not yet" if _isnan(week) else f"week {week:.0f}"


def is_finite(x: float) -> bool:
    return not (_isnan(x) or math.isinf(x))

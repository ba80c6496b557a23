"""The Work Programme's published figures (DOMAIN.md section 6), and how to read each from a run.

Each target has the ID it has in DOMAIN.md (C1, C2, ...; a target with
several figures has several lines with the same ID), the published figure and
range, its source, and a function that reads the same quantity from a finished
two-tier run. The run covers the Work Programme's whole life on a calendar
(week 0 = June 2011, referrals to March 2017, the last payments to June 2020),
so a dated figure is read in the last week of its month on the run's own
calendar, and a cohort figure from the claimants referred in its months. Counts of job
outcomes to a date (C6, C9, C12) are of outcome payments made by then, as DWP's
statistics count them: an outcome is paid `claim_lag_weeks` after it is earned.

`primary` marks C1-C5, the targets the fit must reach; the others test early
dynamics, the money flow and the supply chain (DOMAIN's notes to section 6).

The deadweight lines N1 and N2 (`deadweight`) are DOMAIN's non-intervention
figures (sections 2.4 and 7): the share of a group who would have reached a job
outcome with no programme at all, read from the model's counterfactual (the same
claimants, run alongside on the same random numbers with no programme). Without
them nothing pins down how much of the programme's outcomes are additional. The
fit must reach them as it must reach C1-C5 (`required`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commissioning.model.calendar import Calendar
from commissioning.model.parameters import PAYMENT_GROUPS

if TYPE_CHECKING:
    from commissioning.model.model import CommissioningModel

# The months the dated targets refer to.
JANUARY_2012, JULY_2012, AUTUMN_2012 = "2012-01", "2012-07", "2012-09"  # NCVO: ~15 months in
JUNE_2013, MARCH_2014 = "2013-06", "2014-03"
DECEMBER_2014, DECEMBER_2015, DECEMBER_2017 = "2014-12", "2015-12", "2017-12"
#: The Work Programme's calendar (for figures drawn against it).
WORK_PROGRAMME = Calendar(2011, 6)


def week_of(m: CommissioningModel, month: str) -> int:
    """The last week of `month` on the run's calendar."""
    return m.calendar.week_of_month_end(month)

ESA_GROUPS = ("esa_volunteers", "esa_new", "esa_ex_ib")


@dataclass(frozen=True)
class Target:
    id: str
    label: str
    figure: float
    low: float
    high: float
    unit: str  # "share" or "£" or "count"
    source: str
    read: Callable[[CommissioningModel, pd.DataFrame], float]
    primary: bool = False
    deadweight: bool = False

    @property
    def key(self) -> str:
        """The target's name in files (evaluations, logs): its ID and label."""
        return f"{self.id} {self.label}"

    @property
    def required(self) -> bool:
        """A target the fit must reach: C1-C5 and the deadweight lines."""
        return self.primary or self.deadweight

    def inside(self, value: float) -> bool:
        return self.low <= value <= self.high

    def fmt(self, value: float) -> str:
        if np.isnan(value):
            return "n/a"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        if self.unit == "£":
            return f"£{value:,.0f}"
        return f"{value:.3g}"


def _at(weekly: pd.DataFrame, week: int, column: str) -> float:
    return float(weekly[column].iloc[min(week + 1, len(weekly) - 1)])  # row 0 is the start


def _paid_rate(month: str, group: str | None = None) -> Callable:
    """Job outcomes paid by the end of `month` per referral by then (of one payment group or
    all). DWP's statistics count job outcome payments, claimed and validated after the
    outcome (`claim_lag_weeks`), so an outcome earned in the last weeks is not yet in them."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        week = week_of(m, month)
        mine = c.referral_week <= week
        if group is not None:
            mine &= c.group == PAYMENT_GROUPS.index(group)
        jo = c.job_outcome_week[mine]
        paid = (jo >= 0) & (jo + m.p["claim_lag_weeks"] <= week)
        return float(paid.mean()) if mine.any() else float("nan")
    return read


def _two_year_rate(group: str | None) -> Callable:
    """Two-year job outcome rate of the referrals June 2011-December 2015 (C1-C5's cohort),
    of one payment group or of all."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        referred = (c.status != 0) & (c.referral_week <= week_of(m, DECEMBER_2015))
        if group is not None:
            referred &= c.group == PAYMENT_GROUPS.index(group)
        return float(c.employment_outcome[referred].mean()) if referred.any() else float(
            "nan")
    return read


def _cohort_rate(month: str) -> Callable:
    """Share of a month's referrals with a job outcome within 52 weeks of referral."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        lo, hi = m.calendar.weeks_of_month(month)
        cohort = (c.referral_week >= lo) & (c.referral_week < hi)
        if not cohort.any():
            return float("nan")
        jo = c.job_outcome_week[cohort]
        if not len(jo):
            return float("nan")  # no referrals that month (a short test run)
        return float(((jo >= 0) & (jo - c.referral_week[cohort] < 52)).mean())
    return read


def _outcome_payment_share(group: str, month: str = MARCH_2014) -> Callable:
    """Share of job outcome fees (not sustainment) earned by a group to `month`."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        week = week_of(m, month)
        done = (c.job_outcome_week >= 0) & (c.job_outcome_week <= week)
        fees = np.bincount(c.group[done], minlength=len(PAYMENT_GROUPS)) * \
            m.payments.job_outcome_list
        return float(fees[PAYMENT_GROUPS.index(group)] / fees.sum()) if fees.sum() else 0.0
    return read


def _best_prime_year_one(group: str) -> Callable:
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        rates = [o / r for year, _h, g, r, o in m.performance_history
                 if year == 1 and g == group and r > 0]
        return max(rates) if rates else float("nan")
    return read


def _esa_share_to(month: str) -> Callable:
    """ESA groups' share of the referrals to the end of `month`."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        mine = c.referral_week <= week_of(m, month)
        esa = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in ESA_GROUPS])
        return float(esa[mine].mean()) if mine.any() else float("nan")
    return read


def _esa_share_in(year: int) -> Callable:
    """ESA groups' share of the referrals in a calendar year."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        mine = m.calendar.years(c.referral_week) == year
        esa = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in ESA_GROUPS])
        return float(esa[mine].mean()) if mine.any() else float("nan")
    return read


def _esa_funding_per_participant(m: CommissioningModel, w: pd.DataFrame) -> float:
    """Payments earned within two years of referral, per ESA referral to 2014."""
    c, last = m.claimants, week_of(m, DECEMBER_2014)
    groups = [PAYMENT_GROUPS.index(g) for g in ESA_GROUPS]
    esa = np.isin(c.group, groups) & (c.status != 0) & (c.referral_week <= last)
    earned = m.tally.earned_two_years[groups, :max(last + 1, 0)].sum()
    return float(earned / esa.sum()) if esa.any() else float("nan")


def _vcs_share_of_subcontractors(m: CommissioningModel, w: pd.DataFrame) -> float:
    from commissioning.agents import Subcontractor

    subs = [o for o in m.providers if isinstance(o, Subcontractor)]
    return sum(o.third_sector for o in subs) / len(subs) if subs else float("nan")


def _subcontractor_churn(m: CommissioningModel, w: pd.DataFrame) -> float:
    """Net fall in subcontractors over the half-year January-July 2012: those that
    went insolvent or left their contracts in it, over those still there in January."""
    from commissioning.agents import Subcontractor

    def left(o) -> int | None:
        weeks = [x for x in (o.insolvent_week, o.withdrawn_week) if x is not None]
        return min(weeks) if weeks else None

    subs = [o for o in m.providers if isinstance(o, Subcontractor)]
    january, july = week_of(m, JANUARY_2012), week_of(m, JULY_2012)
    alive_then = [o for o in subs if left(o) is None or left(o) > january]
    gone = [o for o in alive_then if left(o) is not None and left(o) <= july]
    return len(gone) / len(alive_then) if alive_then else float("nan")


def _no_programme_rate(group: str) -> Callable:
    """Share of a group's referrals in C1-C5's cohort (June 2011-December 2015) who reach a
    job outcome with no programme (deadweight), within the same two years."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        mine = ((c.group == PAYMENT_GROUPS.index(group)) & (c.status != 0)
                & (c.referral_week <= week_of(m, DECEMBER_2015))
                & (c.referral_week < len(w) - 1))
        return float(c.cf_outcome[mine].mean()) if mine.any() else float("nan")
    return read


def _weekly(column: str, month: str | None = None) -> Callable:
    if month is None:
        return lambda m, w: float(w[column].iloc[-1])
    return lambda m, w: _at(w, week_of(m, month), column)


def _spend_ratio(top: str, bottom: str, month: str) -> Callable:
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        week = week_of(m, month)
        return _at(w, week, top) / max(_at(w, week, bottom), 1)
    return read


TARGETS: tuple[Target, ...] = (
    Target("C1", "2-yr job outcome rate, JSA 18-24", 0.364, 0.33, 0.38, "share",
           "L&W 2018 [S11]", _two_year_rate("jsa_18_24"), True),
    Target("C2", "2-yr job outcome rate, JSA 25+", 0.317, 0.27, 0.34, "share",
           "[S11]; NAO 2014 [S5]; PAC 2014 [S6]", _two_year_rate("jsa_25_plus"), True),
    Target("C3", "2-yr job outcome rate, new ESA", 0.151, 0.11, 0.151, "share",
           "[S11]; PAC 2014 [S6]", _two_year_rate("esa_new"), True),
    Target("C4", "2-yr job outcome rate, ESA ex-IB", 0.054, 0.047, 0.054, "share",
           "[S11]", _two_year_rate("esa_ex_ib"), True),
    Target("C5", "2-yr job outcome rate, whole programme", 0.278, 0.253, 0.278, "share",
           "[S11]", _two_year_rate(None), True),
    Target("C6", "job outcomes per referral by July 2012", 0.036, 0.035, 0.036, "share",
           "NAO Dec 2012 [S2]; PAC 2013 [S4]", _paid_rate(JULY_2012)),
    Target("C7", "best prime, JSA 18-24, year 1 (MPL 5.5%: none met it)", 0.022, 0.0, 0.055,
           "share", "Commons Library [S9]; NAO [S2]", _best_prime_year_one("jsa_18_24")),
    Target("C8", "12-month job outcome rate, June 2011 cohort", 0.085, 0.075, 0.095,
           "share", "Commons Library 2013 [S9]", _cohort_rate("2011-06")),
    Target("C8", "12-month job outcome rate, June 2012 cohort", 0.13, 0.12, 0.14,
           "share", "Commons Library 2013 [S9]", _cohort_rate("2012-06")),
    Target("C9", "ESA ex-IB job outcomes per referral by July 2012", 0.002, 0.001, 0.003,
           "share", "PAC 2013 [S4]", _paid_rate(JULY_2012, "esa_ex_ib")),
    Target("C10", "share of job outcome payments: JSA 25+ (to March 2014)", 0.46, 0.43, 0.49,
           "share", "Hansard WPQ 13 Oct 2014 [S26]", _outcome_payment_share("jsa_25_plus")),
    Target("C10", "share of job outcome payments: JSA 18-24", 0.24, 0.21, 0.27, "share",
           "[S26]", _outcome_payment_share("jsa_18_24")),
    Target("C10", "share of job outcome payments: JSA early access", 0.22, 0.19, 0.25,
           "share", "[S26]", _outcome_payment_share("jsa_early_access")),
    Target("C10", "share of job outcome payments: new ESA", 0.036, 0.016, 0.056, "share",
           "[S26]", _outcome_payment_share("esa_new")),
    Target("C11", "job outcomes / job starts", 0.66, 0.60, 0.72, "share",
           "L&W [S11]; ERSA [S30]", _spend_ratio("job_outcomes", "job_starts", DECEMBER_2015)),
    Target("C12", "job outcomes per referral by June 2013", 0.128, 0.122, 0.135, "share",
           "Commons Library [S9]", _paid_rate(JUNE_2013)),
    Target("C12", "job outcomes per referral by December 2017", 0.314, 0.298, 0.330,
           "share", "[S11]", _paid_rate(DECEMBER_2017)),
    Target("C13", "cost to the commissioner per job outcome (to March 2014)", 4600, 4000,
           4800, "£", "[S25]; PAC 2014 [S6]",
           _spend_ratio("total_spend", "job_outcomes", MARCH_2014)),
    Target("C14", "attachment fees' share of payments (to March 2014)", 0.392, 0.35, 0.42,
           "share", "[S25]", _spend_ratio("paid_attachment", "total_spend", MARCH_2014)),
    Target("C15", "ESA share of referrals to July 2012", 0.09, 0.05, 0.12, "share",
           "[S12]", _esa_share_to(JULY_2012)),
    Target("C15", "ESA share of referrals in 2013 (nearly one in three)", 0.31, 0.27, 0.34,
           "share", "[S29]", _esa_share_in(2013)),
    Target("C16", "attachment rate", 0.95, 0.94, 0.98, "share", "Inclusion 2012 [S12]",
           lambda m, w: m.tally.attachments / max(m.tally.referrals, 1)),
    Target("C17", "third-sector share of subcontractors", 0.47, 0.45, 0.48, "share",
           "DWP supply-chain list [S27]", _vcs_share_of_subcontractors),
    Target("C18", "share of participants supported by the third sector", 0.20, 0.15, 0.25,
           "share", "[S27]", _weekly("third_sector_supported_rate", AUTUMN_2012)),
    Target("C19", "third-sector subcontractors with no referrals", 0.34, 0.30, 0.40, "share",
           "NCVO 2012 [S14]", _weekly("share_third_sector_no_referrals", AUTUMN_2012)),
    Target("C20", "third-sector subcontractors with far fewer referrals than expected",
           0.48, 0.40, 0.55, "share", "NCVO 2012 [S14]",
           _weekly("third_sector_far_fewer_referrals", AUTUMN_2012)),
    Target("C21", "third-sector subcontractors subsidising from reserves", 0.49, 0.40, 0.55,
           "share", "NCVO 2012 [S14]", _weekly("third_sector_subsidising", AUTUMN_2012)),
    Target("C22", "third-sector subcontracts at risk of failure", 0.72, 0.60, 0.80, "share",
           "NCVO 2012 [S14]", _weekly("third_sector_at_risk", AUTUMN_2012)),
    Target("C23", "net fall in subcontractors, January-July 2012", 0.03, 0.02, 0.05, "share",
           "DWP supply-chain list [S27]", _subcontractor_churn),
    Target("C24", "subcontractors' income / what priced outcomes would pay", 0.75, 0.70,
           0.80, "share", "NAO 2014 via NCVO [S51]",
           _weekly("subcontractor_income_vs_expected")),
    Target("C25", "commissioner funding per ESA participant (referrals to 2014)", 690, 550,
           700, "£", "Inclusion 2014 [S13]", _esa_funding_per_participant),
    Target("N1", "no-programme 2-yr job outcome rate, JSA 25+ (deadweight)", 0.15, 0.10,
           0.26, "share", "PAC 2013 [S4] (9.2% in 14 months); FND comparator 26% [S6]",
           _no_programme_rate("jsa_25_plus"), deadweight=True),
    Target("N2", "no-programme 2-yr job outcome rate, new ESA (deadweight)", 0.11, 0.11,
           0.15, "share", "Inclusion 11%, DWP 15% [S13]", _no_programme_rate("esa_new"),
           deadweight=True),
)

PRIMARY = tuple(t for t in TARGETS if t.primary)
DEADWEIGHT = tuple(t for t in TARGETS if t.deadweight)
REQUIRED = tuple(t for t in TARGETS if t.required)


def read_targets(model: CommissioningModel, targets: tuple[Target, ...] = TARGETS
                 ) -> list[float]:
    """Every target's value in a finished run, in `targets` order."""
    weekly = model.datacollector.get_model_vars_dataframe()
    return [float(t.read(model, weekly)) for t in targets]

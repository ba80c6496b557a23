"""The Work Programme's published figures (DOMAIN.md section 6), and how to read each from a run.

Each target has the ID it has in DOMAIN.md (C1, C2, ...; a target with
several figures has several lines with the same ID), the published figure and
range, its source, and a function that reads the same quantity from a finished
two-tier run. Calendar dates map to model weeks from June 2011 (week 0);
`referral_weeks` compresses the Work Programme's 70 months of referrals, so
dated targets are read at the model week of that date.

`primary` marks C1-C5, the targets the fit must reach; the others test early
dynamics, the money flow and the supply chain (DOMAIN's notes to section 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from commissioning.model.parameters import PAYMENT_GROUPS

if TYPE_CHECKING:
    from commissioning.model.model import CommissioningModel

# Model weeks of the dates the targets refer to (June 2011 = week 0).
MARCH_2012 = 40
JANUARY_2012 = 30
JULY_2012 = 58
AUTUMN_2012 = 65  # NCVO survey, ~15 months in
JUNE_2013 = 104
MARCH_2014 = 143
DECEMBER_2015 = 235

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


def _rate(weekly: pd.DataFrame, week: int) -> float:
    refs = _at(weekly, week, "referrals")
    return _at(weekly, week, "job_outcomes") / refs if refs else float("nan")


def _group_rate(group: str) -> Callable:
    return lambda m, w: float(w[f"job_outcome_rate_{group}"].iloc[-1])


def _cohort_rate(start: int, weeks: int = 4) -> Callable:
    """Share of a month's referrals with a job outcome within 52 weeks of referral."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        cohort = (c.referral_week >= start) & (c.referral_week < start + weeks)
        jo = c.job_outcome_week[cohort]
        return float(((jo >= 0) & (jo - c.referral_week[cohort] < 52)).mean())
    return read


def _early_outcomes(group: str, week: int) -> Callable:
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
        mine = (c.group == PAYMENT_GROUPS.index(group)) & (c.referral_week <= week)
        jo = c.job_outcome_week[mine]
        return float(((jo >= 0) & (jo <= week)).mean()) if mine.any() else float("nan")
    return read


def _outcome_payment_share(group: str, week: int = MARCH_2014) -> Callable:
    """Share of job outcome fees (not sustainment) earned by a group to `week`."""
    def read(m: CommissioningModel, w: pd.DataFrame) -> float:
        c = m.claimants
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


def _esa_share_of_referrals(m: CommissioningModel, w: pd.DataFrame) -> float:
    c = m.claimants
    first_year = c.referral_week < 52
    esa = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in ESA_GROUPS])
    return float(esa[first_year].mean())


def _esa_funding_per_participant(m: CommissioningModel, w: pd.DataFrame) -> float:
    """Payments earned within two years of referral, per ESA referral."""
    c = m.claimants
    esa = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in ESA_GROUPS]) & (
        c.status != 0)
    return float(c.earned_two_years[esa].mean()) if esa.any() else float("nan")


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
    alive_then = [o for o in subs if left(o) is None or left(o) > JANUARY_2012]
    gone = [o for o in alive_then if left(o) is not None and left(o) <= JULY_2012]
    return len(gone) / len(alive_then) if alive_then else float("nan")


def _weekly(column: str, week: int | None = None) -> Callable:
    if week is None:
        return lambda m, w: float(w[column].iloc[-1])
    return lambda m, w: _at(w, week, column)


TARGETS: tuple[Target, ...] = (
    Target("C1", "2-yr job outcome rate, JSA 18-24", 0.364, 0.33, 0.38, "share",
           "L&W 2018 [S11]", _group_rate("jsa_18_24"), True),
    Target("C2", "2-yr job outcome rate, JSA 25+", 0.317, 0.27, 0.34, "share",
           "[S11]; NAO 2014 [S5]; PAC 2014 [S6]", _group_rate("jsa_25_plus"), True),
    Target("C3", "2-yr job outcome rate, new ESA", 0.151, 0.11, 0.151, "share",
           "[S11]; PAC 2014 [S6]", _group_rate("esa_new"), True),
    Target("C4", "2-yr job outcome rate, ESA ex-IB", 0.054, 0.047, 0.054, "share",
           "[S11]", _group_rate("esa_ex_ib"), True),
    Target("C5", "2-yr job outcome rate, whole programme", 0.278, 0.253, 0.278, "share",
           "[S11]", _weekly("job_outcome_rate"), True),
    Target("C6", "job outcomes per referral by July 2012", 0.036, 0.035, 0.036, "share",
           "NAO Dec 2012 [S2]; PAC 2013 [S4]", lambda m, w: _rate(w, JULY_2012)),
    Target("C7", "best prime, JSA 18-24, year 1 (MPL 5.5%: none met it)", 0.022, 0.0, 0.055,
           "share", "Commons Library [S9]; NAO [S2]", _best_prime_year_one("jsa_18_24")),
    Target("C8", "12-month job outcome rate, first monthly cohort", 0.085, 0.075, 0.095,
           "share", "Commons Library 2013 [S9]", _cohort_rate(0)),
    Target("C8", "12-month job outcome rate, cohort a year later", 0.13, 0.12, 0.14,
           "share", "Commons Library 2013 [S9]", _cohort_rate(52)),
    Target("C9", "ESA ex-IB job outcomes per referral by July 2012", 0.002, 0.001, 0.003,
           "share", "PAC 2013 [S4]", _early_outcomes("esa_ex_ib", JULY_2012)),
    Target("C10", "share of job outcome payments: JSA 25+ (to March 2014)", 0.46, 0.43, 0.49,
           "share", "Hansard WPQ 13 Oct 2014 [S26]", _outcome_payment_share("jsa_25_plus")),
    Target("C10", "share of job outcome payments: JSA 18-24", 0.24, 0.21, 0.27, "share",
           "[S26]", _outcome_payment_share("jsa_18_24")),
    Target("C10", "share of job outcome payments: JSA early access", 0.22, 0.19, 0.25,
           "share", "[S26]", _outcome_payment_share("jsa_early_access")),
    Target("C10", "share of job outcome payments: new ESA", 0.036, 0.016, 0.056, "share",
           "[S26]", _outcome_payment_share("esa_new")),
    Target("C11", "job outcomes / job starts", 0.66, 0.60, 0.72, "share",
           "L&W [S11]; ERSA [S30]", lambda m, w: float(
               w["job_outcomes"].iloc[-1] / max(w["job_starts"].iloc[-1], 1))),
    Target("C12", "job outcomes per referral by June 2013", 0.128, 0.122, 0.135, "share",
           "Commons Library [S9]", lambda m, w: _rate(w, JUNE_2013)),
    Target("C12", "job outcomes per referral, end of programme", 0.314, 0.298, 0.330,
           "share", "[S11]", lambda m, w: _rate(w, len(w) - 2)),
    Target("C13", "cost to the commissioner per job outcome (to March 2014)", 4600, 4000,
           4800, "£", "[S25]; PAC 2014 [S6]", lambda m, w: _at(w, MARCH_2014, "total_spend")
           / max(_at(w, MARCH_2014, "job_outcomes"), 1)),
    Target("C14", "attachment fees' share of payments (to March 2014)", 0.392, 0.35, 0.42,
           "share", "[S25]", lambda m, w: _at(w, MARCH_2014, "paid_attachment")
           / max(_at(w, MARCH_2014, "total_spend"), 1)),
    Target("C15", "ESA share of referrals, first year", 0.09, 0.05, 0.12, "share",
           "[S12]; [S29]", _esa_share_of_referrals),
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
    Target("C24", "subcontractors' income / what priced outcomes would pay", 0.75, 0.70, 0.80,
           "share", "NAO 2014 via NCVO [S51]", _weekly("subcontractor_income_vs_expected")),
    Target("C25", "commissioner funding per ESA participant", 690, 550, 700, "£",
           "Inclusion 2014 [S13]", _esa_funding_per_participant),
)

PRIMARY = tuple(t for t in TARGETS if t.primary)


def read_targets(model: CommissioningModel, targets: tuple[Target, ...] = TARGETS
                 ) -> list[float]:
    """Every target's value in a finished run, in `targets` order."""
    weekly = model.datacollector.get_model_vars_dataframe()
    return [float(t.read(model, weekly)) for t in targets]

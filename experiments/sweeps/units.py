"""How a sweep's metrics are shown: a title, a unit on an axis, a format in a table.

Rates and shares are stored as fractions (per referral, of spend) and shown
as percentages; money in pounds; counts as counts. A difference of two
percentages is in percentage points. One place decides this for the printed
tables and the figures alike.
"""

from __future__ import annotations

import math

from commissioning.model.parameters import PAYMENT_GROUPS

GROUP_TITLES = dict(zip(PAYMENT_GROUPS, (
    "JSA 18-24", "JSA 25+", "JSA early access", "JSA ex-IB", "ESA volunteers", "ESA new",
    "ESA ex-IB", "IB/IS volunteers", "JSA prison leavers"), strict=True))

#: Plain titles of the metrics (`metrics.FINAL_KEYS`) for figures.
METRIC_TITLES = {
    "weeks": "Weeks simulated",
    "referrals": "Referrals",
    "job_outcome_rate": "Job outcome rate",
    **{f"job_outcome_rate_{g}": f"Job outcome rate, {t}" for g, t in GROUP_TITLES.items()},
    "job_outcome_rate_low_barrier": "Job outcome rate, claimants with 0-1 barriers",
    "job_outcome_rate_high_barrier": "Job outcome rate, claimants with 3+ barriers",
    "additional_job_outcome_rate": "Additional job outcomes (over no programme)",
    "support_ratio_easy_to_hard": "Creaming: support spend on 0-1 over 3+ barriers",
    "providers_insolvent": "Providers insolvent",
    "subcontractors_insolvent": "Subcontractors insolvent",
    "third_sector_insolvent": "Third-sector providers insolvent",
    "share_subcontractors_no_referrals": "Subcontractors never sent a claimant",
    "total_spend": "Total spend",
    "cost_per_job_outcome": "Cost per job outcome",
    "cost_per_additional_job_outcome": "Cost per additional job outcome",
    "third_sector_share_of_spend": "Third sector's share of spend",
    "prime_share_of_spend": "Primes' share of spend (kept)",
    "job_outcomes": "Job outcomes",
    "job_start_rate": "Job start rate",
    "no_programme_outcome_rate": "Outcome rate without the programme",
    "parked_share": "Parking: searching weeks with minimal support",
    "partnership_share_of_spend": "Partnerships' share of spend (kept)",
    "large_provider_share_of_spend": "Large providers' share of spend (kept)",
    "share_third_sector_no_referrals": "Third-sector providers never sent a claimant",
}


def metric_title(metric: str) -> str:
    return METRIC_TITLES.get(metric, metric.replace("_", " ").capitalize())


def metric_unit(metric: str) -> tuple[float, str]:
    """(multiplier, unit) to show a metric with."""
    if metric in ("weeks",):
        return 1.0, "weeks"
    if metric in ("referrals", "job_outcomes"):
        return 1.0, "claimants"
    if metric.endswith("_insolvent"):
        return 1.0, "providers"
    if metric == "total_spend":
        return 1e-3, "£ thousand"
    if metric.startswith("cost_per"):
        return 1.0, "£"
    if metric.startswith("support_ratio"):
        return 1.0, "ratio of £ per claimant"
    if metric.endswith("_of_spend"):
        return 100.0, "% of total spend"
    if metric.startswith("share_"):
        return 100.0, "% of providers"
    if metric == "parked_share":
        return 100.0, "% of searching weeks"
    return 100.0, "% of referrals"


def difference_unit(metric: str) -> str:
    """The unit of a difference between two runs' values: percentage points for a %."""
    unit = metric_unit(metric)[1]
    return "percentage points" if unit.startswith("%") else unit


def fmt(metric: str, value: float, difference: bool = False) -> str:
    """A metric's value for a table: 28.4%, £4,501, £12,775k, 1.74, 3."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    scale, unit = metric_unit(metric)
    v = abs(value) * scale
    if unit.startswith("%"):
        text = f"{v:.1f}{'pp' if difference else '%'}"
    elif unit == "£ thousand":
        text = f"£{v:,.0f}k"
    elif unit == "£":
        text = f"£{v:,.0f}"
    elif unit in ("providers", "claimants", "weeks"):
        text = f"{v:,.1f}" if v % 1 else f"{v:,.0f}"
    else:
        text = f"{v:.2f}"
    if not any(ch in "123456789" for ch in text):  # shown as zero: no sign
        return text
    return ("+" if difference and value > 0 else "-" if value < 0 else "") + text


def axis_label(metric: str) -> str:
    return f"{metric_title(metric)} ({metric_unit(metric)[1]})"

def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


"""How a sweep's metrics are shown: their unit on an axis, their format in a table.

Rates and shares are stored as fractions (per referral, of spend) and shown
as percentages; money in pounds; counts as counts. One place decides this
for the printed tables and the figures alike.
"""

from __future__ import annotations

import math


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


def fmt(metric: str, value: float, difference: bool = False) -> str:
    """A metric's value for a table: 28.4%, £4,501, £12,775k, 1.74, 3."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    scale, unit = metric_unit(metric)
    sign = "+" if difference and value > 0 else "-" if value < 0 else ""
    v = abs(value) * scale
    if unit.startswith("%"):
        return f"{sign}{v:.1f}{'pp' if difference else '%'}"
    if unit == "£ thousand":
        return f"{sign}£{v:,.0f}k"
    if unit == "£":
        return f"{sign}£{v:,.0f}"
    if unit in ("providers", "claimants", "weeks"):
        return f"{sign}{v:,.1f}" if v % 1 else f"{sign}{v:,.0f}"
    return f"{sign}{v:.2f}"


def axis_label(metric: str) -> str:
    return f"{metric} ({metric_unit(metric)[1]})"

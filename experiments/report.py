"""How a run's metrics and a comparison's table are printed on a terminal.

One run's counts are whole numbers (`5` providers insolvent); a comparison's
are means over replicates and keep one decimal, so that a mean of 0.8
insolvencies never reads as the 0 of a regime where none failed. Rates are
percentages, differences of rates percentage points, money in pounds (£k in
the comparison's narrow columns).
"""

from __future__ import annotations

import math
from typing import Any

from commissioning.model.parameters import PAYMENT_GROUPS

COUNTS = ("weeks", "referrals", "job_outcomes", "providers_withdrawn")
MONEY = ("provider_funds_used", "specialist_fee_per_episode")

#: The run summary's sections and the metrics in each.
SUMMARY = (
    ("Employment outcomes", ["referrals", "job_outcomes", "job_outcome_rate",
                             *(f"job_outcome_rate_{g}" for g in PAYMENT_GROUPS),
                             "job_outcome_rate_low_barrier", "job_outcome_rate_high_barrier",
                             "no_programme_outcome_rate", "additional_job_outcome_rate",
                             "job_start_rate"]),
    ("Creaming and parking", ["support_ratio_easy_to_hard", "parked_share", "queued_share"]),
    ("Providers", ["providers_insolvent", "providers_insolvent_share", "providers_withdrawn",
                   "subcontractors_insolvent", "third_sector_insolvent",
                   "small_providers_lowest_cash",
                   "share_subcontractors_no_referrals", "share_third_sector_no_referrals"]),
    ("Money", ["total_spend", "provider_funds_used", "cost_per_job_outcome",
               "resources_per_job_outcome", "cost_per_additional_job_outcome",
               "specialist_fee_per_episode", "prime_share_of_spend",
               "large_provider_share_of_spend", "partnership_share_of_spend",
               "third_sector_share_of_spend"]),
)


def is_count(key: str) -> bool:
    return key in COUNTS or key.endswith("_insolvent")


def value_text(key: str, value: float, mean: bool = False) -> str:
    """One metric's value: a count (one decimal if `mean`), £, a ratio or a percentage."""
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if is_count(key):
        return f"{value:,.1f}" if mean or not float(value).is_integer() else f"{value:,.0f}"
    if key == "small_providers_lowest_cash":
        return f"{value:.1f} weeks"
    if ("spend" in key and "share" not in key) or key.startswith(("cost_per", "resources_per")) \
            or key in MONEY:
        return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"
    if key.startswith("support_ratio"):
        return f"{value:.2f}"
    return f"{100 * value:.1f}%"


def summary_lines(name: str, metrics: dict[str, Any], seconds: float) -> list[str]:
    """`commissioning run`'s readable summary."""
    lines = [f"{name}  ({metrics['weeks']} weeks, seed {metrics.get('seed', '?')}, "
             f"{seconds:.1f}s)"]
    for title, keys in SUMMARY:
        lines += ["", f"  {title}"]
        lines += [f"    {key:<38} {value_text(key, metrics[key]):>14}" for key in keys]
    return lines


def _short(key: str, value: float, diff: bool) -> str:
    """Compact numbers for the comparison table: £k for money, points for rate differences."""
    if math.isnan(value):
        return "n/a"
    text = value_text(key, value, mean=True)
    if "£" in text and abs(value) >= 10_000:
        text = f"{'-' if value < 0 else ''}£{abs(value) / 1000:,.0f}k"
    elif text.endswith("%") and diff:
        text = f"{100 * value:.1f}pp"
    return text


def cell(metric: str, mean: float, low: float, high: float, diff: bool = False) -> str:
    """`mean [low, high]`, signed for a difference."""
    if math.isnan(mean):
        return "n/a"
    sign = "+" if diff and mean >= 0 else ""
    text = sign + _short(metric, mean, diff)
    if not math.isnan(low):
        text += f" [{_short(metric, low, diff)}, {_short(metric, high, diff)}]"
    return text


def comparison_lines(table: Any, names: list[str]) -> list[str]:
    """The comparison table: per scenario mean [95% interval], then paired differences.

    Over a posterior (`share_of_draws_higher` in the table) the intervals are
    over draws and seeds, and a column per scenario gives the share of draws in
    which it is higher than the first. Each column is as wide as its widest
    cell, so that no two cells ever touch.
    """
    posterior = "share_of_draws_higher" in table.columns
    metrics = list(dict.fromkeys(table.metric))
    headers = [n[:30] for n in names] + [f"diff {n[:24]}" for n in names[1:]]
    if posterior:
        headers += [f"higher {n[:22]}" for n in names[1:]]
    cells: dict[str, list[str]] = {}
    for metric in metrics:
        rows = table[table.metric == metric].set_index("scenario")
        cells[metric] = [cell(metric, rows.loc[n, "mean"], rows.loc[n, "ci_low"],
                              rows.loc[n, "ci_high"]) for n in names]
        cells[metric] += [cell(metric, rows.loc[n, "diff"], rows.loc[n, "diff_low"],
                               rows.loc[n, "diff_high"], True) for n in names[1:]]
        if posterior:
            cells[metric] += [share_text(rows.loc[n, "share_of_draws_higher"])
                              for n in names[1:]]
    width = max(len(m) for m in [*metrics, "metric"]) + 2
    widths = [max(len(h), *(len(cells[m][k]) for m in metrics)) + 3
              for k, h in enumerate(headers)]
    if posterior:
        draws = int(table["draws"].iloc[0])
        first = (f"mean [95% interval over {draws} posterior draws and their seeds]; diff = "
                 f"paired difference from {names[0]}; higher = share of draws in which the "
                 f"scenario's value is higher than {names[0]}'s")
    else:
        first = "mean [95% interval]; diff = paired difference from " + names[0]
    lines = [first, f"{'metric':<{width}}" + "".join(
        f"{h:>{w}}" for h, w in zip(headers, widths, strict=True))]
    for metric in metrics:
        lines.append(f"{metric:<{width}}" + "".join(
            f"{c:>{w}}" for c, w in zip(cells[metric], widths, strict=True)))
    return lines


def share_text(share: float) -> str:
    """A share of draws as a whole percentage ('n/a' when no draw could be compared)."""
    return "n/a" if share is None or math.isnan(share) else f"{100 * share:.0f}%"


# --- the parameter table -----------------------------------------------------------------


def number_text(value: Any) -> str:
    """A parameter value as its figure carries it: four significant figures, thousands
    separated (0.4022, 144.4, 1,744, 10,000); whole numbers and words as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(number_text(v) for v in value)
    return str(value)


def parameter_lines(parameters: Any, width: int = 100) -> list[str]:
    """`commissioning parameters`: key, default and unit; per-group values by group name."""
    lines = []
    for p in parameters:
        if isinstance(p.default, dict):
            lines.append(f"{p.key:<48} {'by payment group:':<30} {p.unit}")
            line = "   "
            for group, value in p.default.items():
                item = f" {group} {number_text(value)}"
                if len(line) + len(item) + 1 > width:
                    lines.append(line)
                    line = "   "
                line += item + ";"
            lines.append(line.rstrip(";"))
        else:
            lines.append(f"{p.key:<48} {number_text(p.default):<30} {p.unit}")
    return lines

"""Numbers in a class's words: money rounded for reading aloud, counts with their nouns."""

from __future__ import annotations

import math


def money(value: float) -> str:
    """Pounds for a class: £950, £12.3k, £2.56m ("–" for nothing to show)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    sign = "−" if value < 0 else ""
    value = abs(value)
    if value >= 1e6:
        return f"{sign}£{value / 1e6:.2f}m"
    if value >= 1e4:
        return f"{sign}£{value / 1e3:.1f}k"
    if value < 10 and not float(value).is_integer():
        return f"{sign}£{value:.2f}"
    return f"{sign}£{value:,.0f}"


def pct(value: float, decimals: int = 0) -> str:
    """A share as a percentage ("–" when there is nothing to divide by)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{100 * value:.{decimals}f}%"


def plural(n: int, noun: str) -> str:
    """ "1 claimant", "3 claimants", "0 subcontractors"."""
    if n == 1:
        return f"1 {noun}"
    if noun.endswith("y") and not noun.endswith(("ey", "ay")):
        return f"{n:,} {noun[:-1]}ies"
    return f"{n:,} {noun}s"

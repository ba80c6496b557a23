"""Write a scenario file that reads as a document: every value with its unit and source.

Used to produce the full baseline (`scenarios/two_tier.toml`) from the
parameter table, and by calibration to write fitted values back as a new
scenario with a header saying when and against what it was fitted.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from .parameters import PARAMETERS, PAYMENT_GROUPS, SECTIONS, Param


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def _comment(p: Param) -> list[str]:
    text = f"{p.doc} Unit: {p.unit}."
    if p.kind == "choice":
        text += " One of: " + ", ".join(p.choices) + "."
    text += f" Source: {p.source}."
    return ["# " + line for line in textwrap.wrap(text, 86)]


def render_scenario(params: dict[str, Any], *, name: str, description: str = "",
                    header: str = "", inherits: str | None = None,
                    only: set[str] | None = None) -> str:
    """A TOML scenario. `only` limits the parameters written (the rest inherit)."""
    lines = [f"# {line}" if line else "#" for line in header.strip().splitlines()]
    if lines:
        lines.append("")
    lines += ["[scenario]", f"name = {_toml_value(name)}"]
    if description:
        lines.append(f"description = {_toml_value(description)}")
    if inherits:
        lines.append(f"inherits = {_toml_value(inherits)}")
    for section in SECTIONS:
        chosen = [p for p in PARAMETERS if p.section == section and (only is None or
                                                                     p.name in only)]
        if not chosen:
            continue
        scalars = [p for p in chosen if p.kind != "per_group"]
        tables = [p for p in chosen if p.kind == "per_group"]
        if scalars:
            lines += ["", f"[{section}]"]
            for p in scalars:
                lines += [*_comment(p), f"{p.name} = {_toml_value(params[p.name])}"]
        for p in tables:
            lines += ["", *_comment(p), f"[{section}.{p.name}]"]
            lines += [f"{g} = {_toml_value(params[p.name][g])}" for g in PAYMENT_GROUPS]
    return "\n".join(lines) + "\n"


BASELINE_HEADER = """\
The Work Programme as designed: two-tier payment by results (Great Britain, 2011-2017).

DWP contracts two or three primes per contract package area, paid almost only by
results: a small attachment fee (tapering to nothing by contract year 4), a job
outcome fee after 13 or 26 weeks in work, and sustainment payments every 4 weeks
after. Primes keep some claimants in house and pass the rest to tier-1
subcontractors, buying tier-2 specialist episodes only when they expect it to pay.

This file lists every parameter of the model, and is the baseline every other
scenario inherits from: the locality scenarios change only who holds the
contract ([commissioning]), the contract's terms ([contract]) and how the
commissioner pays ([payments]). Its values are the model's built-in defaults. Numbers and sources:
DOMAIN.md (sections 2, 4 and 7) in the project's shared notes; [Sn] is a source
listed in docs/sources.md. Values marked "assumption — to be calibrated" have no published
figure and are plausible defaults; those marked "fitted" were fitted to the Work
Programme's published figures (DOMAIN.md section 6) by `commissioning calibrate`
({fitted}; docs/calibration.md).
One area of 10,000 claimants stands for one contract package area (~108,000
referrals), scaled down; capacities and costs scale with it.
"""


def write_baseline(path) -> None:
    """(Re)write the two-tier baseline scenario from the parameter table's defaults."""
    from pathlib import Path

    from .fitted_values import FIT_HEADER, FITTED_ON
    from .parameters import defaults

    header = BASELINE_HEADER.format(fitted=f"adopted {FITTED_ON}")
    if FIT_HEADER:
        header += "\n" + FIT_HEADER
    Path(path).write_text(render_scenario(
        defaults(), name="Two-tier payment by results (Work Programme)",
        description="Vertical supply chain: primes, tier-1 and tier-2 subcontractors; "
                    "outcome-based payments.", header=header), encoding="utf-8")


if __name__ == "__main__":
    import sys

    write_baseline(sys.argv[1])

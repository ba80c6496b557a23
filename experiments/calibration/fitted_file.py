"""The fitted scenario `commissioning calibrate` writes, and the header that says how.

The shipped point is written as an ordinary scenario file (every parameter,
with its unit and source) whose opening comment says when, against what, from
where and by which method it was fitted, and the fitted values with their
posterior intervals. `adopt-fit` reads that header back (`fit_header`,
`FITTED_ON`), and a fit started from an earlier fit's file carries that
file's header along. Beside it go posterior.csv, fitted.csv and the rest
(`fit.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commissioning.model.scenario import Scenario
from commissioning.model.scenario_writer import render_scenario

from .fitting import FreeParameter, apply
from .targets import TARGETS

FITTED_ON = re.compile(r"fitted by `commissioning calibrate` on (.+?)\.", re.S)


def printable(text: str) -> str:
    """`text` with any character a comment or a terminal should not carry escaped."""
    return "".join(ch if ch.isprintable() or ch == "\n" else
                   ch.encode("unicode_escape").decode("ascii") for ch in text)


def shown(path: Path) -> str:
    """A path as the user would type it here (relative to the working folder if inside)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def fit_header(path: Path | None) -> str:
    """The header comment of a scenario file written by `calibrate` ('' for any other)."""
    if path is None:
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    text = "\n".join(lines).strip()
    return printable(text) if FITTED_ON.search(text.replace("\n", " ")) else ""


def header(scenario: Scenario, free: Sequence[FreeParameter], summary: Any,
           assignments: Sequence[str], only: bool, method: str) -> str:
    """When, against what, from where and how the fit was made; its values and intervals."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ranges = "\n".join(
        f"  {r.parameter}: {r.fitted:.5g} (posterior 90% {r.posterior_low:.4g} to "
        f"{r.posterior_high:.4g}; prior {r.prior_low:g} to {r.prior_high:g})"
        for r in summary.itertuples())
    start = shown(scenario.path) if scenario.path else scenario.name
    required = ", ".join(t.id for t in TARGETS if t.required)
    text = (f"Two-tier baseline fitted by `commissioning calibrate` on {when}.\n\n"
            f"Against: the calibration targets of DOMAIN.md section 6 and the deadweight "
            f"figures of sections 2.4 and 7 ({len(TARGETS)} lines; {required} weighted five "
            f"times), starting from {start}"
            + (f" with {', '.join(assignments)}" if assignments else "") + ".\n"
            + (f"Fitted here: {', '.join(fp.key for fp in free)}; the rest held.\n"
               if only else "")
            + f"Method: {method}\n"
            f"Fitted values (the shipped point):\n{ranges}\n\n"
            "Check the fit with `commissioning check-fit` (docs/calibration.md).")
    earlier = fit_header(scenario.path)
    if earlier:  # started from an earlier fit: say how that was fitted
        text += "\n\nIts starting point was itself fitted:\n" + earlier
    return printable(text)


def write_fitted(out: Path, scenario: Scenario, free: Sequence[FreeParameter],
                 values: Sequence[float], text: str) -> None:
    """The shipped point as a scenario file at `out` (written atomically)."""
    params: dict[str, Any] = apply(scenario.params, free, values)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(render_scenario(
        params, name="Two-tier payment by results (Work Programme), fitted",
        description="The Work Programme baseline with its free parameters fitted to the "
                    "published figures.", header=text), encoding="utf-8")
    tmp.replace(out)

"""The fitted scenario `commissioning calibrate` writes, and the header that says how.

The fit is written as an ordinary scenario file (every parameter, with its
unit and source) whose opening comment says when, against what, from where
and by which method it was fitted, and the fitted values with their search
ranges. `adopt-fit` reads that header back (`fit_header`, `FITTED_ON`), and a
later stage of a staged fit carries the earlier stage's header along. Beside
it go the candidates' logs (history.csv, accepted.csv, fitted.csv).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commissioning.model.scenario import Scenario
from commissioning.model.scenario_writer import render_scenario

from .fitting import Fit, FreeParameter, apply
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


def header(scenario: Scenario, fit: Fit, free: Sequence[FreeParameter], assignments: Sequence[str],
           only: bool, points: int, replicates: int, refine: int) -> str:
    """When, against what, from where and how the fit was made; its values."""
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ranges = "\n".join(f"  {fp.key}: {v:.5g} (searched {fp.low:g} to {fp.high:g})"
                       for fp, v in zip(fit.free, fit.values, strict=True))
    start = shown(scenario.path) if scenario.path else scenario.name
    text = (f"Two-tier baseline fitted by `commissioning calibrate` on {when}.\n\n"
            f"Against: the calibration targets of DOMAIN.md section 6 (C1-C25, "
            f"{len(TARGETS)} lines; C1-C5 weighted five times; each target's cost capped), "
            f"starting from {start}"
            + (f" with {', '.join(assignments)}" if assignments else "") + ".\n"
            + (f"Fitted here: {', '.join(fp.key for fp in free)}; the rest held.\n"
               if only else "")
            + f"Method: Latin hypercube of {points} candidates on {replicates} "
            f"common seeds, ABC acceptance of the best {int(100 * 0.1)}%, Nelder-Mead "
            f"refinement ({refine} steps); best loss {fit.loss:.3f}.\n"
            f"Fitted values:\n{ranges}\n\n"
            "Check the fit with `commissioning check-fit` (docs/calibration.md).")
    earlier = fit_header(scenario.path)
    if earlier:  # a later stage: say how its starting point was fitted
        text += "\n\nIts starting point was itself fitted:\n" + earlier
    return printable(text)


def write_fit(out: Path, log: Path, scenario: Scenario, fit: Fit, text: str) -> None:
    """The fitted scenario file at `out`, and the candidates' logs in `log`."""
    params: dict[str, Any] = apply(scenario.params, fit.free, fit.values)
    fit.history.to_csv(log / "history.csv", index=False)
    fit.accepted.to_csv(log / "accepted.csv", index=False)
    fit.summary().to_csv(log / "fitted.csv", index=False)
    out.write_text(render_scenario(
        params, name="Two-tier payment by results (Work Programme), fitted",
        description="The Work Programme baseline with its free parameters fitted to the "
                    "published figures.", header=text), encoding="utf-8")

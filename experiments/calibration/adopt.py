"""`commissioning adopt-fit`: a reviewed fit becomes the model's defaults.

Adopting writes the project's own files, for a person to review and commit:

- `model/fitted_values.toml`: the fitted values, when and how they were
  fitted. It is data (TOML), read by `model/fitted_values.py`; nothing taken
  from a fit file (its name, its header) is ever written as code, so a
  hostile file name stays a string;
- `scenarios/two_tier.toml` and the ODD parameter table (`docs/ODD.md`),
  regenerated from the new defaults in fresh interpreters;
- the table of fitted values in `docs/calibration.md`, from `calibrate`'s log.

So it needs a source checkout of the project that this command runs from
(an editable install, `pip install -e .`); from an installed copy it says so
and what to do, before writing anything.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commissioning.experiments.outputs import Outputs
from commissioning.model.scenario import ScenarioError, load_scenario

from .fitted_file import FITTED_ON, fit_header, printable

VALUES_START = "<!-- fitted values: written by `commissioning adopt-fit` -->"
VALUES_END = "<!-- end of fitted values -->"
FIT_FILE = Path("model") / "fitted_values.toml"
BASELINE = Path("scenarios") / "two_tier.toml"
ODD = Path("docs") / "ODD.md"
CALIBRATION_DOC = Path("docs") / "calibration.md"


def checkout_root() -> Path | None:
    """The source checkout this package runs from, or None for an installed copy."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "model" / "parameters.py").is_file():
        return root
    return None


# --- the data file ------------------------------------------------------------------------


def toml_string(text: str, multiline: bool = False) -> str:
    """`text` as a TOML basic string: quotes, backslashes and control characters escaped.

    Every quote is escaped, so not even a multi-line string can be closed early.
    """
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\n" if multiline else "\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    if multiline:  # a newline right after the opening quotes is not part of the string
        return '"""\n' + "".join(out) + '"""'
    return '"' + "".join(out) + '"'


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"a fitted value must be a finite number, got {value!r}")
    return repr(value)


def fitted_values_text(values: dict[str, Any], fitted_on: str, origin: str,
                       header: str = "") -> str:
    """The text of `model/fitted_values.toml` for these values (TOML: data, never code)."""
    lines = [
        "# The two-tier baseline's free parameters as fitted by `commissioning calibrate`.",
        "# Written by `commissioning adopt-fit`; do not edit by hand. model/fitted_values.py",
        "# reads it and parameters.py makes these values the model's defaults (and so the",
        "# values of scenarios/two_tier.toml, which every other scenario inherits).",
        "",
        f"fitted_on = {toml_string(fitted_on)}",
        f"origin = {toml_string(origin)}",
        f"header = {toml_string(header, multiline=True)}",
        "",
        "[values]",
    ]
    tables = {k: v for k, v in values.items() if isinstance(v, dict)}
    lines += [f"{k} = {_number(v)}" for k, v in values.items() if k not in tables]
    for name, table in tables.items():
        lines += ["", f"[values.{name}]"]
        lines += [f"{g} = {_number(v)}" for g, v in table.items()]
    return "\n".join(lines) + "\n"


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- the documentation's table --------------------------------------------------------------


def fitted_table(summary: Any, fitted_on: str) -> str:
    """The fitted values and their posterior intervals (calibrate's fitted.csv) as Markdown."""
    rows = [f"Fitted on {fitted_on}. Prior: the range searched (uniform; log-uniform for the "
            "hazards and the ESA trend). Shipped: the best-supported set (docs/calibration.md, "
            "Method). Posterior: the weighted mean, standard deviation and 90% interval of "
            "the accepted sets of the last generation: how tightly the published figures pin "
            "each parameter down.\n",
            "| Parameter | Prior | Shipped | Posterior mean (sd) | Posterior 90% interval |",
            "|---|---|---|---|---|"]
    for r in summary.itertuples():
        rows.append(f"| `{r.parameter}` | {r.prior_low:.4g} to {r.prior_high:.4g} | "
                    f"{r.fitted:.4g} | {r.posterior_mean:.4g} ({r.posterior_sd:.2g}) | "
                    f"{r.posterior_low:.4g} to {r.posterior_high:.4g} |")
    return "\n".join(rows)


def _summary_from_logs(logs: list[Path], fitted_params: dict[str, Any]) -> Any:
    """The fit's fitted.csv (of each folder given, earliest first), if it matches the fit."""
    import pandas as pd

    from .fitting import FREE_PARAMETERS

    found = []
    for f in logs:
        if f.is_file():
            try:
                found.append(pd.read_csv(f))
            except (OSError, ValueError, UnicodeDecodeError) as exc:
                raise ScenarioError(str(f), "", f"a fit's fitted.csv ({exc})"
                                    ) from None
    if not found:
        return None
    summary = pd.concat(found).drop_duplicates("parameter", keep="last")
    got = {fp.key: fp.current(fitted_params) for fp in FREE_PARAMETERS}
    if "fitted" not in summary or "posterior_mean" not in summary or not all(
            abs(got.get(r.parameter, math.nan) - r.fitted) <= 1e-3 * abs(r.fitted)
            for r in summary.itertuples()):
        return None
    order = {fp.key: i for i, fp in enumerate(FREE_PARAMETERS)}
    return summary.sort_values("parameter", key=lambda c: c.map(order))


# --- adopting ------------------------------------------------------------------------------


def regenerate(root: Path) -> None:
    """Rewrite two_tier.toml and the ODD table in fresh interpreters (they read the new file)."""
    for module, target in (("commissioning.model.scenario_writer", BASELINE),
                           ("commissioning.model.odd_table", ODD)):
        subprocess.run([sys.executable, "-m", module, str(root / target)], check=True)


def adopt(fitted_path: str | Path, log_dirs: list[str] | None = None,
          root: Path | None = None, say: Callable[[str], None] = print,
          warn: Callable[[str], None] = print) -> int:
    """Make the fit in `fitted_path` the model's defaults; the number of values adopted."""
    from commissioning.model.parameters import defaults

    from .fitting import FREE_PARAMETERS

    fitted = load_scenario(fitted_path)
    text = fitted.path.read_text(encoding="utf-8") if fitted.path else ""
    match = FITTED_ON.search(text.replace("\n# ", " "))  # the latest stage comes first
    if match is None:
        raise ScenarioError(str(fitted.path), "header",
                            "a scenario written by `commissioning calibrate` (its header says "
                            "when it was fitted)")
    names = list(dict.fromkeys(fp.name for fp in FREE_PARAMETERS))
    base = defaults()
    stray = [k for k, v in fitted.params.items() if k not in names and v != base[k]]
    if stray:
        raise ScenarioError(str(fitted.path), stray[0],
                            "the current default for every parameter that is not fitted "
                            "(refit from the current two_tier.toml)")
    values = {k: fitted.params[k] for k in names}
    # Checked after the file itself: a bad file gets its own message first.
    root = root or checkout_root()
    if root is None:
        raise ScenarioError(
            str(fitted_path), "adopt-fit",
            "a source checkout of commissioning installed for development: adopt-fit rewrites "
            f"the project's files ({FIT_FILE}, {BASELINE}, {ODD}, {CALIBRATION_DOC}) for you "
            "to review and commit, and this copy is installed from a package. In the "
            "project's folder (a git clone) run `pip install -e .`, then run "
            f"`commissioning adopt-fit {fitted_path}` there again")
    logs = [Path(d) / "fitted.csv" for d in (log_dirs or [fitted.path.parent])]
    with Outputs() as outputs:  # every file writable before any is written
        for target in (FIT_FILE, BASELINE, ODD, CALIBRATION_DOC):
            outputs.file(root / target, "adopt-fit")
    summary = _summary_from_logs(logs, fitted.params)
    fitted_on = match.group(1).strip()
    _write_atomic(root / FIT_FILE, fitted_values_text(
        values, printable(fitted_on), printable(fitted.path.name), fit_header(fitted.path)))
    regenerate(root)
    if summary is not None:
        from .check import write_table

        write_table(root / CALIBRATION_DOC, fitted_table(summary, printable(fitted_on)),
                    VALUES_START, VALUES_END)
        say(f"{CALIBRATION_DOC}: fitted values table rewritten from "
            + ", ".join(str(f) for f in logs if f.exists()))
    else:
        warn(f"warning: no calibrate log matching {fitted.path} in "
             f"{', '.join(map(str, logs))}; {CALIBRATION_DOC}'s table of fitted values left "
             "as it was")
    return len(values)

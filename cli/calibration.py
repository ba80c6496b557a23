"""`commissioning calibrate`, `adopt-fit` and `check-fit`: fit the baseline, adopt it, check it.

    commissioning calibrate                # fit; writes results/calibration/two_tier_fitted.toml
    commissioning adopt-fit                # its fitted values become the model's defaults
    commissioning check-fit                # every target; rewrites docs/calibration.md's table

A fit is adopted in a separate step, after it has been looked at: `adopt-fit`
writes `model/fitted_values.py` (which `parameters.py` applies to the defaults),
then regenerates `scenarios/two_tier.toml` and the ODD parameter table from them.
"""

from __future__ import annotations

import argparse
import pprint
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from commissioning.experiments.calibration.check import (
    check_fit,
    fit_figure,
    fit_lines,
    markdown_table,
    write_table,
)
from commissioning.experiments.calibration.fitting import FREE_PARAMETERS, apply, calibrate
from commissioning.experiments.calibration.targets import TARGETS
from commissioning.model.parameters import defaults
from commissioning.model.scenario import ScenarioError, load_scenario
from commissioning.model.scenario_writer import render_scenario


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % max(total // 10, 1) == 0:
        print(f"  {stage}: {done}/{total}", flush=True)


def _workers(n: int) -> str:
    return "here, no cluster" if n <= 1 else f"{n} Dask workers"


def cmd_calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.set)
    free = FREE_PARAMETERS
    if args.only:
        wanted = [k.strip() for k in args.only.split(",") if k.strip()]
        known = {fp.key: fp for fp in FREE_PARAMETERS}
        unknown = [k for k in wanted if k not in known]
        if unknown:
            raise ScenarioError("--only", unknown[0], "a free parameter: " + ", ".join(known))
        free = tuple(known[k] for k in wanted)
    start = time.perf_counter()
    print(f"calibrating {len(free)} free parameters of {scenario.path} to "
          f"{len(TARGETS)} target lines ({args.points} candidates x {args.replicates} seeds, "
          f"then {args.refine} refinement steps, "
          f"{'on ' + args.scheduler if args.scheduler else _workers(args.workers)})")
    fit = calibrate(scenario.params, free, points=args.points, replicates=args.replicates,
                    refine=args.refine, seed=args.seed, workers=args.workers,
                    progress=_progress, scheduler=args.scheduler or None)
    summary = fit.summary()
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"best loss {fit.loss:.3f} ({time.perf_counter() - start:.0f}s)")

    out = Path(args.out)
    log = Path(args.log) if args.log else out.parent
    log.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    fit.history.to_csv(log / "history.csv", index=False)
    fit.accepted.to_csv(log / "accepted.csv", index=False)
    summary.to_csv(log / "fitted.csv", index=False)

    params = apply(scenario.params, fit.free, fit.values)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ranges = "\n".join(f"  {fp.key}: {v:.5g} (searched {fp.low:g} to {fp.high:g})"
                       for fp, v in zip(fit.free, fit.values, strict=True))
    header = (f"Two-tier baseline fitted by `commissioning calibrate` on {when}.\n\n"
              f"Against: the calibration targets of DOMAIN.md section 6 (C1-C25, "
              f"{len(TARGETS)} lines; C1-C5 weighted five times; each target's cost capped), "
              "starting from "
              f"{_shown(scenario.path) if scenario.path else scenario.name}"
              + (f" with {', '.join(args.set)}" if args.set else "") + ".\n"
              + (f"Fitted here: {', '.join(fp.key for fp in free)}; the rest held.\n"
                 if args.only else "") +
              f"Method: Latin hypercube of {args.points} candidates on {args.replicates} "
              f"common seeds, ABC acceptance of the best {int(100 * 0.1)}%, Nelder-Mead "
              f"refinement ({args.refine} steps); best loss {fit.loss:.3f}.\n"
              f"Fitted values:\n{ranges}\n\n"
              "Check the fit with `commissioning check-fit` (docs/calibration.md).")
    earlier = _fit_header(scenario.path)
    if earlier:  # a later stage: say how its starting point was fitted
        header += "\n\nIts starting point was itself fitted:\n" + earlier
    out.write_text(render_scenario(
        params, name="Two-tier payment by results (Work Programme), fitted",
        description="The Work Programme baseline with its free parameters fitted to the "
                    "published figures.", header=header), encoding="utf-8")
    print(f"written {out} and {log}/(history, accepted, fitted).csv; "
          f"next: commissioning check-fit {out}, then commissioning adopt-fit {out}")
    return 0


FITTED_ON = re.compile(r"fitted by `commissioning calibrate` on (.+?)\.", re.S)


def fitted_values_source(values: dict, fitted_on: str, origin: str, header: str = "") -> str:
    """The text of `model/fitted_values.py` for these values."""
    body = pprint.pformat(values, indent=4, width=92, sort_dicts=False)
    return (f'''"""The two-tier baseline's free parameters as fitted by `commissioning calibrate`.

Written by `commissioning adopt-fit` from {origin}; do not edit by hand.
`parameters.py` makes these values the model's defaults (and so the values of
`scenarios/two_tier.toml`, which every other scenario inherits).
"""

FITTED_ON = {fitted_on!r}
#: The fitted scenario's header: when, against what and how (goes into two_tier.toml).
FIT_HEADER = {pprint.pformat(header, width=88)}
FITTED_VALUES = {body}
''')


VALUES_START = "<!-- fitted values: written by `commissioning adopt-fit` -->"
VALUES_END = "<!-- end of fitted values -->"


def fitted_table(summary: pd.DataFrame, fitted_on: str) -> str:
    """The fitted values and their uncertainty (the ABC sample) as Markdown."""
    rows = [f"Fitted on {fitted_on}. Fitted value: the best candidate found; accepted: the "
            "ABC sample (best 10% of the search), its mean, standard deviation and 2.5-97.5% "
            "range, a measure of how tightly the targets pin each parameter down.\n",
            "| Parameter | Searched | Fitted | Accepted mean (sd) | Accepted 95% range |",
            "|---|---|---|---|---|"]
    for r in summary.itertuples():
        rows.append(f"| `{r.parameter}` | {r.search_low:.4g} to {r.search_high:.4g} | "
                    f"{r.fitted:.4g} | {r.accepted_mean:.4g} ({r.accepted_sd:.2g}) | "
                    f"{r.accepted_low:.4g} to {r.accepted_high:.4g} |")
    return "\n".join(rows)


def cmd_adopt_fit(args: argparse.Namespace) -> int:
    fitted = load_scenario(args.fitted)
    header = fitted.path.read_text(encoding="utf-8") if fitted.path else ""
    match = FITTED_ON.search(header.replace("\n# ", " "))  # the latest stage comes first
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
    root = Path(__file__).resolve().parents[1]
    if not (root / "pyproject.toml").exists():
        raise ScenarioError(str(args.fitted), "adopt-fit",
                            "a source checkout of the project (it rewrites model/ and "
                            "scenarios/); this is an installed copy")
    (root / "model" / "fitted_values.py").write_text(
        fitted_values_source(values, match.group(1).strip(), fitted.path.name,
                             _fit_header(fitted.path)), encoding="utf-8")
    # Fresh interpreters: they read the new defaults.
    for module, target in (("commissioning.model.scenario_writer", "scenarios/two_tier.toml"),
                           ("commissioning.model.odd_table", "docs/ODD.md")):
        subprocess.run([sys.executable, "-m", module, str(root / target)], check=True)
    # The stages' logs, earliest first: a later stage's row replaces an earlier one's.
    logs = [Path(d) / "fitted.csv" for d in (args.log or [fitted.path.parent])]
    found = [pd.read_csv(f) for f in logs if f.exists()]
    summary = (pd.concat(found).drop_duplicates("parameter", keep="last") if found else None)
    got = {fp.key: fp.current(fitted.params) for fp in FREE_PARAMETERS}
    if summary is not None and all(
            abs(got.get(r.parameter, float("nan")) - r.fitted) <= 1e-3 * abs(r.fitted)
            for r in summary.itertuples()):
        order = {fp.key: i for i, fp in enumerate(FREE_PARAMETERS)}
        summary = summary.sort_values("parameter", key=lambda c: c.map(order))
        write_table(root / "docs" / "calibration.md",
                    fitted_table(summary, match.group(1).strip()), VALUES_START, VALUES_END)
        print("docs/calibration.md: fitted values table rewritten from",
              ", ".join(str(f) for f in logs if f.exists()))
    else:
        print(f"warning: no calibrate log matching {fitted.path} in {', '.join(map(str, logs))}; "
              "docs/calibration.md's table of fitted values left as it was", file=sys.stderr)
    print(f"adopted {len(values)} fitted parameters from {fitted.path}: model/fitted_values.py, "
          "scenarios/two_tier.toml and docs/ODD.md rewritten; next: commissioning check-fit")
    return 0


def _shown(path: Path) -> str:
    """A path as the user would type it here (relative to the working folder if inside)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _fit_header(path: Path | None) -> str:
    """The header comment of a scenario file written by `calibrate` ('' for any other)."""
    if path is None:
        return ""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    text = "\n".join(lines).strip()
    return text if FITTED_ON.search(text.replace("\n", " ")) else ""


def cmd_check_fit(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.set)
    table, runs = check_fit(scenario.params, args.replicates, args.seed, args.workers,
                             args.scheduler or None)
    for line in fit_lines(table):
        print(line)
    inside = int(table.inside.sum())
    print(f"\n{inside} of {len(table)} inside; primary (C1-C5): "
          f"{int(table[table.primary].inside.sum())} of {int(table.primary.sum())}")
    if args.doc:
        name = scenario.path.name if scenario.path else scenario.name
        write_table(Path(args.doc), markdown_table(table, name, args.replicates))
        fig = fit_figure(table, runs)
        fig.savefig(args.figure, dpi=100)
        print(f"written the table in {args.doc} and {args.figure}")
    return 0 if table[table.primary].inside.all() or not args.strict else 1


def register(sub: argparse._SubParsersAction) -> None:
    cal = sub.add_parser("calibrate", help="fit the two-tier baseline's free parameters to "
                         "the Work Programme's published figures")
    cal.add_argument("scenario", nargs="?", default="two_tier")
    cal.add_argument("--points", type=int, default=192, help="Latin-hypercube candidates")
    cal.add_argument("--replicates", type=int, default=2, help="seeds per candidate")
    cal.add_argument("--refine", type=int, default=300, help="Nelder-Mead steps")
    cal.add_argument("--seed", type=int, default=1)
    cal.add_argument("--workers", type=int, default=2,
                     help="Dask workers on a LocalCluster (1: run here, no cluster)")
    cal.add_argument("--scheduler", default="", metavar="ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://host:8786")
    cal.add_argument("--out", default="results/calibration/two_tier_fitted.toml",
                     help="the fitted scenario file to write")
    cal.add_argument("--log", default="", help="folder for the candidates' log (default: "
                     "the --out file's folder)")
    cal.add_argument("--only", default="", metavar="KEY,KEY",
                     help="fit only these free parameters (the rest as in the scenario)")
    cal.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    cal.set_defaults(func=cmd_calibrate)

    adopt = sub.add_parser("adopt-fit", help="make a fitted scenario's values the model's "
                           "defaults (two_tier.toml, docs/ODD.md)")
    adopt.add_argument("fitted", nargs="?", default="results/calibration/two_tier_fitted.toml")
    adopt.add_argument("--log", action="append", metavar="DIR",
                       help="a calibrate log folder (its fitted.csv fills the doc's table); "
                            "repeat for the stages of a staged fit, earliest first (default: "
                            "the fitted file's folder)")
    adopt.set_defaults(func=cmd_adopt_fit)

    chk = sub.add_parser("check-fit", help="compare a scenario with every calibration target")
    chk.add_argument("scenario", nargs="?", default="two_tier")
    chk.add_argument("--replicates", type=int, default=10)
    chk.add_argument("--seed", type=int, default=1)
    chk.add_argument("--workers", type=int, default=2,
                     help="Dask workers on a LocalCluster (1: run here, no cluster)")
    chk.add_argument("--scheduler", default="", metavar="ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://host:8786")
    chk.add_argument("--doc", default="docs/calibration.md",
                     help="write the fit table into this file ('' to skip)")
    chk.add_argument("--figure", default="docs/calibration_fit.png")
    chk.add_argument("--strict", action="store_true",
                     help="exit 1 unless C1-C5 are all inside their ranges")
    chk.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    chk.set_defaults(func=cmd_check_fit)

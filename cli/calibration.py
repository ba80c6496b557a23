"""`commissioning calibrate`, `check-fit` and `adopt-fit`: fit the baseline, check it, adopt it.

    commissioning calibrate           # fit; writes results/calibration/two_tier_fitted.toml
    commissioning check-fit FITTED    # every target: published figure against the model
    commissioning adopt-fit FITTED    # its fitted values become the model's defaults

A fit is adopted in a separate step, after it has been looked at; adopting
rewrites the project's files, so it needs a source checkout installed with
`pip install -e .` (experiments/calibration/adopt.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .options import add_set, add_workers, command, count, positive, scenario, seed, workers

DEFAULT_FIT = "results/calibration/two_tier_fitted.toml"


def register(sub: argparse._SubParsersAction) -> None:
    """Add calibrate, check-fit and adopt-fit to the `commissioning` parser."""
    cal = command(sub, "calibrate", "fit the two-tier baseline's free parameters to the "
                  "Work Programme's published figures")
    cal.add_argument("scenario", nargs="?", default="two_tier",
                     help="the scenario to start from")
    cal.add_argument("--points", type=positive, default=192, metavar="N",
                     help="Latin-hypercube candidates")
    cal.add_argument("--replicates", type=positive, default=2, metavar="N",
                     help="seeds per candidate")
    cal.add_argument("--refine", type=count, default=300, metavar="N",
                     help="Nelder-Mead steps after the search (0: none)")
    cal.add_argument("--seed", type=seed, default=1, help="the first seed, and the search's")
    add_workers(cal)
    cal.add_argument("--out", default=DEFAULT_FIT, metavar="FILE",
                     help="the fitted scenario file to write")
    cal.add_argument("--log", metavar="DIR", help="folder for the candidates' log: "
                     "history.csv, accepted.csv, fitted.csv (default: the --out file's folder)")
    cal.add_argument("--only", metavar="KEY,KEY",
                     help="fit only these free parameters, the rest as in the scenario "
                          "(default: all)")
    add_set(cal)
    cal.set_defaults(func=cmd_calibrate)

    chk = command(sub, "check-fit", "compare a scenario with every calibration target (the "
                  "Work Programme's published figures)")
    chk.add_argument("scenario", nargs="?", default="two_tier", help="scenario file or name")
    chk.add_argument("--replicates", type=positive, default=10, metavar="N",
                     help="seeds to run")
    chk.add_argument("--seed", type=seed, default=1, help="the first seed")
    add_workers(chk)
    chk.add_argument("--doc", metavar="FILE",
                     help="also write the table into this Markdown file, between its marker "
                          "lines (docs/calibration.md for the shipped baseline; default: "
                          "not written)")
    chk.add_argument("--figure", metavar="PNG",
                     help="also draw model against data to this PNG file (default: not "
                          "drawn)")
    chk.add_argument("--strict", action="store_true",
                     help="exit 1 unless C1-C5 are all inside their ranges")
    add_set(chk)
    chk.set_defaults(func=cmd_check_fit)

    adopt = command(sub, "adopt-fit", "make a fitted scenario's values the model's defaults "
                    "(in a source checkout)",
                    "Make a fitted scenario's values the model's defaults: rewrites "
                    "model/fitted_values.toml, scenarios/two_tier.toml, docs/ODD.md and the "
                    "table of fitted values in docs/calibration.md, for you to review and "
                    "commit. Needs a source checkout of the project installed with "
                    "`pip install -e .`.")
    adopt.add_argument("fitted", nargs="?", default=DEFAULT_FIT,
                       help="a scenario file written by `commissioning calibrate`")
    adopt.add_argument("--log", action="append", metavar="DIR",
                       help="a calibrate log folder (its fitted.csv fills docs/calibration.md's "
                            "table); repeat for the stages of a staged fit, earliest first "
                            "(default: the fitted file's folder)")
    adopt.set_defaults(func=cmd_adopt_fit)


def _progress(stage: str, done: int, total: int) -> None:
    if done == total or done % max(total // 10, 1) == 0:
        print(f"  {stage}: {done}/{total}", flush=True)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.fitted_file import header, write_fit
    from commissioning.experiments.calibration.fitting import FREE_PARAMETERS, calibrate
    from commissioning.experiments.calibration.targets import TARGETS
    from commissioning.experiments.executor import describe
    from commissioning.experiments.outputs import Outputs
    from commissioning.model.scenario import ScenarioError

    sc = scenario(args.scenario, args.set)
    free = FREE_PARAMETERS
    if args.only:
        wanted = [k.strip() for k in args.only.split(",") if k.strip()]
        known = {fp.key: fp for fp in FREE_PARAMETERS}
        unknown = [k for k in wanted if k not in known]
        if unknown or not wanted:
            raise ScenarioError("--only", (unknown or [args.only])[0],
                                "a free parameter: " + ", ".join(known))
        free = tuple(known[k] for k in wanted)
    n, scheduler = workers(args)
    with Outputs() as outputs:
        out = outputs.file(args.out, "--out", "a scenario file to write")
        log = outputs.folder(args.log or out.parent, "--log")
        for name in ("history.csv", "accepted.csv", "fitted.csv"):
            outputs.file(log / name, "--log")
        start = time.perf_counter()
        print(f"calibrating {len(free)} free parameters of {sc.path} to "
              f"{len(TARGETS)} target lines ({args.points} candidates x {args.replicates} "
              f"seeds, then {args.refine} refinement steps, on {describe(n, scheduler)})",
              flush=True)
        fit = calibrate(sc.params, free, points=args.points, replicates=args.replicates,
                        refine=args.refine, seed=args.seed, workers=n, progress=_progress,
                        scheduler=scheduler)
        summary = fit.summary()
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"best loss {fit.loss:.3f} ({time.perf_counter() - start:.0f}s)")
        outputs.make(out.parent)
        outputs.make(log)
        write_fit(out, log, sc, fit, header(sc, fit, free, args.set, bool(args.only),
                                             args.points, args.replicates, args.refine))
    print(f"written {out} and {log}/(history, accepted, fitted).csv; "
          f"next: commissioning check-fit {out}, then, in a source checkout installed with "
          f"`pip install -e .`, commissioning adopt-fit {out}")
    return 0


def cmd_check_fit(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.check import (
        check_fit,
        fit_figure,
        fit_lines,
        markdown_table,
        not_the_baseline,
        write_table,
    )
    from commissioning.experiments.executor import describe
    from commissioning.experiments.outputs import Outputs

    sc = scenario(args.scenario, args.set)
    n, scheduler = workers(args, args.replicates)
    name = sc.path.name if sc.path else sc.name
    other = not_the_baseline(sc.params)
    with Outputs() as outputs:
        doc = outputs.file(args.doc, "--doc") if args.doc else None
        figure = outputs.file(args.figure, "--figure") if args.figure else None
        if other:
            print(f"note: the targets are the two-tier Work Programme's published figures; "
                  f"{name} {other}, so 'OUTSIDE' says how it differs from the programme, "
                  "not that it is wrong", flush=True)
        print(f"check-fit {name}: {args.replicates} seeds on {describe(n, scheduler)}",
              file=sys.stderr, flush=True)
        table, runs = check_fit(sc.params, args.replicates, args.seed, n, scheduler)
        for line in fit_lines(table):
            print(line)
        inside = int(table.inside.sum())
        print(f"\n{inside} of {len(table)} inside; primary (C1-C5): "
              f"{int(table[table.primary].inside.sum())} of {int(table.primary.sum())}")
        if doc is not None:
            outputs.make(doc.parent)
            write_table(doc, markdown_table(table, name, args.replicates, args.seed, other))
            print(f"written the table into {doc}")
        if figure is not None:
            outputs.make(figure.parent)
            fit_figure(table, runs).savefig(figure, dpi=100)
            print(f"written {figure}")
    return 0 if table[table.primary].inside.all() or not args.strict else 1


def cmd_adopt_fit(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.adopt import adopt

    adopted = adopt(Path(args.fitted), args.log,
                    warn=lambda text: print(text, file=sys.stderr))
    print(f"adopted {adopted} fitted parameters from {args.fitted}: model/fitted_values.toml, "
          "scenarios/two_tier.toml and docs/ODD.md rewritten; next: commissioning check-fit "
          "--doc docs/calibration.md --figure docs/calibration_fit.png")
    return 0

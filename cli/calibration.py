"""`commissioning calibrate`, `check-fit` and `adopt-fit`: fit the baseline, check it, adopt it.

    commissioning calibrate --out DIR    # fit: DIR/posterior.csv, DIR/two_tier_fitted.toml
    commissioning check-fit FITTED       # every target: published figure against the model
    commissioning adopt-fit FITTED       # its fitted values become the model's defaults

A fit is adopted in a separate step, after it has been looked at; adopting
rewrites the project's files, so it needs a source checkout installed with
`pip install -e .` (experiments/calibration/adopt.py).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .options import add_set, add_workers, command, positive, scenario, seed, workers

DEFAULT_DIR = "results/calibration"
FITTED_NAME = "two_tier_fitted.toml"  # as experiments/calibration/fit.py names it
DEFAULT_FIT = f"{DEFAULT_DIR}/{FITTED_NAME}"


def register(sub: argparse._SubParsersAction) -> None:
    """Add calibrate, check-fit and adopt-fit to the `commissioning` parser."""
    cal = command(sub, "calibrate", "fit the two-tier baseline's free parameters to the "
                  "Work Programme's published figures (ABC-SMC: a posterior, resumable)",
                  "Fit the two-tier baseline's free parameters to the Work Programme's "
                  "published figures and deadweight by ABC with sequential Monte Carlo "
                  "(pyabc). Writes every model evaluation to DIR/evaluations/ as it "
                  "finishes and DIR/posterior.csv (accepted sets and weights) after every "
                  "generation; run the same command again after an interruption and only "
                  "what is missing runs. The shipped point goes to DIR/" + FITTED_NAME
                  + " (docs/calibration.md).")
    cal.add_argument("scenario", nargs="?", default="two_tier",
                     help="the scenario to start from")
    cal.add_argument("--out", default=DEFAULT_DIR, metavar="DIR",
                     help="folder for the fit: evaluations, posterior.csv, the fitted scenario")
    cal.add_argument("--budget", type=positive, default=3000, metavar="N",
                     help="most model evaluations, counting those already in --out")
    cal.add_argument("--population", type=positive, default=100, metavar="N",
                     help="accepted parameter sets per generation")
    cal.add_argument("--generations", type=positive, default=8, metavar="N",
                     help="most generations (fewer if the budget runs out)")
    cal.add_argument("--select", type=positive, default=8, metavar="N",
                     help="sets of the last generation run again on 10 common seeds to choose "
                          "the shipped point")
    cal.add_argument("--seed", type=seed, default=1, help="the fit's seed (every evaluation's "
                     "seed and proposal follow from it)")
    add_workers(cal)
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
                     help="exit 1 unless C1-C5 and the deadweight lines N1-N2 are all inside "
                          "their ranges")
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
                       help="a scenario file written by `commissioning calibrate`, or the "
                            "fit's folder")
    adopt.add_argument("--log", action="append", metavar="DIR",
                       help="a fit's folder (its fitted.csv fills docs/calibration.md's "
                            "table) (default: the fitted file's folder)")
    adopt.set_defaults(func=cmd_adopt_fit)


def _only(keys: str | None) -> tuple:
    from commissioning.experiments.calibration.fitting import FREE_PARAMETERS
    from commissioning.model.scenario import ScenarioError

    if not keys:
        return FREE_PARAMETERS
    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    known = {fp.key: fp for fp in FREE_PARAMETERS}
    unknown = [k for k in wanted if k not in known]
    if unknown or not wanted:
        raise ScenarioError("--only", (unknown or [keys])[0],
                            "a free parameter: " + ", ".join(known))
    return tuple(known[k] for k in wanted)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.fit import FILES, Settings, calibrate
    from commissioning.experiments.calibration.posterior import PICK_SEEDS
    from commissioning.experiments.calibration.targets import TARGETS
    from commissioning.experiments.executor import describe
    from commissioning.experiments.outputs import Outputs
    from commissioning.model.scenario import ScenarioError

    sc = scenario(args.scenario, args.set)
    free = _only(args.only)
    settings = Settings(population=args.population, generations=args.generations,
                        budget=args.budget, seed=args.seed, select=args.select)
    least = args.population + settings.reserve
    if args.budget < least:
        raise ScenarioError("--budget", "", f"at least {least:,} evaluations: one generation "
                            f"of --population {args.population} and {args.select} sets (--select) "
                            f"and the posterior mean x {PICK_SEEDS} seeds to choose the "
                            f"shipped point",
                            args.budget)
    n, scheduler = workers(args)
    out = Path(args.out)
    with Outputs() as outputs:
        outputs.folder(out, "--out", "a folder for the fit")
        for name in FILES:
            outputs.file(out / name, "--out")
        start = time.perf_counter()
        print(f"calibrating {len(free)} free parameters of {sc.path or sc.name} to "
              f"{len(TARGETS)} target lines by ABC-SMC: {args.population} sets a generation, "
              f"at most {args.generations} generations and {args.budget:,} evaluations, on "
              f"{describe(n, scheduler)}; every evaluation is kept in {out / 'evaluations'}",
              flush=True)
        try:
            result = calibrate(sc, out, outputs, free, TARGETS, settings, n, scheduler,
                               args.set, bool(args.only),
                               say=lambda text: print(text, flush=True))
        except KeyboardInterrupt:
            done = len(list((out / "evaluations").glob("*.json"))) \
                if (out / "evaluations").is_dir() else 0
            print(f"\nstopped: {done:,} evaluations are kept in {out / 'evaluations'}; run "
                  "the same command again to go on from there", file=sys.stderr, flush=True)
            raise
    took = time.perf_counter() - start
    print(f"{result.generations} generations, {result.evaluations:,} evaluations in "
          f"{out / 'evaluations'} ({result.new:,} run now, {took:.0f}s)")
    if result.summary is None:
        return 0
    table = result.summary
    print("\nparameter, prior range, shipped point, posterior mean and 90% interval:")
    for r in table.itertuples():
        print(f"  {r.parameter:<44} {r.prior_low:>9.4g} to {r.prior_high:<9.4g} "
              f"{r.fitted:>10.4g}   {r.posterior_mean:>9.4g} [{r.posterior_low:.4g}, "
              f"{r.posterior_high:.4g}]")
    fitted = out / FITTED_NAME
    print(f"\nwritten {out}/posterior.csv, generations.csv, pick.csv, fitted.csv, "
          f"posterior_ranges.toml and {fitted.name}; next: commissioning check-fit {fitted}, "
          f"then, in a source checkout installed with `pip install -e .`, commissioning "
          f"adopt-fit {fitted}")
    return 0


def cmd_check_fit(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.check import (
        check_fit,
        fit_figure,
        fit_lines,
        markdown_table,
        not_the_baseline,
        required_count,
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
        print(f"\n{inside} of {len(table)} inside; {required_count(table)}")
        if doc is not None:
            outputs.make(doc.parent)
            write_table(doc, markdown_table(table, name, args.replicates, args.seed, other))
            print(f"written the table into {doc}")
        if figure is not None:
            outputs.make(figure.parent)
            fit_figure(table, runs).savefig(figure, dpi=100)
            print(f"written {figure}")
    return 0 if table[table.required].inside.all() or not args.strict else 1


def cmd_adopt_fit(args: argparse.Namespace) -> int:
    from commissioning.experiments.calibration.adopt import adopt

    fitted = Path(args.fitted)
    if fitted.is_dir():
        fitted = fitted / FITTED_NAME
    adopted = adopt(fitted, args.log,
                    warn=lambda text: print(text, file=sys.stderr))
    print(f"adopted {adopted} fitted parameters from {fitted}: model/fitted_values.toml, "
          "scenarios/two_tier.toml and docs/ODD.md rewritten; next: commissioning check-fit "
          "--doc docs/calibration.md --figure docs/calibration_fit.png")
    return 0

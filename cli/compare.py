"""`commissioning compare`: scenarios on the same claimants and seeds, paired differences.

    commissioning compare SCENARIO SCENARIO ... --replicates 20 --out DIR [--workers N]
    commissioning compare A B --posterior DIR/posterior.csv --draws 40   # over the posterior
"""

from __future__ import annotations

import argparse
import sys
import time

from .options import (
    add_set,
    add_workers,
    command,
    load_mesa,
    positive,
    scenario,
    seed,
    seeds_fit,
    workers,
)

DEFAULT_COMPARISON = ("two_tier", "locality")
FILES = ("comparison.csv", "runs.csv", "weekly.csv", "job_outcomes.png", "provider_cash.png")
POSTERIOR_FIGURE = "posterior_differences.png"  # with --posterior


def register(sub: argparse._SubParsersAction) -> None:
    """Add compare to the `commissioning` parser."""
    cmp_ = command(sub, "compare", "compare scenarios on the same claimants and seeds",
                   "Run every scenario on the same seeds (replicate r uses seed SEED + r in "
                   "every scenario) and print each metric's mean and 95% interval, and the "
                   "paired difference from the first scenario. Writes " + ", ".join(FILES)
                   + f" to --out (and {POSTERIOR_FIGURE} with --posterior).")
    cmp_.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                      help="scenario files or shipped names; the first is the reference "
                           "(default: two_tier locality)")
    cmp_.add_argument("--replicates", type=positive, metavar="N",
                      help="seeds per scenario (default: 10; with --posterior, seeds per "
                           "draw: 1)")
    cmp_.add_argument("--posterior", metavar="CSV",
                      help="a fit's posterior.csv (`commissioning calibrate`): run each "
                           "scenario under --draws parameter sets drawn from it by weight, on "
                           "common seeds, and report intervals over the draws and the share "
                           "of draws in which each scenario is higher (default: none, the "
                           "shipped parameters)")
    cmp_.add_argument("--draws", type=positive, metavar="K",
                      help="posterior draws, with --posterior (default: 20)")
    cmp_.add_argument("--seed", type=seed, default=1, help="the first seed")
    cmp_.add_argument("--out", default="results/compare", metavar="DIR",
                      help="folder for the tables and figures")
    add_workers(cmp_)
    add_set(cmp_, " in every scenario")
    cmp_.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    load_mesa()
    from commissioning.experiments.comparison import (
        compare,
        compare_posterior,
        console_progress,
    )
    from commissioning.experiments.executor import describe
    from commissioning.experiments.outputs import Outputs
    from commissioning.experiments.report import comparison_lines
    from commissioning.model.scenario import ScenarioError

    scenarios = [scenario(path, args.set) for path in args.scenarios or DEFAULT_COMPARISON]
    if args.draws is not None and args.posterior is None:
        raise ScenarioError("--draws", "", "--posterior CSV as well (draws are taken from a "
                            "fit's posterior)", args.draws)
    draws = None
    if args.posterior is not None:
        from commissioning.experiments.calibration.posterior import draw, read_posterior

        replicates = args.replicates or 1
        k = args.draws or 20
        posterior = read_posterior(args.posterior)
        drawn = {c.split(".")[1] for c in posterior.attrs["parameters"]}
        for assignment in args.set:
            target = assignment.partition("=")[0].strip()
            if len(target.split(".")) > 1 and target.split(".")[1] in drawn:
                raise ScenarioError("--set", target, "a parameter the posterior does not set "
                                    "(each draw sets it, so a fixed value would be "
                                    "overwritten)")
        draws = draw(posterior, k, args.seed)
        seeds_fit(args.seed, k * replicates)
        runs = len(scenarios) * k * replicates
    else:
        replicates = args.replicates or 10
        seeds_fit(args.seed, replicates)
        runs = len(scenarios) * replicates
    n, scheduler = workers(args, runs)
    with Outputs() as outputs:
        out = outputs.folder(args.out, "--out", "a folder for the comparison's files")
        for name in FILES + ((POSTERIOR_FIGURE,) if draws is not None else ()):
            outputs.file(out / name, "--out")
        print(f"compare: {runs} runs on {describe(n, scheduler)}", file=sys.stderr,
              flush=True)
        start = time.perf_counter()
        if draws is None:
            result = compare(scenarios, replicates, args.seed, n,
                             progress=console_progress("compare"), scheduler=scheduler)
        else:
            result = compare_posterior(scenarios, draws, replicates, args.seed, n,
                                       progress=console_progress("compare"),
                                       scheduler=scheduler)
        from commissioning.viz.charts import job_outcomes_figure, provider_cash_figure, save

        outputs.make(out)
        result.table.to_csv(out / "comparison.csv", index=False)
        result.runs.to_csv(out / "runs.csv", index=False)
        result.weekly.to_csv(out / "weekly.csv", index=False)
        save(job_outcomes_figure(result.weekly, result.scenarios), out / "job_outcomes.png")
        save(provider_cash_figure(result.weekly, result.scenarios), out / "provider_cash.png")
        if draws is not None:
            from commissioning.experiments.comparison import posterior_figure

            save(posterior_figure(result.runs, result.scenarios), out / POSTERIOR_FIGURE)

    took = time.perf_counter() - start
    if draws is None:
        print(f"{replicates} replicates per scenario, seeds {args.seed}-"
              f"{args.seed + replicates - 1}, same claimants in every scenario ({took:.0f}s)")
    else:
        print(f"{len(draws)} draws from {args.posterior} x {replicates} seed"
              f"{'s' * (replicates > 1)} each, seeds {args.seed}-"
              f"{args.seed + len(draws) * replicates - 1}, each draw on the same claimants "
              f"in every scenario ({took:.0f}s)")
    print("\n".join(comparison_lines(result.table, result.scenarios)))
    print(f"\nwritten: {out / 'comparison.csv'}, runs.csv, weekly.csv, job_outcomes.png, "
          "provider_cash.png" + (f", {POSTERIOR_FIGURE}" if draws is not None else ""))
    return 0

"""`commissioning compare`: scenarios on the same claimants and seeds, paired differences.

    commissioning compare SCENARIO SCENARIO ... --replicates 20 --out DIR [--workers N]
"""

from __future__ import annotations

import argparse
import sys
import time

from .options import add_set, add_workers, command, positive, scenario, seed, seeds_fit, workers

DEFAULT_COMPARISON = ("two_tier", "locality")
FILES = ("comparison.csv", "runs.csv", "weekly.csv", "job_outcomes.png", "provider_cash.png")


def register(sub: argparse._SubParsersAction) -> None:
    """Add compare to the `commissioning` parser."""
    cmp_ = command(sub, "compare", "compare scenarios on the same claimants and seeds",
                   "Run every scenario on the same seeds (replicate r uses seed SEED + r in "
                   "every scenario) and print each metric's mean and 95% interval, and the "
                   "paired difference from the first scenario. Writes " + ", ".join(FILES)
                   + " to --out.")
    cmp_.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                      help="scenario files or shipped names; the first is the reference "
                           "(default: two_tier locality)")
    cmp_.add_argument("--replicates", type=positive, default=10, metavar="N",
                      help="seeds per scenario")
    cmp_.add_argument("--seed", type=seed, default=1, help="the first seed")
    cmp_.add_argument("--out", default="results/compare", metavar="DIR",
                      help="folder for the tables and figures")
    add_workers(cmp_)
    add_set(cmp_, " in every scenario")
    cmp_.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from commissioning.experiments.comparison import compare, console_progress
    from commissioning.experiments.executor import describe
    from commissioning.experiments.outputs import Outputs
    from commissioning.experiments.report import comparison_lines

    scenarios = [scenario(path, args.set) for path in args.scenarios or DEFAULT_COMPARISON]
    seeds_fit(args.seed, args.replicates)
    runs = len(scenarios) * args.replicates
    n, scheduler = workers(args, runs)
    with Outputs() as outputs:
        out = outputs.folder(args.out, "--out", "a folder for the comparison's files")
        for name in FILES:
            outputs.file(out / name, "--out")
        print(f"compare: {runs} runs on {describe(n, scheduler)}", file=sys.stderr,
              flush=True)
        start = time.perf_counter()
        result = compare(scenarios, args.replicates, args.seed, n,
                         progress=console_progress("compare"), scheduler=scheduler)
        from commissioning.viz.charts import job_outcomes_figure, provider_cash_figure, save

        outputs.make(out)
        result.table.to_csv(out / "comparison.csv", index=False)
        result.runs.to_csv(out / "runs.csv", index=False)
        result.weekly.to_csv(out / "weekly.csv", index=False)
        save(job_outcomes_figure(result.weekly, result.scenarios), out / "job_outcomes.png")
        save(provider_cash_figure(result.weekly, result.scenarios), out / "provider_cash.png")

    print(f"{args.replicates} replicates per scenario, seeds {args.seed}-"
          f"{args.seed + args.replicates - 1}, same claimants in every scenario "
          f"({time.perf_counter() - start:.0f}s)")
    print("\n".join(comparison_lines(result.table, result.scenarios)))
    print(f"\nwritten: {out / 'comparison.csv'}, runs.csv, weekly.csv, job_outcomes.png, "
          "provider_cash.png")
    return 0

"""`commissioning decompose BASELINE ALTERNATIVE`: which lever makes the difference.

Parses, then calls `experiments.decomposition`. Prints, for each headline
metric, the paired difference (alternative minus baseline) and each lever's
Shapley contribution with its 95% interval over replicates; `--json` prints
the same as one JSON document; `--out DIR` also writes decomposition.csv and
decomposition.json. `--posterior DIR/posterior.csv --draws K` runs it under K
draws from a fit's posterior: intervals over draws and seeds, and the share
of draws in which the alternative is higher.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

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


def register(sub: argparse._SubParsersAction) -> None:
    p = command(
        sub, "decompose", "split the difference between two scenarios into the levers that "
                          "make it (exact Shapley contributions on common random numbers)",
        "Run every combination of the levers on which two scenarios differ, on the same "
        "seeds, and attribute each metric's difference to the levers.")
    p.add_argument("baseline", help="scenario file or shipped name, e.g. two_tier")
    p.add_argument("alternative", help="scenario file or shipped name, e.g. locality")
    p.add_argument("--replicates", type=positive, metavar="N",
                   help="seeds per combination of levers (default: 5; with --posterior, seeds "
                        "per draw: 1)")
    p.add_argument("--posterior", metavar="CSV",
                   help="a fit's posterior.csv: decompose under --draws parameter sets drawn "
                        "from it by weight (default: none, the shipped parameters)")
    p.add_argument("--draws", type=positive, metavar="K",
                   help="posterior draws, with --posterior (default: 10)")
    p.add_argument("--seed", type=seed, default=1, help="the first seed")
    add_workers(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", metavar="DIR", help="also write decomposition.csv and .json here "
                   "(default: not written)")
    add_set(p, " in both scenarios")
    p.set_defaults(func=cmd_decompose)


def cmd_decompose(args: argparse.Namespace) -> int:
    load_mesa()
    from commissioning.experiments.comparison import console_progress, unique_names
    from commissioning.experiments.decomposition import decompose, find_levers
    from commissioning.experiments.executor import describe, open_executor
    from commissioning.experiments.outputs import Outputs
    from commissioning.model.scenario import ScenarioError

    baseline = scenario(args.baseline, args.set)
    alternative = scenario(args.alternative, args.set)
    if args.draws is not None and args.posterior is None:
        raise ScenarioError("--draws", "", "--posterior CSV as well (draws are taken from a "
                            "fit's posterior)", args.draws)
    draws = None
    replicates = args.replicates or (1 if args.posterior else 5)
    if args.posterior is not None:
        from commissioning.experiments.calibration.posterior import draw, read_posterior

        draws = draw(read_posterior(args.posterior), args.draws or 10, args.seed)
    seeds_fit(args.seed, replicates * len(draws or [None]))
    levers = find_levers(baseline.params, alternative.params)
    names = unique_names([baseline, alternative])
    runs = 2 ** len(levers) * replicates * len(draws or [None])
    n, scheduler = workers(args, runs)
    with Outputs() as outputs:
        out = outputs.folder(args.out, "--out", "a folder for the decomposition's files") \
            if args.out else None
        if out is not None:
            for name in ("decomposition.csv", "decomposition.json"):
                outputs.file(out / name, "--out")
        per = (f"{len(draws)} posterior draws x {replicates} seed{'s' * (replicates > 1)}"
               if draws else f"{replicates} seeds")
        print(f"{names[1]} against {names[0]}: {len(levers)} levers, {2 ** len(levers)} "
              f"combinations x {per} = {runs} runs on "
              f"{describe(n, scheduler)}", file=sys.stderr if args.json else sys.stdout,
              flush=True)
        with open_executor(n, scheduler) as pool:
            result = decompose(baseline, alternative, replicates, args.seed,
                               executor=pool.executor, progress=console_progress("decompose"),
                               names=tuple(names), draws=draws)
        summary = result.summary()
        if out is not None:
            _write(outputs.make(out), summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_table(summary)
        if out is not None:
            print(f"\nwritten: {out / 'decomposition.csv'}, decomposition.json")
    return 0


def _write(out: Path, summary: dict) -> None:
    import pandas as pd

    rows = []
    for metric, entry in summary["metrics"].items():
        rows.append({"metric": metric, "lever": "(difference)", "value": entry["difference"],
                     "low": entry["interval"][0], "high": entry["interval"][1],
                     "share_of_draws_higher": entry.get("share_of_draws_higher")})
        for lever, value in entry["contributions"].items():
            low, high = entry["intervals"][lever]
            rows.append({"metric": metric, "lever": lever, "value": value, "low": low,
                         "high": high})
    pd.DataFrame(rows).to_csv(out / "decomposition.csv", index=False)
    (out / "decomposition.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _unit(metric: str, value: float | None) -> str:
    """A difference in the metric's own unit: points for rates, £ for money."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "+" if value >= 0 else "-"
    v = abs(value)
    if metric.endswith(("_rate", "_share")) or "_rate_" in metric:
        return f"{sign}{100 * v:.1f} pts"
    if metric in ("total_spend", "provider_funds_used"):
        return f"{sign}£{v / 1000:,.0f}k"
    if metric.startswith(("cost_per", "resources_per")):
        return f"{sign}£{v:,.0f}"
    if metric == "small_providers_lowest_cash":
        return f"{sign}{v:.1f} weeks"
    if metric == "providers_withdrawn":
        return f"{sign}{v:.1f}"
    return f"{sign}{v:.2f}"


def print_table(summary: dict) -> None:
    levers = list(summary["levers"])
    draws = summary.get("draws")
    over = (f"{draws} posterior draws x {summary['replicates']} seeds [95% interval of the "
            "values over draws and seeds]" if draws else
            f"{summary['replicates']} seeds [95% interval]")
    print(f"\n{summary['alternative']} minus {summary['baseline']}, mean over {over}; each "
          "lever's share of the difference (Shapley; they add up to it)")
    print("levers: " + "; ".join(
        f"{name} ({', '.join(info['parameters'])})" for name, info in summary["levers"].items()))
    for metric, entry in summary["metrics"].items():
        low, high = entry["interval"]
        share = entry.get("share_of_draws_higher")
        higher = "" if share is None else (f"; {summary['alternative']} higher in "
                                           f"{100 * share:.0f}% of draws")
        print(f"\n{metric}: {_unit(metric, entry['difference'])} "
              f"[{_unit(metric, low)}, {_unit(metric, high)}]{higher}")
        ranked = sorted(levers, key=lambda k: -abs(entry["contributions"][k] or 0.0))
        for lever in ranked:
            c = entry["contributions"][lever]
            lo, hi = entry["intervals"][lever]
            print(f"    {lever:<36} {_unit(metric, c):>14}   [{_unit(metric, lo)}, "
                  f"{_unit(metric, hi)}]")

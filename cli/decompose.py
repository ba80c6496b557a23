"""`commissioning decompose BASELINE ALTERNATIVE`: which lever makes the difference.

Parses, then calls `experiments.decomposition`. Prints, for each headline
metric, the paired difference (alternative minus baseline) and each lever's
Shapley contribution with its 95% interval over replicates; `--json` prints
the same as one JSON document; `--out DIR` also writes decomposition.csv and
decomposition.json.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

EXIT_BAD_INPUT = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "decompose", help="split the difference between two scenarios into the levers that "
                          "make it (exact Shapley contributions on common random numbers)",
        description="Run every combination of the levers on which two scenarios differ, on "
                    "the same seeds, and attribute each metric's difference to the levers.")
    p.add_argument("baseline", help="scenario file or shipped name, e.g. two_tier")
    p.add_argument("alternative", help="scenario file or shipped name, e.g. locality")
    p.add_argument("--replicates", type=int, default=5,
                   help="seeds per combination of levers (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="first seed (default: %(default)s)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes; 0 or 1 runs in this process "
                        "(default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", metavar="DIR", help="also write decomposition.csv and .json here")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                   help="override a value in both scenarios (checked like the file); "
                        "repeatable")
    p.set_defaults(func=cmd_decompose)


def cmd_decompose(args: argparse.Namespace) -> int:
    from commissioning.model.scenario import ScenarioError, load_scenario

    if args.replicates < 1:
        raise ScenarioError("--replicates", "", "a whole number of at least 1", args.replicates)
    if args.workers < 0:
        raise ScenarioError("--workers", "", "a whole number of at least 0", args.workers)
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise ScenarioError(str(out), "--out", "a folder (this is a file)")
    baseline = load_scenario(args.baseline, args.set)
    alternative = load_scenario(args.alternative, args.set)
    from commissioning.experiments.comparison import console_progress, unique_names
    from commissioning.experiments.decomposition import decompose, find_levers

    levers = find_levers(baseline.params, alternative.params)
    names = unique_names([baseline, alternative])
    runs = 2 ** len(levers) * args.replicates
    if not args.json:
        print(f"{names[1]} against {names[0]}: {len(levers)} levers, {2 ** len(levers)} "
              f"combinations x {args.replicates} seeds = {runs} runs", flush=True)
    progress = console_progress("decompose")
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.workers) as pool:
            result = decompose(baseline, alternative, args.replicates, args.seed,
                               executor=pool, progress=progress, names=tuple(names))
    else:
        result = decompose(baseline, alternative, args.replicates, args.seed,
                           progress=progress, names=tuple(names))
    summary = result.summary()
    if out is not None:
        _write(out, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print_table(summary)
        if out is not None:
            print(f"\nwritten: {out / 'decomposition.csv'}, decomposition.json")
    return 0


def _write(out: Path, summary: dict) -> None:
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for metric, entry in summary["metrics"].items():
        rows.append({"metric": metric, "lever": "(difference)", "value": entry["difference"],
                     "low": entry["interval"][0], "high": entry["interval"][1]})
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
    print(f"\n{summary['alternative']} minus {summary['baseline']}, mean over "
          f"{summary['replicates']} seeds [95% interval]; each lever's share of the difference "
          "(Shapley; they add up to it)")
    print("levers: " + "; ".join(
        f"{name} ({', '.join(info['parameters'])})" for name, info in summary["levers"].items()))
    for metric, entry in summary["metrics"].items():
        low, high = entry["interval"]
        print(f"\n{metric}: {_unit(metric, entry['difference'])} "
              f"[{_unit(metric, low)}, {_unit(metric, high)}]")
        ranked = sorted(levers, key=lambda k: -abs(entry["contributions"][k] or 0.0))
        for lever in ranked:
            c = entry["contributions"][lever]
            lo, hi = entry["intervals"][lever]
            print(f"    {lever:<36} {_unit(metric, c):>14}   [{_unit(metric, lo)}, "
                  f"{_unit(metric, hi)}]")

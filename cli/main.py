"""The `commissioning` command.

    commissioning run [SCENARIO] [--seed N] [--json] [--set section.key=value ...]
    commissioning compare SCENARIO SCENARIO ... --replicates 20 --out DIR
    commissioning validate SCENARIO ...
    commissioning parameters [--markdown]

Bad input (an unknown key, a value out of range, an unreadable file) gives one
line naming the file, the key and what was expected, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from commissioning.model.parameters import PARAMETERS, PAYMENT_GROUPS
from commissioning.model.scenario import Scenario, ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
DEFAULT_SCENARIO = "two_tier"
DEFAULT_COMPARISON = ("two_tier", "locality")


def _scenario(path: str | None, assignments: list[str]) -> Scenario:
    if path is None:
        return load_scenario(DEFAULT_SCENARIO, assignments)
    return load_scenario(path, assignments)


def _fmt(key: str, value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if key in ("weeks", "referrals", "job_outcomes") or key.endswith("_insolvent") or \
            key == "providers_withdrawn":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if key == "small_providers_lowest_cash":
        return f"{value:.1f} weeks"
    if key in ("provider_funds_used", "specialist_fee_per_episode") or \
            key.startswith("resources_per"):
        return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"
    if ("spend" in key and "share" not in key) or key.startswith("cost_per"):
        return f"{'-' if value < 0 else ''}£{abs(value):,.0f}"
    if key.startswith("support_ratio"):
        return f"{value:.2f}"
    return f"{100 * value:.1f}%"


SUMMARY = (
    ("Employment outcomes", ["referrals", "job_outcomes", "job_outcome_rate",
                             *(f"job_outcome_rate_{g}" for g in PAYMENT_GROUPS),
                             "job_outcome_rate_low_barrier", "job_outcome_rate_high_barrier",
                             "no_programme_outcome_rate", "additional_job_outcome_rate",
                             "job_start_rate"]),
    ("Creaming and parking", ["support_ratio_easy_to_hard", "parked_share", "queued_share"]),
    ("Providers", ["providers_insolvent", "providers_insolvent_share", "providers_withdrawn",
                   "subcontractors_insolvent", "third_sector_insolvent",
                   "small_providers_lowest_cash",
                   "share_subcontractors_no_referrals", "share_third_sector_no_referrals"]),
    ("Money", ["total_spend", "provider_funds_used", "cost_per_job_outcome",
               "resources_per_job_outcome", "cost_per_additional_job_outcome",
               "specialist_fee_per_episode", "prime_share_of_spend",
               "large_provider_share_of_spend", "partnership_share_of_spend",
               "third_sector_share_of_spend"]),
)


def print_summary(name: str, metrics: dict, seconds: float) -> None:
    print(f"{name}  ({metrics['weeks']} weeks, seed {metrics.get('seed', '?')}, "
          f"{seconds:.1f}s)")
    for title, keys in SUMMARY:
        print(f"\n  {title}")
        for key in keys:
            print(f"    {key:<38} {_fmt(key, metrics[key]):>14}")


def cmd_run(args: argparse.Namespace) -> int:
    from commissioning.experiments.comparison import run_one

    scenario = _scenario(args.scenario, args.set)
    params = dict(scenario.params)
    if args.seed is not None:
        params["seed"] = args.seed
    result = run_one(params, scenario.name, keep=None)
    if args.weekly:
        result.weekly.to_csv(args.weekly)
    if args.json:
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in result.metrics.items()}
        print(json.dumps(clean, indent=2))
    else:
        print_summary(scenario.name, {**result.metrics, "seed": params["seed"]}, result.seconds)
        if args.weekly:
            print(f"\n  weekly series written to {args.weekly}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from commissioning.experiments.comparison import compare, console_progress
    from commissioning.viz.charts import job_outcomes_figure, provider_cash_figure, save

    scenarios = [_scenario(path, args.set) for path in args.scenarios or DEFAULT_COMPARISON]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    result = compare(scenarios, args.replicates, args.seed, args.workers,
                     progress=console_progress("compare"))
    table = result.table
    table.to_csv(out / "comparison.csv", index=False)
    result.runs.to_csv(out / "runs.csv", index=False)
    result.weekly.to_csv(out / "weekly.csv", index=False)
    save(job_outcomes_figure(result.weekly, result.scenarios), out / "job_outcomes.png")
    save(provider_cash_figure(result.weekly, result.scenarios), out / "provider_cash.png")

    names = result.scenarios
    print(f"{args.replicates} replicates per scenario, seeds {args.seed}-"
          f"{args.seed + args.replicates - 1}, same claimants in every scenario "
          f"({time.perf_counter() - start:.0f}s)")
    print("mean [95% interval]; diff = paired difference from " + names[0])
    width = 34
    header = f"{'metric':<{width}}" + "".join(f"{n[:30]:>32}" for n in names)
    header += "".join(f"{'diff ' + n[:24]:>32}" for n in names[1:])
    print(header)
    for metric in dict.fromkeys(table.metric):
        rows = table[table.metric == metric].set_index("scenario")
        line = f"{metric:<{width}}"
        for n in names:
            r = rows.loc[n]
            line += f"{_cell(metric, r['mean'], r['ci_low'], r['ci_high']):>32}"
        for n in names[1:]:
            r = rows.loc[n]
            line += f"{_cell(metric, r['diff'], r['diff_low'], r['diff_high'], True):>32}"
        print(line)
    print(f"\nwritten: {out / 'comparison.csv'}, runs.csv, weekly.csv, job_outcomes.png, "
          "provider_cash.png")
    return 0


def _short(key: str, value: float, diff: bool) -> str:
    """Compact numbers for the comparison table: £k for money, points for rate differences."""
    if math.isnan(value):
        return "n/a"
    text = _fmt(key, value)
    if "£" in text and abs(value) >= 10_000:
        text = f"{'-' if value < 0 else ''}£{abs(value) / 1000:,.0f}k"
    elif text.endswith("%") and diff:
        text = f"{100 * value:.1f}pp"
    return text


def _cell(metric: str, mean: float, low: float, high: float, diff: bool = False) -> str:
    if math.isnan(mean):
        return "n/a"
    sign = "+" if diff and mean >= 0 else ""
    text = sign + _short(metric, mean, diff)
    if not math.isnan(low):
        text += f" [{_short(metric, low, diff)}, {_short(metric, high, diff)}]"
    return text


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.scenarios:
        try:
            sc = load_scenario(path)
            print(f"ok    {path}: {sc.name}")
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return EXIT_BAD_INPUT if failed else 0


def cmd_parameters(args: argparse.Namespace) -> int:
    if args.markdown:
        from commissioning.model.odd_table import markdown_rows

        print("\n".join(markdown_rows()))
        return 0
    for p in PARAMETERS:
        default = p.default
        if isinstance(default, dict):
            default = " / ".join(f"{v:g}" for v in default.values())
        print(f"{p.key:<48} {default!s:<40} {p.unit}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commissioning",
        description="Agent-based model of welfare-to-work commissioning: two-tier payment by "
                    "results against locality commissioning.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_set(p: argparse.ArgumentParser) -> None:
        p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                       help="override a scenario value (checked like the file); repeatable")

    run = sub.add_parser("run", help="run one scenario and print its metrics")
    run.add_argument("scenario", nargs="?", help=f"scenario file (default: {DEFAULT_SCENARIO})")
    run.add_argument("--seed", type=int, help="seed (default: the scenario's)")
    run.add_argument("--json", action="store_true", help="print the metrics as JSON")
    run.add_argument("--weekly", metavar="CSV", help="also write the weekly series to CSV")
    add_set(run)
    run.set_defaults(func=cmd_run)

    cmp_ = sub.add_parser("compare", help="compare scenarios on the same claimants and seeds")
    cmp_.add_argument("scenarios", nargs="*",
                      help="scenario files; the first is the reference "
                           "(default: two_tier locality)")
    cmp_.add_argument("--replicates", type=int, default=10, help="seeds per scenario (10)")
    cmp_.add_argument("--seed", type=int, default=1, help="first seed (1)")
    cmp_.add_argument("--out", default="results/compare", help="output folder")
    cmp_.add_argument("--workers", type=int, default=1, help="processes to use (1)")
    add_set(cmp_)
    cmp_.set_defaults(func=cmd_compare)

    val = sub.add_parser("validate", help="check scenario files")
    val.add_argument("scenarios", nargs="+")
    val.set_defaults(func=cmd_validate)

    par = sub.add_parser("parameters", help="list every parameter with default and unit")
    par.add_argument("--markdown", action="store_true")
    par.set_defaults(func=cmd_parameters)

    from .app import register as register_app
    from .calibration import register as register_calibration
    from .decompose import register as register_decompose
    from .sweeps import register as register_sweeps

    register_sweeps(sub)  # sweep, analyse
    register_calibration(sub)  # calibrate, adopt-fit, check-fit
    register_decompose(sub)  # decompose
    register_app(sub)  # app
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "replicates", 1) < 1:
        parser.error("--replicates must be at least 1")
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

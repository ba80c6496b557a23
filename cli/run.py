"""`commissioning run`, `validate` and `parameters`: one scenario, scenario files, the table.

    commissioning run [SCENARIO] [--seed N] [--json] [--weekly CSV] [--set section.key=value ...]
    commissioning validate SCENARIO ...
    commissioning parameters [--markdown]
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from .options import DEFAULT_SCENARIO, EXIT_BAD_INPUT, add_set, command, load_mesa, scenario, seed


def register(sub: argparse._SubParsersAction) -> None:
    """Add run, validate and parameters to the `commissioning` parser."""
    run = command(sub, "run", "run one scenario and print its metrics")
    run.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO,
                     help="scenario file, or a shipped scenario by name")
    run.add_argument("--seed", type=seed, help="seed of every random stream, from 0 to "
                     "2**63 - 1 (default: the scenario's run.seed)")
    run.add_argument("--json", action="store_true",
                     help="print the metrics as JSON (null where a ratio has nothing to "
                          "divide by)")
    run.add_argument("--weekly", metavar="CSV",
                     help="also write the week-by-week series to this CSV file (default: "
                          "not written)")
    add_set(run)
    run.set_defaults(func=cmd_run)

    val = command(sub, "validate", "check scenario files (nothing runs)")
    val.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="scenario files, or shipped scenarios by name")
    val.set_defaults(func=cmd_validate)

    par = command(sub, "parameters", "list every parameter with its default and unit")
    par.add_argument("--markdown", action="store_true",
                     help="the table of docs/ODD.md, with ranges and sources")
    par.set_defaults(func=cmd_parameters)


def cmd_run(args: argparse.Namespace) -> int:
    load_mesa()
    from commissioning.experiments.comparison import run_one
    from commissioning.experiments.outputs import Outputs
    from commissioning.experiments.report import summary_lines
    from commissioning.model.decisions import check_schedule

    sc = scenario(args.scenario, args.set)
    # Decisions the file takes in place of organisations' rules (a game's), checked first.
    decisions = check_schedule(list(sc.decisions), str(sc.path or args.scenario))
    params = dict(sc.params)
    if args.seed is not None:
        params["seed"] = args.seed
    with Outputs() as outputs:
        weekly = outputs.file(args.weekly, "--weekly") if args.weekly else None
        result = run_one(params, sc.name, keep=None, decisions=decisions)
        if weekly is not None:
            outputs.make(weekly.parent)
            result.weekly.to_csv(weekly)
    if args.json:
        clean = {k: (None if isinstance(v, float) and math.isnan(v) else v)
                 for k, v in result.metrics.items()}
        print(json.dumps(clean, indent=2))
    else:
        print("\n".join(summary_lines(sc.name, {**result.metrics, "seed": params["seed"]},
                                      result.seconds)))
        if weekly is not None:
            print(f"\n  weekly series written to {weekly}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from commissioning.model.scenario import ScenarioError

    failed = 0
    for path in args.scenarios:
        try:
            sc = scenario(path)
            if sc.decisions:  # a game's decisions: their organisations exist in this scenario
                from commissioning.model import CommissioningModel

                CommissioningModel(sc, weeks=1)
            print(f"ok    {path}: {sc.name}")
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
    return EXIT_BAD_INPUT if failed else 0


def cmd_parameters(args: argparse.Namespace) -> int:
    from commissioning.model.parameters import PARAMETERS

    if args.markdown:
        from commissioning.model.odd_table import markdown_rows

        print("\n".join(markdown_rows()))
        return 0
    from commissioning.experiments.report import parameter_lines

    print("\n".join(parameter_lines(PARAMETERS)))
    return 0

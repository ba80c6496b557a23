"""`commissioning plausibility`: the real programmes' published figures beside the model's.

    commissioning plausibility                        # 5 replicates of each programme
    commissioning plausibility --replicates 10 --doc  # and rewrite docs/programmes.md
    commissioning plausibility --set area.claimants=2000 --replicates 2

Parses, then calls `experiments.plausibility`. Prints one line per management-
information figure DOMAIN section 5 gives: the published figure, the model's mean
and 95% interval over replicates, the difference, and the caveat that applies.
Nothing is fitted: a miss is reported as a miss.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .options import add_set, add_workers, command, positive, scenario, seed, seeds_fit, workers

DEFAULT_DOC = Path("docs/programmes.md")


def register(sub: argparse._SubParsersAction) -> None:
    """Add plausibility to the `commissioning` parser."""
    p = command(sub, "plausibility", "run the real programmes (Fair Start Scotland, the Work "
                "and Health Programme, Working Well) and set their published figures beside "
                "the model's",
                "Run each real-programme scenario with replicates and print, for every "
                "management-information figure DOMAIN section 5 gives, the model's mean and "
                "95%% interval and the caveat that applies. Nothing is tuned to these figures.")
    p.add_argument("programmes", nargs="*", metavar="PROGRAMME",
                   help="real-programme scenario files or shipped names (default: all three)")
    p.add_argument("--replicates", type=positive, default=5, metavar="N",
                   help="seeds per programme")
    p.add_argument("--seed", type=seed, default=1, help="the first seed")
    p.add_argument("--doc", nargs="?", const=str(DEFAULT_DOC), metavar="PATH",
                   help=f"also write the table as Markdown, to {DEFAULT_DOC} if no PATH is "
                        "given (default: not written)")
    add_workers(p, "1")
    add_set(p, " in every programme")
    p.set_defaults(func=cmd_plausibility)


def cmd_plausibility(args: argparse.Namespace) -> int:
    from commissioning.experiments.plausibility import PROGRAMMES
    from commissioning.model.scenario import ScenarioError

    names = args.programmes or list(PROGRAMMES)
    scenarios = {}
    for name in names:
        sc = scenario(name, args.set)
        stem = Path(sc.path).stem if sc.path else name
        if stem not in PROGRAMMES:
            raise ScenarioError(str(name), "", "a real-programme scenario: "
                                + ", ".join(PROGRAMMES))
        scenarios[stem] = sc
    doc = Path(args.doc) if args.doc else None
    if doc is not None:  # check the output before the runs, not after
        folder = doc.parent if str(doc.parent) else Path(".")
        if doc.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
            raise ScenarioError(str(doc), "--doc", "a writable Markdown file in an existing "
                                "folder")

    seeds_fit(args.seed, args.replicates)
    n, scheduler = workers(args, len(scenarios) * args.replicates, default=1)
    from commissioning.experiments.comparison import console_progress
    from commissioning.experiments.executor import describe
    from commissioning.experiments.plausibility import console_table, plausibility

    print(f"plausibility: {len(scenarios) * args.replicates} runs on {describe(n, scheduler)}",
          file=sys.stderr, flush=True)
    start = time.perf_counter()
    rows = plausibility(scenarios, args.replicates, args.seed, n,
                        progress=console_progress("plausibility"), scheduler=scheduler)
    print(f"{args.replicates} replicates per programme, seeds {args.seed}-"
          f"{args.seed + args.replicates - 1}" + (f", {' '.join(args.set)}" if args.set else "")
          + f" ({time.perf_counter() - start:.0f}s); nothing here was fitted to these figures")
    print(console_table(rows))
    if doc is not None:
        _write_doc(doc, rows, args, scenarios)
        print(f"\nwritten: {doc}")
    return 0


def _write_doc(path: Path, rows, args: argparse.Namespace, scenarios: dict) -> None:
    from commissioning.experiments.plausibility import markdown_table

    command = "commissioning plausibility " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    described = "\n".join(f"- `{stem}.toml`: {sc.name}. {sc.description}"
                          for stem, sc in scenarios.items())
    text = f"""# Real programmes: do the Work Programme's parameters transfer?

The devolved and successor programmes are scenarios that inherit every shared parameter
(claimants' behaviour, the labour market's effect on job finding, providers and unit costs)
from the Work Programme baseline fitted in [calibration.md](calibration.md), and change
only what each programme changed: who commissions and how, the payments, who is eligible
and how they take it up, and the period's labour market. Each file's header says what it
represents, what it was built from and what is assumed.

{described}

None of them was tuned to the figures below. The table sets each management-information
figure that DOMAIN section 5 gives beside the same quantity read from the model (same
dates on the scenario's calendar, same denominators), as a mean and 95% interval over
replicates. A difference is a finding about the model, not something to fix by retuning.

Read every line with DOMAIN 5.5's caveats: the cohorts differ (Working Well's pilot took
the Work Programme's failures; FSS and the WHP are mainly voluntary, health-related and ran
in a tight 2018-19 labour market); outcome definitions differ (earnings thresholds,
windows, 13/26/52 weeks); and most of these figures are management data without a
counterfactual.

<!-- written by `commissioning plausibility --doc` -->
`{command}` on {when}: {args.replicates} replicates per programme (seeds from {args.seed}).

{markdown_table(rows)}
<!-- end of table -->
"""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

"""`commissioning sweep` and `commissioning analyse`.

    commissioning sweep SWEEP.toml --out DIR [--workers N] [--replicates N] [--set k=v ...]
    commissioning sweep SWEEP.toml --out DIR --scheduler tcp://host:8786
    commissioning sweep SWEEP.toml --out DIR --shard 3/10   # one slice, e.g. a SLURM array job
    commissioning sweep SWEEP.toml --dry-run          # "N runs" and the design; runs nothing
    commissioning sweep SWEEP.toml --show-run 13      # the `commissioning run` for run 13
    commissioning analyse DIR [--metrics a,b] [--heatmap X Y]

Exit status: 0 when every run has a result, 1 when some runs failed (their
errors are in the results; `--retry-failed` runs them again), 2 for bad
input (nothing runs), 130 after Ctrl-C (what finished is kept).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .options import add_set, add_workers, command, count, positive


def shard(text: str) -> tuple[int, int]:
    """`I/N`: the I-th of N slices, 1 <= I <= N."""
    i, sep, n = text.partition("/")
    if not sep or not i.strip().isdigit() or not n.strip().isdigit() or not (
            1 <= int(i) <= int(n)):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N (e.g. 3/10: the "
                                         f"third of ten slices), got {text!r}")
    return int(i), int(n)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sweep commands to the `commissioning` parser."""
    sweep = command(
        sub, "sweep", "run a parameter sweep (grid, random, latin, sobol, morris)",
        "Run every run of a sweep file that is not yet in --out; results are written as runs "
        "finish (one Parquet file per run), and the same command after an interruption runs "
        "only the rest. See docs/sweeps.md.")
    sweep.add_argument("file", help="sweep file (TOML), or a shipped sweep by name (fees)")
    sweep.add_argument("--out", metavar="DIR",
                       help="output folder (default: results/<sweep file name>)")
    sweep.add_argument("--dry-run", action="store_true",
                       help="print the number of runs and the design; run nothing")
    sweep.add_argument("--show-run", type=count, metavar="ID",
                       help="print the `commissioning run` command that repeats run ID "
                            "(default: none)")
    add_workers(sweep, default="the sweep file's `workers`, else one per core")
    sweep.add_argument("--replicates", type=positive, dest="sweep_replicates", metavar="N",
                       help="replicates per design point and scenario (default: the sweep "
                            "file's)")
    sweep.add_argument("--shard", type=shard, metavar="I/N",
                       help="run only the I-th of N slices of the runs (e.g. a SLURM job "
                            "array: --shard $SLURM_ARRAY_TASK_ID/10), into the same --out "
                            "as the other slices (default: every run)")
    sweep.add_argument("--retry-failed", action="store_true",
                       help="run again the runs recorded as failed")
    add_set(sweep, " in every run")
    sweep.set_defaults(func=cmd_sweep)

    analyse = command(
        sub, "analyse", "tables, sensitivity indices and figures of a sweep's results",
        "Summarise a sweep's output folder: per-point and per-scenario tables with "
        "intervals, paired differences between scenarios, Sobol/Morris indices, figures. "
        "Written to DIR/analysis.")
    analyse.add_argument("out", metavar="DIR", help="a sweep's output folder (all its shards)")
    analyse.add_argument("--metrics", metavar="A,B",
                         help="comma-separated metrics (default: every metric that varies)")
    analyse.add_argument("--heatmap", nargs=2, metavar=("X", "Y"),
                         help="the two varied parameters of the difference heat map "
                              "(default: the first two)")
    analyse.add_argument("--no-figures", action="store_true", help="tables only")
    analyse.set_defaults(func=cmd_analyse)


def cmd_sweep(args: argparse.Namespace) -> int:
    from commissioning.experiments.executor import describe as where
    from commissioning.experiments.sweeps.describe import describe, rerun_command
    from commissioning.experiments.sweeps.design import Design
    from commissioning.experiments.sweeps.file import read_sweep
    from commissioning.experiments.sweeps.run import run_sweep, shard_ids
    from commissioning.experiments.sweeps.store import ResultStore
    from commissioning.experiments.sweeps.units import plural
    from commissioning.model.scenario import ScenarioError

    from .options import workers

    spec = read_sweep(args.file, args.set, args.sweep_replicates, args.workers)
    design = Design(spec)
    if args.show_run is not None:
        if args.show_run >= design.n_runs:
            raise ScenarioError("--show-run", str(args.show_run),
                                f"a run id from 0 to {design.n_runs - 1}")
        point, replicate, s = design.locate(args.show_run)
        print(f"run {args.show_run}: scenario {spec.scenario_names[s]}, point {point}, "
              f"replicate {replicate}, seed {design.seed(point, replicate)}")
        print(shlex.join(["commissioning", *rerun_command(design, args.show_run)]))
        return 0
    mine = shard_ids(design, args.shard)
    part = f" (shard {args.shard[0]}/{args.shard[1]}: {plural(len(mine), 'run')})" \
        if args.shard else ""
    if args.dry_run:
        print("\n".join(describe(design, Path(args.out) if args.out else None)))
        if args.shard:
            print(f"\nshard {args.shard[0]}/{args.shard[1]}: {plural(len(mine), 'run')} of "
                  f"these {design.n_runs:,}")
        return 0
    out = Path(args.out) if args.out else Path("results") / spec.path.stem
    n, scheduler = workers(args, len(mine), spec.workers)
    print(f"sweep {spec.name}: {plural(design.n_runs, 'run')}{part} into {out}, on "
          f"{where(n, scheduler)}", flush=True)
    store = ResultStore(out)
    try:
        summary = run_sweep(design, store, n, scheduler, args.retry_failed, shard=args.shard)
    except KeyboardInterrupt:  # Ctrl-C: every finished run is on disk already
        done = len(store.finished_ids() & set(mine))
        if done:
            print(f"interrupted: {done} of {len(mine)} runs are in {out}; run the same "
                  "command again to run the rest", file=sys.stderr)
        else:
            print("interrupted before any run finished; nothing was written",
                  file=sys.stderr)
        return 130
    rate = summary.ran / summary.seconds * 60 if summary.seconds > 0 else 0.0
    print(f"{plural(summary.ran, 'run')} now in {summary.seconds:.0f}s ({rate:.1f} runs/min), "
          f"{summary.before} done before; {summary.failed_now} failed now, "
          f"{summary.failed_total} failed in all.")
    print(f"results: {out / 'runs'} (one Parquet file per run); "
          f"next: commissioning analyse {out}")
    if summary.failed_total:
        print(f"{plural(summary.failed_total, 'run')} failed: the errors are in the results "
              "(column `error`); rerun with --retry-failed to run them again")
        return 1
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    from commissioning.experiments.sweeps.analysis import analyse

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    return analyse(Path(args.out), metrics, tuple(args.heatmap) if args.heatmap else None,
                   figures=not args.no_figures)

"""`commissioning sweep` and `commissioning analyse` (issue 5).

    commissioning sweep SWEEP.toml --out DIR [--workers N] [--replicates N] [--set k=v ...]
    commissioning sweep SWEEP.toml --out DIR --scheduler tcp://host:8786
    commissioning sweep SWEEP.toml --dry-run          # "N runs" and the design; runs nothing
    commissioning sweep SWEEP.toml --show-run 13      # the `commissioning run` for run 13
    commissioning analyse DIR [--metrics a,b] [--heatmap X Y]

`--workers`, `--replicates` and `--set` override the sweep file. The sweep
runs on a LocalCluster with one worker per core unless `--workers 0` (in this
process, no Dask) or `--scheduler` (an existing cluster). Exit status: 0 when
every run has a result, 1 when some runs failed (their errors are in the
results; `--retry-failed` runs them again), 2 for bad input (nothing runs).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commissioning.experiments.sweeps.units import plural
from commissioning.model.parameters import BY_NAME

if TYPE_CHECKING:  # the heavy imports wait until a command runs
    from commissioning.experiments.sweeps.design import Design
    from commissioning.experiments.sweeps.factors import Factor


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {value}")
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sweep commands to the `commissioning` parser."""
    sweep = sub.add_parser(
        "sweep", help="run a parameter sweep (grid, random, latin, sobol, morris) on Dask",
        description="Run every run of a sweep file that is not yet in --out; results are "
                    "written as runs finish (one Parquet file per run). See docs/sweeps.md.")
    sweep.add_argument("file", help="sweep file (TOML), or a shipped sweep by name (fees)")
    sweep.add_argument("--out", help="output folder (default: results/<sweep file name>)")
    sweep.add_argument("--dry-run", action="store_true",
                       help="print the number of runs and the design; run nothing")
    sweep.add_argument("--show-run", type=_count, metavar="ID",
                       help="print the `commissioning run` command that repeats run ID")
    sweep.add_argument("--workers", type=_count, metavar="N",
                       help="local Dask workers (default: one per core; 0 = no Dask)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="use the Dask cluster at ADDRESS (tcp://host:8786) instead")
    sweep.add_argument("--replicates", type=_positive, dest="sweep_replicates", metavar="N",
                       help="replicates per design point and scenario (overrides the file)")
    sweep.add_argument("--retry-failed", action="store_true",
                       help="run again the runs recorded as failed")
    sweep.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                       help="override a value in every run (checked like the file); repeatable")
    sweep.set_defaults(func=cmd_sweep)

    analyse = sub.add_parser(
        "analyse", help="tables, sensitivity indices and figures of a sweep's results",
        description="Summarise a sweep's output folder: per-point and per-scenario tables "
                    "with intervals, paired differences between scenarios, Sobol/Morris "
                    "indices, figures. Written to DIR/analysis.")
    analyse.add_argument("out", help="a sweep's output folder")
    analyse.add_argument("--metrics", help="comma-separated metrics (default: every metric "
                                           "that varies)")
    analyse.add_argument("--heatmap", nargs=2, metavar=("X", "Y"),
                         help="the two varied parameters of the difference heat map "
                              "(default: the first two)")
    analyse.add_argument("--no-figures", action="store_true", help="tables only")
    analyse.set_defaults(func=cmd_analyse)


# --- describing a design -----------------------------------------------------------------



def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _factor_line(f: Factor, design: str) -> str:
    if f.values is not None:
        what = ", ".join(_fmt(v) for v in f.values)
    else:
        what = f"{_fmt(f.low)} to {_fmt(f.high)}"
        if design == "grid":
            what += f" ({f.levels} levels)"
    line = f"  {f.key:<44} {what:<40} {f.unit}"
    return line + (f"\n  {'':<44} (also sets {', '.join(f.also)})" if f.also else "")


def describe(design: Design, out: Path | None) -> list[str]:
    """The dry run: what would run, how many runs, and the design points."""
    import pandas as pd

    spec = design.spec
    lines = [f"sweep {spec.name} ({spec.path})" + (f": {spec.description}"
                                                    if spec.description else "")]
    shape = {"grid": " x ".join(str(len(set(col))) for col in zip(*design.points,
                                                                    strict=True)),
             "sobol": f"N = {spec.samples}, N x (D + 2)",
             "morris": f"{spec.samples} trajectories of D + 1 on {spec.levels} levels"}
    lines.append(f"design: {spec.design}, {design.n_points} points"
                 + (f" ({shape[spec.design]})" if spec.design in shape else ""))
    lines.append("scenarios: " + ", ".join(f"{n} ({sc.path})" for n, sc in
                                           zip(spec.scenario_names, spec.scenarios,
                                               strict=True)))
    seeds = (f"common (replicate r uses seed {spec.seed} + r at every point and in every "
             "scenario)" if spec.seeds == "common" else
             f"per point (from SeedSequence([{spec.seed}, point, replicate]); the same in "
             "every scenario)")
    lines.append(f"replicates: {spec.replicates}; seeds: {seeds}")
    if spec.assignments:
        lines.append("fixed in every run: " + " ".join(spec.assignments))
    if spec.weekly:
        lines.append(f"weekly series kept: {', '.join(spec.weekly)}")
    lines.append("varied:")
    lines += [_factor_line(f, spec.design) for f in spec.factors]
    lines.append(f"{design.n_runs} runs ({plural(design.n_points, 'point')} x "
                 f"{plural(len(spec.scenarios), 'scenario')} x "
                 f"{plural(spec.replicates, 'replicate')})")
    if out is not None:
        lines += _existing(design, out)
    table = pd.DataFrame(design.points, columns=[f.key for f in spec.factors])
    table.index.name = "point"
    number = lambda v: f"{v:.6g}"  # noqa: E731
    if len(spec.factors) > 6:  # too wide: points as columns
        shown = table.head(8).T
        lines += ["", "the first design points:", shown.to_string(float_format=number)]
        return lines
    shown = table if len(table) <= 40 else pd.concat([table.head(20), table.tail(5)])
    lines += ["", shown.to_string(float_format=number)]
    if len(table) > 40:
        lines.append(f"({len(table) - 25} points not shown)")
    return lines


def _existing(design: Design, out: Path) -> list[str]:
    from commissioning.experiments.sweeps.rows import ROW_FORMAT
    from commissioning.experiments.sweeps.store import ResultStore

    store = ResultStore(out)
    manifest = store.read_manifest()
    if manifest is None:
        return [f"{out}: no results yet"]
    if manifest.get("row_format", 1) != ROW_FORMAT:
        return [f"{out}: written by another version of the sweep tool; running with this "
                "--out would be refused"]
    if manifest.get("design_hash") != design.hash:
        return [f"{out}: holds a different design; running with this --out would be refused"]
    return [f"{out}: {len(store.finished_ids())} of {design.n_runs} runs already done"]


# --- repeating one run -------------------------------------------------------------------


def _literal(v: Any) -> str:
    """A value as `--set` reads it (TOML)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_literal(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    return repr(v)


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def rerun_command(design: Design, run_id: int) -> list[str]:
    """`commissioning run` arguments that repeat one run of the sweep exactly."""
    spec = design.spec
    task = design.task(run_id)
    scenario = spec.scenarios[design.locate(run_id)[2]]
    argv = ["run", _shown_path(scenario.path), "--seed", str(task.seed)]
    for assignment in spec.assignments:
        argv += ["--set", assignment]
    for f in spec.factors:
        for name, group in f.targets:
            value = task.params[name]
            section = BY_NAME[name].section
            if group is not None and not f.scale:
                argv += ["--set", f"{section}.{name}.{group}={_literal(value[group])}"]
            else:
                argv += ["--set", f"{section}.{name}={_literal(value)}"]
    return argv


# --- the commands ------------------------------------------------------------------------


def cmd_sweep(args: argparse.Namespace) -> int:
    from commissioning.experiments.sweeps.design import Design
    from commissioning.experiments.sweeps.file import read_sweep
    from commissioning.experiments.sweeps.run import default_workers, run_sweep
    from commissioning.experiments.sweeps.store import ResultStore
    from commissioning.model.scenario import ScenarioError

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
    out = Path(args.out) if args.out else Path("results") / spec.path.stem
    if args.dry_run:
        print("\n".join(describe(design, Path(args.out) if args.out else None)))
        return 0
    workers = spec.workers if spec.workers is not None else default_workers()
    where = (f"the Dask cluster at {args.scheduler}" if args.scheduler else
             "this process (no Dask)" if workers == 0 else
             f"a local Dask cluster of {workers} worker{'s' * (workers != 1)}")
    print(f"sweep {spec.name}: {plural(design.n_runs, 'run')} into {out}, on {where}",
          flush=True)
    store = ResultStore(out)
    try:
        summary = run_sweep(design, store, workers, args.scheduler, args.retry_failed)
    except KeyboardInterrupt:  # Ctrl-C: every finished run is on disk already
        print(f"interrupted: {len(store.finished_ids())} of {design.n_runs} runs are in "
              f"{out}; run the same command again to run the rest", file=sys.stderr)
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

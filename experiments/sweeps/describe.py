"""What a sweep would do, in words: the dry run, and the command that repeats one run.

`commissioning sweep FILE --dry-run` prints `describe`: the scenarios, seeds,
factors, the number of runs and the design points, and what the output
folder already holds. `--show-run ID` prints `rerun_command`: the
`commissioning run` with the seed and every `--set` that gives run ID's
numbers alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commissioning.model.parameters import BY_NAME

from .design import Design
from .factors import Factor
from .units import plural


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
    from .rows import ROW_FORMAT
    from .store import ResultStore

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

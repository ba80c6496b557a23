"""One run's result as a row, with a fixed column type for every column.

Every run file of a sweep has exactly the same schema, decided by the design
before anything runs: identity (run_id, point, replicate, scenario, regime,
seed), one column per varied parameter (named by its key in the sweep file,
`payments.attachment_fee`, numbers always float64; the multiplier for a
scaled factor), status, error, every metric of `metrics.FINAL_KEYS` as
float64, and then every parameter the run used, named `param.` + its key as
`--set` spells it (`param.area.claimants`, one column per payment group:
`param.payments.job_outcome_fee.esa_ex_ib`; the attachment fee taper as a
list), so a row describes its run completely without the manifest. Arrow's
dataset reader takes its schema from one file; if one file said int64 where
another said float64 (a fee of 0 then 0.5), or null where another said
string (no error, then an error), reading the whole folder would fail. A
failed run has its metrics null and its error filled in.

Factor and parameter columns carry the section (`run.weeks`), metric columns
do not (`weeks`); the `param.` prefix keeps a scaled factor's multiplier
(`support.light_support_cost`) apart from the value it produced
(`param.support.light_support_cost`): no two ever collide.
"""

from __future__ import annotations

import os
import socket
import traceback
from typing import Any

import pandas as pd
import pyarrow as pa

from commissioning.model.metrics import FINAL_KEYS
from commissioning.model.parameters import BY_NAME, PAYMENT_GROUPS, Param

from .design import RunTask
from .factors import Factor

IDENTITY = (("run_id", pa.int64()), ("point", pa.int64()), ("replicate", pa.int64()),
            ("scenario", pa.string()), ("regime", pa.string()), ("seed", pa.int64()))
STATUS = (("status", pa.string()), ("error", pa.string()), ("traceback", pa.string()),
          ("seconds", pa.float64()), ("host", pa.string()))
OK, FAILED = "ok", "failed"
PARAM_PREFIX = "param."
#: Version of the run files' layout, kept in the manifest: a folder written in
#: another layout is refused rather than mixed (its files would not read together).
ROW_FORMAT = 3


def _param_type(p: Param) -> pa.DataType:
    whole = p.kind == "int" or p.integer_values
    number = pa.int64() if whole else pa.float64()
    return {"bool": pa.bool_(), "choice": pa.string(), "list": pa.list_(number),
            "path": pa.string()}.get(p.kind, number)


def param_columns() -> list[tuple[str, pa.DataType]]:
    """`param.` columns: every model parameter but the seed (it has its own column)."""
    cols = []
    for p in BY_NAME.values():
        if p.name == "seed":
            continue
        if p.kind == "per_group":
            cols += [(f"{PARAM_PREFIX}{p.key}.{g}", _param_type(p)) for g in PAYMENT_GROUPS]
        else:
            cols.append((PARAM_PREFIX + p.key, _param_type(p)))
    return cols


def param_values(params: dict[str, Any]) -> dict[str, Any]:
    """A run's parameters as `param.` columns (whole numbers as int, others as float)."""
    out: dict[str, Any] = {}
    for p in BY_NAME.values():
        if p.name == "seed":
            continue
        whole = p.kind == "int" or p.integer_values
        convert = int if whole else float
        value = params[p.name]
        if p.kind == "per_group":
            out.update({f"{PARAM_PREFIX}{p.key}.{g}": convert(value[g]) for g in PAYMENT_GROUPS})
        elif p.kind == "list":
            out[PARAM_PREFIX + p.key] = [convert(v) for v in value]
        elif p.kind == "path":  # dated points, as the scenario file writes them
            out[PARAM_PREFIX + p.key] = "; ".join(f"{d}: {v:g}" for d, v in value)
        elif p.kind in ("bool", "choice"):
            out[PARAM_PREFIX + p.key] = value
        else:
            out[PARAM_PREFIX + p.key] = convert(value)
    return out


def factor_type(f: Factor) -> pa.DataType:
    return {"choice": pa.string(), "bool": pa.bool_()}.get(f.kind, pa.float64())


def run_schema(factors: tuple[Factor, ...]) -> pa.Schema:
    """The columns of every run file of a sweep with these factors."""
    return pa.schema([*IDENTITY, *((f.key, factor_type(f)) for f in factors), *STATUS,
                      *((k, pa.float64()) for k in FINAL_KEYS), *param_columns()])


def _value(v: Any) -> Any:
    if isinstance(v, bool | str):
        return v
    return float(v)


def identity(task: RunTask) -> dict[str, Any]:
    return {"run_id": task.run_id, "point": task.point, "replicate": task.replicate,
            "scenario": task.scenario, "regime": task.params.get("regime"), "seed": task.seed,
            **{k: _value(v) for k, v in task.values.items()},
            "host": f"{socket.gethostname()}:{os.getpid()}", **param_values(task.params)}


def ok_row(task: RunTask, metrics: dict[str, float], seconds: float) -> dict[str, Any]:
    return {**identity(task), "status": OK, "seconds": seconds,
            **{k: float(metrics[k]) for k in FINAL_KEYS}}


def failed_row(task: RunTask, exc: BaseException, seconds: float = float("nan")
               ) -> dict[str, Any]:
    """A run that raised: its identity and the error, no metrics."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {**identity(task), "status": FAILED, "error": f"{type(exc).__name__}: {exc}",
            "traceback": text[-4000:], "seconds": seconds}


def row_table(row: dict[str, Any], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist([row], schema=schema)


def weekly_table(run_id: int, weekly: pd.DataFrame) -> pa.Table:
    """A run's weekly series: run_id, week, then one float64 column per series."""
    frame = weekly.reset_index().astype({c: "float64" for c in weekly.columns})
    frame.insert(0, "run_id", run_id)
    return pa.Table.from_pandas(frame.astype({"week": "int64", "run_id": "int64"}),
                                preserve_index=False)

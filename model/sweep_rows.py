"""One run's result as a row, with a fixed column type for every column.

Every run file of a sweep has exactly the same schema, decided by the design
before anything runs: identity (run_id, point, replicate, scenario, regime,
seed), one column per varied parameter (named by its `section.key`, numbers
always float64), status, error, and every metric of `metrics.FINAL_KEYS` as
float64. Arrow's dataset reader takes its schema from one file; if one file
said int64 where another said float64 (a fee of 0 then 0.5), or null where
another said string (no error, then an error), reading the whole folder
would fail. A failed run has its metrics null and its error filled in.

Parameter columns carry the section (`run.weeks`), metric columns do not
(`weeks`): the two never collide.
"""

from __future__ import annotations

import os
import socket
import traceback
from typing import Any

import pandas as pd
import pyarrow as pa

from .metrics import FINAL_KEYS
from .sweep_design import RunTask
from .sweep_factors import Factor

IDENTITY = (("run_id", pa.int64()), ("point", pa.int64()), ("replicate", pa.int64()),
            ("scenario", pa.string()), ("regime", pa.string()), ("seed", pa.int64()))
STATUS = (("status", pa.string()), ("error", pa.string()), ("traceback", pa.string()),
          ("seconds", pa.float64()), ("host", pa.string()))
OK, FAILED = "ok", "failed"


def factor_type(f: Factor) -> pa.DataType:
    return {"choice": pa.string(), "bool": pa.bool_()}.get(f.kind, pa.float64())


def run_schema(factors: tuple[Factor, ...]) -> pa.Schema:
    """The columns of every run file of a sweep with these factors."""
    return pa.schema([*IDENTITY, *((f.key, factor_type(f)) for f in factors), *STATUS,
                      *((k, pa.float64()) for k in FINAL_KEYS)])


def _value(v: Any) -> Any:
    if isinstance(v, bool | str):
        return v
    return float(v)


def identity(task: RunTask) -> dict[str, Any]:
    return {"run_id": task.run_id, "point": task.point, "replicate": task.replicate,
            "scenario": task.scenario, "regime": task.params.get("regime"), "seed": task.seed,
            **{k: _value(v) for k, v in task.values.items()},
            "host": f"{socket.gethostname()}:{os.getpid()}"}


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

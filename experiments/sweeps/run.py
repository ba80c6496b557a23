"""Running a sweep: every run not yet in the output folder, through `experiments.executor`.

Whichever way the runs execute (in this process, on a LocalCluster, on a
running cluster; `executor.open_executor`), the driver (this process) writes
each run's file the moment its result arrives (`store`), so nothing finished
is held only in memory, and a run that raises becomes a row with its error
while the sweep goes on. Before starting, the runs already in the output
folder are skipped: running the same command again after any interruption
executes only the missing runs. `shard=(i, n)` runs only the i-th of n slices
of the runs, so that n jobs with no scheduler (a SLURM job array) can share
one output folder.

Test hook: `COMMISSIONING_SWEEP_FAIL=3,7` in the environment of the process
that runs the model makes runs 3 and 7 raise, to test failure handling
without a broken model. It is read where the run executes, so on a
LocalCluster it reaches the workers through their inherited environment.
"""


from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import pandas as pd

from commissioning.experiments.executor import (
    DASK_SPEED,  # noqa: F401  (kept importable from here for the benchmark)
    as_finished,
    default_workers,
    open_executor,
)

from .design import Design, RunTask
from .progress import SweepProgress
from .rows import (
    FAILED,
    ROW_FORMAT,
    failed_row,
    ok_row,
    row_table,
    run_schema,
    weekly_table,
)
from .store import ResultStore

FAIL_ENV = "COMMISSIONING_SWEEP_FAIL"


@dataclass
class RunOutcome:
    """What a worker sends back: the run's row, and its weekly series if kept."""

    row: dict[str, Any]
    weekly: pd.DataFrame | None


def _injected_failures() -> set[int]:
    text = os.environ.get(FAIL_ENV, "")
    return {int(x) for x in text.split(",") if x.strip()}


def execute_run(task: RunTask) -> RunOutcome:
    """Run one model (on a worker, or here); an exception becomes a failed row."""
    from commissioning.experiments.comparison import run_one

    start = time.perf_counter()
    try:
        if task.run_id in _injected_failures():
            raise RuntimeError(f"injected failure for run {task.run_id} ({FAIL_ENV})")
        result = run_one(task.params, task.scenario, keep=task.weekly)
    except Exception as exc:  # the run's failure is data; the sweep goes on
        return RunOutcome(failed_row(task, exc, time.perf_counter() - start), None)
    return RunOutcome(ok_row(task, result.metrics, result.seconds),
                      result.weekly if task.weekly else None)


@dataclass
class SweepSummary:
    """What one invocation did (for a shard: its own runs only)."""

    total: int  # the runs this invocation is responsible for
    before: int  # of those, finished (ok or failed) before this invocation
    ran: int  # runs executed now
    failed_now: int
    failed_total: int
    seconds: float
    startup_seconds: float  # starting or connecting to the cluster
    damaged: tuple[str, ...] = ()  # incomplete result files found, their runs run again


def shard_ids(design: Design, shard: tuple[int, int] | None) -> list[int]:
    """The run ids of the i-th of n slices (1-based): every n-th point-and-replicate.

    A slice keeps the scenarios of a point and replicate together (complete
    pairs) and takes its share from the whole design, so slices of a grid
    whose cost rises along a factor take about as long as each other.
    """
    ids = range(design.n_runs)
    if shard is None:
        return list(ids)
    i, n = shard
    per = len(design.spec.scenarios)
    return [r for r in ids if (r // per) % n == i - 1]


def run_sweep(design: Design, store: ResultStore, workers: int | None = None,
              scheduler: str | None = None, retry_failed: bool = False,
              progress: bool = True, shard: tuple[int, int] | None = None) -> SweepSummary:
    """Run every run of `design` (or of its `shard`) not yet in `store`, holding its lock."""
    start = time.monotonic()
    workers = default_workers() if workers is None else workers
    mine = shard_ids(design, shard)
    with store.locked(shard):
        new = store.claim(str(design.spec.path), design.spec.name, design.hash,
                          design.resolved(), ROW_FORMAT)
        store.remove_temporaries(None if shard is None else set(mine))
        damaged = store.remove_damaged(set(mine))
        for path in damaged:
            print(f"warning: {path} is not a complete Parquet file (cut off or damaged): "
                  "removed, its run runs again", file=sys.stderr)
        finished = store.finished_ids()
        retry = store.failed_ids() if retry_failed else set()
        todo = [i for i in mine if i not in finished or i in retry]
        schema = run_schema(design.spec.factors)
        bar = SweepProgress(len(mine), len(mine) - len(todo)) if progress else None
        failed_now = 0

        def done(outcome: RunOutcome) -> None:
            nonlocal failed_now
            row = outcome.row
            weekly = (weekly_table(row["run_id"], outcome.weekly)
                      if outcome.weekly is not None else None)
            store.write_run(row["run_id"], row_table(row, schema), weekly)
            failed_now += row["status"] == FAILED
            if bar:
                bar.update(row["status"] == FAILED)

        startup = 0.0
        try:
            if todo:
                connect = time.monotonic()
                with open_executor(workers, scheduler) as pool:
                    startup = time.monotonic() - connect
                    tasks = (design.task(i) for i in todo)
                    for finished_run in as_finished(pool, execute_run, tasks):
                        try:
                            outcome = finished_run.future.result()
                        except Exception as exc:  # e.g. KilledWorker: its worker died
                            outcome = RunOutcome(failed_row(finished_run.item, exc), None)
                        done(outcome)
        except BaseException:
            # Refused (no cluster) or interrupted before any run landed: leave no
            # manifest of a sweep that never ran.
            if new and not store.finished_ids():
                store.unclaim()
            raise
        finally:
            if bar:
                bar.close()
        failed_total = len(store.failed_ids() & set(mine))
    return SweepSummary(len(mine), len(mine) - len(todo), len(todo), failed_now,
                        failed_total, time.monotonic() - start, startup,
                        tuple(str(p) for p in damaged))

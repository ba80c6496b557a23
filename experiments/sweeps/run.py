"""Running a sweep: serially, or on Dask (a LocalCluster or an existing cluster).

Whichever way the runs execute, the driver (this process) writes each run's
file the moment its result arrives (`sweep_store`), so nothing finished is
held only in memory, and a run that raises becomes a row with its error
while the sweep goes on. Before starting, the runs already in the output
folder are skipped: running the same command again after any interruption
executes only the missing runs.

Dask settings, as verified on this project's machines (STACK.md, "Distributed
sweeps"): one single-threaded worker process per core; BLAS pinned to one
thread per worker and the nanny's malloc-trim setting and the workers'
statistical profiler off (with Dask's defaults two workers gave 1.2-1.4x
serial speed instead of ~2x); Dask's periodic timers slowed (`DASK_SPEED`);
the dashboard on a random loopback port; task
keys unique to the sweep and run (a reused key would return an earlier
result). Before the first task every worker imports the model (`warm_up`), so
a cluster whose workers lack the package fails at once with a clear message,
and start-up is not counted as run time. Tasks are submitted a window at a
time (4 per worker thread), so the driver never holds every run's parameters
at once, and results come back with `as_completed` (https://docs.dask.org/en/stable/futures.html).

Test hook: `COMMISSIONING_SWEEP_FAIL=3,7` in the environment of the process
that runs the model makes runs 3 and 7 raise, to test failure handling
without a broken model. It is read where the run executes, so on a
LocalCluster it reaches the workers through their inherited environment.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd

from commissioning.model.scenario import ScenarioError

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

#: Dask settings that make numpy-heavy tasks run at full speed on local workers.
#: The last three slow Dask's own timers (by default the event-loop tick every
#: 20 ms and the memory monitor every 100 ms in every process): measured on the
#: 2-core project machine, two workers did 13-18% more runs a minute with ~10%
#: less CPU for the same runs (each wake-up takes the GIL from the model and, on
#: a virtual machine, a core from the host); they only feed diagnostics and the
#: memory limit's check, which a second's delay does not hurt.
DASK_SPEED = {
    "distributed.nanny.pre-spawn-environ": {
        "OPENBLAS_NUM_THREADS": 1, "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1},
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


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
    total: int
    before: int  # finished (ok or failed) before this invocation
    ran: int  # runs executed now
    failed_now: int
    failed_total: int
    seconds: float
    startup_seconds: float  # starting or connecting to the cluster


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def _serial(tasks: Iterable[RunTask], done: Callable[[RunOutcome], None]) -> None:
    for task in tasks:
        done(execute_run(task))


def _import_model() -> None:
    """Run on every worker at the start: imports the model once, before the clock runs."""
    import commissioning.model.model  # noqa: F401


def warm_up(client: Any, scheduler: str | None) -> None:
    """Import the model on the workers there are now, with a clear error if they cannot."""
    try:
        client.run(_import_model)
    except Exception as exc:  # e.g. ModuleNotFoundError on a worker without the package
        raise ScenarioError("--scheduler" if scheduler else "--workers", scheduler or "local",
                            "workers that can import the commissioning package (install it "
                            f"on every node; see docs/sweeps.md): {type(exc).__name__}: "
                            f"{exc}") from None


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A Client on a new LocalCluster, or on the scheduler at `scheduler`."""
    import dask
    from dask.distributed import Client, LocalCluster

    with dask.config.set(DASK_SPEED):
        if scheduler:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ScenarioError("--scheduler", scheduler, "the address of a running "
                                    f"Dask scheduler, e.g. tcp://host:8786 ({exc})") from None
            with client:
                yield client
            return
        # Dask's own ERROR logs are silenced too: a worker whose heartbeat meets the
        # scheduler closing (Ctrl-C, or the end, on a busy machine) logs a CommClosedError
        # traceback at ERROR. A run's failure reaches the driver as its row, not as a log.
        with _interrupts_ignored():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
        with cluster, Client(cluster) as client:
            yield client


class TaskMap:
    """`map` for whole-model tasks: here, or on Dask with the sweep's settings.

    Calibration and check-fit need every result before they go on (a loss per
    candidate), not a file per run, so this is an ordered map rather than the
    sweep's stream; it runs on the same LocalCluster or `--scheduler` cluster.
    """

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        self._stack = ExitStack()
        self.client: Any = None
        if workers > 1 or scheduler:
            try:
                self.client = self._stack.enter_context(dask_client(workers, scheduler))
                warm_up(self.client, scheduler)
            except BaseException:
                self._stack.close()
                raise

    @property
    def workers(self) -> int:
        """Worker threads available now (1 when running here)."""
        if self.client is None:
            return 1
        return max(sum(self.client.nthreads().values()), 1)

    def __call__(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        items = list(items)
        if self.client is None:
            return [fn(x) for x in items]
        from dask.distributed import as_completed

        # as_completed, not gather: an interrupted gather leaves its waits to
        # print "Task exception was never retrieved" on Ctrl-C.
        futures = self.client.map(fn, items, pure=False)
        where = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(futures)
        for future in as_completed(futures):
            results[where[future.key]] = future.result()
            future.release()
        return results

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> TaskMap:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Start worker processes that ignore Ctrl-C.

    Ctrl-C reaches every process of the terminal's foreground group; workers
    that took it would each print a KeyboardInterrupt traceback. A process
    started while SIGINT is ignored keeps ignoring it, so the workers leave it
    to this process, which stops them as it exits (Ctrl-C during the second or
    two of start-up is ignored too).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _distributed(client: Any, tasks: Iterator[RunTask], design_hash: str,
                 done: Callable[[RunOutcome], None]) -> None:
    from dask.base import tokenize
    from dask.distributed import as_completed

    pending: dict[str, RunTask] = {}
    finished = as_completed()
    threads, checked = 1, 0.0

    def top_up() -> None:
        nonlocal threads, checked
        if time.monotonic() - checked > 5:  # clusters grow and shrink
            threads, checked = max(sum(client.nthreads().values()), 1), time.monotonic()
        while len(pending) < 4 * threads:
            task = next(tasks, None)
            if task is None:
                return
            key = f"run-{task.run_id:06d}-{tokenize(design_hash, task.run_id, task.seed)}"
            future = client.submit(execute_run, task, key=key, pure=False)
            pending[future.key] = task
            finished.add(future)

    top_up()
    for future in finished:
        task = pending.pop(future.key)
        try:
            outcome = future.result()
        except Exception as exc:  # e.g. KilledWorker: the worker died running it
            outcome = RunOutcome(failed_row(task, exc), None)
        future.release()
        done(outcome)
        top_up()


def run_sweep(design: Design, store: ResultStore, workers: int | None = None,
              scheduler: str | None = None, retry_failed: bool = False,
              progress: bool = True) -> SweepSummary:
    """Run every run of `design` not yet in `store` (holding the store's lock)."""
    start = time.monotonic()
    with store.locked():
        new = store.claim(str(design.spec.path), design.spec.name, design.hash,
                          design.resolved(), ROW_FORMAT)
        store.remove_temporaries()
        finished = store.finished_ids()
        retry = store.failed_ids() if retry_failed else set()
        todo = [i for i in range(design.n_runs) if i not in finished or i in retry]
        schema = run_schema(design.spec.factors)
        bar = SweepProgress(design.n_runs, design.n_runs - len(todo)) if progress else None
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

        tasks = (design.task(i) for i in todo)
        startup = 0.0
        try:
            if not todo:
                pass
            elif scheduler is None and (workers if workers is not None else
                                        default_workers()) == 0:
                _serial(tasks, done)
            else:
                connect = time.monotonic()
                with ExitStack() as stack:
                    try:
                        client = stack.enter_context(
                            dask_client(workers or default_workers(), scheduler))
                        warm_up(client, scheduler)
                    except ScenarioError:  # no usable cluster: leave the folder as it was
                        if new and not store.finished_ids():
                            store.unclaim()
                        raise
                    startup = time.monotonic() - connect
                    _distributed(client, tasks, design.hash, done)
        finally:
            if bar:
                bar.close()
        failed_total = len(store.failed_ids())
    return SweepSummary(design.n_runs, design.n_runs - len(todo), len(todo), failed_now,
                        failed_total, time.monotonic() - start, startup)

"""Many seeds of the same settings, run in the background for the Spread page.

One run is one draw of luck: the Spread page runs the settings on screen
with 10 or 20 seeds, for both regimes, and shows how far the headline
numbers move from draw to draw (the classroom's version of NetLogo's
BehaviorSpace). Forty runs of the whole programme (469 weeks) are a minute or more of one core, so
they must not run in the server's own process, where they would hold
Python's lock and slow every pupil's page: they run in **one worker process**
(`concurrent.futures`, started the first time a class asks, at a lower
priority than the server), one run at a time, while the pages stay quick.

Runs are shared by the whole server, like the pages' timelines: a run is
known by its settings and seed, so thirty pupils asking for the spread of
the same experiment cost the runs of one, and a second request for runs
already done answers at once. A run keeps only the weekly series the Spread
page reads (a few kilobytes). A run that fails is kept as its message.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .settings import Settings
from .timeline import plain_message, settings_key

log = logging.getLogger(__name__)

#: The weekly series a spread keeps of each run (enough for every number it shows).
KEPT = ("referrals", "job_outcome_rate", "job_outcome_rate_low_barrier",
        "job_outcome_rate_high_barrier", "parked_share", "no_programme_outcome_rate",
        "additional_job_outcome_rate", "total_spend", "paid_specialist_fee",
        "paid_specialist_outcome", "providers_insolvent", "paid_service_fee", "paid_outcome")
SEED_CHOICES = (10, 20)
#: Runs a server keeps the results of (each a few kilobytes).
KEPT_RUNS = 4000


def run_one(kwargs: dict[str, Any]) -> dict[str, np.ndarray]:
    """One whole run (in the worker process): the kept weekly series."""
    from commissioning.model import CommissioningModel

    model = CommissioningModel(**kwargs)
    while model.running:
        model.step()
    data = model.datacollector.model_vars
    return {key: np.asarray(data[key], dtype=float) for key in KEPT}


def _start_worker() -> None:
    """The spread worker runs model after model: numba's loops for every size
    (`claimant_kernels.expect_many_runs`), loaded once; and the pages go first: a spread waits.
    It leaves with the server, however the server stopped."""
    from commissioning.model.claimant_kernels import expect_many_runs

    expect_many_runs()
    with contextlib.suppress(OSError):
        os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: we leave with it
    threading.Thread(target=_leave_with, args=(os.getppid(),), daemon=True,
                     name="leave with the server").start()


def _leave_with(server: int, every: float = 1.0) -> None:
    """Exit once the server is gone. A pool's worker waits for work from its server for
    ever: after Ctrl-C, or a server killed, it stayed, holding a few hundred MB, and
    another was left at each restart of the app. Its parent changes when it is orphaned."""
    while os.getppid() == server:
        time.sleep(every)
    os._exit(0)


@dataclass(frozen=True)
class Outcome:
    """A finished run of a spread: its weekly series, or why it failed."""

    series: dict[str, np.ndarray] | None = None
    error: str | None = None


class SpreadService:
    """The server's worker process for spreads, and every run it has finished."""

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._done: OrderedDict[tuple[str, int], Outcome] = OrderedDict()
        self._running: dict[tuple[str, int], Future] = {}

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            import multiprocessing

            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker)
        return self._executor

    @staticmethod
    def base(settings: Settings) -> str:
        """What the runs of these settings share whatever their seed."""
        return settings_key(replace(settings, seed=0).model_kwargs())

    def ask(self, settings: Settings, seeds: Sequence[int]) -> None:
        """Start the runs of these settings with these seeds that are neither done nor running."""
        base = self.base(settings)
        with self._lock:
            for seed in seeds:
                key = (base, int(seed))
                if key in self._done or key in self._running:
                    continue
                future = self._pool().submit(run_one, settings.changed(seed=seed).model_kwargs())
                self._running[key] = future
                future.add_done_callback(lambda f, key=key: self._finished(key, f))

    def _finished(self, key: tuple[str, int], future: Future) -> None:
        try:
            outcome = Outcome(series=future.result())
        except Exception as exc:  # a run that failed, or a worker that died
            log.warning("a run of a spread failed: %s", exc)
            outcome = Outcome(error=plain_message(exc))
        with self._lock:
            self._running.pop(key, None)
            self._done[key] = outcome
            while len(self._done) > KEPT_RUNS:
                self._done.popitem(last=False)

    def results(self, settings: Settings, seeds: Sequence[int]) -> dict[int, Outcome]:
        """The finished runs of these settings among these seeds, by seed."""
        base = self.base(settings)
        with self._lock:
            found = {}
            for seed in seeds:
                outcome = self._done.get((base, int(seed)))
                if outcome is not None:
                    found[seed] = outcome
            return found

    def waiting(self, settings: Settings, seeds: Sequence[int]) -> int:
        """How many of these runs are still to finish (running or queued)."""
        base = self.base(settings)
        with self._lock:
            return sum((base, int(s)) in self._running for s in seeds)

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


SERVICE = SpreadService()


def seeds_for(count: int) -> list[int]:
    """The seeds a spread of `count` runs uses: 1 to count (the same for every pupil)."""
    return list(range(1, int(count) + 1))

"""Threads for a national-scale week's passes over claimants.

The searching claimants' week (`claimant_kernels.searching_week`: hazards, the
support rule, the specialist referral candidates) and the work pass (`employment`:
jobs kept, lost and found, in both worlds) are two-thirds of a national run's time
with numba's loops, and a claimant's turn in either changes only that claimant's
columns (as in the weekly census, the parking counts and the programme clock, shared
the same way). So the claimants can be taken in parts, the parts shared among threads
(numba's loops let go of Python's lock), and the results put together in claimant
order: every list in id order, every count a sum of whole numbers, every random
number the one a single thread draws (each part's stream state is jumped to its
first claimant). The results are the same whatever the number of threads
(`tests/test_threads.py`): threads change how long a run takes, never what it finds.

Each part is taken by the next thread free (`taken_in_turn`), the parts smaller
along the window (`cut`): the cost of a claimant differs along it (those past their
programme weeks cost about half of those on it), one thread may run slower than
another, and a thread may have a step of its own to finish first (`alongside`); taken
in turn, the threads finish together all the same. Between steps the other threads wait
by watching memory before they sleep (`_Crew`): a week hands over about seven times,
and waking a sleeping thread is slow on virtual machines.

`COMMISSIONING_THREADS` chooses for every run:

- `auto` (the default): one thread unless a run of at least `THREADS_FROM` claimants
  runs numba's loops in a process that is not one of many running models side by
  side (a Dask worker, the app's Spread worker: `claimant_kernels.expect_many_runs`,
  whose processes already share the cores); then as many as the processor cores this
  process may use, at most `MOST_AUTO`;
- a whole number from 1: that many for every run with numba's loops (the numpy passes
  always use one).
"""

from __future__ import annotations

import functools
import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from .scenario import ScenarioError

ENVIRONMENT = "COMMISSIONING_THREADS"
# Claimants in a run from which two threads are used: two took 1.04-1.06 of one's time
# at 100,000 claimants, 0.96 at 200,000, 0.89 at 400,000 and 0.75 at 1,800,000 (whole
# runs, two pairs each, 2026-12-07, the project's 2-core machine)
THREADS_FROM = 200_000
MOST_AUTO = 4  # threads `auto` uses at most (an assumption: measured on two cores only)
PARTS_PER_THREAD = 4  # parts a pass is cut into, per thread
LINE = 128  # bytes: two cache lines (a core may fetch a line's neighbour with it)
PART_FROM = 16_384  # claimants: no part is cut smaller (a part's set-up costs microseconds)

# Looks at a shared number while waiting, before sleeping (about 0.4 ns a look here): a
# helper waits for the next step about 0.4 ms so (the gaps between a week's shared steps
# are mostly shorter), the caller for its helpers about 4 ms (its own parts are done;
# a part takes a few milliseconds at most)
HELPER_LOOKS = 1_000_000
CALLER_LOOKS = 10_000_000

_crews: dict[int, _Crew] = {}
_crews_lock = threading.Lock()


def _forget_crews() -> None:
    """In a forked child: none of the parent's threads are there (nor a lock's holder)."""
    global _crews_lock
    _crews.clear()
    _crews_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_crews)


def cores() -> int:
    """Processor cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_for(claimants: int, fused: bool, many_runs: bool = False) -> int:
    """How many threads a model of this many claimants shares its large passes among
    (`fused`: it runs numba's loops; `many_runs`: its process is one of many running
    models side by side)."""
    choice = os.environ.get(ENVIRONMENT, "auto").strip().lower() or "auto"
    if choice == "auto":
        if not fused or claimants < THREADS_FROM or many_runs:
            return 1
        return max(1, min(cores(), MOST_AUTO))
    try:
        n = int(choice)
    except ValueError:
        n = 0
    if n < 1:  # bad input: one clear message (exit status 2 from the command line)
        raise ScenarioError("the environment", ENVIRONMENT, "auto or a whole number from 1",
                            os.environ[ENVIRONMENT])
    return n if fused else 1


def cut(lo: int, hi: int, threads: int) -> np.ndarray:
    """Edges of the parts lo..hi-1 is cut into: `PARTS_PER_THREAD` a thread, none smaller
    than `PART_FROM` claimants (one part if the range is small or one thread).

    The parts get smaller along the range, the first as many times the last as there
    are parts: taken in turn (`taken_in_turn`), the thread that takes the last part
    finishes soon after the others. (Of equal parts, the main thread waited for the
    other 0.27 s of a national run's work passes, half a part a week.)"""
    n = max(hi - lo, 0)
    most = 1 if threads < 2 else threads * PARTS_PER_THREAD
    parts = max([p for p in range(1, most + 1) if p * (p + 1) // 2 * PART_FROM <= n],
                default=1)
    sizes = np.arange(parts, 0, -1)  # parts, parts - 1, ..., 1 shares of the range
    edges = np.concatenate([[0], np.cumsum(sizes)]) / sizes.sum()
    return (lo + edges * n).round().astype(np.int64)


def taken_in_turn(tasks: Sequence[Callable[[], object]], threads: int,
                  first: Callable[[], object] | None = None) -> tuple[object, list]:
    """Each of `tasks` run once, taken in turn by whichever of `threads` threads comes
    free: the others from the start, this one after `first()` (if given). Returns what
    `first()` returned and the tasks' results, in task order; an error in any of them
    is raised once every thread has stopped.

    Taken as threads come free, the tasks even out what parts dealt ahead cannot: a step
    run meanwhile, a thread slower than another. The other threads are the process's
    crew (`_Crew`), one caller's at a time: a call while they are busy (from one of
    their tasks, or from another model's thread) runs its tasks in its own thread,
    never waiting for them (they could be waiting for it)."""
    out: list = [None] * len(tasks)
    turn = itertools.count()  # its next() is one step under Python's lock: no task twice
    errors: list[BaseException] = []

    def take() -> None:
        try:
            while (q := next(turn)) < len(tasks):
                out[q] = tasks[q]()
        except BaseException as error:  # raised by the caller, once all have stopped
            errors.append(error)

    crew = _crew(threads - 1) if threads > 1 and tasks else None
    if crew is None or not crew.busy.acquire(blocking=False):
        done = first() if first is not None else None
        take()
    else:
        try:
            started = crew.start(take)
            try:
                done = first() if first is not None else None
                take()
            finally:  # never leave a thread writing the columns after an error here
                crew.wait(started)
        finally:
            crew.busy.release()
    if errors:
        raise errors[0]
    return done, out


def alongside(here: Callable[[], object], there: Callable[[], object],
              threads: int) -> tuple[object, object]:
    """`here()` in this thread while another runs `there()` (two steps of a week that read
    nothing the other writes), both done before it returns; with one thread (or none
    free), `here()` and then `there()`. Their results."""
    done, (other,) = taken_in_turn([there], threads, first=here)
    return done, other


def in_parts(edges: np.ndarray, threads: int, run: Callable[[int, int], object],
             first: Callable[[], object] | None = None) -> list:
    """`run(a, b)` for each part a..b-1 that `edges` cuts, shared among `threads` (each
    part taken by the next thread free, this one's after `first()` if given:
    `taken_in_turn`); the parts' results in part order."""
    return taken_in_turn([functools.partial(run, int(edges[q]), int(edges[q + 1]))
                          for q in range(len(edges) - 1)], threads, first)[1]


def rows(parts: int, width: int, dtype: type = np.int64) -> np.ndarray:
    """A zeroed [parts, width] array whose rows lie `LINE` bytes or more apart: a row that
    one thread writes again and again (a stream's state, a running count) must not share
    a cache line with another thread's, or the two cores pass the line back and forth at
    every write (with the parts' states side by side, two threads took 11 ms for what one
    took in 13)."""
    itemsize = np.dtype(dtype).itemsize
    stride = -(-max(width * itemsize, 1) // LINE) * LINE // itemsize + LINE // itemsize
    return np.zeros((parts, stride), dtype)[:, :width]


def _nothing() -> None:
    """A crew's job between steps."""


class _Crew:
    """`size` threads kept for the process to share a week's passes, which wait for work
    by watching a number in memory (the step's count, `flags[0]`) with Python's lock let
    go, and sleep only after `HELPER_LOOKS` looks; each marks the last step it finished
    in its own row of `flags` (a cache line apart), which the caller watches. Waking a
    sleeping thread and being woken took 90-150 microseconds a hand-over on the
    project's virtual machines (a national run hands over about 3,300 times); watching,
    7 in a bare hand-over and about 24 with Python's lock passed between the threads."""

    def __init__(self, size: int):
        from ._crew_numba import mark_and_watch, watch_until

        self._mark_and_watch, self._watch_until = mark_and_watch, watch_until
        self.size = size
        self.stride = LINE // 8
        self.flags = np.zeros((size + 1) * self.stride, np.int64)
        self.busy = threading.Lock()  # one caller's steps at a time
        self.wake = threading.Condition()
        self.step = 0
        self.job: Callable[[], None] = _nothing
        for h in range(size):
            threading.Thread(target=self._serve, args=(h + 1,), daemon=True,
                             name=f"claimants-{h + 1}").start()

    def start(self, job: Callable[[], None]) -> int:
        """Hand every helper `job` (which catches its own errors); returns the step."""
        self.job = job
        self.step += 1
        self._mark_and_watch(self.flags, 0, self.step, 0, 0, 0)  # stored after the job
        with self.wake:  # under the lock: a helper about to sleep sees the new step
            self.wake.notify_all()
        return self.step

    def wait(self, step: int) -> None:
        """Until every helper has finished `step`: watching, then sleeping a little
        between looks if a helper's part is long. Then the step's job is let go: kept,
        it held the step's tasks and results (and through them the model) until the
        next step, and a national run's whole process peaked 3 MB higher as it ended."""
        while not self._watch_until(self.flags, self.stride, self.stride, self.size, step,
                                    CALLER_LOOKS):
            time.sleep(1e-4)
        self.job = _nothing

    def _serve(self, row: int) -> None:
        seen = 0
        while True:
            # mark the last step done, then watch for the next (Python's lock let go)
            step = self._mark_and_watch(self.flags, row * self.stride, seen, 0, seen,
                                        HELPER_LOOKS)
            if step == seen:  # none came: sleep until one does
                with self.wake:
                    while int(self.flags[0]) == seen:
                        self.wake.wait()
                    step = int(self.flags[0])
            seen = step
            self.job()


def _crew(size: int) -> _Crew:
    """The crew of `size` threads kept for the process (idle, they sleep)."""
    with _crews_lock:
        crew = _crews.get(size)
        if crew is None:
            crew = _crews[size] = _Crew(size)
        return crew

"""Fused passes over claimants: the week's per-claimant arithmetic as numba loops.

At national scale most of a week is many small numpy passes over the claimants in
play: the searching claimants' hazards and the support rule (`support_decisions`),
the specialist referral candidates, and the scans of the active window (who is
searching, in work or waiting; the census the conservation check and the weekly
metrics read; jobs kept, lost and found; the no-programme world; the programme clock).
With numba each is one loop (`_fused_numba.py`) that does the same arithmetic in the
same order and types; `expm1` is the C library's inside the loop where that gives
numpy's bits (`libm_expm1_is_numpys`), else numpy's own between two loops (its loop
called from a compiled loop over the blocks where found: `_numpy_loops`). So the
results are the same to the last bit (`tests/test_results_unchanged.py` runs both).
The helpers here are those several modules share; the other fused steps are called
where their numpy versions are, each beside it.

Which is used is chosen per model by the environment variable
`COMMISSIONING_KERNELS`:

- `auto` (the default): numba for runs of at least `NUMBA_FROM` claimants, when
  numba is installed; numpy for smaller runs, which then start without loading
  numba (about 0.4 s and 100 MB) or its compiled loops. In a process that exists to
  run many models (`expect_many_runs`: the many-model commands' Dask workers, the
  app's Spread worker), numba for every size: such a process loads it once, and its
  loops save about a quarter of each run even at 2,000 claimants;
- `numba`: always (an error if numba is missing);
- `numpy`: never (the numpy passes, as before the fused loops).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import mmap
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import FIRST_BIT, POPCOUNT, SEARCHING

from . import parallel, support_decisions
from .scenario import ScenarioError
from .support_decisions import hazard, seen_hazard, support_levels

#: Claimant ids as the fused passes list them: int32 numbers any population that fits in
#: memory, in half int64's memory (the searching claimants' ids are 6 MB a week at
#: national scale in int64, at the week of most memory).
ID = np.int32

if TYPE_CHECKING:
    from .model import CommissioningModel

ENVIRONMENT = "COMMISSIONING_KERNELS"
CHOICES = ("auto", "numba", "numpy")
NUMBA_FROM = 50_000  # claimants: below this, loading numba costs more than it saves
BLOCK = 8192  # claimants a fused pass takes at a time (its scratch stays in cache)
HEAP_BACK_FROM = 200_000  # claimants: a run this large gives the heap's free memory back weekly
PAGES_FROM = 1 << 18  # bytes: arrays this large get pages of their own (`empty_pages`)
# Private anonymous pages where the system has them (Windows has neither the flag nor
# `madvise`: there the pages are shared, and kept ones are not given back)
PRIVATE = {"flags": mmap.MAP_PRIVATE} if hasattr(mmap, "MAP_PRIVATE") else {}
GIVE_BACK = getattr(mmap, "MADV_DONTNEED", None)
_many_runs = False  # set by `expect_many_runs`


def expect_many_runs() -> None:
    """For a process that exists to run many models (a Dask worker, the app's Spread
    worker): under `auto` its models use numba whatever their size. Loading numba costs a
    single small run more than it saves; over many runs it is paid once. The results are
    the same either way, so where a run is made never changes its numbers."""
    global _many_runs
    _many_runs = True


def many_runs_expected() -> bool:
    """Whether this process runs many models side by side (`expect_many_runs`)."""
    return _many_runs


def use_numba(claimants: int) -> bool:
    """Whether a model of this many claimants runs the fused numba pass."""
    choice = os.environ.get(ENVIRONMENT, "auto").strip().lower() or "auto"
    if choice not in CHOICES:  # bad input: one clear message (exit status 2 from the CLI)
        raise ScenarioError("the environment", ENVIRONMENT, f"one of {', '.join(CHOICES)}",
                            os.environ[ENVIRONMENT])
    if choice == "numpy" or (choice == "auto" and claimants < NUMBA_FROM and not _many_runs):
        return False
    try:
        import numba  # noqa: F401
    except ImportError:
        if choice == "numba":
            raise ScenarioError("the environment", ENVIRONMENT, "numpy or auto when numba is "
                                "not installed (pip install numba)", "numba") from None
        return False
    return True


def searching_week(model: CommissioningModel, ids: np.ndarray
                   ) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray, np.ndarray]:
    """For searching claimants `ids`: true hazard, hazard as seen, the support level the
    case holder's rule chooses and its net value (before a player's choice and budgets).

    Fused, the hazard as seen is None: the loop keeps it only for the specialist referral
    candidates (`referral_candidates`), and `seen_hazard` gives it from the true hazard;
    the true hazard is None too where the fused work pass takes it again from the same
    tables (the sustainment schedule: `employment`), with the services `step` took before
    this call and hands it. Each is a number per searching claimant, megabytes at
    national scale."""
    if not model.fused:
        true = hazard(model, ids)
        seen = seen_hazard(model, ids, true)
        level, best = support_levels(model, ids, seen)
        return true, seen, level, best
    from ._fused_numba import searching_fused

    c, p, pay = model.claimants, model.p, model.payments
    n = len(ids)
    true = week_buffer(model, "true", n) if pay.staged else None  # the numpy work passes
    best, level = week_buffer(model, "best", n), week_buffer(model, "level", n, np.int8)
    tables = searching_tables(model)
    lift = p["barrier_penalty"] ** (-p["specialist_barrier_reduction"])
    referral = (c.episode_provider, int(p["specialist_episode_weeks"]),
                model.reachable_barriers, FIRST_BIT, c.support, float(lift))
    # The candidates `specialist_services.refer` may still refer (see `_in_question`)
    rule = (model.need_rule, model.specialist_fee, float(p["referral_transaction_cost"]),
            model.decisions.sets_referrals)
    # The specialist referral candidates still in question, found in the same loop (see
    # `referral_candidates`): a few hundred a week, each part's written from its own
    # place (fresh pages: only those written are used), then put together in order.
    cand = (empty_pages(n, ID), empty_pages(n), empty_pages(n, np.int8), empty_pages(n))
    no_true = np.empty(0)

    def run(a: int, b: int) -> int:
        """Searching claimants a..b-1 (places in `ids`), their candidates from place a."""
        into = tuple(x[a:] for x in cand)
        if libm_expm1_is_numpys():  # one loop, expm1 in it
            return searching_fused(ids[a:b], tables, referral, rule, model.support_cost,
                                   no_true if true is None else true[a:b], level[a:b],
                                   best[a:b], *into)
        return _searching_blocks(model, ids[a:b], tables, referral, rule,
                                 (None if true is None else true[a:b], level[a:b], best[a:b]),
                                 into, threading.get_ident())

    edges = parallel.cut(0, n, model.threads)
    found = np.array(parallel.in_parts(edges, model.threads, run), np.int64)
    m = 0
    for x in cand:
        m = put_together(x, edges[:-1], found)
    model._candidates = (model.steps, ids, tuple(x[:m] for x in cand))
    return true, None, level, best


def keep_in_house_value(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """`support_decisions.keep_in_house_value`; fused, the same numbers from a compiled
    loop up to numpy's expm1 (`_fused_numba.in_house_prospects`)."""
    if not model.fused:
        return support_decisions.keep_in_house_value(model, ids)
    from ._fused_numba import in_house_prospects

    exponent, weight = np.empty(len(ids)), np.empty((2, len(ids)))
    in_house_prospects(ids, searching_tables(model),
                       float(model.support_multiplier[support_decisions.MINIMAL]), exponent,
                       weight)
    return -np.expm1(exponent) * weight[0] * weight[1]


def put_together(listed: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> int:
    """A list each part wrote from its own place (`starts[p]`, `counts[p]` of them),
    each part's moved up behind the last's, in part order; returns how many in all."""
    from ._fused_numba import move_down

    n = 0
    for start, k in zip(starts.tolist(), counts.tolist(), strict=True):
        move_down(listed, n, start, k)
        n += k
    return n


def searching_tables(model: CommissioningModel) -> tuple:
    """The claimant columns and model tables the fused passes about searching claimants
    read, in the order `_fused_numba._searching_facts` unpacks them (and loops index)."""
    c, p, pay = model.claimants, model.p, model.payments
    return (c.ready_hazard, model.seen_factor, c.barriers, c.mitigated, c.n_barriers,
            c.locality, c.contract_holder, c.case_holder, c.group, c.barrier_class,
            c.weeks_on_programme, POPCOUNT, model.barrier_factor, model.vacancy_factor,
            model.service_hazard, float(p["provider_optimism"]), pay.first_outcome_weeks,
            int(bool(pay.within_programme)), int(model.programme_weeks), model.job_survival,
            model.outcome_stream_value, model.outcome_pass_through, model.mission_value,
            model.rationing_hurdle, model.support_multiplier)


def _searching_blocks(model: CommissioningModel, ids: np.ndarray, tables: tuple,
                      referral: tuple, rule: tuple, out: tuple, cand: tuple,
                      thread: int = 0) -> int:
    """`searching_week` where the loop may not call the C library's expm1: two loops with
    numpy's vectorised expm1 between them, in blocks whose scratch arrays stay in the
    processor's cache between the passes (`thread`'s own). Returns how many referral
    candidates. All the blocks are one compiled call (`_fused_numba.searching_blocks`)
    where numpy's expm1 loop is found (`_numpy_loops.expm1_loop`), the same calls on
    the same blocks; else Python calls each block's loops and numpy's expm1."""
    from ._fused_numba import EXPONENTS, FACTS, choose_and_gains, searching_prepare
    from ._fused_numba import searching_blocks as blocks_compiled
    from ._numpy_loops import expm1_loop

    true, level, best = out
    cand_ids, cand_seen, cand_barrier, cand_gain = cand
    n = len(ids)
    size = min(n, BLOCK)
    # A row of numbers per claimant (see `searching_prepare`), each array flat and
    # contiguous, so numpy's expm1 takes it whole and the loops know the rows' stride;
    # the candidates' two exponents a claimant follow the block's own, so one call of
    # numpy's expm1 takes both (each call between the compiled loops takes Python's
    # lock, which the other thread's blocks want too)
    exponents = scratch(model, f"exponent{thread}", 1, (EXPONENTS + 2) * size)[0]
    facts = scratch(model, f"facts{thread}", 1, FACTS * size)[0]
    gain_facts = scratch(model, f"gain{thread}", 1, 2 * size)[0]
    no_true = np.empty(0)
    loop = expm1_loop()
    if loop is not None:  # the blocks in one compiled call, numpy's expm1 called from it
        return blocks_compiled(ids, tables, referral, rule, model.support_multiplier,
                               model.support_cost, no_true if true is None else true,
                               level, best, cand, exponents, facts, gain_facts, BLOCK, loop)
    m = 0
    for start in range(0, n, BLOCK):
        block = slice(start, min(start + BLOCK, n))
        k = block.stop - start
        x, f = exponents[:EXPONENTS * k], facts[:FACTS * k]
        gx, gf = exponents[EXPONENTS * k:(EXPONENTS + 2) * k], gain_facts[:2 * k]
        j = searching_prepare(ids[block], tables, referral, rule,
                              no_true if true is None else true[block], x, f,
                              cand_ids[m:], cand_seen[m:], cand_barrier[m:], gx, gf)
        taken = exponents[:EXPONENTS * k + 2 * j]
        np.expm1(taken, out=taken)  # numpy's vectorised expm1, as the array passes use
        # The support rule's levels, and the candidates' specialist_gain
        # (`support_decisions.specialist_gain`): those still in question kept
        m += choose_and_gains(model.support_multiplier, model.support_cost, x, f,
                              level[block], best[block], gx, gf, j, tables, rule,
                              cand_ids[m:], cand_seen[m:], cand_barrier[m:], cand_gain[m:])
    return m


@functools.cache
def libm_expm1_is_numpys() -> bool:
    """Whether the C library's expm1 (numba's) gives numpy's `np.expm1` bits, so a fused
    loop may call it and still agree with the numpy passes to the last bit. Where numpy
    has a vectorised expm1 of its own (on some processors), they differ in the last bits
    of many values: a few thousand values of every size the support rule takes show it."""
    from ._fused_numba import expm1_each

    rng = np.random.default_rng(15)
    x = -np.concatenate([rng.random(4096) * scale for scale in (1e-9, 1e-4, 0.1, 1, 10, 100)])
    libm = np.empty_like(x)
    expm1_each(x, libm)
    return bool(np.array_equal(np.expm1(x).view(np.int64), libm.view(np.int64)))


def referral_candidates(model: CommissioningModel, searching: np.ndarray
                        ) -> tuple[np.ndarray, ...]:
    """Fused: the specialist referral candidates still in question that this week's
    `searching_week` found in its loop over `searching` (no episode, time for one, an
    untreated barrier a specialist on their network treats; chosen by value or by need:
    `_fused_numba._in_question`), their seen hazard, that barrier, and `specialist_gain`
    with their case holder deciding. Handed over once."""
    held = model.__dict__.pop("_candidates", None)
    if held is None or held[0] != model.steps or held[1] is not searching:
        raise RuntimeError("referral candidates are found by this week's searching_week")
    return held[2]


def ids_between(model: CommissioningModel, values: np.ndarray, lo: int, hi: int,
                low: int, high: int, weekly: str | None = None) -> np.ndarray:
    """Ids i in lo..hi-1 with low <= values[i] <= high, in order (a status or a week in
    a range): `np.flatnonzero` of the test, in one pass when fused (into the `weekly`
    buffer of that name if given: see `week_buffer`)."""
    if not model.fused:
        v = values[lo:hi]
        test = v == low if low == high else (v >= low) & (v <= high)
        return np.flatnonzero(test) + lo
    from ._fused_numba import ids_between as kernel

    n = max(hi - lo, 0)  # room for all: pages not written are free
    out = empty_pages(n, ID) if weekly is None else week_buffer(model, weekly, n, ID)
    return out[:kernel(values, lo, hi, low, high, out)]


def searching_listed(model: CommissioningModel, lo: int, new: int, hi: int,
                     alongside: Callable[[], None]) -> np.ndarray:
    """The searching claimants among lo..hi-1, in order, after `alongside()` (this week's
    referrals and episodes, which set no status below `new`, where this week's
    referrals start). Fused, those below `new` are listed in another thread (if there
    is one) while this one runs `alongside()`, and the week's referrals after: the
    listing took 0.21 s of a national run in one thread."""
    c = model.claimants
    if not model.fused:
        alongside()
        return ids_between(model, c.status, lo, hi, SEARCHING, SEARCHING, weekly="searching")
    from ._fused_numba import ids_between as kernel

    new = min(max(lo, new), hi)
    out = week_buffer(model, "searching", max(hi - lo, 0), ID)  # room for all
    _, n = parallel.alongside(alongside, functools.partial(
        kernel, c.status, lo, new, SEARCHING, SEARCHING, out), model.threads)
    n += kernel(c.status, new, hi, SEARCHING, SEARCHING, out[n:])
    return out[:n]


def put(model: CommissioningModel, column: np.ndarray, ids: np.ndarray,
        values: np.ndarray) -> None:
    """column[ids] = values. Fused, in one compiled loop: numpy first copies the ids into
    its own index type, an array as long as the ids (at national scale megabytes a week,
    and 1.4-1.9 against 0.23 ms for the searching claimants' support levels)."""
    if not model.fused:
        column[ids] = values
        return
    from ._fused_numba import put as kernel

    kernel(column, ids, values)


def census(model: CommissioningModel, lo: int, hi: int, fresh: bool = True,
           first: Callable[[], None] | None = None) -> np.ndarray:
    """Fused: claimants lo..hi-1 counted once for the conservation check and the weekly
    metrics (see `_fused_numba.claimant_census` for the 13 counts). The last census of the
    week is kept: a weekly metric may reuse it (`fresh=False`) if it covered the window.
    `first()`: run in this thread meanwhile (`parallel.in_parts`)."""
    held = model.__dict__.get("_census")
    if not fresh and held is not None and held[0] == model.steps and held[1] <= lo \
            and held[2] >= hi:
        return held[3]
    from ._fused_numba import claimant_census

    c, pay = model.claimants, model.payments
    counts = sum(parallel.in_parts(  # counts, added up part by part
        parallel.cut(lo, hi, model.threads), model.threads, lambda a, b: claimant_census(
            a, b, c.status, c.case_holder, model.accounts.active, c.weeks_on_programme,
            c.group, pay.first_outcome_weeks, int(bool(pay.within_programme)),
            int(model.programme_weeks), c.support, c.episode_provider, c.episode_end),
        first=first))
    model._census = (model.steps, lo, hi, counts)
    return counts


def scratch(model: CommissioningModel, name: str, rows: int, n: int) -> np.ndarray:
    """A [rows, n] scratch array kept on the model and grown as needed, so the weekly
    passes do not map and unmap tens of megabytes at national scale."""
    buffers = model.__dict__.setdefault("_scratch", {})
    held = buffers.get(name)
    if held is None or held.shape[1] < n:
        held = buffers[name] = np.empty((rows, max(n, 1024, int(1.25 * n))))
    return held[:, :n]


def week_buffer(model: CommissioningModel, name: str, n: int, dtype: type = np.float64
                ) -> np.ndarray:
    """An empty array of n for the week's result `name`, in pages the model keeps from
    week to week: valid until `name` is asked for again (in the next week), so only for
    what the week lets go of (the searching claimants' ids, support levels, their values).

    A fresh page costs its first write a fault, in which the system zeroes it: about
    2.5 us a page on this project's machine, and the searching pass's arrays took
    750,000 of them in a national run (1.7 s of system time). Kept, their pages are
    written again instead. When the week needs less than what was used, the pages past
    its need and a sixteenth more are given back (`madvise`; the pages are private, as
    shared ones would stay), so what is held follows the caseload down: at most a
    sixteenth more than the week's own arrays (a national run's peak is at its busiest
    weeks, when they are largest). Only arrays written in full each week are kept (the
    referral candidates' are a few hundred a week: their pages stay fresh)."""
    size = n * np.dtype(dtype).itemsize
    if size < PAGES_FROM:  # the heap reuses small blocks already
        return np.empty(n, dtype)
    held = model.__dict__.setdefault("_week_buffers", {})
    pages, used = held.get(name, (None, 0))  # used: bytes handed out since last given back
    room = -(-(size + size // 16) // mmap.PAGESIZE) * mmap.PAGESIZE
    if pages is None or len(pages) < size:
        pages, used = mmap.mmap(-1, room, **PRIVATE), 0
    elif used > room and GIVE_BACK is not None:
        pages.madvise(GIVE_BACK, room, used - room)
        used = room
    held[name] = (pages, max(used, size))
    return np.frombuffer(pages, dtype, count=n)


def empty_pages(n: int, dtype: type = np.float64) -> np.ndarray:
    """An empty array of n that, when large, has pages of its own (an anonymous mapping,
    given back to the system when the array is let go), not a block of the heap.

    The weekly passes' arrays of a number per searching claimant (or sized for the
    window, few of them written) are megabytes at national scale. From the heap, each
    week's, a little larger than the last, left it tens of megabytes larger than the
    claimants' columns need by the end of a run (glibc keeps freed heap); buffers kept
    on the model would hold their largest all run. Pages never written cost nothing."""
    size = n * np.dtype(dtype).itemsize
    if size < PAGES_FROM:
        return np.empty(n, dtype)
    return np.frombuffer(mmap.mmap(-1, size, **PRIVATE), dtype)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    with contextlib.suppress(OSError):
        return ctypes.CDLL("libc.so.6")
    return None


def give_back_heap() -> None:
    """Give the heap's free memory back to the operating system (glibc's `malloc_trim`;
    elsewhere nothing: the memory is reused all the same).

    glibc keeps freed memory at the top of its heap below a threshold that grows with
    the largest block freed. At national scale a week's small arrays, some kept for
    weeks (payments due), leave megabytes free there: 2-7 MiB at a national run's
    busiest weeks, when its memory peaks. Given back each week, the peak fell from
    376.6 to 374.9 MiB with one thread and from 385.3 to 378.9 with two, for about 0.1 s
    of a 10-12 s run (2026-12-07)."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None)
    if trim is not None:
        trim(0)

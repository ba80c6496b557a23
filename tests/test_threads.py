"""Threads change how long a run takes, never what it finds (`model/parallel.py`).

The searching claimants' week and the work pass are cut into parts shared among
threads; parts here are made a few dozen claimants long, so the small stored cases
are cut into many and every seam between parts (a stream's state jumped to a part's
first claimant, the searching claimants of a part, lists and counts put together in
order) is crossed hundreds of times a run.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from commissioning.model import claimant_kernels, parallel
from commissioning.model.claimant_kernels import ENVIRONMENT as KERNELS
from commissioning.model.parallel import ENVIRONMENT as THREADS
from commissioning.model.scenario import ScenarioError

from .reference_metrics import CASES, REFERENCE, case_results, differences

pytest.importorskip("numba")


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of 23 claimants, numba's loops, and `threads` threads."""
    monkeypatch.setenv(KERNELS, "numba")
    monkeypatch.setattr(parallel, "PART_FROM", 23)

    def threads(n: int) -> None:
        monkeypatch.setenv(THREADS, str(n))
    return threads


@pytest.mark.parametrize("threads", [2, 3, 4])
@pytest.mark.parametrize("name,scenario,seed,claimants", CASES, ids=[c[0] for c in CASES])
def test_runs_in_threads_give_the_stored_results(small_parts, threads, name, scenario, seed,
                                                 claimants):
    small_parts(threads)
    stored = json.loads(REFERENCE.read_text())[name]["results"]
    diff = differences(stored, case_results(scenario, seed, claimants))
    assert not diff, f"{threads} threads: {len(diff)} values differ, e.g. " + "; ".join(diff[:5])


@pytest.mark.parametrize("way", ["one loop", "blocks, compiled", "blocks from Python"])
def test_every_way_of_the_searching_pass_agrees_in_parts(small_parts, monkeypatch, way):
    """The searching pass's one loop (where the C library's expm1 is numpy's) and its
    blocks (numpy's expm1 between two loops, blocks of 37; numpy's loop called from a
    compiled loop over the blocks, or numpy called from Python), in one thread and in
    three."""
    from commissioning.model import _numpy_loops

    monkeypatch.setattr(claimant_kernels, "libm_expm1_is_numpys", lambda: way == "one loop")
    monkeypatch.setattr(claimant_kernels, "BLOCK", 37)
    if way == "blocks from Python":
        monkeypatch.setattr(_numpy_loops, "expm1_loop", lambda: None)
    runs = []
    for threads in (1, 3):
        small_parts(threads)
        runs.append(case_results("two_tier", 5, 800))
    diff = differences(runs[0], runs[1])
    assert not diff, "; ".join(diff[:5])


def test_a_parts_stream_state_gives_numpys_numbers_from_its_first_claimant():
    from commissioning.model._pcg64_numba import JUMPS, next_double, states_at
    from commissioning.model.random_streams import RandomStreams

    streams = RandomStreams(11)
    start = streams.weekly_state("job_loss", 4, 1000)
    firsts = np.array([1000, 1000, 1001, 1255, 1256, 70_000, 70_000 + 2**20], np.int64)
    out = parallel.rows(len(firsts), 4, np.uint64)
    states_at(start, 1000, firsts, JUMPS, out)
    assert np.array_equal(start, streams.weekly_state("job_loss", 4, 1000))  # left as it was
    for row, first in zip(out, firsts, strict=True):
        numpy_says = streams.weekly_generator("job_loss", 4, int(first)).random(2)
        assert [next_double(row) for _ in range(2)] == numpy_says.tolist()


def test_parts_cover_the_range_in_order_smaller_along_it():
    for n in (100_000, 1_400_000):
        edges = parallel.cut(100, 100 + n, 2)
        sizes = np.diff(edges)
        assert edges[0] == 100 and edges[-1] == 100 + n and np.all(sizes > 0)
        assert sizes.min() >= parallel.PART_FROM and len(sizes) <= 2 * parallel.PARTS_PER_THREAD
        assert np.all(np.diff(sizes) < 0)  # taken in turn: smaller along the range ...
        assert abs(sizes[0] / sizes[-1] - len(sizes)) < 0.01  # ... the first `parts` times the last
    assert len(parallel.cut(0, 1_400_000, 2)) - 1 == 2 * parallel.PARTS_PER_THREAD
    assert len(parallel.cut(0, 10 * parallel.PART_FROM, 1)) == 2  # one thread: one part
    assert len(parallel.cut(0, parallel.PART_FROM - 1, 4)) == 2  # too small to cut


def test_an_error_in_one_thread_waits_for_the_others_before_it_is_raised():
    """No thread may go on writing the claimants' columns after the week has failed."""
    import threading
    import time

    started, finished = threading.Event(), threading.Event()

    def task(q):
        if q == 0:
            started.wait(10)  # the other thread is in part 1 by now
            raise ValueError("part 0")
        started.set()
        time.sleep(0.2)
        finished.set()

    with pytest.raises(ValueError, match="part 0"):
        parallel.taken_in_turn([lambda q=q: task(q) for q in range(2)], 2)
    assert finished.is_set()


@pytest.mark.parametrize("threads", [1, 2])
def test_steps_alongside_each_other_both_run_and_an_error_waits(threads):
    """Two steps side by side give both results; in one thread, in the order written; an
    error in this thread's step is raised only once the other's has finished (or if it
    had not started, it never does)."""
    import threading
    import time

    ran, started, finished = [], threading.Event(), threading.Event()
    assert parallel.alongside(lambda: ran.append("here") or 1,
                              lambda: ran.append("there") or 2, threads) == (1, 2)
    assert sorted(ran) == ["here", "there"] and (threads > 1 or ran == ["here", "there"])

    def slow():
        started.set()
        time.sleep(0.2)
        finished.set()

    def failing():
        started.wait(10 if threads > 1 else 0)  # the other thread has started
        raise ValueError("here")

    with pytest.raises(ValueError, match="here"):
        parallel.alongside(failing, slow, threads)
    assert started.is_set() == finished.is_set() == (threads > 1)
    time.sleep(0.3)
    assert started.is_set() == (threads > 1)  # nothing started after the error


def _within(seconds: float, work) -> list:
    """`work()` in a daemon thread: a deadlock fails the test instead of hanging the run."""
    import threading

    result: list = []
    caller = threading.Thread(target=lambda: result.append(work()), daemon=True)
    caller.start()
    caller.join(seconds)
    assert not caller.is_alive(), "a thread waited for one that never came"
    return result


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_tasks_taken_in_turn_each_run_once_and_a_busy_pool_is_not_waited_for(threads):
    """Every task once, results in task order, whichever thread takes it; a call from
    inside a task (which finds the helpers busy) runs its own tasks, never waiting."""
    import threading

    names = []

    def task(q):
        names.append(threading.current_thread().name)
        if q == 0:  # nested: the helpers it would ask for may be running this very task
            assert parallel.in_parts(np.arange(0, 50, 10), threads, lambda a, b: b - a) \
                == [10] * 4
        return q * q

    done, out = _within(30, lambda: parallel.taken_in_turn(
        [lambda q=q: task(q) for q in range(12)], threads, first=lambda: "first"))[0]
    assert done == "first" and out == [q * q for q in range(12)]
    assert len(names) == 12


@pytest.mark.parametrize("threads", [2, 3])
def test_helpers_that_went_to_sleep_are_woken_for_the_next_step(monkeypatch, threads):
    """Helpers that watched for work in vain sleep, and the next step wakes them; a
    caller whose helpers are slow sleeps between its looks: every task runs once, in
    helpers too, step after step."""
    import threading
    import time

    monkeypatch.setattr(parallel, "HELPER_LOOKS", 1)
    monkeypatch.setattr(parallel, "CALLER_LOOKS", 1)
    names: set[str] = set()

    def task(q):
        names.add(threading.current_thread().name)
        time.sleep(0.002 if q == 0 else 0.0005)  # this thread takes the rest meanwhile
        return q

    def steps():
        for step in range(40):
            if step % 4 == 0:
                time.sleep(0.01)  # the helpers are asleep by now
            assert parallel.taken_in_turn([lambda q=q: task(q) for q in range(6)],
                                          threads) == (None, list(range(6)))
        return True

    assert _within(60, steps) == [True]
    assert any(name.startswith("claimants-") for name in names)


def test_callers_in_two_threads_at_once_each_get_their_own_results():
    """Another model's thread calling while the helpers are busy runs its tasks itself."""
    import threading

    def calls(k):
        for step in range(200):
            done, out = parallel.taken_in_turn(
                [lambda q=q, s=step: (k, s, q) for q in range(5)], 2, first=lambda: k)
            assert done == k and out == [(k, step, q) for q in range(5)]
        return k

    def both():
        other = threading.Thread(target=calls, args=(1,))
        other.start()
        calls(0)
        other.join()
        return True

    assert _within(60, both) == [True]


def test_watching_sees_a_mark_and_gives_up_after_its_looks():
    from commissioning.model._crew_numba import mark_and_watch, watch_until

    flags = np.zeros(32, np.int64)
    assert mark_and_watch(flags, 16, 7, 0, 0, 1000) == 0  # nothing came: gave up
    assert flags[16] == 7  # marked first
    flags[0] = 3
    assert mark_and_watch(flags, -1, 0, 0, 0, 1000) == 3
    flags[8] = 5
    assert not watch_until(flags, 8, 8, 2, 5, 1000)  # flags[16] is 7
    flags[16] = 5
    assert watch_until(flags, 8, 8, 2, 5, 1000)


def test_an_error_in_a_helpers_task_is_raised_after_the_rest():
    def task(q):
        if q == 3:
            raise KeyError(q)
        return q

    with pytest.raises(KeyError):
        parallel.taken_in_turn([lambda q=q: task(q) for q in range(8)], 2)


def test_rows_written_by_different_threads_do_not_share_a_cache_line():
    rows = parallel.rows(5, 4, np.uint64)
    starts = [row.__array_interface__["data"][0] for row in rows]
    assert rows.shape == (5, 4) and not rows.any()
    assert min(np.diff(starts)) >= parallel.LINE
    assert all(row.flags.c_contiguous for row in rows)  # a loop takes each as it takes one


def test_thread_choice(monkeypatch):
    """`auto`: one thread for small runs, numpy's passes or a process among many; else
    the cores this process may use (at most MOST_AUTO). A number is taken as given
    with numba; anything else is one clear error."""
    monkeypatch.setenv(THREADS, "auto")
    big = parallel.THREADS_FROM
    assert parallel.threads_for(big - 1, True) == 1
    assert parallel.threads_for(big, False) == 1
    assert parallel.threads_for(big, True, many_runs=True) == 1
    assert parallel.threads_for(big, True) == max(1, min(parallel.cores(), parallel.MOST_AUTO))
    monkeypatch.setenv(THREADS, "3")
    assert parallel.threads_for(500, True) == 3 and parallel.threads_for(500, False) == 1
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(THREADS, bad)
        with pytest.raises(ScenarioError, match=f"COMMISSIONING_THREADS: expected auto or a "
                           f"whole number from 1, got '{bad}'"):
            parallel.threads_for(500, True)


def test_a_bad_thread_choice_is_one_line_from_the_command(monkeypatch, capsys):
    from commissioning.cli.main import main

    monkeypatch.setenv(THREADS, "many")
    assert main(["run", "--set", "area.claimants=300", "--set", "run.weeks=3"]) == 2
    err = capsys.readouterr().err
    assert "COMMISSIONING_THREADS" in err and "Traceback" not in err

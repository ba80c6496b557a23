"""One way to run many models: the executor every command uses, and where it may run.

In this process for 0 or 1 workers, on a real Dask LocalCluster for more, on
a running cluster for `--scheduler`; the same numbers wherever the runs go;
bad or unreachable scheduler addresses refused with one line, before anything
is created.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import io
import signal
import sys
import threading
import time

import pytest

from commissioning.cli.main import main
from commissioning.experiments import executor
from commissioning.experiments.comparison import compare
from commissioning.experiments.executor import (
    InProcessExecutor,
    as_finished,
    open_executor,
    run_all,
    scheduler_address,
)
from commissioning.model.claimant_kernels import ENVIRONMENT, use_numba
from commissioning.model.scenario import ScenarioError, load_scenario

from .test_cli import assert_bad_input, cli

TINY = ["area.claimants=300", "run.weeks=40", "area.referral_weeks=15"]


def _square(x: int) -> int:
    return x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def _small_run_uses_numba(claimants: int) -> bool:
    return use_numba(claimants)


needs_numba = pytest.mark.skipif(importlib.util.find_spec("numba") is None,
                                 reason="numba is not installed")


def test_in_process_executor_runs_at_once_and_keeps_a_tasks_error_in_its_future():
    with InProcessExecutor() as ex:
        good, bad = ex.submit(_square, 4), ex.submit(_fail_on_three, 3)
        assert good.done() and good.result() == 16
        assert isinstance(bad.exception(), ValueError)
    with pytest.raises(RuntimeError):
        ex.submit(_square, 1)  # shut down


@pytest.mark.parametrize("workers", [0, 1])
def test_zero_or_one_worker_run_in_this_process_one_at_a_time(workers):
    drawn: list[int] = []

    def items():
        for i in range(5):
            drawn.append(i)
            yield i

    with open_executor(workers) as pool:
        assert pool.client is None and pool.where == "this process (no Dask)"
        assert isinstance(pool.executor, InProcessExecutor)
        seen = []
        for finished in as_finished(pool, _square, items()):
            seen.append(finished.index)
            # Streamed: an item is drawn only when the one before has finished.
            assert len(drawn) == finished.index + 1
        assert seen == [0, 1, 2, 3, 4]
        assert run_all(pool, _square, range(6)) == [0, 1, 4, 9, 16, 25]
        with pytest.raises(ValueError, match="three"):
            run_all(pool, _fail_on_three, range(5))


@needs_numba
def test_runs_on_a_clusters_workers_use_numba_at_every_size(monkeypatch):
    """A cluster's workers share numba's one load over their runs
    (`claimant_kernels.expect_many_runs`); this process keeps the size rule."""
    monkeypatch.setenv(ENVIRONMENT, "auto")
    with open_executor(1) as pool:
        assert run_all(pool, _small_run_uses_numba, [300]) == [False]
    with open_executor(2) as pool:
        assert run_all(pool, _small_run_uses_numba, [300, 300]) == [True, True]
    assert not use_numba(300)


def test_a_local_cluster_keeps_results_in_order_and_a_few_tasks_per_worker_in_flight():
    with open_executor(2) as pool:
        assert pool.client is not None and pool.where == "a local Dask cluster of 2 workers"
        assert pool.threads == 2 and pool.in_flight == 2 * executor.IN_FLIGHT
        progress: list[tuple[int, int]] = []
        assert run_all(pool, _square, range(20), lambda d, t: progress.append((d, t))) == [
            i * i for i in range(20)]
        assert progress == [(d, 20) for d in range(1, 21)]
        outcomes = {f.index: f.future for f in as_finished(pool, _fail_on_three, range(5))}
        assert isinstance(outcomes[3].exception(), ValueError)  # kept, not raised
        assert outcomes[4].result() == 4


def test_a_comparison_gives_the_same_numbers_in_this_process_and_on_a_cluster():
    scenarios = [load_scenario(name, TINY) for name in ("two_tier", "locality")]
    here = compare(scenarios, 2, workers=0)
    there = compare(scenarios, 2, workers=2)
    columns = [c for c in here.runs.columns if c != "seconds"]
    assert here.runs[columns].equals(there.runs[columns])
    assert here.weekly.equals(there.weekly)


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_ctrl_c_during_dask_work_stops_at_the_wait_for_tasks_and_nowhere_else():
    """Raised where it lands, a Ctrl-C left a half-built Dask future that printed a
    traceback at exit (CI), was dropped inside Dask's garbage-collector callback (a
    calibration went on fitting), and once hung a calibration. While tasks run it is
    noted, and raised by the wait for tasks, or at the end if nothing waits."""
    hook = sys.unraisablehook
    with open_executor(2) as pool:
        slow = pool.executor.submit(_nap, 30)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C: noted, nothing raised here
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            pool.first_finished({slow})
        assert time.monotonic() - start < 5
        assert pool.first_finished({pool.executor.submit(_nap, 0)})  # raised once only
    with pytest.raises(KeyboardInterrupt), open_executor(2):
        signal.raise_signal(signal.SIGINT)  # no wait after it: the block's end stops
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    assert sys.unraisablehook is hook


def test_a_ctrl_c_while_dask_builds_a_future_leaves_no_half_built_future(monkeypatch):
    """CI once printed "Exception ignored in Future.__del__ ... no attribute '_client'"
    after a sweep's Ctrl-C: it had landed inside distributed's `Future.__init__`."""
    from distributed.client import Future as DaskFuture

    build = DaskFuture.__init__
    pressed = []

    def ctrl_c_first(self, *args, **kwargs):
        if not pressed and threading.current_thread() is threading.main_thread():
            pressed.append(True)
            signal.raise_signal(signal.SIGINT)  # Ctrl-C before the future has its client
        build(self, *args, **kwargs)

    ignored: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    with open_executor(2) as pool:
        monkeypatch.setattr(DaskFuture, "__init__", ctrl_c_first)
        future = pool.executor.submit(_square, 3)  # whole: the Ctrl-C waits
        monkeypatch.setattr(DaskFuture, "__init__", build)
        with pytest.raises(KeyboardInterrupt):
            pool.first_finished({future})
        assert run_all(pool, _square, range(3)) == [0, 1, 4]  # still usable
    gc.collect()
    assert pressed and ignored == []


@pytest.mark.parametrize(("text", "normal"), [
    ("tcp://10.0.0.1:8786", "tcp://10.0.0.1:8786"),
    ("10.0.0.1:8786", "tcp://10.0.0.1:8786"),
    ("tcp://node-3.cluster.example:40123", "tcp://node-3.cluster.example:40123"),
    ("tcp://[::1]:8786", "tcp://[::1]:8786"),
])
def test_a_scheduler_address_is_checked_and_written_in_full(text, normal):
    assert scheduler_address(text) == normal


BAD_ADDRESSES = ["http://127.0.0.1:1", "inproc://x", "tcp://[::1", "tls://127.0.0.1:8786",
                 "$(id)", "tcp://127.0.0.1", "tcp://host:0", "tcp://host:99999",
                 "tcp://bad host:8786", "ucx://10.0.0.1:8786", ""]


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_a_malformed_scheduler_address_is_refused_before_anything_starts(address):
    with pytest.raises(ScenarioError) as info:
        scheduler_address(address)
    assert str(info.value).startswith("--scheduler: expected")


@pytest.mark.parametrize("address", BAD_ADDRESSES[:6])
@pytest.mark.parametrize("name", ["compare", "sweep", "calibrate", "check-fit", "decompose"])
def test_every_command_refuses_a_bad_scheduler_with_one_line_and_leaves_nothing(
        capsys, tmp_path, name, address):
    out = tmp_path / "out"
    argv = {"compare": ["compare", "--out", out],
            "sweep": ["sweep", "fees", "--out", out],
            "calibrate": ["calibrate", "--out", out / "fit.toml"],
            "check-fit": ["check-fit", "--doc", out / "fit.md"],
            "decompose": ["decompose", "two_tier", "locality", "--out", out]}[name]
    start = time.monotonic()
    rc, _, err = cli(capsys, *argv, "--scheduler", address)
    assert_bad_input(rc, "", err, "--scheduler", repr(address))
    assert time.monotonic() - start < 10  # refused before any work
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler_is_named_and_leaves_no_results_folder(
        capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "results" / "fees"
    rc, _, err = cli(capsys, "sweep", "fees", "--out", out, "--scheduler",
                     "tcp://127.0.0.1:1")
    assert_bad_input(rc, "", err, "--scheduler", "none answered at tcp://127.0.0.1:1")
    assert list(tmp_path.iterdir()) == []  # not the folder, not its .lock, not its parent


def test_a_running_cluster_is_used_through_its_address(tmp_path):
    """`--scheduler` to a real (local) cluster gives the same table as in this process."""
    from dask.distributed import LocalCluster

    argv = ["compare", "two_tier", "locality", "--replicates", "2",
            *(x for a in TINY for x in ("--set", a))]
    quiet = contextlib.redirect_stderr(io.StringIO())
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address="127.0.0.1:0",
                      processes=True) as cluster, quiet:
        assert main([*argv, "--out", str(tmp_path / "a"), "--scheduler",
                     cluster.scheduler_address]) == 0
    with quiet:
        assert main([*argv, "--out", str(tmp_path / "b"), "--workers", "0"]) == 0
    a = (tmp_path / "a" / "comparison.csv").read_text()
    assert a == (tmp_path / "b" / "comparison.csv").read_text()


def test_kill_9_of_a_comparison_on_a_cluster_leaves_no_worker_and_no_folder(tmp_path):
    """The driver alone is killed (no chance to clean up): its workers go by themselves."""
    import os
    import signal

    from .interrupts import group_gone, start_as_in_a_terminal

    out = tmp_path / "new" / "compare"
    log = tmp_path / "compare.log"
    proc = start_as_in_a_terminal(["compare", "--replicates", "40", "--workers", "2",
                                   *(x for a in TINY for x in ("--set", a)), "--out",
                                   str(out)], log)
    try:
        deadline = time.monotonic() + 90
        while "runs," not in log.read_text() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, log.read_text()  # running on its workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert group_gone(proc.pid, seconds=30), "workers outlived their killed driver"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (tmp_path / "new").exists()  # made only when the results are written

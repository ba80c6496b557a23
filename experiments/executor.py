"""One way to run many models: a standard `concurrent.futures.Executor`.

`compare`, `sweep`, `calibrate` and `check-fit` all run their models through
`open_executor`, chosen by the same two options everywhere:

- `--workers 0` or `1`: in this process, one run after another, no Dask (an
  executor whose `submit` runs the call at once);
- `--workers N` (N > 1): a Dask `LocalCluster` of N single-threaded worker
  processes, started for the command and stopped at its end;
- `--scheduler ADDRESS`: a running Dask cluster (`tcp://host:8786`).

Dask's executor is `Client.get_executor()`
(https://distributed.dask.org/en/stable/api.html#distributed.Client.get_executor),
so callers see only `submit` and futures, and `as_finished` streams results
as runs finish, keeping a few tasks per worker in flight rather than every
run's parameters at once.

Dask settings, as verified on this project's machines (STACK.md, "Distributed
sweeps"; `benchmarks/sweep_throughput.py`): one single-threaded worker
process per core; BLAS pinned to one thread per worker; the nanny's
malloc-trim setting and the workers' statistical profiler off (with Dask's
defaults two workers gave 1.2-1.4x serial speed instead of ~2x); Dask's
periodic timers slowed (`DASK_SPEED`); the dashboard on a random loopback
port. Before the first task every worker imports the model (`warm_up`), so a
cluster whose workers lack the package fails at once with a clear message,
and start-up is not counted as run time. Runs on the workers use numba's
loops at every size (`claimant_kernels.expect_many_runs`): loaded once, they
save about a quarter of each run; the results are the same. In this process
the size rule holds: loading numba's loops, a Ctrl-C could be lost (the
loader's C callback drops it), and an in-process batch must stop at once.

Interrupts: the LocalCluster's worker processes start with Ctrl-C ignored, so
Ctrl-C reaches only this process, which cancels what is left and stops the
cluster on its way out (no worker traceback, no worker left running). After
`kill -9` of this process the workers notice their nanny's parent is gone and
exit on their own. While tasks run on Dask, a Ctrl-C in this process is noted
and raised where it is safe, by the wait for tasks or at the end
(`_ctrl_c_at_safe_points`), not wherever it lands.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from commissioning.model.scenario import ScenarioError

T = TypeVar("T")

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
#: Tasks kept in flight per worker thread: enough to keep every worker busy
#: while results travel back, few enough that the driver holds little.
IN_FLIGHT = 4
#: Seconds between looks for a Ctrl-C while waiting for tasks (`Pool.first_finished`).
WAKE_SECONDS = 0.2
#: How long to try to reach a `--scheduler` before giving up.
CONNECT_TIMEOUT = "10s"

WORKERS_HELP = ("worker processes: N > 1 starts a local Dask cluster of N; 0 or 1 runs "
                "in this process, without Dask")
SCHEDULER_HELP = ("run on the running Dask cluster at ADDRESS (tcp://HOST:PORT) instead of "
                  "local workers (default: none)")


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


class InProcessExecutor(Executor):
    """The standard executor interface, running each call at once in this process.

    `submit` returns a future that is already done, holding the result or the
    exception the call raised (Ctrl-C is not caught: it stops the command).
    """

    def __init__(self) -> None:
        self._shut = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._shut:
            raise RuntimeError("cannot submit after shutdown")
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # the call's failure is its future's
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shut = True


@dataclass
class Pool:
    """An executor and where it runs (for messages), with its Dask client if any."""

    executor: Executor
    where: str
    client: Any = None
    _threads: int = 1
    _checked: float = field(default=0.0, repr=False)
    #: Ctrl-C presses noted while tasks run on Dask (`_ctrl_c_at_safe_points`)
    ctrl_c: list[int] = field(default_factory=list, repr=False)

    def first_finished(self, futures: Iterable[Future]) -> set[Future]:
        """Wait until at least one of `futures` is done; the ones done.

        Waits a moment at a time, and raises KeyboardInterrupt if Ctrl-C was pressed
        meanwhile (`_ctrl_c_at_safe_points`).
        """
        while True:
            done, _ = wait(futures, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
            if self.ctrl_c:
                self.ctrl_c.clear()
                raise KeyboardInterrupt
            if done:
                return done

    @property
    def threads(self) -> int:
        """Worker threads now (1 in this process; a cluster may grow and shrink)."""
        if self.client is not None and time.monotonic() - self._checked > 5:
            self._threads = max(sum(self.client.nthreads().values()), 1)
            self._checked = time.monotonic()
        return self._threads

    @property
    def in_flight(self) -> int:
        """Tasks to keep submitted: one here (it runs as it is submitted), a few per worker."""
        return 1 if self.client is None else IN_FLIGHT * self.threads


@dataclass
class Finished(Generic[T]):
    """A finished task: its place in the input, the input, and its done future."""

    index: int
    item: T
    future: Future


def as_finished(pool: Pool, fn: Callable[[T], Any], items: Iterable[T]
                ) -> Iterator[Finished[T]]:
    """Run `fn(item)` for every item; yield each as it finishes (in any order).

    Items are drawn from `items` only as slots free up, so a generator of a
    million runs is never held at once. If the caller stops early (an error,
    Ctrl-C), the tasks still pending are cancelled.
    """
    source = enumerate(items)
    pending: dict[Future, tuple[int, T]] = {}

    def top_up() -> None:
        while len(pending) < pool.in_flight:
            nxt = next(source, None)
            if nxt is None:
                return
            pending[pool.executor.submit(fn, nxt[1])] = nxt

    try:
        top_up()
        while pending:
            done = pool.first_finished(pending)
            for future in done:
                index, item = pending.pop(future)
                yield Finished(index, item, future)
            top_up()
    finally:
        for future in pending:
            future.cancel()


def run_all(pool: Pool, fn: Callable[[T], Any], items: Iterable[T],
            progress: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every `fn(item)`, in the order of `items` (a task's error is raised here)."""
    items = list(items)
    results: list[Any] = [None] * len(items)
    for done, finished in enumerate(as_finished(pool, fn, items), start=1):
        results[finished.index] = finished.future.result()
        if progress:
            progress(done, len(items))
    return results


# --- where to run ------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")
_EXPECTED = "the address of a running Dask scheduler, tcp://HOST:PORT (e.g. tcp://10.0.0.1:8786)"


def scheduler_address(text: str) -> str:
    """`--scheduler` checked and written as `tcp://HOST:PORT`, before any connection.

    Only plain TCP: `tls://` needs certificates this command does not set up,
    and `inproc://` or `ucx://` are not addresses another process can use.
    """
    def bad(why: str = "") -> ScenarioError:
        return ScenarioError("--scheduler", "", _EXPECTED + (f"; {why}" if why else ""), text)

    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    if scheme != "tcp":
        if scheme == "tls":
            raise bad("tls:// needs certificates, which this command does not set up: use "
                      "tcp:// inside a private network, or an SSH tunnel")
        raise bad()
    if rest.startswith("["):  # [IPv6]:port
        host, close, port = rest[1:].partition("]")
        if not close or not port.startswith(":"):
            raise bad()
        port = port[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad() from None
        shown = f"[{host}]"
    else:
        host, colon, port = rest.rpartition(":")
        if not colon:
            raise bad("the port is missing")
        if not _HOSTNAME.match(host) or len(host) > 253:
            raise bad()
        shown = host
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise bad("the port is a number from 1 to 65535")
    return f"tcp://{shown}:{int(port)}"


def _import_model() -> None:
    """Run on every worker at the start: imports the model once, before the clock runs,
    and numba, which a worker's runs use at every size (`claimant_kernels.expect_many_runs`)."""
    import commissioning.model.model  # noqa: F401
    from commissioning.model import claimant_kernels

    claimant_kernels.expect_many_runs()
    with contextlib.suppress(ImportError):  # without numba: the numpy passes, same results
        import numba  # noqa: F401


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


@contextmanager
def _ctrl_c_at_safe_points(presses: list[int]) -> Iterator[None]:
    """While tasks run on Dask, Ctrl-C is noted in `presses`, and raised as
    KeyboardInterrupt by the wait for tasks (`Pool.first_finished`) or at the block's
    end, not wherever the main thread happens to be.

    Raised where it lands, it went wrong three ways on this project's machines, each
    seen in a test of Ctrl-C: inside distributed's `Future.__init__`, a half-built future
    printed a traceback at exit; inside the garbage-collector callback Dask's scheduler
    keeps in this process (`distributed.gc`), Python dropped it and the calibration went
    on fitting; and once a calibration hung without a word, as it would if the interrupt
    left a future's lock held in `concurrent.futures.wait`. Only where Ctrl-C would raise
    KeyboardInterrupt (the main thread, Python's own handler).
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    signal.signal(signal.SIGINT, lambda signum, frame: presses.append(signum))
    try:
        yield
        if presses:  # nothing waited for tasks since: stop now
            presses.clear()
            raise KeyboardInterrupt
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@contextmanager
def _quiet(names: tuple[str, ...] = ("distributed", "tornado", "asyncio")) -> Iterator[None]:
    """Keep Dask's own log lines off the terminal while connecting (we say what failed)."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _connect(address: str) -> Any:
    from dask.distributed import Client

    try:
        with _quiet():
            return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError("--scheduler", "", f"{_EXPECTED}; none answered at {address} "
                            f"within {CONNECT_TIMEOUT} ({reason})") from None


def describe(workers: int, scheduler: str | None) -> str:
    """Where the runs go, in words (for the first line a command prints)."""
    if scheduler:
        return f"the Dask cluster at {scheduler}"
    if workers <= 1:
        return "this process (no Dask)"
    return f"a local Dask cluster of {workers} workers"


@contextmanager
def open_executor(workers: int, scheduler: str | None = None) -> Iterator[Pool]:
    """An executor in this process, on a new LocalCluster, or on the cluster at `scheduler`.

    A bad or unreachable `scheduler` raises `ScenarioError` before anything
    else happens. On leaving, tasks not yet run are cancelled and a
    LocalCluster is stopped with its workers.
    """
    address = scheduler_address(scheduler) if scheduler else None
    if address is None and workers <= 1:  # the size rule: numba from NUMBA_FROM claimants
        with InProcessExecutor() as executor:
            yield Pool(executor, describe(workers, None))
        return
    import dask
    from dask.distributed import Client, LocalCluster

    with dask.config.set(DASK_SPEED), ExitStack() as stack:
        if address is not None:
            client = stack.enter_context(_connect(address))
        else:
            with _interrupts_ignored():
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0",
                                       silence_logs=logging.CRITICAL)
            stack.enter_context(cluster)
            client = stack.enter_context(Client(cluster))
        presses: list[int] = []
        stack.enter_context(_ctrl_c_at_safe_points(presses))
        warm_up(client, address)
        executor = client.get_executor(pure=False)
        try:
            yield Pool(executor, describe(workers, address), client, ctrl_c=presses)
        finally:
            executor.shutdown(wait=False)  # cancels whatever is left (Ctrl-C, an error)

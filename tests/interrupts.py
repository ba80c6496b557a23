"""Run a command as a terminal would, press Ctrl-C, and see that nothing is left running.

Shared by the sweep's and the calibration's interrupt tests: both must stop
with one line, no traceback and no worker process outliving the command.

`press_ctrl_c` returns only once every process of the command's group has
ended (or a grace period has passed), so that the log then holds everything any
of them printed, however late (a Dask worker shutting down after the command
has returned still writes to the same terminal). Whatever is still running
after the grace period is killed, and remembered, so `group_gone` can say so:
it is not hidden by the clean-up.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

#: Seconds the command's helper processes may take to end after it returns.
GRACE = 15.0
_outlived: dict[int, list[str]] = {}  # process group -> what was still running


def start_as_in_a_terminal(args: list[str], log: Path) -> subprocess.Popen:
    """`commissioning ARGS` in its own process group, output to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "commissioning.cli.main", *args], stdout=log.open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
        # A shell's background job starts with SIGINT ignored, and Python then never
        # raises KeyboardInterrupt; reset it so that the test means the same everywhere.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _running(pgid: int) -> list[str]:
    """Command lines of the processes still in the group (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append((entry / "cmdline").read_text().replace("\0", " ").strip())
    return found


def press_ctrl_c(proc: subprocess.Popen, timeout: float = 120) -> int:
    """Ctrl-C to the whole group (the command and its workers); the command's exit code,
    once every process of the group has ended (waiting up to GRACE seconds more)."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        rc = proc.wait(timeout=timeout)
        deadline = time.monotonic() + GRACE
        while _running(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _running(proc.pid):
            _outlived[proc.pid] = _running(proc.pid)
        return rc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # clean up whatever is left


def group_gone(pgid: int, seconds: float = GRACE) -> bool:
    """True if no process of the group outlived the command by more than `seconds`
    (after `press_ctrl_c`: whether any had to be killed)."""
    if pgid in _outlived:
        return False
    deadline = time.monotonic() + seconds
    while _running(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def outlived(pgid: int) -> list[str]:
    """Command lines of the processes `press_ctrl_c` had to kill, for messages."""
    return _outlived.get(pgid, [])

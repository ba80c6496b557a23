"""Run a command as a terminal would, press Ctrl-C, and see that nothing is left running.

Shared by the sweep's and the calibration's interrupt tests: both must stop
with one line, no traceback and no worker process outliving the command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def start_as_in_a_terminal(args: list[str], log: Path) -> subprocess.Popen:
    """`commissioning ARGS` in its own process group, output to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "commissioning.cli.main", *args], stdout=log.open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
        # A shell's background job starts with SIGINT ignored, and Python then never
        # raises KeyboardInterrupt; reset it so that the test means the same everywhere.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def press_ctrl_c(proc: subprocess.Popen, timeout: float = 60) -> int:
    """Ctrl-C to the whole group (the command and its workers); its exit code."""
    try:
        os.killpg(proc.pid, signal.SIGINT)
        return proc.wait(timeout=timeout)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def group_gone(pgid: int, seconds: float = 15) -> bool:
    """True once no process of the group is left (waiting up to `seconds`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False

"""Progress of a sweep: runs done, runs failed, time left.

On a terminal, a tqdm bar (its rate and time left count this session's runs
only, so a resumed sweep estimates honestly). Without a terminal (CI logs,
SLURM output files) tqdm's bar would write several updates a second, so
instead a line every 10% of the runs or every minute, whichever comes first.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class SweepProgress:
    """Counts finished and failed runs and shows them."""

    def __init__(self, total: int, already: int, label: str = "sweep",
                 stream: TextIO | None = None):
        self.total, self.done, self.failed = total, already, 0
        self.label = label
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self._session = 0
        self._last_log = self.start
        self._last_step = -1
        self._first: float | None = None  # when this session's first run finished
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=already, desc=label, unit="run",
                            file=self.stream, dynamic_ncols=True)
            self.bar.set_postfix(failed=0)

    def update(self, failed: bool) -> None:
        self.done += 1
        self._session += 1
        self.failed += int(failed)
        if self.bar is not None:
            self.bar.update(1)
            if failed:
                self.bar.set_postfix(failed=self.failed)
            return
        now = time.monotonic()
        if self._first is None:
            self._first = now
        step = 10 * self.done // max(self.total, 1)
        if step != self._last_step or now - self._last_log >= 60 or self.done == self.total:
            self._last_step, self._last_log = step, now
            print(f"{self.label}: {self.done}/{self.total} runs done ({self.failed} failed), "
                  f"{now - self.start:.0f}s elapsed, {self._left(now)} left",
                  file=self.stream, flush=True)

    def _left(self, now: float) -> str:
        """Time left at the rate since the first run finished (start-up excluded)."""
        if self.done == self.total:
            return "0s"
        if self._session < 2:
            return "? s"
        rate = (self._session - 1) / max(now - self._first, 1e-9)
        return f"~{(self.total - self.done) / rate:.0f}s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

"""A sweep's output folder: one Parquet file per finished run, a manifest, locks.

    OUT/manifest.json              what was swept (the resolved design and its hash)
    OUT/runs/run-000013.parquet    one row: the run's parameters, seed, status, metrics
    OUT/weekly/run-000013.parquet  its weekly series, if the sweep keeps them
    OUT/.lock                      while a sweep writes here (removed when it ends)
    OUT/.lock-shard-3-of-10        while shard 3 of 10 writes here (`sweep --shard 3/10`)

Why it survives any interruption (Ctrl-C, a killed worker, `kill -9`):

- a run's file is written as `.run-000013.parquet.<host>.<pid>.tmp`, flushed
  to disk, then renamed over the final name: a rename is atomic, so a file
  under its final name is complete, and a run is finished exactly when its
  file exists. Temporary names start with a dot because pyarrow's dataset
  reader skips names starting with "." or "_" (its `selector_ignore_prefixes`,
  https://arrow.apache.org/docs/python/generated/pyarrow.dataset.FileSystemFactoryOptions.html);
  a half-written file under another name would break every later read;
- a file under its final name that is not a complete Parquet file anyway (a
  full disk, a copy cut short while merging folders) is found by its missing
  end marker: readers leave it out and name it, a sweep deletes it and runs
  that run again;
- the weekly file is renamed into place before the run file, so a finished run
  always has its series;
- one file per run id, replaced atomically on a retry: never two rows for a run;
- `fcntl.flock` on `.lock` lets one sweep at a time write here; the kernel
  releases it when the process dies, even by SIGKILL, so a crash never leaves
  a stale lock; holding it, leftover temporary files are safe to delete.
  Shards of one sweep (`--shard I/N`, possibly on several machines sharing the
  folder) each hold their own `.lock-shard-I-of-N` and take `.lock` only for
  the moment they check the manifest; a whole sweep refuses to start while a
  shard is running, and a shard waits (up to a minute) for a whole sweep;
- the manifest records the design's hash: the same folder refuses a different
  design instead of mixing results;
- a folder the sweep created and that holds nothing when it stops (refused,
  or interrupted before a run finished) is removed, lock file and all.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from commissioning.experiments.outputs import Outputs
from commissioning.model.scenario import ScenarioError

MANIFEST = "manifest.json"
RUN_FILE = re.compile(r"^run-(\d+)\.parquet$")
TEMPORARY = re.compile(r"^\.(?:run-(\d+)\.parquet|manifest\.json)\..+\.tmp$")
LOCK = ".lock"
SHARD_LOCK = ".lock-shard-{}-of-{}"
#: How long a shard waits for the folder's main lock (another shard's manifest
#: check takes milliseconds; a whole sweep running here takes longer: refused).
SHARD_WAIT_SECONDS = 60.0
PARQUET_MAGIC = b"PAR1"


def package_version() -> str:
    try:
        return version("commissioning")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def run_file_name(run_id: int) -> str:
    return f"run-{run_id:06d}.parquet"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(path: Path) -> Path:
    """A hidden name unique to this process on this machine (shards may share a folder)."""
    return path.with_name(f".{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file so that `path` is either absent or complete."""
    tmp = _temporary(path)
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_text_atomic(text: str, path: Path) -> None:
    tmp = _temporary(path)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def complete_parquet(path: Path) -> bool:
    """A Parquet file starts and ends with `PAR1`: a file cut short lacks the end."""
    try:
        with open(path, "rb") as fh:
            if fh.read(4) != PARQUET_MAGIC:
                return False
            fh.seek(0, os.SEEK_END)
            if fh.tell() < 12:
                return False
            fh.seek(-4, os.SEEK_END)
            return fh.read(4) == PARQUET_MAGIC
    except OSError:
        return False


class FileLock:
    """An exclusive `flock` on a file that is removed by whoever releases it.

    Removing a lock file on release lets a waiter lock a file that is no
    longer there; so after locking, the holder checks the path still names
    the file it locked, and tries again if not.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0) -> bool:
        deadline = time.monotonic() + wait
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.1)
                continue
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return True
            os.close(fd)  # its holder removed it as we locked it: lock the new one

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    @staticmethod
    def held(path: Path) -> bool:
        """True if some process holds a lock on `path` now."""
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)


class ResultStore:
    """The files of one sweep's output folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.weekly_dir = self.out / "weekly"
        self._shard: tuple[int, int] | None = None

    # --- one writer (or one writer per shard) ------------------------------------

    def _busy(self, why: str) -> ScenarioError:
        return ScenarioError(str(self.out), "--out", f"a folder no other sweep is writing to "
                             f"({why}; wait for it or use another --out)")

    @contextmanager
    def locked(self, shard: tuple[int, int] | None = None) -> Iterator[None]:
        """Hold the folder (or the shard's part of it) for the duration (exit 2 if taken).

        Folders created here are removed again on the way out if they hold
        nothing (a refused or interrupted sweep leaves nothing behind).
        """
        outputs = Outputs()
        outputs.folder(self.out, "--out", "a folder for the sweep's results", create=True)
        own = FileLock(self.out / (SHARD_LOCK.format(*shard) if shard else LOCK))
        try:
            if not own.acquire():
                raise self._busy("this shard is running here already" if shard else
                                 "another sweep holds its .lock")
            try:
                if shard is None:
                    self._no_shard_running()
                self._shard = shard
                yield
            finally:
                self._shard = None
                own.release()
        finally:
            self._tidy(outputs)

    def _no_shard_running(self) -> None:
        for path in self.out.glob(".lock-shard-*"):
            if FileLock.held(path):
                raise self._busy(f"a shard of a sweep holds {path.name}")
            stale = FileLock(path)  # left by a killed shard: remove it
            if stale.acquire():
                stale.release()

    @contextmanager
    def _manifest_lock(self) -> Iterator[None]:
        """For a shard, the folder's main lock while it checks or writes the manifest."""
        if self._shard is None:
            yield
            return
        main = FileLock(self.out / LOCK)
        if not main.acquire(SHARD_WAIT_SECONDS):
            raise self._busy("a whole sweep is running here")
        try:
            for path in self.out.glob(".manifest.json.*.tmp"):
                path.unlink(missing_ok=True)
            yield
        finally:
            main.release()

    def _tidy(self, outputs: Outputs) -> None:
        """Remove what this sweep created if it holds nothing (refused, interrupted)."""
        if not outputs.created:
            return
        for folder in (self.weekly_dir, self.runs_dir):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        outputs.tidy()

    def remove_temporaries(self, run_ids: set[int] | None = None) -> int:
        """Delete half-written files left by a killed sweep (call holding the lock).

        A shard (`run_ids` given) deletes only its own runs' files: other
        shards may be writing theirs at this moment.
        """
        removed = 0
        for folder in (self.out, self.runs_dir, self.weekly_dir):
            if not folder.is_dir():
                continue
            for path in folder.glob(".*.tmp"):
                m = TEMPORARY.match(path.name)
                if run_ids is not None and (m is None or m.group(1) is None
                                            or int(m.group(1)) not in run_ids):
                    continue
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    # --- the manifest ----------------------------------------------------------

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.out / MANIFEST
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScenarioError(str(path), "", f"a sweep manifest in JSON ({exc})") from None

    def claim(self, sweep_file: str, name: str, design_hash: str,
              resolved: dict[str, Any], row_format: int) -> bool:
        """Record the design here, or check it is the one already here.

        Returns True if the folder is new to this design. A folder holding a
        different design, or runs written in another layout of the run files
        (`row_format`, by another version of this tool), is refused before
        anything is written.
        """
        with self._manifest_lock():
            existing = self.read_manifest()
            if existing is not None:
                if existing.get("row_format", 1) != row_format:
                    raise ScenarioError(
                        str(self.out / MANIFEST), "row_format",
                        f"run files in this version's layout ({row_format}); this folder was "
                        f"written by another version of the sweep tool (layout "
                        f"{existing.get('row_format', 1)}) and its files would not read "
                        "together with new ones: use another --out")
                if existing.get("design_hash") != design_hash:
                    raise ScenarioError(
                        str(self.out / MANIFEST), "design_hash",
                        f"the design of {existing.get('sweep_file', 'the earlier sweep')} "
                        f"({existing.get('design_hash')}); {sweep_file} now resolves to a "
                        f"different design ({design_hash}): use another --out, or restore "
                        "the sweep file, its scenarios, --set and --replicates")
                return False
            if self.runs_dir.is_dir() and any(self.runs_dir.iterdir()):
                raise ScenarioError(str(self.out), "--out", "an empty folder or a sweep's "
                                    f"output (runs/ is there but {MANIFEST} is not)")
            manifest = {"sweep_file": sweep_file, "name": name, "design_hash": design_hash,
                        "row_format": row_format, "package_version": package_version(),
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "resolved": resolved}
            _write_text_atomic(json.dumps(manifest, indent=1), self.out / MANIFEST)
            return True

    def unclaim(self) -> None:
        """Remove the manifest of a sweep that never ran (e.g. its cluster was unreachable).

        A shard leaves it: other shards of the same sweep may be using it.
        """
        if self._shard is None:
            (self.out / MANIFEST).unlink(missing_ok=True)

    # --- runs -----------------------------------------------------------------

    def _run_files(self) -> dict[int, Path]:
        if not self.runs_dir.is_dir():
            return {}
        return {int(m.group(1)): p for p in self.runs_dir.iterdir()
                if (m := RUN_FILE.match(p.name))}

    def damaged(self) -> dict[int, list[Path]]:
        """Runs whose result file (or weekly file) is not a complete Parquet file."""
        bad: dict[int, list[Path]] = {}
        for run_id, path in self._run_files().items():
            weekly = self.weekly_dir / path.name
            for p in (path, weekly):
                if (p is path or p.exists()) and not complete_parquet(p):
                    bad.setdefault(run_id, []).append(p)
        return bad

    def remove_damaged(self, run_ids: set[int]) -> list[Path]:
        """Delete the damaged files of these runs (call holding the lock): they run again."""
        removed = []
        for run_id, paths in self.damaged().items():
            if run_id in run_ids:
                for p in (self.weekly_dir / run_file_name(run_id),
                          self.runs_dir / run_file_name(run_id)):
                    if p.exists():
                        p.unlink()
                removed += paths
        return removed

    def finished_ids(self) -> set[int]:
        """Run ids with a complete result file (ok or failed)."""
        bad = self.damaged()
        return {i for i in self._run_files() if i not in bad}

    def _good_files(self) -> list[str]:
        bad = self.damaged()
        return sorted(str(p) for i, p in self._run_files().items() if i not in bad)

    def _dataset_table(self, columns: list[str] | None = None,
                       params: bool = True) -> pa.Table | None:
        files = self._good_files()
        if not files:
            return None
        try:
            dataset = ds.dataset(files, format="parquet")
            if not params:
                columns = [c for c in dataset.schema.names if not c.startswith("param.")]
            return dataset.to_table(columns=columns)
        except (pa.ArrowException, OSError):
            pass
        # A file that ends well but is damaged inside: find it and name it.
        for f in files:
            try:
                pq.read_table(f, columns=columns)
            except (pa.ArrowException, OSError) as exc:
                raise ScenarioError(f, "", "a readable run file (it is damaged: "
                                    f"{str(exc).splitlines()[0]}); delete it and run the "
                                    "sweep again to redo that run") from None
        raise ScenarioError(str(self.runs_dir), "", "run files with the same columns "
                            "(written by one version of the sweep tool)")

    def failed_ids(self) -> set[int]:
        """Run ids whose recorded result is a failure."""
        table = self._dataset_table(["run_id", "status"])
        if table is None:
            return set()
        return {int(r) for r, s in zip(table["run_id"].to_pylist(), table["status"].to_pylist(),
                                       strict=True) if s != "ok"}

    def write_run(self, run_id: int, row: pa.Table, weekly: pa.Table | None) -> None:
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        if weekly is not None:
            self.weekly_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(weekly, self.weekly_dir / run_file_name(run_id))
        write_atomic(row, self.runs_dir / run_file_name(run_id))

    def read_runs(self, params: bool = True) -> pa.Table | None:
        """Every finished run, one row each, in run-id order (None if there are none).

        Damaged files are left out (`damaged()` names them). `params=False`
        leaves out the `param.` columns (every parameter of the run): reading 50
        columns instead of 220 takes about half the time.
        """
        table = self._dataset_table(params=params)
        return None if table is None else table.sort_by("run_id")

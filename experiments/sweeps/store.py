"""A sweep's output folder: one Parquet file per finished run, a manifest, a lock.

    OUT/manifest.json          what was swept (the resolved design and its hash)
    OUT/runs/run-000013.parquet    one row: the run's parameters, seed, status, metrics
    OUT/weekly/run-000013.parquet  its weekly series, if the sweep keeps them
    OUT/.lock                  held by the one sweep writing here

Why it survives any interruption (Ctrl-C, a killed worker, `kill -9`):

- a run's file is written as `.run-000013.parquet.<pid>.tmp`, flushed to disk,
  then renamed over the final name: a rename is atomic, so a file under its
  final name is always complete, and a run is finished exactly when its file
  exists. Temporary names start with a dot because pyarrow's dataset reader
  skips names starting with "." or "_" (its `selector_ignore_prefixes`,
  https://arrow.apache.org/docs/python/generated/pyarrow.dataset.FileSystemFactoryOptions.html);
  a half-written file under another name would break every later read;
- the weekly file is renamed into place before the run file, so a finished run
  always has its series;
- one file per run id, replaced atomically on a retry: never two rows for a run;
- `fcntl.flock` on `.lock` lets one sweep at a time write here; the kernel
  releases it when the process dies, even by SIGKILL, so a crash never leaves
  a stale lock; holding it, leftover temporary files are safe to delete;
- the manifest records the design's hash: the same folder refuses a different
  design instead of mixing results.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from commissioning.model.scenario import ScenarioError

MANIFEST = "manifest.json"
RUN_FILE = re.compile(r"^run-(\d+)\.parquet$")


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


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file so that `path` is either absent or complete."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_text_atomic(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class ResultStore:
    """The files of one sweep's output folder."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.runs_dir = self.out / "runs"
        self.weekly_dir = self.out / "weekly"

    # --- one writer ---------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold `.lock` for the duration (exit 2 if another sweep holds it)."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(str(self.out), "--out", f"a folder that can be created "
                                f"({exc.strerror})") from None
        if not self.out.is_dir():
            raise ScenarioError(str(self.out), "--out", "a folder, not a file")
        with open(self.out / ".lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ScenarioError(str(self.out), "--out", "a folder no other sweep is writing "
                                    "to (another sweep holds its .lock; wait for it or use "
                                    "another --out)") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def remove_temporaries(self) -> int:
        """Delete half-written files left by a killed sweep (call holding the lock)."""
        removed = 0
        for folder in (self.out, self.runs_dir, self.weekly_dir):
            if folder.is_dir():
                for path in folder.glob(".*.tmp"):
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
        existing = self.read_manifest()
        if existing is not None:
            if existing.get("row_format", 1) != row_format:
                raise ScenarioError(
                    str(self.out / MANIFEST), "row_format",
                    f"run files in this version's layout ({row_format}); this folder was "
                    f"written by another version of the sweep tool (layout "
                    f"{existing.get('row_format', 1)}) and its files would not read together "
                    "with new ones: use another --out")
            if existing.get("design_hash") != design_hash:
                raise ScenarioError(
                    str(self.out / MANIFEST), "design_hash",
                    f"the design of {existing.get('sweep_file', 'the earlier sweep')} "
                    f"({existing.get('design_hash')}); {sweep_file} now resolves to a "
                    f"different design ({design_hash}): use another --out, or restore the "
                    "sweep file, its scenarios, --set and --replicates")
            return False
        if self.runs_dir.is_dir() and any(self.runs_dir.iterdir()):
            raise ScenarioError(str(self.out), "--out", "an empty folder or a sweep's output "
                                f"(runs/ is there but {MANIFEST} is not)")
        manifest = {"sweep_file": sweep_file, "name": name, "design_hash": design_hash,
                    "row_format": row_format, "package_version": package_version(),
                    "created": datetime.now(UTC).isoformat(timespec="seconds"),
                    "resolved": resolved}
        _write_text_atomic(json.dumps(manifest, indent=1), self.out / MANIFEST)
        return True

    def unclaim(self) -> None:
        """Remove the manifest of a sweep that never ran (e.g. its cluster was unreachable)."""
        (self.out / MANIFEST).unlink(missing_ok=True)

    # --- runs -----------------------------------------------------------------

    def finished_ids(self) -> set[int]:
        """Run ids with a complete result file (ok or failed)."""
        if not self.runs_dir.is_dir():
            return set()
        return {int(m.group(1)) for p in self.runs_dir.iterdir()
                if (m := RUN_FILE.match(p.name))}

    def failed_ids(self) -> set[int]:
        """Run ids whose recorded result is a failure."""
        if not self.finished_ids():
            return set()
        table = ds.dataset(self.runs_dir, format="parquet").to_table(
            columns=["run_id", "status"])
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

        `params=False` leaves out the `param.` columns (every parameter of the
        run): reading 50 columns instead of 220 takes about half the time.
        """
        if not self.finished_ids():
            return None
        dataset = ds.dataset(self.runs_dir, format="parquet")
        columns = None if params else [c for c in dataset.schema.names
                                       if not c.startswith("param.")]
        return dataset.to_table(columns=columns).sort_by("run_id")

"""A fit's output folder: one file per model evaluation, written as it finishes.

    DIR/calibration.json                what is fitted, to what, from where (and its hash)
    DIR/evaluations/g02-000117.json     proposal 117 of generation 2: parameters, seed, targets
    DIR/evaluations/pick-g05-03-1.json  candidate 3 for the shipped point, on its second seed
    DIR/abc.db                          pyabc's record of the finished generations (SQLite)
    DIR/.lock                           while a fit writes here

Why no evaluation is lost and none is done twice, whatever stops the fit
(Ctrl-C, `kill -9`, a power cut):

- an evaluation's file is written under a hidden temporary name, flushed to
  disk and renamed over its final name, so a file under its final name is
  complete; a damaged one (a full disk) is named, deleted and run again;
- the files are read back into a cache keyed by the evaluation's parameters
  (their position in the fit's coordinates, exact to the last bit: JSON keeps
  every digit of a float) and its seed. The fit's proposals repeat exactly on
  a rerun (`smc.py` seeds each one by its generation and place), so a rerun
  finds every finished evaluation in the cache and runs only the rest;
- `calibration.json` records the fit's settings; a rerun with different ones
  (another starting scenario, other free parameters, targets, population or
  seed) in the same folder is refused instead of mixing two fits;
- `fcntl.flock` on `.lock` keeps a second fit out of the folder while one
  runs; the kernel releases it when the process dies, even by SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commissioning.experiments.outputs import Outputs
from commissioning.experiments.sweeps.store import FileLock, _temporary, _write_text_atomic
from commissioning.model.scenario import ScenarioError

MANIFEST = "calibration.json"
FOLDER = "evaluations"
LOCK = ".lock"
#: Layout of the evaluation files; a folder written in another is refused.
FORMAT = 2
NAME = re.compile(r"^[A-Za-z0-9-]+$")


@dataclass(frozen=True)
class Evaluation:
    """One model run of the fit: where in the prior it was, its seed, every target."""

    name: str  # the file's stem: g02-000117, pick-g05-03-1
    position: tuple[float, ...]  # each free parameter's place in its prior range, 0-1
    seed: int
    parameters: dict[str, float]  # the same, in the parameters' own units
    targets: dict[str, float]  # every target's value in this run, by Target.key
    seconds: float

    def text(self) -> str:
        return json.dumps({"name": self.name, "seed": self.seed, "position": list(self.position),
                           "parameters": self.parameters, "targets": self.targets,
                           "seconds": round(self.seconds, 3)}, indent=1)

    @classmethod
    def parse(cls, text: str) -> Evaluation:
        d = json.loads(text)
        return cls(d["name"], tuple(float(u) for u in d["position"]), int(d["seed"]),
                   {k: float(v) for k, v in d["parameters"].items()},
                   {k: float(v) for k, v in d["targets"].items()}, float(d["seconds"]))


def spec_hash(spec: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


class EvaluationStore:
    """The evaluations of one fit, on disk and in a cache keyed by parameters and seed."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.folder = self.out / FOLDER
        self._cache: dict[tuple[tuple[float, ...], int], Evaluation] = {}
        self.damaged: list[Path] = []

    @contextmanager
    def locked(self, outputs: Outputs) -> Iterator[None]:
        """Hold the folder while the fit runs (exit 2 if another fit holds it)."""
        outputs.folder(self.out, "--out", "a folder for the fit", create=True)
        lock = FileLock(self.out / LOCK)
        if not lock.acquire():
            raise ScenarioError(str(self.out), "--out", "a folder no other fit is writing to "
                                "(another calibrate holds its .lock; wait for it or use "
                                "another --out)")
        try:
            yield
        finally:
            lock.release()
            if self.folder.is_dir() and not any(self.folder.iterdir()):
                self.folder.rmdir()

    # --- what is fitted ------------------------------------------------------------

    def claim(self, spec: dict[str, Any]) -> bool:
        """Record the fit's settings here, or check they are those already here.

        True if the folder is new to this fit. Call holding the lock.
        """
        path = self.out / MANIFEST
        digest = spec_hash(spec)
        if path.exists():
            try:
                existing = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise ScenarioError(str(path), "", f"a fit's settings in JSON ({exc})") from None
            if existing.get("hash") != digest:
                changed = [k for k in spec if existing.get("spec", {}).get(k) != spec[k]]
                raise ScenarioError(
                    str(path), ", ".join(changed) or "hash",
                    "the settings of the fit already in this folder; this command fits with "
                    "different ones (" + (", ".join(changed) or "another version") + "): use "
                    "another --out, or the same scenario, --set, --only, --population and "
                    "--seed as before")
            return False
        if self.folder.is_dir() and any(self.folder.glob("*.json")):
            raise ScenarioError(str(self.out), "--out", f"an empty folder or a fit's output "
                                f"({FOLDER}/ is there but {MANIFEST} is not)")
        _write_text_atomic(json.dumps({"format": FORMAT, "hash": digest, "spec": spec},
                                      indent=1), path)
        return True

    # --- evaluations ----------------------------------------------------------------

    def load(self) -> int:
        """Read every finished evaluation into the cache; delete half-written leftovers.

        A file under its final name that does not read (a disk that filled up)
        is deleted and listed in `damaged`: its evaluation runs again.
        """
        self._cache.clear()
        self.damaged = []
        if not self.folder.is_dir():
            return 0
        for path in sorted(self.folder.iterdir()):
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                path.unlink(missing_ok=True)  # we hold the lock: nobody is writing it
                continue
            if path.suffix != ".json":
                continue
            try:
                ev = Evaluation.parse(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
                self.damaged.append(path)
                path.unlink(missing_ok=True)
                continue
            self._cache[(ev.position, ev.seed)] = ev
        return len(self._cache)

    def get(self, position: tuple[float, ...], seed: int) -> Evaluation | None:
        return self._cache.get((position, seed))

    def write(self, ev: Evaluation) -> None:
        """Write one evaluation atomically and add it to the cache."""
        if not NAME.match(ev.name):
            raise ValueError(f"bad evaluation name {ev.name!r}")
        if not all(math.isfinite(u) for u in ev.position):
            raise ValueError("an evaluation's parameters must be finite")
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{ev.name}.json"
        tmp = _temporary(path)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(ev.text())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        self._cache[(ev.position, ev.seed)] = ev

    def __len__(self) -> int:
        return len(self._cache)

    def all(self) -> list[Evaluation]:
        return sorted(self._cache.values(), key=lambda ev: ev.name)

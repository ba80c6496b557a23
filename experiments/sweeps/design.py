"""The runs of a sweep: design points, seeds, and each run's parameters.

Design points (one value per varied parameter, "factor"):

- grid: every combination of the factors' values or levels, first factor slowest;
- random: `samples` points, each factor uniform over its range or its values;
- latin: a Latin hypercube of `samples` points (scipy's `qmc.LatinHypercube`):
  each factor's range is cut into `samples` equal slices and each slice is
  used exactly once, so a few hundred points cover every range evenly;
- sobol: SALib's Sobol' sequence with Saltelli's scheme, N·(D+2) points for
  first-order and total indices (N = samples, a power of 2, D factors);
- morris: SALib's Morris trajectories, N·(D+1) points on `levels` levels.

All but grid draw a unit hypercube (recorded for the sensitivity analysis)
that is mapped onto each factor: a range linearly, a whole-number parameter to
equally likely whole numbers, a list of values by equal slices.

Runs are numbered `run_id = (point * replicates + replicate) * scenarios +
scenario`, so the scenarios of one point and replicate are neighbours and a
half-finished sweep holds complete pairs.

Seeds (`sweep.seeds`):

- "common" (the default): replicate r runs with seed `seed + r` at every design
  point and in every scenario, as `commissioning compare` does. Every point
  and regime then meets the same claimants and the same chances (common random
  numbers), so differences between points and between regimes come from the
  parameters, not from luck, and a parameter with no effect has a
  sensitivity index of exactly zero. Replicates give new claimants.
- "per_point": seed = numpy `SeedSequence([seed, point, replicate])` as a
  63-bit number, so every point has its own draws (still shared by the
  scenarios); for response surfaces that need independent errors.

Either way a run's seed depends on the sweep's seed, its point and its
replicate only, so any run can be re-run alone (`sweep --show-run ID`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import zlib
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np

from commissioning.model.parameters import BY_NAME
from commissioning.model.scenario import ScenarioError, check_consistency, check_value

from .factors import Factor
from .file import SweepSpec

#: Version of the resolved-design layout that is hashed (bump if it changes).
DESIGN_FORMAT = 1
#: The most runs a sweep may have: at 1.2 s a run, 500,000 runs are a week of a
#: 64-worker cluster, and every design point is held (and checked) in memory and
#: written to the manifest. A larger design is refused before it is built.
MAX_RUNS = 500_000
DESIGN_STREAM = zlib.crc32(b"sweep-design")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run (picklable, self-contained)."""

    run_id: int
    point: int
    replicate: int
    scenario: str
    seed: int
    params: dict[str, Any]
    values: dict[str, Any]  # factor key -> value at this point
    weekly: tuple[str, ...] | None


def _whole(x: float) -> int:
    return math.floor(x + 0.5)


def from_unit(f: Factor, u: float) -> Any:
    """The factor's value at position u in [0, 1] of its range or values."""
    if f.values is not None:
        return f.values[min(int(u * len(f.values)), len(f.values) - 1)]
    if f.integer:
        lo, hi = int(f.low), int(f.high)
        return min(lo + int(u * (hi - lo + 1)), hi)
    return float(f.low + u * (f.high - f.low))


def grid_levels(f: Factor) -> list[Any]:
    """A factor's grid levels: its values, or `levels` evenly spaced from low to high."""
    if f.values is not None:
        return list(f.values)
    levels = np.linspace(f.low, f.high, f.levels)
    if f.integer:
        return sorted({_whole(v) for v in levels})
    return [round(float(v), 10) for v in levels]


def _unit_sample(spec: SweepSpec) -> np.ndarray:
    d, n = len(spec.factors), spec.samples
    if spec.design == "random":
        return np.random.default_rng([spec.seed, DESIGN_STREAM]).random((n, d))
    if spec.design == "latin":
        from scipy.stats import qmc

        rng = np.random.default_rng([spec.seed, DESIGN_STREAM])
        return qmc.LatinHypercube(d, rng=rng).random(n)
    problem = {"num_vars": d, "names": [f.key for f in spec.factors],
               "bounds": [[0.0, 1.0]] * d}
    if spec.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=spec.seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=spec.levels, seed=spec.seed)


def apply_factor(params: dict[str, Any], f: Factor, value: Any, source: str) -> None:
    """Set (or scale) a factor's parameters in `params`, checked like scenario values."""
    for name, group in f.targets:
        p = BY_NAME[name]
        current = params[name]
        if f.scale:
            def times(x: float, p: Any = p) -> float:
                y = x * value
                return _whole(y) if p.integer_values or p.kind == "int" else y

            if p.kind == "per_group":
                new: Any = {g: (times(v) if group in (None, g) else v)
                            for g, v in current.items()}
            elif p.kind == "list":
                new = [times(v) for v in current]
            else:
                new = times(current)
        elif p.kind == "per_group" and group is not None:
            new = {group: value}
        else:
            new = value
        params[name] = check_value(p, new, source, f"vary.{f.key}", current)


def planned_points(spec: SweepSpec) -> int:
    """The number of design points, counted without building them."""
    d = len(spec.factors)
    if spec.design == "grid":
        def levels(f: Factor) -> int:
            if f.values is not None:
                return len(f.values)
            if f.integer:  # whole-number levels: no more than the whole numbers in range
                return min(f.levels, int(f.high) - int(f.low) + 1)
            return f.levels

        return math.prod(levels(f) for f in spec.factors)
    n = spec.samples or 0
    return n * (d + 2) if spec.design == "sobol" else n * (d + 1) if spec.design == "morris" \
        else n


def check_size(spec: SweepSpec) -> int:
    """The number of runs, or `ScenarioError` if it is above `MAX_RUNS`."""
    runs = planned_points(spec) * len(spec.scenarios) * spec.replicates
    if runs > MAX_RUNS:
        raise ScenarioError(str(spec.path), "sweep", f"a design of at most {MAX_RUNS:,} runs "
                            f"(points x scenarios x replicates); this one has {runs:,}: use "
                            "fewer levels, samples or replicates, or split it into several "
                            "sweeps", None)
    return runs


class Design:
    """A sweep's design points and runs, built from a checked `SweepSpec`."""

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        check_size(spec)  # before anything is built: an absurd design must not fill memory
        if spec.design == "grid":
            self.unit = None
            self.points = list(itertools.product(*(grid_levels(f) for f in spec.factors)))
        else:
            self.unit = _unit_sample(spec)
            self.points = [tuple(from_unit(f, u) for f, u in zip(spec.factors, row, strict=True))
                           for row in self.unit]
        for point in range(len(self.points)):  # every run's parameters are valid, up front
            for s in range(len(spec.scenarios)):
                self.params(point, s)

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.spec.replicates * len(self.spec.scenarios)

    def locate(self, run_id: int) -> tuple[int, int, int]:
        """(point, replicate, scenario index) of a run."""
        rest, scenario = divmod(run_id, len(self.spec.scenarios))
        point, replicate = divmod(rest, self.spec.replicates)
        return point, replicate, scenario

    def seed(self, point: int, replicate: int) -> int:
        if self.spec.seeds == "common":
            return self.spec.seed + replicate
        state = np.random.SeedSequence([self.spec.seed, point, replicate]).generate_state(
            1, np.uint64)
        return int(state[0]) >> 1

    def params(self, point: int, scenario: int) -> dict[str, Any]:
        """The checked parameters of a scenario at a design point (seed not set)."""
        params = dict(self.spec.scenarios[scenario].params)
        source = str(self.spec.path)
        for f, value in zip(self.spec.factors, self.points[point], strict=True):
            apply_factor(params, f, value, source)
        check_consistency(params, source)
        return params

    def task(self, run_id: int) -> RunTask:
        point, replicate, s = self.locate(run_id)
        seed = self.seed(point, replicate)
        params = {**self.params(point, s), "seed": seed}
        values = {f.key: v for f, v in zip(self.spec.factors, self.points[point], strict=True)}
        return RunTask(run_id, point, replicate, self.spec.scenario_names[s], seed, params,
                       values, self.spec.weekly)

    def resolved(self) -> dict[str, Any]:
        """Everything that decides the runs' numbers (hashed; kept in the manifest)."""
        spec = self.spec
        return {
            "format": DESIGN_FORMAT, "design": spec.design, "samples": spec.samples,
            "levels": spec.levels, "replicates": spec.replicates, "seed": spec.seed,
            "seeds": spec.seeds, "weekly": list(spec.weekly) if spec.weekly else None,
            "scenarios": [{"name": n, "params": sc.params}
                          for n, sc in zip(spec.scenario_names, spec.scenarios, strict=True)],
            "factors": [asdict(f) for f in spec.factors],
            "points": [list(p) for p in self.points],
            "unit": None if self.unit is None else self.unit.tolist(),
        }

    @cached_property
    def hash(self) -> str:
        text = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

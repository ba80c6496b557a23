"""Fitting the free parameters of the two-tier baseline to the Work Programme's figures.

The model is stochastic, so every candidate is judged on several replicates,
and on the *same* seeds for every candidate (common random numbers), so that
the comparison between candidates is not swamped by noise. The method:

1. **Search**: a Latin hypercube of candidates over each free parameter's
   plausible range (DOMAIN.md section 7), each run on `replicates` seeds.
2. **Accept**: the best `accept_share` of candidates by loss form an
   approximate-Bayesian sample (ABC rejection); their spread is the reported
   uncertainty of each fitted value.
3. **Refine**: Nelder-Mead from the best candidate, on the same seeds.

The loss for a target is zero inside its published range and grows with the
squared distance outside it (in half-widths of the range), plus a small pull
towards the middle of the range; primary targets (C1-C5) weigh five times more.
The fit can be run in stages: `--only` fits some parameters with the rest held,
e.g. a second stage on the base hazards with more seeds.

Candidates' runs go through `experiments.executor`, as a sweep's do: in this
process (`workers` 0 or 1), on a LocalCluster with `workers` single-threaded
workers, or on a running cluster at `scheduler`; each run is deterministic
for its parameters and seed, so the fit is the same wherever it runs.

Only the two-tier baseline is fitted, and only to the targets in DOMAIN.md;
the locality scenarios inherit the fitted values and are never tuned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import qmc

from commissioning.experiments.executor import open_executor, run_all
from commissioning.model.parameters import BY_NAME

from .targets import TARGETS, Target


@dataclass(frozen=True)
class FreeParameter:
    """A parameter with no published value, fitted within a plausible range.

    `linked` groups of a per-group parameter move by the same ratio as the
    fitted group (their relative levels stay as set by hand).
    """

    key: str  # section.name or section.name.group
    low: float
    high: float
    linked: tuple[str, ...] = ()
    log: bool = False

    @property
    def name(self) -> str:
        return self.key.split(".")[1]

    @property
    def group(self) -> str | None:
        parts = self.key.split(".")
        return parts[2] if len(parts) == 3 else None

    def to_value(self, u: float) -> float:
        """Map u in [0, 1] to the parameter's range."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high)
                                                            - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def to_unit(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high)
                                                               - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def current(self, params: dict[str, Any]) -> float:
        v = params[self.name]
        return float(v[self.group] if self.group else v)


#: The free parameters of the two-tier baseline and their search ranges (DOMAIN 7).
FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("claimants.base_hazard.jsa_18_24", 0.006, 0.03, log=True),
    FreeParameter("claimants.base_hazard.jsa_25_plus", 0.005, 0.025, log=True,
                  linked=("jsa_early_access", "jsa_ex_ib", "jsa_prison_leavers")),
    FreeParameter("claimants.base_hazard.esa_new", 0.002, 0.015, log=True,
                  linked=("esa_volunteers", "ib_is_volunteers")),
    FreeParameter("claimants.base_hazard.esa_ex_ib", 0.0005, 0.006, log=True),
    FreeParameter("claimants.stock_readiness", 0.3, 1.0),
    # Job loss by tenure: the first week's hazard, the long-run one, and how fast it falls.
    FreeParameter("claimants.job_loss_hazard_early", 0.010, 0.080),
    FreeParameter("claimants.job_loss_hazard_late", 0.003, 0.015),
    FreeParameter("claimants.job_loss_tenure_weeks", 2.0, 52.0, log=True),
    FreeParameter("labour_market.hazard_elasticity", 0.3, 1.0),
    FreeParameter("contract.specialist_list_share", 0.2, 1.0),
    FreeParameter("support.specialist_barrier_reduction", 0.2, 1.0),
    FreeParameter("providers.caseload_fixed_cost", 2.0, 10.0),
    FreeParameter("providers.third_sector_mission_value", 0.0, 5000.0),
    FreeParameter("providers.specialist_fixed_share", 0.1, 0.7),
    FreeParameter("contract.outcome_pass_through", 0.7, 0.95),
    FreeParameter("providers.planned_volume_ratio", 0.8, 1.5),
    FreeParameter("providers.subcontractor_loss_tolerance", 0.0, 1.0),
    FreeParameter("providers.third_sector_loss_tolerance", 0.0, 2.0),
)


def apply(params: dict[str, Any], free: Sequence[FreeParameter], values: Sequence[float]
          ) -> dict[str, Any]:
    """Parameters with the free ones set (linked groups scaled along)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in params.items()}
    for fp, value in zip(free, values, strict=True):
        p = BY_NAME[fp.name]
        if fp.group:
            ratio = value / out[fp.name][fp.group]
            out[fp.name][fp.group] = value
            for g in fp.linked:
                out[fp.name][g] = min(out[fp.name][g] * ratio, p.high)
        else:
            out[fp.name] = round(value) if p.kind == "int" else value
    return out


CAP = 9.0  # the most a single target can cost (robust loss)


def _soft_cap(x: float) -> float:
    """Like x for small x, approaching CAP for large x, never quite flat."""
    return x / (1.0 + x / CAP)


def discrepancy(target: Target, value: float) -> float:
    """How far a model value is from a published figure (0 inside its range).

    Squared distance outside the range in half-widths, softly capped, so that a
    target the mechanisms cannot reach does not drag the others away from theirs;
    plus a small pull towards the middle of the range (several published figures sit
    on an edge of their range, where seed noise would carry a fit in and out of it).
    """
    if math.isnan(value):
        return CAP
    half = max((target.high - target.low) / 2, 1e-3 * abs(target.figure), 1e-9)
    outside = max(target.low - value, value - target.high, 0.0) / half
    centre = abs(value - (target.low + target.high) / 2) / half
    return _soft_cap(outside * outside) + 0.05 * _soft_cap(centre * centre)


def loss(values: Sequence[float], targets: Sequence[Target] = TARGETS) -> float:
    return float(sum((5.0 if t.primary else 1.0) * discrepancy(t, v)
                     for t, v in zip(targets, values, strict=True)))


# --- running candidates -----------------------------------------------------------

def run_all_targets(params: dict) -> list[float]:
    """Run one model and read every target in TARGETS (a worker function: picklable)."""
    from commissioning.model.model import CommissioningModel

    from .targets import read_targets

    model = CommissioningModel(**params)
    model.run_model()
    return read_targets(model)


def _positions(targets: Sequence[Target]) -> list[int]:
    """Where each target (or a copy of one with other figures) sits in TARGETS."""
    keys = [(t.id, t.label) for t in TARGETS]
    return [keys.index((t.id, t.label)) for t in targets]


class Evaluator:
    """Runs candidates on fixed seeds, in parallel, and keeps every result."""

    def __init__(self, base: dict[str, Any], free: Sequence[FreeParameter],
                 targets: Sequence[Target], seeds: Sequence[int], workers: int = 1,
                 run: Callable[[dict], list[float]] = run_all_targets,
                 scheduler: str | None = None):
        self.base, self.free, self.targets, self.seeds = base, tuple(free), tuple(targets), \
            tuple(seeds)
        self.run = run
        self.positions = _positions(self.targets)
        self.records: list[dict] = []
        self._stack = ExitStack()
        self._pool = self._stack.enter_context(open_executor(workers, scheduler))
        self.workers = self._pool.threads

    def close(self) -> None:
        self._stack.close()

    def __call__(self, units: np.ndarray, stage: str) -> np.ndarray:
        """Mean loss of each candidate (rows of `units`, in [0, 1])."""
        units = np.atleast_2d(units)
        tasks = []
        for u in units:
            values = [fp.to_value(x) for fp, x in zip(self.free, u, strict=True)]
            params = apply(self.base, self.free, values)
            tasks += [{**params, "seed": s} for s in self.seeds]
        everything = run_all(self._pool, self.run, tasks)
        outputs = [[row[k] for k in self.positions] for row in everything]
        losses = []
        for i, u in enumerate(units):
            rows = outputs[i * len(self.seeds):(i + 1) * len(self.seeds)]
            values = np.array(rows, float)
            seen = (~np.isnan(values)).sum(axis=0)  # a target a short run cannot read is NaN
            mean = np.where(seen > 0, np.nansum(values, axis=0) / np.maximum(seen, 1), np.nan)
            value = float(np.mean([loss(r, self.targets) for r in rows]))
            losses.append(value)
            self.records.append({
                "stage": stage, "loss": value,
                **{fp.key: fp.to_value(x) for fp, x in zip(self.free, u, strict=True)},
                **{f"{t.id} {t.label}": m for t, m in zip(self.targets, mean, strict=True)}})
        return np.array(losses)


@dataclass
class Fit:
    free: tuple[FreeParameter, ...]
    values: list[float]  # fitted, natural units
    loss: float
    accepted: pd.DataFrame  # the accepted candidates (ABC sample)
    history: pd.DataFrame  # every candidate evaluated

    def summary(self) -> pd.DataFrame:
        rows = []
        for fp, v in zip(self.free, self.values, strict=True):
            sample = self.accepted[fp.key]
            rows.append({"parameter": fp.key, "fitted": v, "accepted_mean": sample.mean(),
                         "accepted_sd": sample.std(ddof=1) if len(sample) > 1 else math.nan,
                         "accepted_low": sample.quantile(0.025),
                         "accepted_high": sample.quantile(0.975),
                         "search_low": fp.low, "search_high": fp.high})
        return pd.DataFrame(rows)


def calibrate(base: dict[str, Any], free: Sequence[FreeParameter] = FREE_PARAMETERS,
              targets: Sequence[Target] = TARGETS, points: int = 128, replicates: int = 2,
              refine: int = 40, accept_share: float = 0.1, seed: int = 1, workers: int = 1,
              progress: Callable[[str, int, int], None] | None = None,
              run: Callable[[dict], list[float]] = run_all_targets,
              scheduler: str | None = None) -> Fit:
    """Fit `free` to `targets`: Latin-hypercube search, ABC acceptance, Nelder-Mead."""
    free = tuple(free)
    seeds = [seed + r for r in range(replicates)]
    evaluate = Evaluator(base, free, targets, seeds, workers, run, scheduler)
    try:
        design = qmc.LatinHypercube(d=len(free), seed=seed).random(points)
        # Include the current values as a candidate: the fit must not be worse.
        start = np.array([[min(max(fp.to_unit(fp.current(base)), 0.0), 1.0) for fp in free]])
        design = np.vstack([start, design])
        losses = []
        batch = max(1, evaluate.workers * 4)
        for i in range(0, len(design), batch):
            losses.extend(evaluate(design[i:i + batch], "search"))
            if progress:
                progress("search", min(i + batch, len(design)), len(design))
        losses = np.array(losses)
        best = design[int(np.argmin(losses))]

        done = [0]

        def objective(u: np.ndarray) -> float:
            done[0] += 1
            if progress:
                progress("refine", done[0], refine)
            return float(evaluate(np.clip(u, 0.0, 1.0)[None, :], "refine")[0])

        if refine > 0:
            minimize(objective, best, method="Nelder-Mead",
                     options={"maxfev": refine, "xatol": 1e-3, "fatol": 1e-3,
                              "initial_simplex": _simplex(best, 0.08)})
    finally:
        evaluate.close()

    history = pd.DataFrame(evaluate.records)
    search = history[history.stage == "search"]
    n_accept = max(2, math.ceil(accept_share * len(search)))
    accepted = search.nsmallest(n_accept, "loss")  # ABC rejection on the search sample
    best_row = history.loc[history["loss"].idxmin()]  # the best candidate seen, any stage
    values = [float(best_row[fp.key]) for fp in free]
    return Fit(free, values, float(best_row["loss"]), accepted, history)


def _simplex(centre: np.ndarray, step: float) -> np.ndarray:
    d = len(centre)
    simplex = np.tile(centre, (d + 1, 1))
    for i in range(d):
        simplex[i + 1, i] += step if centre[i] + step <= 1 else -step
    return simplex

"""Fitting by approximate Bayesian computation with sequential Monte Carlo (pyabc).

ABC-SMC (Toni et al. 2009; Beaumont et al. 2009) suits a stochastic model
fitted to published *ranges*: it needs no likelihood, only a distance between
a run and the data, and it returns a weighted sample of parameter sets, the
posterior. Generation 0 draws `population` sets from the prior (each free
parameter uniform over its plausible range, docs/calibration.md) and accepts
them all; each later generation proposes sets by perturbing the previous
generation's (a multivariate normal kernel), runs each once on its own seed,
and accepts a set when its run is within epsilon of the data, epsilon being
the weighted median of the previous generation's distances. Accepted sets are
weighted by prior over proposal density, so the weights are a posterior. pyabc
does all of this (`pyabc.ABCSMC`, https://pyabc.readthedocs.io); this module
supplies the model, the distance, the prior and a sampler.

What pyabc does not do is keep the evaluations of a generation cut short (it
resumes at generation boundaries, STACK.md). So:

- every evaluation is a file (`evaluations.py`) keyed by its parameters and seed;
- each generation is run by a fresh `ABCSMC` loaded from the database, so a
  first run and a resumed one start every generation from the same state;
- proposals are drawn inside the prior's range in batches (`_transition`),
  where pyabc would redraw one at a time;
- the sampler (`EvaluationSampler`) seeds numpy's global generator, which
  pyabc draws proposals from, by the generation and the proposal's place
  (t, j) before each proposal, and the evaluation's model seed likewise: a
  rerun makes exactly the same proposals, finds the finished ones on disk, and
  runs only the rest;
- proposals are judged in order of j, so the first `population` accepted are
  the same whatever the number of workers and whenever a run finished.

The model runs go through `experiments.executor` like every many-model command
(in this process, a LocalCluster, or a running Dask cluster). `budget` caps
the evaluations, counting those on disk.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commissioning.experiments.executor import Pool

from .evaluations import Evaluation, EvaluationStore
from .fitting import FreeParameter, apply, distance
from .targets import TARGETS, Target

DATABASE = "abc.db"
#: Quantile of the previous generation's distances that becomes the next epsilon.
ALPHA = 0.5
#: How proposals and thresholds are made; part of what a fit's folder is bound to.
METHOD = ("pyabc ABC-SMC; kernel twice the weighted covariance, drawn inside the prior's "
          "range; epsilon the weighted median")


def values_at(free: Sequence[FreeParameter], position: Sequence[float]) -> list[float]:
    """The free parameters' values at a position in the fit's coordinates: each one's
    place in its prior range, 0 to 1 (`FreeParameter.to_value`)."""
    return [fp.to_value(u) for fp, u in zip(free, position, strict=True)]


def seed_for(base: int, *path: int) -> int:
    """A model seed (0 to 2**63 - 1) for one evaluation, from the fit's seed and its place."""
    state = np.random.SeedSequence([base, *path]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


def _proposal_seed(base: int, t: int, j: int) -> int:
    """The seed of numpy's global generator while pyabc makes proposal j of generation t."""
    return int(np.random.SeedSequence([base, 0, t, j]).generate_state(1)[0])


def evaluate(task: dict[str, Any]) -> dict[str, Any]:
    """Run one model; every target's value (a worker function: picklable, imports lazily)."""
    from commissioning.model.model import CommissioningModel

    from .targets import read_targets

    start = time.perf_counter()
    model = CommissioningModel(**task)
    model.run_model()
    values = read_targets(model)
    return {"targets": {t.key: v for t, v in zip(TARGETS, values, strict=True)},
            "seconds": time.perf_counter() - start}


class Runs:
    """Runs evaluations through the executor and files each one as it finishes."""

    def __init__(self, pool: Pool, store: EvaluationStore, base: dict[str, Any],
                 free: Sequence[FreeParameter], budget: int,
                 progress: Callable[[str], None] | None = None):
        self.pool, self.store, self.base, self.free = pool, store, base, tuple(free)
        self.budget = budget
        self.progress = progress
        self.pending: dict[Future, tuple[str, tuple[float, ...], int]] = {}
        self.new = 0

    def values(self, position: Sequence[float]) -> list[float]:
        return values_at(self.free, position)

    @property
    def left(self) -> int:
        """Evaluations the budget still allows (those running count as done)."""
        return self.budget - len(self.store) - len(self.pending)

    def submit(self, name: str, position: tuple[float, ...], seed: int) -> None:
        params = apply(self.base, self.free, self.values(position))
        future = self.pool.executor.submit(evaluate, {**params, "seed": seed})
        self.pending[future] = (name, position, seed)

    def collect(self) -> None:
        """Wait for at least one running evaluation; file every finished one."""
        done = self.pool.first_finished(self.pending)
        for future in done:
            name, position, seed = self.pending.pop(future)
            result = future.result()  # a run that raises stops the fit: a bug to fix
            self.store.write(Evaluation(
                name, position, seed, {fp.key: v for fp, v in zip(self.free,
                                                                   self.values(position),
                                                              strict=True)},
                result["targets"], result["seconds"]))
            self.new += 1

    def cancel(self) -> None:
        for future in self.pending:
            future.cancel()
        self.pending.clear()


class _NotRunYet(Exception):
    """Raised inside pyabc's simulate_one when the proposal's evaluation is not on disk."""

    def __init__(self, position: tuple[float, ...]):
        self.position = position


class CachedModel:
    """The model pyabc calls: an evaluation looked up by its parameters and seed."""

    __name__ = "commissioning"

    def __init__(self, store: EvaluationStore, keys: Sequence[str]):
        self.store, self.keys = store, tuple(keys)
        self.seed = 0  # set by the sampler before each call

    def position(self, parameter: Any) -> tuple[float, ...]:
        return tuple(float(parameter[k]) for k in self.keys)

    def __call__(self, parameter: Any) -> dict[str, float]:
        position = self.position(parameter)
        found = self.store.get(position, self.seed)
        if found is None:
            raise _NotRunYet(position)
        return found.targets


@contextmanager
def _seeded(seed: int):
    """numpy's global generator seeded for one proposal, then restored."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _sampler_class() -> type:
    """`EvaluationSampler`, defined on first use so that pyabc is imported only to fit."""
    from pyabc.sampler import Sampler

    class EvaluationSampler(Sampler):
        """A pyabc sampler that proposes in a fixed order and runs through our executor."""

        def __init__(self, model: CachedModel, runs: Runs, seed: int,
                     say: Callable[[str], None]):
            super().__init__()
            self.model, self.runs, self.seed, self.say = model, runs, seed, say

        def _call(self, simulate_one: Callable, t: int, j: int) -> Any:
            self.model.seed = seed_for(self.seed, 1, t, j)
            with _seeded(_proposal_seed(self.seed, t, j)):
                return simulate_one()

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            sample = self._create_empty_sample()
            runs = self.runs
            proposed = judged = evaluated = 0
            waiting: dict[int, tuple[float, ...]] = {}  # proposals not yet on disk
            last_said = time.monotonic()
            try:
                while sample.n_accepted < n:
                    # judge, in order, every proposal whose evaluation is on disk
                    while judged < proposed and judged not in waiting:
                        particle = self._call(simulate_one, t, judged)
                        sample.append(particle)
                        judged += 1
                        evaluated += 1
                        if sample.n_accepted >= n:
                            break
                    if sample.n_accepted >= n:
                        break
                    # propose more while the workers have room and the budget allows
                    while len(runs.pending) < runs.pool.in_flight:
                        j = proposed
                        try:
                            self._call(simulate_one, t, j)
                        except _NotRunYet as missing:
                            if runs.left <= 0:
                                break  # the budget is spent: proposal j is not made
                            waiting[j] = missing.position
                            runs.submit(f"g{t:02d}-{j:06d}", missing.position,
                                        self.model.seed)
                        proposed += 1
                        if j not in waiting:
                            break  # on disk already: judge it before proposing more
                    if runs.pending:
                        runs.collect()
                        for j in [j for j, u in waiting.items()
                                  if runs.store.get(u, seed_for(self.seed, 1, t, j))]:
                            del waiting[j]
                    elif judged == proposed:  # nothing running, nothing to judge: budget
                        sample.ok = False
                        break
                    if time.monotonic() - last_said > 30:
                        last_said = time.monotonic()
                        self.say(f"  generation {t}: {sample.n_accepted} of {n} accepted "
                                 f"from {evaluated} evaluations ({runs.new} run now)")
            finally:
                runs.cancel()
            self.nr_evaluations_ = evaluated
            if sample.n_accepted < n:
                sample.ok = False
            return sample

    return EvaluationSampler


@contextmanager
def _pyabc_quiet():
    """pyabc logs every step at INFO on its own handler; we say what matters ourselves."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def twice_the_covariance(effective_size: float, dimension: int) -> float:
    """The proposal kernel's bandwidth factor: its covariance is twice the previous
    generation's weighted covariance (Beaumont et al. 2009, Biometrika 96:983).

    pyabc's default (Silverman's rule on the effective sample size) gives a narrow
    kernel in many dimensions: with 19 free parameters, a trial fit's importance
    weights piled onto a handful of sets (an effective sample of 4 of 60 after one
    generation, 14 with this kernel), and the next kernel, built on their weighted
    covariance, shrank around them.
    """
    return math.sqrt(2.0)


#: Proposals drawn at once when looking for one inside the prior's range.
BATCH = 256


def _transition() -> Any:
    """pyabc's multivariate normal kernel, its proposals drawn inside the unit cube.

    pyabc redraws a proposal outside the prior's support one call at a time
    (each call factorises the covariance again); with 19 parameters and a wide
    kernel most proposals fall outside, and a trial fit spent over half a second
    a proposal doing so. Drawing `BATCH` at once from the same numpy generator and
    keeping the first inside is the same distribution (the truncated kernel;
    its normalising constant is the same for every proposal, so the weights
    are unchanged) at a fraction of the cost.
    """
    import pyabc

    class BoundedNormalTransition(pyabc.MultivariateNormalTransition):
        def rvs_single(self) -> Any:
            d = self.cov.shape[0]
            while True:
                rows = np.random.choice(self._range, size=BATCH, p=self.w, replace=True)
                x = self._X_arr[rows] + np.random.multivariate_normal(np.zeros(d), self.cov,
                                                                      size=BATCH)
                inside = np.flatnonzero(((x >= 0.0) & (x <= 1.0)).all(axis=1))
                if len(inside):
                    return pyabc.Parameter(dict(zip(self.X.columns, x[inside[0]],
                                                    strict=True)))

    return BoundedNormalTransition(bandwidth_selector=twice_the_covariance)


def _interrupted(exc: BaseException | None) -> bool:
    """True if a KeyboardInterrupt is anywhere in an exception's chain.

    Ctrl-C in the middle of a generation raises in our sampler; pyabc's `run`
    then closes its database session in a `finally`, which can itself fail (the
    interrupted transaction) and hide the interrupt behind a database error.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@dataclass
class Generation:
    t: int
    epsilon: float
    evaluations: int
    accepted: int

    @property
    def acceptance(self) -> float:
        return self.accepted / self.evaluations if self.evaluations else math.nan


def _database(out: Path, prior: Any, model: CachedModel, targets: Sequence[Target],
              distance_fn: Callable) -> str:
    """The pyabc database's address, made (atomically: under another name, then renamed)."""
    import pyabc

    db = out / DATABASE
    if not db.exists():
        tmp = out / f".{DATABASE}.tmp"
        tmp.unlink(missing_ok=True)
        abc = pyabc.ABCSMC(model, prior, distance_fn, population_size=1,
                           eps=pyabc.ConstantEpsilon(math.inf))
        observed = {t.key: t.figure for t in targets}
        abc.new(f"sqlite:///{tmp}", observed)
        abc.history.done()
        tmp.replace(db)
    return f"sqlite:///{db}"


def history(out: Path) -> Any:
    """pyabc's record of a fit's finished generations (None before the first)."""
    import pyabc

    db = out / DATABASE
    return pyabc.History(f"sqlite:///{db}", _id=1) if db.exists() else None


def run_generations(out: Path, store: EvaluationStore, runs: Runs,
                    free: Sequence[FreeParameter], targets: Sequence[Target],
                    population: int, generations: int, seed: int,
                    say: Callable[[str], None],
                    after: Callable[[int], None] | None = None) -> list[Generation]:
    """Run ABC-SMC up to `generations` generations (fewer if the budget runs out).

    `after(t)` is called when generation t is in the database (to write the
    posterior). Returns every finished generation, including earlier runs'.
    """
    import pyabc
    from pyabc.weighted_statistics import weighted_quantile

    keys = [fp.key for fp in free]
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", 0.0, 1.0) for k in keys})
    model = CachedModel(store, keys)

    def distance_fn(x: dict, x_0: dict) -> float:
        return distance(x, targets)

    sampler = _sampler_class()(model, runs, seed, say)
    with _pyabc_quiet():
        db = _database(out, prior, model, targets, distance_fn)
        while True:
            done = history(out)
            t = done.max_t + 1
            if t >= generations:
                break
            if t == 0:
                eps = math.inf  # the first generation is the prior: every set accepted
            else:
                w = done.get_weighted_distances(t - 1)
                eps = float(weighted_quantile(w.distance.to_numpy(), w.w.to_numpy(),
                                              alpha=ALPHA))
            abc = pyabc.ABCSMC(model, prior, distance_fn, population_size=population,
                               transitions=_transition(),
                               eps=pyabc.ConstantEpsilon(eps), sampler=sampler)
            abc.load(db, 1)
            before = runs.new
            say(f"generation {t}: epsilon {eps:.3g}" if t else
                "generation 0: the prior, every set accepted")
            try:
                abc.run(max_nr_populations=1)
            except Exception as exc:
                if _interrupted(exc):  # pyabc's clean-up failed on the way out of Ctrl-C
                    raise KeyboardInterrupt from None
                raise
            if history(out).max_t < t:
                say(f"generation {t} not finished: the budget of {runs.budget} evaluations "
                    "is spent (a larger --budget goes on from here)")
                break
            g = generations_table(out).iloc[-1]
            say(f"generation {t} done: {population} accepted of {int(g.evaluations)} "
                f"evaluations ({100 * g.acceptance:.0f}%; {runs.new - before} run now)")
            if after:
                after(t)
    table = generations_table(out)
    return [Generation(int(r.t), float(r.epsilon), int(r.evaluations), int(r.accepted))
            for r in table.itertuples()]


def generations_table(out: Path) -> pd.DataFrame:
    """One row per finished generation: epsilon, evaluations, accepted, acceptance, ESS."""
    from pyabc.weighted_statistics import effective_sample_size

    done = history(out)
    if done is None or done.max_t < 0:
        return pd.DataFrame(columns=["t", "epsilon", "evaluations", "accepted", "acceptance",
                                     "effective_sample_size"])
    pops = done.get_all_populations()
    pops = pops[pops.t >= 0]
    rows = []
    for r in pops.itertuples():
        w = done.get_weighted_distances(int(r.t)).w.to_numpy()
        rows.append({"t": int(r.t), "epsilon": float(r.epsilon), "evaluations": int(r.samples),
                     "accepted": len(w), "acceptance": len(w) / max(int(r.samples), 1),
                     "effective_sample_size": float(effective_sample_size(w))})
    return pd.DataFrame(rows)


def posterior_table(out: Path, store: EvaluationStore, free: Sequence[FreeParameter],
                    seed: int) -> pd.DataFrame:
    """The last finished generation: each accepted set's weight, distance, parameters
    (in their own units), seed, evaluation file and targets; heaviest first."""
    done = history(out)
    t = done.max_t
    population = done.get_population(t)
    keys = [fp.key for fp in free]
    by_position = {ev.position: ev for ev in store.all() if ev.name.startswith(f"g{t:02d}-")}
    rows = []
    for particle in population.particles:
        position = tuple(float(particle.parameter[k]) for k in keys)
        ev = by_position.get(position)
        rows.append({"generation": t, "weight": float(particle.weight),
                     "distance": float(particle.distance),
                     **dict(zip(keys, values_at(free, position), strict=True)),
                     "seed": ev.seed if ev else -1, "evaluation": ev.name if ev else "",
                     **{f"position {k}": z for k, z in zip(keys, position, strict=True)},
                     **{k: float(v) for k, v in particle.sum_stat.items()}})
    table = pd.DataFrame(rows)
    table["weight"] = table["weight"] / table["weight"].sum()
    return table.sort_values(["weight", "distance"], ascending=[False, True],
                             kind="stable").reset_index(drop=True)

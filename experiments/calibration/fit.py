"""`commissioning calibrate`'s work: the posterior, the shipped point, and their files.

    DIR/posterior.csv          the last finished generation: accepted sets and weights
    DIR/generations.csv        per generation: epsilon, evaluations, accepted, ESS
    DIR/pick.csv               the candidates for the shipped point and how each did
    DIR/fitted.csv             per parameter: prior, shipped point, posterior interval
    DIR/posterior_ranges.toml  the posterior intervals as a sweep file's [vary] tables
    DIR/two_tier_fitted.toml   the shipped point as a scenario (for check-fit, adopt-fit)

posterior.csv and generations.csv are rewritten at the end of every
generation; the others when the fit ends. Every file is written under a
temporary name and renamed, so each is complete or absent. The evaluations,
the database and the lock are `evaluations.py`'s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commissioning.experiments.executor import open_executor
from commissioning.experiments.outputs import Outputs
from commissioning.model.scenario import Scenario

from .evaluations import EvaluationStore
from .fitted_file import header, write_fitted
from .fitting import FreeParameter, distance
from .posterior import PICK_CENTRE, PICK_SEEDS, summary, vary_tables
from .smc import (
    METHOD,
    Runs,
    generations_table,
    posterior_table,
    run_generations,
    seed_for,
)
from .targets import TARGETS, Target

FITTED_NAME = "two_tier_fitted.toml"
FILES = ("posterior.csv", "generations.csv", "pick.csv", "fitted.csv",
         "posterior_ranges.toml", FITTED_NAME)


@dataclass(frozen=True)
class Settings:
    """How big a fit is. `population`, `seed` fix the fit (a rerun must keep them);
    `generations`, `budget` and `select` may change between runs of one fit."""

    population: int = 100
    generations: int = 8
    budget: int = 3000
    seed: int = 1
    select: int = 8

    @property
    def reserve(self) -> int:
        """Evaluations kept back from ABC for choosing the shipped point."""
        return (self.select + 1) * PICK_SEEDS  # the nearest sets and the posterior mean

    def method(self) -> str:
        return (f"ABC-SMC (pyabc) with {self.population} accepted sets per generation, "
                f"epsilon the weighted median of the previous generation's distances, one run "
                f"per evaluation on its own seed (fit seed {self.seed}); shipped point: of the "
                f"last generation's {self.select} sets nearest the data and the posterior's "
                f"weighted mean, the one nearest on average over {PICK_SEEDS} common seeds.")


def fit_spec(scenario: Scenario, free: Sequence[FreeParameter], targets: Sequence[Target],
             settings: Settings) -> dict[str, Any]:
    """What a fit's folder is bound to: a rerun must fit the same things the same way."""
    params = {k: v for k, v in scenario.params.items() if k != "seed"}
    return {"scenario": params,
            "free": [[fp.key, fp.low, fp.high, fp.log, list(fp.linked)] for fp in free],
            "targets": [[t.key, t.low, t.high, t.required] for t in targets],
            "population": settings.population, "seed": settings.seed, "method": METHOD}


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)


def _write_text(text: str, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@dataclass
class FitResult:
    generations: int  # finished generations
    evaluations: int  # on disk, in all
    new: int  # run by this command
    posterior: pd.DataFrame | None
    summary: pd.DataFrame | None
    pick: pd.DataFrame | None


def pick_point(runs: Runs, posterior: pd.DataFrame, free: Sequence[FreeParameter],
               targets: Sequence[Target], settings: Settings) -> pd.DataFrame:
    """The candidates for the shipped point, each run on PICK_SEEDS common seeds.

    Returns one row per candidate (nearest the data first), with its mean
    distance over the seeds and its mean value of each required target; the
    shipped point is the row with the smallest `mean_distance`.
    """
    t = int(posterior.generation.iloc[0])
    keys = [f"position {fp.key}" for fp in free]
    candidates = posterior.sort_values("distance", kind="stable").head(settings.select)
    candidates = pd.concat([candidates, _posterior_mean(posterior, free)], ignore_index=True)
    seeds = [seed_for(settings.seed, 2, r) for r in range(PICK_SEEDS)]
    wanted = []
    for i, (_, row) in enumerate(candidates.iterrows()):
        position = tuple(float(row[k]) for k in keys)
        wanted += [(f"pick-g{t:02d}-{i:02d}-{r}", position, s) for r, s in enumerate(seeds)]
    todo = [w for w in wanted if runs.store.get(w[1], w[2]) is None]
    while todo or runs.pending:
        while todo and len(runs.pending) < runs.pool.in_flight:
            runs.submit(*todo.pop(0))
        runs.collect()
    rows = []
    for i, (_, row) in enumerate(candidates.iterrows()):
        evs = [runs.store.get(w[1], w[2]) for w in wanted[i * PICK_SEEDS:(i + 1) * PICK_SEEDS]]
        mean_targets = {t.key: float(np.nanmean([ev.targets[t.key] for ev in evs]))
                        if any(not np.isnan(ev.targets[t.key]) for ev in evs) else float("nan")
                        for t in targets}
        rows.append({"candidate": i, "abc_distance": float(row["distance"]),
                     "mean_distance": float(np.mean([distance(ev.targets, targets, PICK_CENTRE)
                                                     for ev in evs])),
                     "inside_required": sum(t.inside(mean_targets[t.key]) for t in targets
                                            if t.required),
                     **{fp.key: float(row[fp.key]) for fp in free},
                     **{k: float(row[k]) for k in keys},
                     **{t.key: mean_targets[t.key] for t in targets if t.required}})
    return pd.DataFrame(rows)


def _posterior_mean(posterior: pd.DataFrame, free: Sequence[FreeParameter]) -> pd.DataFrame:
    """The posterior's weighted mean as one more candidate (distance: not run).

    The sets nearest the data in their own run were lucky as well as good; the
    mean is the point estimate with the least expected squared error.
    """
    w = posterior.weight / posterior.weight.sum()
    row = {fp.key: float((w * posterior[fp.key]).sum()) for fp in free}
    row |= {f"position {fp.key}": fp.to_unit(row[fp.key]) for fp in free}
    return pd.DataFrame([{"distance": float("nan"), **row}])


def calibrate(scenario: Scenario, out: Path, outputs: Outputs,
              free: Sequence[FreeParameter], targets: Sequence[Target] = TARGETS,
              settings: Settings = Settings(), workers: int = 1, scheduler: str | None = None,
              assignments: Sequence[str] = (), only: bool = False,
              say: Callable[[str], None] = print) -> FitResult:
    """Fit (or go on fitting) into `out`; write the posterior and the shipped point."""
    free = tuple(free)
    store = EvaluationStore(out)
    with store.locked(outputs):
        fresh = store.claim(fit_spec(scenario, free, targets, settings))
        found = store.load()
        if store.damaged:
            say(f"{len(store.damaged)} damaged evaluation files deleted (they run again): "
                + ", ".join(p.name for p in store.damaged[:5]))
        if not fresh and found:
            say(f"going on with the fit in {out}: {found} evaluations already done")

        def after(t: int) -> None:
            _write_csv(posterior_table(out, store, free, settings.seed), out / "posterior.csv")
            _write_csv(generations_table(out), out / "generations.csv")

        with open_executor(workers, scheduler) as pool:
            runs = Runs(pool, store, scenario.params, free, settings.budget - settings.reserve)
            gens = run_generations(out, store, runs, free, targets, settings.population,
                                   settings.generations, settings.seed, say, after)
            if not gens:
                say("no generation finished: nothing to pick a point from (a larger --budget "
                    "goes on from here)")
                return FitResult(0, len(store), runs.new, None, None, None)
            after(gens[-1].t)  # in case an earlier run was stopped before writing them
            posterior = posterior_table(out, store, free, settings.seed)
            runs.budget = settings.budget
            say(f"choosing the shipped point: {min(settings.select, len(posterior))} sets x "
                f"{PICK_SEEDS} seeds")
            pick = pick_point(runs, posterior, free, targets, settings)
        best = pick.loc[pick.mean_distance.idxmin()]
        point = {fp.key: float(best[fp.key]) for fp in free}
        table = summary(posterior, free, point)
        _write_csv(pick, out / "pick.csv")
        _write_csv(table, out / "fitted.csv")
        _write_text(vary_tables(table), out / "posterior_ranges.toml")
        text = header(scenario, free, table, assignments, only, settings.method()
                      + f" {len(gens)} generations, {len(store)} evaluations.")
        write_fitted(out / FITTED_NAME, scenario, free, list(point.values()), text)
        return FitResult(len(gens), len(store), runs.new, posterior, table, pick)

"""Running the model: one run, and paired comparisons of scenarios over replicates.

A comparison runs every scenario with the same seeds (replicate r uses seed
`base_seed + r` in every scenario), so the claimants, local labour markets and
weekly chances are identical across scenarios (common random numbers); the
difference between two scenarios in one replicate is then due to the scenarios
alone, and its spread across replicates gives a tight interval.

The runs go through `experiments.executor` like a sweep's: in this process,
on a local Dask cluster or on a running one, finishing in any order and
reported as they finish.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from commissioning.model.metrics import FINAL_KEYS
from commissioning.model.scenario import Scenario

#: Weekly series kept from each run of a comparison (for its figures).
SERIES = (
    "job_outcome_rate", "job_outcomes", "job_outcome_rate_low_barrier",
    "job_outcome_rate_high_barrier", "providers_insolvent", "total_spend", "parked_this_week",
    *(f"cash_{stat}_{kind}" for kind in ("prime", "large_provider", "subcontractor",
                                         "third_sector", "partnership")
      for stat in ("median", "min")),
)


@dataclass
class RunResult:
    scenario: str
    seed: int
    metrics: dict[str, Any]  # FINAL_KEYS (numbers), then MAPPING_KEYS (mappings)
    weekly: pd.DataFrame
    seconds: float


def run_one(params: dict[str, Any], scenario: str = "", keep: Iterable[str] | None = SERIES,
            decisions: Iterable[Any] = ()) -> RunResult:
    """Run one model to the end from validated parameters (and any decisions taken in
    place of organisations' rules: a game's, `model/decisions.py`)."""
    from commissioning.model.model import (
        CommissioningModel,  # here, so worker processes import lazily
    )

    start = time.perf_counter()
    model = CommissioningModel(decisions=tuple(decisions), **params)
    model.run_model()
    weekly = model.datacollector.get_model_vars_dataframe()
    if keep is not None:
        weekly = weekly[list(keep)]
    weekly.index.name = "week"
    # the numbers, then the mappings (`run --json` prints both; tables take the numbers)
    return RunResult(scenario, params["seed"], {**model.metrics(), **model.metrics_by_year()},
                     weekly, time.perf_counter() - start)


def _run_task(task: tuple[dict, str]) -> RunResult:
    params, name = task
    return run_one(params, name)


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and a t-based confidence interval (NaN values dropped)."""
    values = np.asarray(values, float)
    values = values[~np.isnan(values)]
    if not len(values):
        return (math.nan, math.nan, math.nan)
    mean = float(values.mean())
    if len(values) < 2:
        return (mean, math.nan, math.nan)
    from scipy import stats  # here, not at the top: `commissioning run` starts 1 s sooner

    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(
        len(values))
    return (mean, mean - half, mean + half)


@dataclass
class Comparison:
    scenarios: list[str]
    runs: pd.DataFrame  # one row per run: scenario, replicate, seed, metrics
    weekly: pd.DataFrame  # scenario, replicate, week, series
    table: pd.DataFrame  # metric x scenario: mean, interval, paired difference


def compare(scenarios: list[Scenario], replicates: int, base_seed: int = 1,
            workers: int = 1, overrides: dict[str, Any] | None = None,
            progress: Callable[[int, int], None] | None = None,
            scheduler: str | None = None) -> Comparison:
    """Run every scenario on the same seeds and summarise with paired differences.

    `workers` and `scheduler` choose where the runs go (`executor.open_executor`);
    the numbers are the same wherever they run.
    """
    from .executor import open_executor, run_all

    names = unique_names(scenarios)
    tasks = []
    for r in range(replicates):
        for name, sc in zip(names, scenarios, strict=True):
            params = {**sc.params, **(overrides or {}), "seed": base_seed + r}
            tasks.append((params, name))
    with open_executor(workers, scheduler) as pool:
        results: list[RunResult] = run_all(pool, _run_task, tasks, progress)

    rows, weekly = [], []
    for i, res in enumerate(results):
        replicate = i // len(scenarios)
        rows.append({"scenario": res.scenario, "replicate": replicate, "seed": res.seed,
                     "seconds": res.seconds, **{k: res.metrics[k] for k in FINAL_KEYS}})
        w = res.weekly.reset_index()
        w.insert(0, "replicate", replicate)
        w.insert(0, "scenario", res.scenario)
        weekly.append(w)
    runs = pd.DataFrame(rows)
    return Comparison(names, runs, pd.concat(weekly, ignore_index=True),
                      summarise(runs, names))


def summarise(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Mean and 95% interval per scenario, and the paired difference from the first."""
    rows = []
    first = runs[runs.scenario == names[0]].set_index("replicate")
    for metric in FINAL_KEYS:
        for name in names:
            mine = runs[runs.scenario == name].set_index("replicate")
            mean, low, high = mean_interval(mine[metric].to_numpy(float))
            row = {"metric": metric, "scenario": name, "mean": mean, "ci_low": low,
                   "ci_high": high, "replicates": len(mine)}
            if name != names[0]:
                diff = (mine[metric] - first[metric]).to_numpy(float)
                row["diff"], row["diff_low"], row["diff_high"] = mean_interval(diff)
            else:
                row["diff"] = row["diff_low"] = row["diff_high"] = math.nan
            rows.append(row)
    return pd.DataFrame(rows)


def unique_names(scenarios: list[Scenario] | tuple[Scenario, ...]) -> list[str]:
    """A short name per scenario (its file's stem), numbered where two would clash."""
    names: list[str] = []
    for sc in scenarios:
        base = sc.path.stem if sc.path else sc.name
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


def console_progress(label: str) -> Callable[[int, int], None]:
    """A progress bar on a terminal; occasional log lines otherwise (CI logs)."""
    from tqdm import tqdm

    if sys.stderr.isatty():
        bar = tqdm(total=None, desc=label, unit="run", disable=None)

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)
            if done == total:
                bar.close()

        return update
    start, last = time.monotonic(), [0.0]

    def log(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] > 30 or done == 1:
            last[0] = now
            elapsed = now - start
            left = elapsed / done * (total - done)
            print(f"{label}: {done}/{total} runs, {elapsed:.0f}s elapsed, ~{left:.0f}s left",
                  file=sys.stderr, flush=True)

    return log

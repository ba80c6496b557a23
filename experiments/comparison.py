"""Running the model: one run, and paired comparisons of scenarios over replicates.

A comparison runs every scenario with the same seeds (replicate r uses seed
`base_seed + r` in every scenario), so the claimants, local labour markets and
weekly chances are identical across scenarios (common random numbers); the
difference between two scenarios in one replicate is then due to the scenarios
alone, and its spread across replicates gives a tight interval.

The runs go through `experiments.executor` like a sweep's: in this process,
on a local Dask cluster or on a running one, finishing in any order and
reported as they finish.

Over the posterior (`compare_posterior`, `compare --posterior`): K parameter
sets are drawn from the fit's posterior by weight, and each draw is run under
every scenario on the same seeds, so a draw's difference between scenarios is
due to the scenarios alone in that plausible world. The table then gives each
metric's mean and its 95% interval over draws and seeds (where the values lie,
not how well the mean is known), the paired difference likewise, and
`share_of_draws_higher`: in what share of draws the scenario's metric (its mean
over the draw's seeds) is higher than the first scenario's, with the per-draw
difference's median and 90% interval (`diff_median`, `diff_q05`, `diff_q95`).
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


def compare_posterior(scenarios: list[Scenario], draws: list[dict[str, float]],
                      replicates: int = 1, base_seed: int = 1, workers: int = 1,
                      overrides: dict[str, Any] | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      scheduler: str | None = None) -> Comparison:
    """Run every scenario under each posterior draw on common seeds; summarise over draws.

    Draw k's replicate r runs on seed `base_seed + k * replicates + r` in every
    scenario, with the draw's fitted values set in each (`posterior.apply_draw`).
    """
    from .calibration.posterior import apply_draw
    from .executor import open_executor, run_all

    names = unique_names(scenarios)
    tasks, places = [], []
    for k, values in enumerate(draws):
        for r in range(replicates):
            for name, sc in zip(names, scenarios, strict=True):
                params = apply_draw({**sc.params, **(overrides or {})}, values)
                tasks.append(({**params, "seed": base_seed + k * replicates + r}, name))
                places.append((k, r))
    with open_executor(workers, scheduler) as pool:
        results: list[RunResult] = run_all(pool, _run_task, tasks, progress)

    rows, weekly = [], []
    for (k, r), res in zip(places, results, strict=True):
        run = k * replicates + r
        rows.append({"scenario": res.scenario, "draw": k, "replicate": run, "seed": res.seed,
                     "seconds": res.seconds, **draws[k],
                     **{key: res.metrics[key] for key in FINAL_KEYS}})
        w = res.weekly.reset_index()
        w.insert(0, "replicate", run)
        w.insert(0, "scenario", res.scenario)
        weekly.append(w)
    runs = pd.DataFrame(rows)
    return Comparison(names, runs, pd.concat(weekly, ignore_index=True),
                      summarise_posterior(runs, names))


def spread(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and the central `level` interval of the values themselves (NaN dropped)."""
    values = np.asarray(values, float)
    values = values[~np.isnan(values)]
    if not len(values):
        return (math.nan, math.nan, math.nan)
    tail = (1 - level) / 2
    return (float(values.mean()), float(np.quantile(values, tail)),
            float(np.quantile(values, 1 - tail)))


def share_higher(mine: pd.DataFrame, first: pd.DataFrame, metric: str) -> float:
    """Share of draws in which `mine`'s metric (mean over the draw's seeds) beats `first`'s."""
    a = first.groupby("draw")[metric].mean()
    b = mine.groupby("draw")[metric].mean()
    valid = a.notna() & b.notna()
    return float((b[valid] > a[valid]).mean()) if valid.any() else math.nan


#: Columns of the paired difference over draws: its median and central 90% interval.
DRAW_QUANTILES = {"diff_median": 0.5, "diff_q05": 0.05, "diff_q95": 0.95}


def draw_quantiles(mine: pd.DataFrame, first: pd.DataFrame, metric: str) -> dict[str, float]:
    """Median and 5% and 95% points of the per-draw paired difference (each draw's mean
    over its seeds): how much the second scenario differs in a typical plausible world,
    and over nine in ten of them."""
    diff = (mine.groupby("draw")[metric].mean() - first.groupby("draw")[metric].mean())
    diff = diff.dropna().to_numpy(float)
    if not len(diff):
        return dict.fromkeys(DRAW_QUANTILES, math.nan)
    return {k: float(np.quantile(diff, q)) for k, q in DRAW_QUANTILES.items()}


def summarise_posterior(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per metric and scenario: mean and 95% interval over draws and seeds; the paired
    difference from the first scenario likewise; the share of draws in which it is higher."""
    rows = []
    first = runs[runs.scenario == names[0]].set_index("replicate")
    draws = runs["draw"].nunique()
    for metric in FINAL_KEYS:
        for name in names:
            mine = runs[runs.scenario == name].set_index("replicate")
            mean, low, high = spread(mine[metric].to_numpy(float))
            row = {"metric": metric, "scenario": name, "mean": mean, "ci_low": low,
                   "ci_high": high, "replicates": len(mine), "draws": draws}
            if name != names[0]:
                diff = (mine[metric] - first[metric]).to_numpy(float)
                row["diff"], row["diff_low"], row["diff_high"] = spread(diff)
                row["share_of_draws_higher"] = share_higher(mine, first, metric)
                row.update(draw_quantiles(mine, first, metric))
            else:
                row["diff"] = row["diff_low"] = row["diff_high"] = math.nan
                row["share_of_draws_higher"] = math.nan
                row.update(dict.fromkeys(DRAW_QUANTILES, math.nan))
            rows.append(row)
    return pd.DataFrame(rows)


#: Metrics drawn by `posterior_figure`: the headline of a comparison of regimes.
POSTERIOR_FIGURE_METRICS = (
    "job_outcome_rate", "additional_job_outcome_rate", "job_outcome_rate_high_barrier",
    "parked_share", "providers_insolvent_share", "small_providers_lowest_cash",
    "cost_per_additional_job_outcome", "resources_per_job_outcome",
)


def _tick(metric: str, value: float) -> str:
    """A difference on a narrow axis: points for rates and shares, £ (k) for money."""
    from commissioning.experiments.report import value_text

    if metric.endswith(("_rate", "_share")) or "_rate_" in metric:
        return f"{100 * value:+.1f}pp"
    text = value_text(metric, value)
    if "£" in text:
        return f"{'-' if value < 0 else ''}£{abs(value) / 1000:,.0f}k" if abs(value) >= 10_000 \
            else text
    return f"{value:+.2g}"


def posterior_figure(runs: pd.DataFrame, names: list[str],
                     metrics: Iterable[str] = POSTERIOR_FIGURE_METRICS) -> Any:
    """Each draw's paired difference (each scenario minus the first), one panel a metric.

    One dot per draw (its mean over its seeds), so the spread is the uncertainty
    the fit leaves; the title gives the share of draws in which it is higher.
    """
    from matplotlib.figure import Figure

    from commissioning.viz.charts import OKABE_ITO

    metrics = list(metrics)
    cols = 4
    rows = math.ceil(len(metrics) / cols)
    fig = Figure(figsize=(4 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    reference = runs[runs.scenario == names[0]]
    first = reference.groupby("draw")
    rng = np.random.default_rng(0)  # vertical jitter only, to keep dots apart
    for ax, metric in zip(axes, metrics, strict=False):
        base = first[metric].mean()
        shares = []
        for k, name in enumerate(names[1:]):
            mine = runs[runs.scenario == name]
            diff = (mine.groupby("draw")[metric].mean() - base).dropna()
            ax.scatter(diff, k + rng.uniform(-0.15, 0.15, len(diff)), s=14, alpha=0.7,
                       color=OKABE_ITO[(k + 1) % len(OKABE_ITO)])
            shares.append(f"{100 * share_higher(mine, reference, metric):.0f}%"
                          if len(diff) else "n/a")
        ax.axvline(0, color="black", lw=1)
        ax.set_yticks(range(len(names) - 1), [n[:14] for n in names[1:]], fontsize=8)
        ax.set_ylim(-0.6, len(names) - 1.4)
        ax.set_title(f"{metric}\nhigher in {', '.join(shares)} of draws", fontsize=9)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [_tick(metric, t) for t in ticks], fontsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle(f"Paired difference from {names[0]} in each posterior draw "
                 f"({runs['draw'].nunique()} draws)", fontsize=11)
    return fig


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

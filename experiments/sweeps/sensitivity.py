"""Sensitivity indices of a Sobol or Morris sweep, with SALib.

For every scenario and for every paired difference between scenarios (what
drives the *difference* between regimes, not only each regime's level), and
every metric that varies:

- Sobol (Saltelli's scheme, `SALib.analyze.sobol`, first-order and total
  indices): S1 is the share of the metric's variance over the design that
  one parameter explains alone, ST the share it has a hand in, interactions
  included; `*_conf` is the half-width of a 95% bootstrap interval.
- Morris (`SALib.analyze.morris`): mu* is the mean absolute elementary effect
  of moving a parameter across its range (in the metric's units: a screening
  measure), with a 95% bootstrap half-width; sigma measures interactions and
  non-linearity.

The output is the mean over replicates at each design point, in the
sample's row order (SALib needs that order; results arrive in any order, so
the point index, not the arrival order, places each value). SALib's problem
is the unit hypercube the design was drawn from (`sweep_design`); parameters
given as lists of values enter as the position in the list. Every design
point needs at least one finished run; a target with missing points, and a
metric that is undefined somewhere (NaN) or never varies, is left out with
a note rather than given wrong indices.

`ranking` orders the parameters over many metrics and targets at once (how
screening.toml's Morris results chose sensitivity.toml's ten): each index
(mu* for Morris, ST for Sobol) is divided by the largest for its target and
metric, so every metric counts alike whatever its unit, then averaged over the
ranking metrics (the headline outcomes, creaming and parking) and targets.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .results import SweepResults

RESAMPLES = 200
#: Metrics the overall ranking averages over (those present): outcomes, for the
#: hardest to help, value for money, insolvencies, creaming and parking.
RANKING_METRICS = ("job_outcome_rate", "additional_job_outcome_rate",
                   "job_outcome_rate_high_barrier", "cost_per_additional_job_outcome",
                   "providers_insolvent", "third_sector_insolvent", "support_ratio_easy_to_hard",
                   "parked_share")


def _targets(res: SweepResults, metrics: list[str]) -> dict[str, pd.DataFrame]:
    """Point means (index: point, columns: metrics) for each scenario and difference."""
    from .results import paired

    ok = res.ok
    out = {}
    for s in res.scenarios:
        out[s] = ok[ok.scenario == s].groupby("point")[metrics].mean()
    for other in res.others:
        diffs = {m: paired(res, m, other).groupby("point")["diff"].mean() for m in metrics}
        out[f"{other} - {res.reference}"] = pd.DataFrame(diffs)
    return out


def sensitivity(res: SweepResults, metrics: list[str]) -> tuple[pd.DataFrame | None,
                                                                 list[str]]:
    """Indices per target, metric and parameter (None for other designs), and notes."""
    if res.design not in ("sobol", "morris"):
        return None, []
    r = res.resolved
    n_points = len(r["points"])
    problem = {"num_vars": len(res.factor_keys), "names": res.factor_keys,
               "bounds": [[0.0, 1.0]] * len(res.factor_keys)}
    unit = np.asarray(r["unit"], float)
    rows, notes = [], []
    for target, means in _targets(res, metrics).items():
        missing = n_points - means.index.nunique()
        if missing:
            notes.append(f"no sensitivity indices for {target}: {missing} of {n_points} "
                         "design points have no finished run")
            continue
        means = means.sort_index()
        for m in metrics:
            y = means[m].to_numpy(float)
            if np.isnan(y).any():
                notes.append(f"no sensitivity indices for {target}: {m} is undefined at "
                             f"{int(np.isnan(y).sum())} design points")
                continue
            if np.ptp(y) == 0:
                continue
            rows += _indices(res.design, problem, unit, y, r, target, m)
    return pd.DataFrame(rows), notes


def _indices(design: str, problem: dict, unit: np.ndarray, y: np.ndarray, r: dict,
             target: str, metric: str) -> list[dict]:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if design == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                               conf_level=0.95, seed=r["seed"])
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            si = morris.analyze(problem, unit, y, num_levels=r["levels"],
                                num_resamples=RESAMPLES, conf_level=0.95, seed=r["seed"])
            keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    return [{"target": target, "metric": metric, "parameter": name,
             **{k: float(si[k][i]) for k in keys}}
            for i, name in enumerate(problem["names"])]


def ranking(indices: pd.DataFrame, design: str) -> pd.DataFrame:
    """Parameters by their scaled index, averaged over ranking metrics and targets.

    Columns: rank, parameter, score (the mean; 1 would be the largest index for
    every metric and target), and one score per target.
    """
    column = "ST" if design == "sobol" else "mu_star"
    use = indices[indices.metric.isin(RANKING_METRICS)]
    if use.empty:
        use = indices
    use = use.assign(scaled=use[column] / use.groupby(["target", "metric"])[column]
                     .transform("max").where(lambda x: x > 0))
    by_target = use.pivot_table(index="parameter", columns="target", values="scaled",
                                aggfunc="mean")
    table = pd.DataFrame({"score": use.groupby("parameter")["scaled"].mean()}).join(
        by_target.add_prefix("score "))
    table = table.sort_values("score", ascending=False).reset_index()
    table.insert(0, "rank", range(1, len(table) + 1))
    return table

"""A sweep's recorded runs, and the tables computed from them.

Shared by the printed analysis (`analysis.py`), the sensitivity indices
(`sensitivity.py`) and the figures (`figures.py`), so none of those needs
another: the three read results from here and never from each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from commissioning.model.metrics import FINAL_KEYS
from commissioning.model.scenario import ScenarioError

from .rows import OK
from .store import ResultStore


@dataclass
class SweepResults:
    """A sweep's manifest and every run recorded so far."""

    out: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    damaged: list[Path]  # result files cut off or damaged: left out, their runs not done

    @property
    def resolved(self) -> dict[str, Any]:
        return self.manifest["resolved"]

    @property
    def design(self) -> str:
        return self.resolved["design"]

    @property
    def factors(self) -> list[dict[str, Any]]:
        return self.resolved["factors"]

    @property
    def factor_keys(self) -> list[str]:
        return [f["key"] for f in self.factors]

    @property
    def scenarios(self) -> list[str]:
        return [s["name"] for s in self.resolved["scenarios"]]

    @property
    def total(self) -> int:
        r = self.resolved
        return len(r["points"]) * r["replicates"] * len(r["scenarios"])

    @property
    def ok(self) -> pd.DataFrame:
        return self.runs[self.runs.status == OK]

    @property
    def reference(self) -> str:
        """The scenario differences are taken from: the first two-tier one, else the first."""
        for s in self.resolved["scenarios"]:
            if s["params"]["regime"] == "two_tier":
                return s["name"]
        return self.scenarios[0]

    @property
    def others(self) -> list[str]:
        return [s for s in self.scenarios if s != self.reference]


def load_results(out: Path) -> SweepResults:
    store = ResultStore(out)
    manifest = store.read_manifest()
    if manifest is None:
        raise ScenarioError(str(out), "manifest.json", "a sweep's output folder (run "
                            "`commissioning sweep FILE --out DIR` first)")
    damaged = [p for paths in store.damaged().values() for p in paths]
    table = store.read_runs(params=False)  # the factors' columns say what varied
    if table is None:
        raise ScenarioError(str(out), "runs", "at least one finished run (the sweep has not "
                            "finished any run yet)")
    return SweepResults(out, manifest, table.to_pandas(), damaged)


def choose_metrics(res: SweepResults, requested: list[str] | None) -> tuple[list[str],
                                                                            list[str]]:
    """The metrics to analyse, and those left out because they never vary."""
    if requested:
        for m in requested:
            if m not in FINAL_KEYS:
                raise ScenarioError("--metrics", m, "a metric: " + ", ".join(FINAL_KEYS))
        candidates = list(dict.fromkeys(requested))
    else:
        candidates = list(FINAL_KEYS)
    ok = res.ok
    chosen, constant = [], []
    for m in candidates:
        values = ok[m].dropna()
        (chosen if values.nunique() > 1 else constant).append(m)
    return chosen, constant


def interval(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, level: float = 0.95
             ) -> tuple[np.ndarray, np.ndarray]:
    """t-based interval of a mean, vectorised (NaN where n < 2)."""
    n = np.asarray(n, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(0.5 + level / 2, np.where(n > 1, n - 1, np.nan)) * sd / np.sqrt(n)
    return mean - half, mean + half


def _describe(groups: Any, metric: str) -> pd.DataFrame:
    agg = groups[metric].agg(["mean", "std", "count"])
    low, high = interval(agg["mean"].to_numpy(), agg["std"].to_numpy(),
                         agg["count"].to_numpy())
    return agg.assign(ci_low=low, ci_high=high).rename(columns={"count": "n"}).drop(
        columns="std")


def point_values(res: SweepResults) -> pd.DataFrame:
    """Each design point's parameter values (index: point)."""
    return pd.DataFrame(res.resolved["points"], columns=res.factor_keys).rename_axis("point")


def points_table(res: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Per point, scenario and metric: mean and interval over replicates."""
    frames = []
    groups = res.ok.groupby(["point", "scenario"])
    for m in metrics:
        frames.append(_describe(groups, m).reset_index().assign(metric=m))
    table = pd.concat(frames, ignore_index=True)
    table = table.merge(point_values(res).reset_index(), on="point", how="left")
    return table[["point", "scenario", *res.factor_keys, "metric", "n", "mean", "ci_low",
                  "ci_high"]]


def summary_table(res: SweepResults, metrics: list[str], points: pd.DataFrame
                  ) -> pd.DataFrame:
    """Per scenario and metric, over the whole design."""
    rows = []
    ok = res.ok
    for scenario in res.scenarios:
        mine = ok[ok.scenario == scenario]
        for m in metrics:
            values = mine[m].dropna().to_numpy(float)
            means = points[(points.scenario == scenario) & (points.metric == m)]["mean"].dropna()
            mean = values.mean() if len(values) else math.nan
            sd = values.std(ddof=1) if len(values) > 1 else math.nan
            low, high = interval(np.array([mean]), np.array([sd]), np.array([len(values)]))
            q = means.quantile([0.05, 0.5, 0.95]).to_numpy() if len(means) else [math.nan] * 3
            rows.append({"scenario": scenario, "metric": m, "runs": len(values), "mean": mean,
                         "ci_low": low[0], "ci_high": high[0], "p05_of_points": q[0],
                         "median_of_points": q[1], "p95_of_points": q[2]})
    return pd.DataFrame(rows)


def paired(res: SweepResults, metric: str, other: str) -> pd.DataFrame:
    """other minus reference, run by run (same point and replicate, hence same seed)."""
    ok = res.ok
    wide = ok[ok.scenario.isin([other, res.reference])].pivot_table(
        index=["point", "replicate"], columns="scenario", values=metric, aggfunc="first",
        dropna=False)
    if other not in wide or res.reference not in wide:
        return pd.DataFrame(columns=["point", "replicate", "diff"])
    diff = (wide[other] - wide[res.reference]).dropna().rename("diff").reset_index()
    return diff


def difference_table(res: SweepResults, metrics: list[str]) -> pd.DataFrame:
    rows = []
    for other in res.others:
        for m in metrics:
            d = paired(res, m, other)
            values = d["diff"].to_numpy(float)
            by_point = d.groupby("point")["diff"].mean()
            sd = values.std(ddof=1) if len(values) > 1 else math.nan
            mean = values.mean() if len(values) else math.nan
            low, high = interval(np.array([mean]), np.array([sd]), np.array([len(values)]))
            rows.append({"comparison": f"{other} - {res.reference}", "metric": m,
                         "pairs": len(values), "mean": mean, "ci_low": low[0],
                         "ci_high": high[0],
                         "share_of_points_positive": (by_point > 0).mean() if len(by_point)
                         else math.nan,
                         "p05_of_points": by_point.quantile(0.05) if len(by_point) else math.nan,
                         "p95_of_points": by_point.quantile(0.95) if len(by_point) else math.nan})
    return pd.DataFrame(rows)


# --- printing ----------------------------------------------------------------------------



"""`commissioning analyse DIR`: what a sweep says, as tables, indices and figures.

Reads the sweep's output folder (whatever has finished: a half-done sweep can
be analysed) and writes to DIR/analysis:

- `runs.csv`: every recorded run, failed ones with their error (without the
  `param.` columns: every parameter of every run is in the Parquet files);
- `points.csv`: per design point and scenario, each metric's mean and 95%
  interval over the replicates (t-based), with the point's parameter values;
- `summary.csv`: per scenario, each metric over the whole design: mean with
  a 95% interval over runs, and the 5th, 50th and 95th percentiles of the
  point means (how far the parameters move it);
- `differences.csv` (two or more scenarios): the paired difference from the
  reference scenario (the first two-tier one, else the first listed), run by
  run on the same design point and seed: mean and interval, and the share of
  design points where it is positive (where, for example, locality wins);
- `sensitivity.csv` (Sobol or Morris designs): indices per metric for each
  scenario and for each paired difference (`sweep_sensitivity`);
- `figures/`: each metric against each varied parameter per scenario, the
  paired difference as a heat map over two parameters, the indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .metrics import FINAL_KEYS
from .scenario import ScenarioError
from .sweep_rows import OK
from .sweep_store import ResultStore
from .sweep_units import fmt

#: Metrics shown first in printed sensitivity results.
HEADLINE = ("job_outcome_rate", "additional_job_outcome_rate", "job_outcome_rate_high_barrier",
            "cost_per_additional_job_outcome", "providers_insolvent", "parked_share")


@dataclass
class SweepResults:
    """A sweep's manifest and every run recorded so far."""

    out: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame

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
    table = store.read_runs(params=False)  # the factors' columns say what varied
    if table is None:
        raise ScenarioError(str(out), "runs", "at least one finished run (the sweep has not "
                            "finished any run yet)")
    return SweepResults(out, manifest, table.to_pandas())


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


def _cell(metric: str, mean: float, low: float, high: float, diff: bool = False) -> str:
    text = fmt(metric, mean, diff)
    if not (isinstance(low, float) and math.isnan(low)):
        text += f" [{fmt(metric, low, diff)}, {fmt(metric, high, diff)}]"
    return text


def _table(metrics: list[str], headers: list[str], cells: dict[tuple[str, str], str]
           ) -> list[str]:
    """Metric rows by header columns, each column as wide as its widest cell."""
    width = max([len(m) for m in metrics] + [6]) + 2
    widths = [max([len(h), *(len(cells[m, h]) for m in metrics)]) + 3 for h in headers]
    lines = [f"{'metric':<{width}}" + "".join(f"{h:>{w}}" for h, w in
                                              zip(headers, widths, strict=True))]
    for m in metrics:
        lines.append(f"{m:<{width}}" + "".join(f"{cells[m, h]:>{w}}" for h, w in
                                               zip(headers, widths, strict=True)))
    return lines


def report_lines(res: SweepResults, metrics: list[str], summary: pd.DataFrame,
                 diffs: pd.DataFrame) -> list[str]:
    """The printed tables: per scenario over the design, and the paired differences."""
    lines = ["mean over the design [95% interval over runs] (5th to 95th percentile of the "
             "design points' means)"]
    cells = {}
    for m in metrics:
        for s in res.scenarios:
            r = summary[(summary.scenario == s) & (summary.metric == m)].iloc[0]
            cells[m, s] = (_cell(m, r["mean"], r["ci_low"], r["ci_high"])
                           + f" ({fmt(m, r['p05_of_points'])} to {fmt(m, r['p95_of_points'])})")
    lines += _table(metrics, res.scenarios, cells)
    if len(diffs):
        lines += ["", "paired difference (same design point and seed) [95% interval]; share "
                      "of design points where it is positive"]
        comparisons = list(dict.fromkeys(diffs.comparison))
        cells = {}
        for m in metrics:
            for c in comparisons:
                r = diffs[(diffs.comparison == c) & (diffs.metric == m)].iloc[0]
                share = r["share_of_points_positive"]
                cells[m, c] = (_cell(m, r["mean"], r["ci_low"], r["ci_high"], diff=True)
                               + ("" if math.isnan(share) else f" {100 * share:.0f}% >0"))
        lines += _table(metrics, comparisons, cells)
    return lines


def _headline(metrics: list[str]) -> list[str]:
    first = [m for m in HEADLINE if m in metrics]
    return first or metrics[:3]


def sensitivity_lines(indices: pd.DataFrame, metrics: list[str], design: str) -> list[str]:
    if indices is None or indices.empty:
        return []
    lines = [""]
    if design == "sobol":
        lines.append("Sobol indices: first-order S1 and total ST, ± half-width of the 95% "
                     "interval (all metrics in sensitivity.csv)")
        order, cols = "ST", ("S1", "S1_conf", "ST", "ST_conf")
    else:
        lines.append("Morris: mu* (mean absolute elementary effect over the whole range) ± "
                     "95% half-width, and sigma (interactions and non-linearity)")
        order, cols = "mu_star", ("mu_star", "mu_star_conf", "sigma")
    for target in dict.fromkeys(indices.target):
        for m in _headline(metrics):
            rows = indices[(indices.target == target) & (indices.metric == m)]
            if rows.empty:
                continue
            lines.append(f"  {target}: {m}")
            for _, r in rows.sort_values(order, ascending=False).iterrows():
                if design == "sobol":
                    lines.append(f"    {r['parameter']:<46} S1 {r[cols[0]]:6.3f} ± "
                                 f"{r[cols[1]]:.3f}   ST {r[cols[2]]:6.3f} ± {r[cols[3]]:.3f}")
                else:
                    mu, conf, sigma = (fmt(m, r[c], difference=True).lstrip("+")
                                       for c in cols)
                    lines.append(f"    {r['parameter']:<46} mu* {mu} ± {conf}   sigma {sigma}")
    return lines


def ranking_lines(ranks: pd.DataFrame | None, design: str) -> list[str]:
    if ranks is None or ranks.empty:
        return []
    from .sweep_sensitivity import RANKING_METRICS

    index = "ST" if design == "sobol" else "mu*"
    targets = [c for c in ranks.columns if c.startswith("score ")]
    lines = ["", f"parameters ranked: {index} / the largest {index} for the metric and "
                 f"target, averaged over {', '.join(RANKING_METRICS)} (those that vary) and "
                 "the targets (ranking.csv)",
             f"  {'rank':>4}  {'parameter':<46}{'score':>7}"
             + "".join(f"{c[6:][:22]:>24}" for c in targets)]
    for _, r in ranks.iterrows():
        lines.append(f"  {r['rank']:>4}  {r['parameter']:<46}{r['score']:>7.2f}"
                     + "".join(f"{r[c]:>24.2f}" for c in targets))
    return lines


# --- the command -------------------------------------------------------------------------


def analyse(out: Path, metrics: list[str] | None = None,
            heatmap: tuple[str, str] | None = None, figures: bool = True) -> int:
    """Write the analysis of a sweep's results to OUT/analysis and print its tables."""
    from .sweep_commands import plural
    from .sweep_sensitivity import ranking, sensitivity

    res = load_results(out)
    if heatmap is not None:
        for key in heatmap:
            if key not in res.factor_keys:
                raise ScenarioError("--heatmap", key, "a varied parameter of this sweep: "
                                    + ", ".join(res.factor_keys))
    chosen, constant = choose_metrics(res, metrics)
    folder = out / "analysis"
    folder.mkdir(exist_ok=True)
    failed = len(res.runs) - len(res.ok)
    r = res.resolved
    print(f"sweep {res.manifest.get('name')} ({res.design}, {plural(len(r['points']), 'point')}"
          f", {plural(len(res.scenarios), 'scenario')} x {plural(r['replicates'], 'replicate')}"
          f"): {res.total:,} runs, {len(res.ok):,} ok, {failed:,} failed, "
          f"{res.total - len(res.runs):,} not run yet")
    if constant:
        print(f"not analysed (the same in every run): {', '.join(constant)}")
    res.runs.to_csv(folder / "runs.csv", index=False)
    written = ["runs.csv"]
    if not chosen:
        print("no metric varies across the finished runs: nothing to analyse")
        return 0
    points = points_table(res, chosen)
    summary = summary_table(res, chosen, points)
    diffs = difference_table(res, chosen)
    points.to_csv(folder / "points.csv", index=False)
    summary.to_csv(folder / "summary.csv", index=False)
    written += ["points.csv", "summary.csv"]
    if len(diffs):
        diffs.to_csv(folder / "differences.csv", index=False)
        written.append("differences.csv")
    indices, notes = sensitivity(res, chosen)
    ranks = None
    if indices is not None and not indices.empty:
        indices.to_csv(folder / "sensitivity.csv", index=False)
        ranks = ranking(indices, res.design)
        ranks.to_csv(folder / "ranking.csv", index=False)
        written += ["sensitivity.csv", "ranking.csv"]
    print("\n".join(["", *report_lines(res, chosen, summary, diffs),
                     *sensitivity_lines(indices, chosen, res.design),
                     *ranking_lines(ranks, res.design)]))
    for note in notes:
        print(f"note: {note}")
    drawn: list[str] = []
    if figures:
        from .sweep_figures import write_figures

        drawn = write_figures(res, chosen, indices, heatmap, folder / "figures")
    print(f"\nwritten to {folder}: " + ", ".join(written)
          + (f"; {len(drawn)} figures in figures/" if drawn else ""))
    return 0

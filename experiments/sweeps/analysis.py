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
  scenario and for each paired difference (`sensitivity.py`);
- `figures/`: each metric against each varied parameter per scenario, the
  paired difference as a heat map over two parameters, the indices.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import pandas as pd

from commissioning.model.scenario import ScenarioError

from .results import (
    SweepResults,
    choose_metrics,
    difference_table,
    load_results,
    points_table,
    summary_table,
)
from .units import fmt, plural

#: Metrics shown first in printed sensitivity results.
HEADLINE = ("job_outcome_rate", "additional_job_outcome_rate", "job_outcome_rate_high_barrier",
            "cost_per_additional_job_outcome", "providers_insolvent", "parked_share")


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
    from .sensitivity import RANKING_METRICS

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
    from .sensitivity import ranking, sensitivity

    res = load_results(out)
    if heatmap is not None:
        if heatmap[0] == heatmap[1]:
            raise ScenarioError("--heatmap", " ".join(heatmap), "two different varied "
                                "parameters of this sweep: " + ", ".join(res.factor_keys))
        for key in heatmap:
            if key not in res.factor_keys:
                raise ScenarioError("--heatmap", key, "a varied parameter of this sweep: "
                                    + ", ".join(res.factor_keys))
    chosen, constant = choose_metrics(res, metrics)
    folder = out / "analysis"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise ScenarioError(str(folder), "", f"a folder that can be written ({exc.strerror})"
                            ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ScenarioError(str(folder), "", "a folder this user may write to")
    for path in res.damaged:
        print(f"warning: {path} is not a complete Parquet file (cut off or damaged): left "
              "out; running the sweep again redoes its run", file=sys.stderr)
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
        from .figures import write_figures

        drawn = write_figures(res, chosen, indices, heatmap, folder / "figures")
    print(f"\nwritten to {folder}: " + ", ".join(written)
          + (f"; {len(drawn)} figures in figures/" if drawn else ""))
    return 0

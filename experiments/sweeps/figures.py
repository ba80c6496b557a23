"""Figures of a sweep: metric against parameter, paired-difference heat maps, indices.

Drawn with matplotlib's object API (`Figure`, never pyplot: nothing global,
safe on a server or in a worker), in the Okabe-Ito colour-blind-safe palette
of `viz/charts.py` with a line style and marker per scenario as well (so the
lines part in grey print too), plain metric titles and units on every axis,
at 150 dpi with text of at least 9 points.

- `<metric>.png`: one panel per varied parameter, one line per scenario: the
  mean over the runs at each value (each grid level, or each of ten equally
  filled bins of a continuous range) with its 95% interval as a band; the
  other parameters vary as the design varies them, so the line is the
  parameter's average effect over the design. Continuous designs also show
  every run as a faint dot. A choice (`values = ["a", "b"]` of a string or
  true/false parameter) is shown as points with error bars, not a line.
- `difference_<metric>.png`: the paired difference from the reference
  scenario (e.g. locality minus two-tier, same seeds) over two parameters,
  on a diverging, colour-blind-safe scale (PuOr) centred on zero, in
  percentage points for rates; a star marks cells whose 95% interval
  excludes zero; hatched grey cells have no runs.
- `sensitivity_<metric>.png`: Sobol S1 and ST, or Morris mu*, per parameter,
  with their intervals.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from commissioning.viz.charts import OKABE_ITO

from .factors import Factor
from .units import axis_label, difference_unit, fmt, metric_title, metric_unit

if TYPE_CHECKING:
    from .results import SweepResults

MAX_LEVELS = 10  # more distinct values than this are binned
HEAT_LEVELS = 8
HEAT_BINS = 6
DPI = 150
TEXT, SMALL, TITLE = 10, 9, 11  # font sizes (points)
STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))  # per scenario


def _title(fig: Figure, text: str) -> None:
    """A figure title wrapped to the figure's width (about 11 characters an inch)."""
    width = int(fig.get_figwidth() * 11)
    fig.suptitle("\n".join(textwrap.fill(line, width) for line in text.split("\n")),
                 fontsize=TITLE)


def factor_label(f: Factor) -> str:
    """A factor's axis label: its key, and its unit if it has one (below, if long)."""
    if f.unit in ("-", ""):
        return f.key
    return f"{f.key}{' ' if len(f.key) + len(f.unit) < 40 else chr(10)}({f.unit})"


def factor_objects(res: SweepResults) -> list[Factor]:
    return [Factor(**{**f, "values": tuple(f["values"]) if f["values"] is not None else None})
            for f in res.factors]


def _categorical(f: Factor) -> bool:
    return f.kind != "number"


def _x(values: pd.Series, f: Factor, bins: int) -> tuple[pd.Series, list[str] | None]:
    """Where each run sits on the x axis, and tick labels for categories."""
    if _categorical(f):
        order = {v: i for i, v in enumerate(f.values)}
        return values.map(order), [str(v) for v in f.values]
    if values.nunique() <= bins:
        return values, None
    cut = pd.qcut(values, bins, duplicates="drop")
    return values.groupby(cut, observed=True).transform("mean"), None


def metric_figure(res: SweepResults, metric: str, factors: list[Factor]) -> Figure:
    """The metric against each varied parameter, one line per scenario."""
    from .results import interval

    scale = metric_unit(metric)[0]
    ncols = min(3, len(factors))
    nrows = math.ceil(len(factors) / ncols)
    fig = Figure(figsize=(4.8 * ncols, 3.6 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    ok = res.ok
    for ax, f in zip(axes, factors, strict=False):
        ticks = None
        n = len(res.scenarios)
        for i, scenario in enumerate(res.scenarios):
            mine = ok[(ok.scenario == scenario) & ok[metric].notna()]
            if mine.empty:
                continue
            x, ticks = _x(mine[f.key], f, MAX_LEVELS)
            agg = (mine[metric] * scale).groupby(x).agg(["mean", "std", "count"])
            low, high = interval(agg["mean"].to_numpy(), agg["std"].to_numpy(),
                                 agg["count"].to_numpy())
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            line, marker = STYLES[i % len(STYLES)]
            if ticks is not None:  # categories: points with error bars, side by side
                where = agg.index.to_numpy(float) + 0.12 * (i - (n - 1) / 2)
                ax.errorbar(where, agg["mean"], yerr=[agg["mean"] - low, high - agg["mean"]],
                            fmt=marker, color=colour, ms=6, capsize=4, lw=1.5, label=scenario)
                continue
            if mine[f.key].nunique() > MAX_LEVELS:
                ax.scatter(mine[f.key], mine[metric] * scale, s=6, color=colour, alpha=0.25,
                           lw=0, rasterized=True)
            ax.plot(agg.index, agg["mean"], color=colour, lw=2, ls=line, marker=marker, ms=4,
                    label=scenario)
            ax.fill_between(agg.index, low, high, color=colour, alpha=0.2, lw=0)
        if ticks is not None:
            ax.set_xticks(range(len(ticks)), ticks)
            ax.set_xlim(-0.5, len(ticks) - 0.5)
        ax.tick_params(labelsize=SMALL)
        ax.set_xlabel(factor_label(f), fontsize=TEXT)
        ax.set_ylabel(axis_label(metric), fontsize=TEXT)
        ax.grid(alpha=0.3)
    for ax in axes[len(factors):]:
        ax.set_visible(False)
    axes[0].legend(fontsize=SMALL, framealpha=0.9)
    caveat = ("\nA Morris design moves one parameter at a time along a few trajectories: "
              "these averages mix in the other parameters' effects; the elementary effects "
              "are in sensitivity_{metric}.png" if res.design == "morris" else "")
    _title(fig, f"{metric_title(metric)} ({metric}): mean and 95% interval over the runs "
                "at each value; the other parameters vary as designed"
                + caveat.format(metric=metric))
    return fig


def _cells(values: pd.Series, f: Factor) -> tuple[pd.Series, list[str]]:
    """Heat-map rows or columns: levels as they are, or equally filled bins."""
    if _categorical(f) or values.nunique() <= HEAT_LEVELS:
        levels = list(f.values) if _categorical(f) else sorted(values.unique())
        return values.map({v: i for i, v in enumerate(levels)}), [f"{v:.4g}" if isinstance(
            v, float) else str(v) for v in levels]
    codes, edges = pd.qcut(values, HEAT_BINS, labels=False, retbins=True, duplicates="drop")
    labels = [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(len(edges) - 1)]
    return codes, labels


def difference_heatmap(res: SweepResults, metric: str, fx: Factor, fy: Factor
                       ) -> Figure | None:
    """Paired difference from the reference scenario over two parameters."""
    from .results import interval, paired, point_values

    scale = metric_unit(metric)[0]
    points = point_values(res).reset_index()
    panels = []
    for other in res.others:
        d = paired(res, metric, other).merge(points, on="point")
        if d.empty:
            continue
        gx, xlabels = _cells(d[fx.key], fx)
        gy, ylabels = _cells(d[fy.key], fy)
        agg = (d["diff"] * scale).groupby([gy, gx]).agg(["mean", "std", "count"])
        low, high = interval(agg["mean"].to_numpy(), agg["std"].to_numpy(),
                             agg["count"].to_numpy())
        agg["sure"] = (low > 0) | (high < 0)
        grid = np.full((len(ylabels), len(xlabels)), np.nan)
        sure = np.zeros_like(grid, dtype=bool)
        for (iy, ix), row in agg.iterrows():
            grid[int(iy), int(ix)] = row["mean"]
            sure[int(iy), int(ix)] = row["sure"]
        panels.append((other, grid, sure, xlabels, ylabels))
    if not panels or all(np.isnan(p[1]).all() for p in panels):
        return None
    limit = max(float(np.nanmax(np.abs(p[1]))) for p in panels) or 1e-9
    fig = Figure(figsize=(6.4 * len(panels), 5.2), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (other, grid, sure, xlabels, ylabels) in zip(axes, panels, strict=True):
        ax.set_facecolor("#d9d9d9")  # cells without runs: grey, hatched (white means 0)
        ax.add_patch(Rectangle((-0.5, -0.5), grid.shape[1], grid.shape[0], fill=False,
                               hatch="//", color="#a6a6a6", lw=0, zorder=0))
        image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto",
                          cmap="PuOr", norm=Normalize(-limit, limit), zorder=1)
        small = grid.size > 36
        for iy in range(grid.shape[0]):
            for ix in range(grid.shape[1]):
                if not np.isnan(grid[iy, ix]):
                    text = fmt(metric, grid[iy, ix] / scale, difference=True)
                    dark = abs(grid[iy, ix]) > 0.6 * limit  # white on the deep colours
                    ax.text(ix, iy, text + ("*" if sure[iy, ix] else ""), ha="center",
                            va="center", fontsize=SMALL - small, zorder=2,
                            color="white" if dark else "black")
        long = max(len(t) for t in xlabels) > 6
        ax.set_xticks(range(len(xlabels)), xlabels, fontsize=SMALL, rotation=30 if long else 0,
                      ha="right" if long else "center")
        ax.set_yticks(range(len(ylabels)), ylabels, fontsize=SMALL)
        ax.set_xlabel(factor_label(fx), fontsize=TEXT)
        ax.set_ylabel(factor_label(fy), fontsize=TEXT)
        ax.set_title(f"{other} minus {res.reference}", fontsize=TEXT)
        bar = fig.colorbar(image, ax=ax)
        bar.set_label(f"{other} minus {res.reference} ({difference_unit(metric)})",
                      fontsize=TEXT)
        bar.ax.tick_params(labelsize=SMALL)
    _title(fig, f"{metric_title(metric)} ({metric}): paired difference on the same seeds, "
                "mean over the runs in each cell\n* the cell's 95% interval excludes 0; "
                "hatched: no runs")
    return fig


def sensitivity_figure(indices: pd.DataFrame, metric: str, design: str) -> Figure | None:
    """Sobol S1 and ST, or Morris mu*, per parameter, one panel per target."""
    mine = indices[indices.metric == metric]
    if mine.empty:
        return None
    targets = list(dict.fromkeys(mine.target))
    order = "ST" if design == "sobol" else "mu_star"
    # One order of parameters for every panel: by the largest index anywhere.
    ranked = mine.groupby("parameter")[order].max().sort_values().index
    n_params = len(ranked)
    fig = Figure(figsize=(5.4 * len(targets) + 2.2, 1.4 + 0.32 * n_params),
                 layout="constrained")
    axes = fig.subplots(1, len(targets), squeeze=False, sharey=True)[0]
    y = np.arange(n_params)
    for ax, target in zip(axes, targets, strict=True):
        rows = mine[mine.target == target].set_index("parameter").reindex(ranked)
        if design == "sobol":
            ax.barh(y + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], color=OKABE_ITO[0],
                    label="total (ST)", error_kw={"lw": 1})
            ax.barh(y - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"],
                    color=OKABE_ITO[1], hatch="//", label="first order (S1)",
                    error_kw={"lw": 1})
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlabel("share of the variance over the design", fontsize=TEXT)
        else:
            scale = metric_unit(metric)[0]
            unit = difference_unit(metric)
            ax.barh(y, rows["mu_star"] * scale, xerr=rows["mu_star_conf"] * scale,
                    color=OKABE_ITO[0], label="mu* (mean |effect|)", error_kw={"lw": 1})
            ax.plot(rows["sigma"] * scale, y, "D", color=OKABE_ITO[3], ms=5,
                    label="sigma (interactions)")
            ax.set_xlabel(f"effect of a parameter's whole range ({unit})", fontsize=TEXT)
        ax.set_yticks(y, ranked, fontsize=SMALL)
        ax.tick_params(axis="x", labelsize=SMALL)
        ax.set_title(target, fontsize=TEXT)
        ax.grid(alpha=0.3, axis="x")
    axes[-1].legend(fontsize=SMALL, loc="lower right", framealpha=0.9)
    _title(fig, f"{metric_title(metric)} ({metric}): {design.capitalize()} sensitivity "
                "indices with 95% intervals")
    return fig


def write_figures(res: SweepResults, metrics: list[str], indices: pd.DataFrame | None,
                  heatmap: tuple[str, str] | None, folder: Path) -> list[str]:
    """Every figure for these metrics; returns the file names written."""
    folder.mkdir(parents=True, exist_ok=True)
    factors = factor_objects(res)
    by_key = {f.key: f for f in factors}
    pair = [by_key[k] for k in heatmap] if heatmap else factors[:2]
    written = []

    def save(fig: Figure | None, name: str) -> None:
        if fig is not None:
            fig.savefig(folder / name, dpi=DPI)
            written.append(name)

    for m in metrics:
        save(metric_figure(res, m, factors), f"{m}.png")
        if res.others and len(pair) == 2:
            save(difference_heatmap(res, m, *pair), f"difference_{m}.png")
        if indices is not None and not indices.empty:
            save(sensitivity_figure(indices, m, res.design), f"sensitivity_{m}.png")
    return written

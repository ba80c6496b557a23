"""How well a scenario reproduces the Work Programme's figures: `commissioning check-fit`.

Runs the scenario on several seeds and, for every target in DOMAIN.md, sets
the model's mean and 95% interval beside the published figure and range.
When asked (`--doc`, `--figure`), the table goes into a Markdown file between
two marker lines (docs/calibration.md for the shipped baseline), and a figure
(model against data per payment group, and over time where the data are a
time series) beside it. The targets are the two-tier Work Programme's: for
any other scenario `not_the_baseline` says how it differs, so that a reader
takes "outside" as a difference from the programme, not an error.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commissioning.experiments.comparison import mean_interval
from commissioning.experiments.executor import open_executor, run_all
from commissioning.model.parameters import BY_NAME

from .targets import DECEMBER_2017, JULY_2012, JUNE_2013, TARGETS, WORK_PROGRAMME, read_targets

TABLE_START = "<!-- fit table: written by `commissioning check-fit` -->"
TABLE_END = "<!-- end of fit table -->"
COHORT_WEEKS = 4


def _observe(params: dict) -> dict:
    """Run one model; return every target and the series the figure needs (worker)."""
    from commissioning.model.model import CommissioningModel

    model = CommissioningModel(**params)
    model.run_model()
    c = model.claimants
    weekly = model.datacollector.get_model_vars_dataframe()
    cohort = c.referral_week // COHORT_WEEKS
    within = (c.job_outcome_week >= 0) & (c.job_outcome_week - c.referral_week < 52)
    n = int(cohort.max()) + 1
    cohort_rate = np.bincount(cohort, weights=within, minlength=n) / np.maximum(
        np.bincount(cohort, minlength=n), 1)
    cumulative = (weekly["job_outcomes"] / weekly["referrals"].replace(0, np.nan)).to_numpy()
    return {"targets": read_targets(model), "cohort_rate": cohort_rate,
            "cumulative": cumulative}


def check_fit(params: dict, replicates: int = 10, seed: int = 1, workers: int = 1,
              scheduler: str | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Every target: published figure and range, model mean and 95% interval, inside?"""
    tasks = [{**params, "seed": seed + r} for r in range(replicates)]
    with open_executor(workers, scheduler) as pool:  # here, or on Dask
        runs = run_all(pool, _observe, tasks)
    values = np.array([r["targets"] for r in runs], float)
    rows = []
    for k, t in enumerate(TARGETS):
        mean, low, high = mean_interval(values[:, k])
        rows.append({"id": t.id, "target": t.label, "figure": t.figure, "low": t.low,
                     "high": t.high, "unit": t.unit, "source": t.source, "primary": t.primary,
                     "deadweight": t.deadweight, "required": t.required,
                     "model_mean": mean, "model_low": low, "model_high": high,
                     "inside": bool(t.inside(mean)) if not math.isnan(mean) else False})
    return pd.DataFrame(rows), runs


def fit_lines(table: pd.DataFrame) -> list[str]:
    """One line per target, starting with its ID."""
    lines = []
    for t, row in zip(TARGETS, table.itertuples(), strict=True):
        lines.append(
            f"{row.id:<4} {row.target[:58]:<58} published {t.fmt(row.figure)} "
            f"({t.fmt(row.low)}-{t.fmt(row.high)}) {row.source}; model {t.fmt(row.model_mean)} "
            f"[{t.fmt(row.model_low)}, {t.fmt(row.model_high)}] "
            f"{'inside' if row.inside else 'OUTSIDE'}")
    return lines


def required_count(table: pd.DataFrame) -> str:
    """'primary C1-C5: 5 of 5; deadweight N1-N2: 2 of 2' (the lines a fit must reach)."""
    parts = []
    for label, column in (("primary C1-C5", "primary"), ("deadweight N1-N2", "deadweight")):
        mine = table[table[column]]
        parts.append(f"{label}: {int(mine.inside.sum())} of {len(mine)}")
    return "; ".join(parts)


def not_the_baseline(params: dict) -> str:
    """'' for the shipped two-tier baseline; otherwise how a scenario differs from it."""
    from commissioning.model.scenario import load_scenario

    base = load_scenario("two_tier").params
    if params["regime"] != base["regime"]:
        return f"is a {params['regime']} scenario, not the two-tier programme"
    changed = [BY_NAME[k].key for k in base if k != "seed" and params[k] != base[k]]
    if not changed:
        return ""
    shown = ", ".join(changed[:3]) + (", ..." if len(changed) > 3 else "")
    return (f"changes {len(changed)} parameter{'s' * (len(changed) != 1)} of the two-tier "
            f"baseline ({shown})")


def markdown_table(table: pd.DataFrame, scenario: str, replicates: int, seed: int = 1,
                   note: str = "") -> str:
    head = (f"Scenario `{scenario}`, {replicates} replicates (seeds from {seed}); model mean "
            "and 95% interval of the mean."
            + (f" The targets are the two-tier Work Programme's; this scenario {note}."
               if note else "") + "\n\n"
            "| ID | Target | Published (range) | Source | Model mean [95% interval] | Inside |\n"
            "|---|---|---|---|---|---|")
    rows = [head]
    for t, row in zip(TARGETS, table.itertuples(), strict=True):
        kind = " (primary)" if row.primary else " (deadweight)" if row.deadweight else ""
        rows.append(f"| {row.id}{kind} | {row.target} | "
                    f"{t.fmt(row.figure)} ({t.fmt(row.low)} to {t.fmt(row.high)}) | "
                    f"{row.source} | {t.fmt(row.model_mean)} [{t.fmt(row.model_low)}, "
                    f"{t.fmt(row.model_high)}] | {'yes' if row.inside else '**no**'} |")
    inside = int(table.inside.sum())
    rows.append(f"\n{inside} of {len(table)} target lines inside their published range; "
                f"{required_count(table)}.")
    return "\n".join(rows)


def write_table(doc: Path, text: str, start: str = TABLE_START, end: str = TABLE_END) -> None:
    """Replace the table in `doc` between its marker lines, or append it."""
    block = f"{start}\n{text}\n{end}"
    old = doc.read_text(encoding="utf-8") if doc.exists() else ""
    if start in old and end in old:
        before, rest = old.split(start, 1)
        after = rest.split(end, 1)[1]
        new = before + block + after
    else:
        new = old + ("\n\n" if old else "") + block + "\n"
    doc.write_text(new, encoding="utf-8")


def fit_figure(table: pd.DataFrame, runs: list[dict]) -> Figure:
    """Model against data: by payment group, by monthly cohort, and over time."""
    from commissioning.viz.charts import OKABE_ITO

    fig = Figure(figsize=(15, 4.8), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3, width_ratios=[1.25, 1, 1])
    primary = table[table.required]  # C1-C5, then the deadweight lines N1-N2
    x = np.arange(len(primary))
    ax1.bar(x - 0.2, primary.figure * 100, 0.4, color=OKABE_ITO[1], label="published")
    ax1.vlines(x - 0.2, primary.low * 100, primary.high * 100, color="black", lw=2,
               label="published range")
    ax1.bar(x + 0.2, primary.model_mean * 100, 0.4, color=OKABE_ITO[0], label="model")
    ax1.vlines(x + 0.2, primary.model_low.clip(lower=0) * 100, primary.model_high * 100,
               color="grey", lw=2, label="model 95% interval")
    ax1.set_xticks(x, ["JSA\n18-24\nC1", "JSA\n25+\nC2", "new\nESA\nC3", "ESA\nex-IB\nC4",
                       "all\n\nC5", "JSA 25+\nno prog.\nN1", "new ESA\nno prog.\nN2"],
                   fontsize=8)
    ax1.set_ylabel("job outcomes within two years per referral (%)")
    ax1.set_title("Two-year job outcome rates, and without the programme")
    ax1.legend(fontsize=8)

    cohort = np.array([r["cohort_rate"] for r in runs]) * 100
    weeks = np.arange(cohort.shape[1]) * COHORT_WEEKS
    ax2.plot(weeks, cohort.mean(axis=0), color=OKABE_ITO[0], lw=2, label="model (mean)")
    ax2.fill_between(weeks, np.percentile(cohort, 2.5, axis=0),
                     np.percentile(cohort, 97.5, axis=0), color=OKABE_ITO[0], alpha=0.2, lw=0)
    c8 = table[table.id == "C8"]
    ax2.errorbar([0, 52], c8.figure * 100, yerr=[(c8.figure - c8.low) * 100,
                                                  (c8.high - c8.figure) * 100],
                 fmt="o", color=OKABE_ITO[1], label="published (C8)")
    ax2.set_xlabel("referral week of the monthly cohort (week 0 = June 2011)")
    ax2.set_ylabel("job outcomes within 12 months (%)")
    ax2.set_title("Early dynamics: 12-month rate by cohort")
    ax2.legend(fontsize=8)

    cumulative = np.array([r["cumulative"] for r in runs])[:, 1:] * 100  # row 0: no referrals
    weeks = np.arange(cumulative.shape[1])
    ax3.plot(weeks, cumulative.mean(axis=0), color=OKABE_ITO[0], lw=2, label="model")
    points = table[table.id.isin(["C6", "C12"])]
    at = [WORK_PROGRAMME.week_of_month_end(m) for m in (JULY_2012, JUNE_2013, DECEMBER_2017)]
    ax3.errorbar(at, points.figure * 100, yerr=[(points.figure - points.low) * 100,
                                                 (points.high - points.figure) * 100],
                 fmt="o", color=OKABE_ITO[1], label="published (C6, C12)")
    ax3.set_xlabel("week (0 = June 2011)")
    ax3.set_ylabel("job outcomes so far per referral so far (%)")
    ax3.set_title("Cumulative job outcomes")
    ax3.legend(fontsize=8)
    for ax in (ax1, ax2, ax3):
        ax.grid(alpha=0.3)
    return fig

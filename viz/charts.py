"""Figures shared by `commissioning compare` and the app.

Drawn with matplotlib's object API (never pyplot), so they render offline, on
a server, and in worker processes. The palette is Okabe-Ito (colour-blind
safe) and every axis has its unit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000")
CASH_KINDS = {"prime": "Primes", "large_provider": "Large providers (locality partners)",
              "subcontractor": "Subcontractors",
              "third_sector": "Third sector", "partnership": "Partnerships"}


def _band(ax, weekly: pd.DataFrame, column: str, label: str, colour: str,
          scale: float = 1.0) -> bool:
    data = weekly.pivot_table(index="week", columns="replicate", values=column) * scale
    if data.isna().all().all():
        return False
    ax.plot(data.index, data.median(axis=1), color=colour, lw=2, label=label)
    if data.shape[1] > 1:
        ax.fill_between(data.index, data.quantile(0.025, axis=1), data.quantile(0.975, axis=1),
                        color=colour, alpha=0.2, lw=0)
    return True


def job_outcomes_figure(weekly: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Job outcomes per referral over weeks, overall and for easy and hard claimants."""
    fig = Figure(figsize=(12, 4.5), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    for i, name in enumerate(scenarios):
        mine = weekly[weekly.scenario == name]
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        _band(axes[0], mine, "job_outcome_rate", name, colour, 100)
        _band(axes[1], mine, "job_outcome_rate_low_barrier", f"{name}: 0-1 barriers", colour, 100)
        data = mine.pivot_table(index="week", columns="replicate",
                                values="job_outcome_rate_high_barrier") * 100
        axes[1].plot(data.index, data.median(axis=1), color=colour, lw=2, ls="--",
                     label=f"{name}: 3+ barriers")
    axes[0].set_title("Job outcomes, all claimants")
    axes[1].set_title("Job outcomes by barriers (parking shows as a gap)")
    for ax in axes:
        ax.set_xlabel("week")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("job outcomes per referral so far (%)")
    fig.suptitle("Median and 95% range over replicates (same claimants in every scenario)",
                 fontsize=9)
    return fig


def provider_cash_figure(weekly: pd.DataFrame, scenarios: list[str]) -> Figure:
    """Median and lowest cash of each kind of provider over weeks."""
    kinds = [k for k in CASH_KINDS if weekly[f"cash_median_{k}"].notna().any()]
    fig = Figure(figsize=(4 * max(len(kinds), 1), 4.5), layout="constrained")
    axes = fig.subplots(1, max(len(kinds), 1), squeeze=False)[0]
    for ax, kind in zip(axes, kinds, strict=False):
        for i, name in enumerate(scenarios):
            mine = weekly[weekly.scenario == name]
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            if _band(ax, mine, f"cash_median_{kind}", f"{name} median", colour, 1e-3):
                lowest = mine.pivot_table(index="week", columns="replicate",
                                          values=f"cash_min_{kind}") * 1e-3
                ax.plot(lowest.index, lowest.median(axis=1), color=colour, lw=1, ls=":",
                        label=f"{name} lowest")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_title(CASH_KINDS[kind])
        ax.set_xlabel("week")
        ax.set_ylabel("cash (£ thousand)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Provider cash: median and lowest active provider (insolvent ones drop out)",
                 fontsize=9)
    return fig


def save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path

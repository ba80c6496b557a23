"""The live charts over weeks: job outcomes, parking, providers' cash, and the money.

Four panels, in the order a class reads the story: who gets a job (by payment
group), whether the hard to help are left behind (low- against high-barrier
claimants, and the share of searchers parked this week), whether providers
can carry the cash flow (big organisations and small providers apart: their
cash differs a hundredfold, and one scale would flatten the small ones to
zero; a vertical line when one goes bust), and where the commissioner's money
went.

One run (Explore) shows each panel in detail, coloured by series. Two runs
(Compare) overlay the same panels with colour for the run and line style for
the measure, so the difference between regimes is visible at a glance.
Axes keep their ranges while the data fit (a jumping scale hides change from
a class) and grow in round steps when they no longer do. Every axis names its
unit. Drawn on a reused `BlitFigure` (see `blit.py`): only the lines move
from week to week.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from commissioning.model import CommissioningModel
from commissioning.model.parameters import PAYMENT_GROUPS

from .blit import BlitFigure

GROUPS = {  # label, colour, line style: JSA groups solid, ESA and IB groups dashed
    "jsa_18_24": ("JSA 18-24", "#0072B2", "-"),
    "jsa_25_plus": ("JSA 25+", "#E69F00", "-"),
    "jsa_early_access": ("JSA early", "#009E73", "-"),
    "jsa_ex_ib": ("JSA ex-IB", "#D55E00", "-"),
    "jsa_prison_leavers": ("JSA prison", "#CC79A7", "-"),
    "esa_volunteers": ("ESA vol.", "#56B4E9", "--"),
    "esa_new": ("ESA new", "#0072B2", "--"),
    "esa_ex_ib": ("ESA ex-IB", "#D55E00", "--"),
    "ib_is_volunteers": ("IB/IS vol.", "#009E73", "--"),
}
BIG = {"prime": ("Primes", "#0072B2", "-"),  # weekly column suffix: label, colour, style
       "large_provider": ("Large providers", "#56B4E9", "-"),
       "partnership": ("Partnerships", "#CC79A7", "--")}
SMALL = {"subcontractor": ("Subcontractors", "#E69F00", "--"),
         "third_sector": ("Charities", "#009E73", "-")}
KINDS = {**BIG, **SMALL}
MONEY = (("paid_attachment", "attachment fees", "#56B4E9"),
         ("paid_service_fee", "service fees", "#F0E442"),
         ("paid_outcome", "outcome payments", "#0072B2"))
RUN_COLOURS = ("#0072B2", "#D55E00")  # Compare: first run blue, second vermillion
TITLE, LABEL, TICK, KEY = 14, 12, 11, 10.5
GREY = "#555555"


@dataclass
class Run:
    """A model and how the charts name and colour it."""

    model: CommissioningModel
    label: str
    colour: str = "#000000"

    def series(self, key: str, scale: float = 1.0) -> np.ndarray:
        """A weekly column (as collected by the model's DataCollector) as floats."""
        return np.asarray(self.model.datacollector.model_vars[key], dtype=float) * scale

    def has(self, kind: str) -> bool:
        return any(o.kind == kind for o in self.model.providers)


def nice_ceiling(x: float) -> float:
    """The next round number at or above x (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k)."""
    if x <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if x <= m * power)


def _style(ax: Axes, title: str, ylabel: str, weeks: int) -> None:
    ax.set_title(title, fontsize=TITLE, loc="left")
    ax.set_xlabel("week", fontsize=LABEL)
    ax.set_ylabel(ylabel, fontsize=LABEL)
    ax.set_xlim(0, weeks)
    ax.tick_params(labelsize=TICK)
    ax.grid(alpha=0.3)


def _key(colour: str = GREY, ls: str = "-", lw: float = 2.0, label: str = "") -> Line2D:
    return Line2D([], [], color=colour, ls=ls, lw=lw, label=label)


class WeeklyCharts:
    """The panels for one run (detail) or two runs (overlay), redrawn each week."""

    def __init__(self, runs: Sequence[Run], width: float = 12.0, dpi: int = 90):
        self.runs = list(runs)
        self.compare = len(self.runs) > 1
        if self.compare:
            for run, colour in zip(self.runs, RUN_COLOURS, strict=False):
                run.colour = colour
        weeks = max(int(r.model.p["weeks"]) for r in self.runs)
        self.fig = Figure(figsize=(width, 8.4), dpi=dpi)
        self.blit = BlitFigure(self.fig)
        grid = self.fig.add_gridspec(2, 2, left=0.065, right=0.99, top=0.955, bottom=0.07,
                                     hspace=0.45, wspace=0.2)
        self.ax_outcomes = self.fig.add_subplot(grid[0, 0])
        self.ax_barriers = self.fig.add_subplot(grid[0, 1])
        cash = grid[1, 0].subgridspec(1, 2, wspace=0.42)
        self.ax_big = self.fig.add_subplot(cash[0, 0])
        self.ax_small = self.fig.add_subplot(cash[0, 1])
        self.ax_money = self.fig.add_subplot(grid[1, 1])
        self._lines: list[tuple[Line2D, Run, str, float]] = []
        self._busts: list[tuple[LineCollection, Run, list[str]]] = []
        self._stacks: list[tuple[PolyCollection, Run, int]] = []
        self._grow_down = {self.ax_big, self.ax_small}
        # How far above the data the top of each axis sits: the key lives up there.
        self._headroom = {self.ax_outcomes: 1.5, self.ax_big: 2.4, self.ax_small: 2.4,
                          self.ax_money: 1.7}
        self._outcomes(weeks)
        self._barriers(weeks)
        median = "median " if self.compare else ""
        self._cash(self.ax_big, BIG, f"Big organisations' {median}cash", weeks)
        self._cash(self.ax_small, SMALL, f"Small providers' {median}cash", weeks)
        self._money(weeks)

    # --- building -------------------------------------------------------------

    def _line(self, ax: Axes, run: Run, key: str, scale: float = 1.0, **style) -> Line2D:
        (line,) = ax.plot([], [], **style)
        self.blit.add_dynamic(line)
        self._lines.append((line, run, key, scale))
        return line

    def _run_keys(self) -> list[Line2D]:
        return [_key(r.colour, lw=3, label=r.label) for r in self.runs]

    def _outcomes(self, weeks: int) -> None:
        ax = self.ax_outcomes
        no_programme = dict(lw=2.2, ls=":")
        if self.compare:
            _style(ax, "Job outcomes, all claimants", "job outcomes per referral (%)", weeks)
            for run in self.runs:
                self._line(ax, run, "job_outcome_rate", 100, color=run.colour, lw=2.6)
            keys = [*self._run_keys(), _key("#777777", label="same people, no programme",
                                            **no_programme)]
            ax.set_ylim(0, 50)
        else:
            _style(ax, "Job outcomes by payment group", "job outcomes per referral (%)", weeks)
            run = self.runs[0]
            for group in PAYMENT_GROUPS:
                label, colour, ls = GROUPS[group]
                self._line(ax, run, f"job_outcome_rate_{group}", 100, lw=1.6, color=colour,
                           ls=ls, label=label)
            self._line(ax, run, "job_outcome_rate", 100, color="black", lw=3.2, label="all")
            keys = None
            ax.set_ylim(0, 70)
        self._line(ax, self.runs[0], "no_programme_outcome_rate", 100, color="#777777",
                   label="no programme", **no_programme)
        ax.legend(handles=keys, loc="upper left", fontsize=KEY, frameon=False,
                  ncol=1 if self.compare else 4, handlelength=1.8, columnspacing=0.6)

    def _barriers(self, weeks: int) -> None:
        ax = self.ax_barriers
        _style(ax, "Easy and hard to help: parking shows as a gap", "per cent", weeks)
        low, high, parked = dict(lw=2.4), dict(lw=2.4, ls="--"), dict(lw=1.5, ls=":")
        for run in self.runs:
            c = [run.colour] * 3 if self.compare else ["#009E73", "#D55E00", "#555555"]
            self._line(ax, run, "job_outcome_rate_low_barrier", 100, color=c[0], **low)
            self._line(ax, run, "job_outcome_rate_high_barrier", 100, color=c[1], **high)
            self._line(ax, run, "parked_this_week", 100, color=c[2], **parked)
        names = (("job outcomes, 0-1 barriers", "job outcomes, 3+ barriers", "parked this week")
                 if self.compare else
                 ("job outcomes, claimants with 0-1 barriers",
                  "job outcomes, claimants with 3+ barriers", "searchers parked this week"))
        if self.compare:
            keys = [*self._run_keys(), *(_key(label=n, **s) for n, s in
                                         zip(names, (low, high, parked), strict=True))]
        else:
            keys = [_key(c, label=n, **s) for c, n, s in
                    zip(("#009E73", "#D55E00", "#555555"), names, (low, high, parked),
                        strict=True)]
        # A share never passes 100%: the band above it holds the key, clear of the lines.
        columns = 2 if self.compare else 1
        ax.set_ylim(0, 104 + 10 * math.ceil(len(keys) / columns))
        ax.set_yticks(range(0, 101, 20))
        ax.axhline(100, color="#bbbbbb", lw=0.8)
        ax.legend(handles=keys, loc="upper left", fontsize=KEY, frameon=False, ncol=columns)

    def _cash(self, ax: Axes, kinds: dict, title: str, weeks: int) -> None:
        _style(ax, title, "cash (£ thousand)", weeks)
        ax.axhline(0, color="#333333", lw=1)
        keys: list[Line2D] = self._run_keys() if self.compare else []
        styles: dict[str, str] = {}
        for run in self.runs:
            present = [k for k in kinds if run.has(k)]
            for kind in present:
                label, colour, ls = kinds[kind]
                if self.compare:  # colour for the run, style for the kind; medians only
                    self._line(ax, run, f"cash_median_{kind}", 1e-3, color=run.colour, lw=2,
                               ls=ls)
                    styles.setdefault(ls, label.lower())
                    if styles[ls] != label.lower() and label.lower() not in styles[ls]:
                        styles[ls] += f", {label.lower()}"
                else:
                    self._line(ax, run, f"cash_median_{kind}", 1e-3, color=colour, lw=2.2)
                    self._line(ax, run, f"cash_min_{kind}", 1e-3, color=colour, lw=1.4, ls=":")
                    keys.append(_key(colour, label=label))
            busts = LineCollection([], linewidths=1.3, linestyles="--", alpha=0.8,
                                   transform=ax.get_xaxis_transform())
            ax.add_collection(busts)
            self.blit.add_dynamic(busts)
            self._busts.append((busts, run, present))
        if self.compare:
            keys += [_key(ls=ls, label=names) for ls, names in styles.items()]
        else:
            keys += [_key(label="median"), _key(ls=":", lw=1.4, label="lowest")]
        keys.append(_key(ls="--", lw=1.3, label="one goes bust"))
        ax.legend(handles=keys, loc="upper left", fontsize=KEY - 0.5, frameon=False,
                  handlelength=1.8)
        start = [run.series(f"cash_median_{k}", 1e-3)[0] for run in self.runs for k in kinds
                 if run.has(k)]
        top = nice_ceiling(self._headroom[ax] * max([abs(v) for v in start if np.isfinite(v)]
                                                    or [10.0]))
        ax.set_ylim(-top / 3, top)

    def _money(self, weeks: int) -> None:
        ax = self.ax_money
        _style(ax, "Where the money went (so far)", "£ thousand", weeks)
        total, specialists = dict(lw=2.6), dict(lw=1.8, ls=":")
        if self.compare:
            for run in self.runs:
                self._line(ax, run, "total_spend", 1e-3, color=run.colour, **total)
                self._line(ax, run, "paid_specialist_fee", 1e-3, color=run.colour, **specialists)
            keys = [*self._run_keys(), _key(label="paid by the commissioner", **total),
                    _key(label="of which paid to specialists", **specialists)]
        else:
            run = self.runs[0]
            keys = []
            for i, (_, label, colour) in enumerate(MONEY):
                poly = PolyCollection([], facecolors=colour, edgecolors="none", alpha=0.85)
                ax.add_collection(poly)
                self.blit.add_dynamic(poly)
                self._stacks.append((poly, run, i))
                keys.append(Patch(color=colour, alpha=0.85, label=f"commissioner paid: {label}"))
            self._line(ax, run, "paid_pass_through", 1e-3, color="black", lw=2, ls="--")
            self._line(ax, run, "paid_specialist_fee", 1e-3, color="#D55E00", **total)
            keys += [_key("black", "--", label="passed on to case holders"),
                     _key("#D55E00", label="paid to specialists", **total)]
        ax.legend(handles=keys, loc="upper left", fontsize=KEY, frameon=False)
        ax.set_ylim(0, 500)

    # --- each week --------------------------------------------------------------

    def update(self) -> None:
        """Copy the runs' weekly data onto the artists; widen an axis that no longer fits."""
        for line, run, key, scale in self._lines:
            line.set_data(run.series("weeks"), run.series(key, scale))
        for busts, run, kinds in self._busts:
            segments, colours = [], []
            weeks = run.series("weeks")
            for kind in kinds:
                for week in weeks[1:][np.diff(run.series(f"insolvent_{kind}")) > 0]:
                    segments.append([(week, 0.0), (week, 1.0)])
                    colours.append(run.colour if self.compare else KINDS[kind][1])
            busts.set_segments(segments)
            busts.set_colors(colours or [GREY])
        if self._stacks:
            run = self._stacks[0][1]
            x = run.series("weeks")
            base = np.zeros_like(x)
            for poly, _, i in self._stacks:
                top = base + run.series(MONEY[i][0], 1e-3)
                poly.set_verts([np.column_stack([np.r_[x, x[::-1]], np.r_[top, base[::-1]]])])
                base = top
        self._fit_axes()

    def _fit_axes(self) -> None:
        """Grow an axis in round steps when the data leave it (and redraw the background)."""
        for ax in (self.ax_outcomes, self.ax_barriers, self.ax_big, self.ax_small, self.ax_money):
            values = [np.asarray(line.get_ydata(), float) for line in ax.get_lines()
                      if line.get_animated()]
            values += [p.get_paths()[0].vertices[:, 1] for p in ax.collections
                       if isinstance(p, PolyCollection) and p.get_paths()]
            data = np.concatenate(values) if values else np.empty(0)
            data = data[np.isfinite(data)]
            if not data.size:
                continue
            low, high = ax.get_ylim()
            if ax is self.ax_barriers:
                continue  # fixed: 0-100% and the band for the key
            new_high = max(high, nice_ceiling(data.max() * self._headroom[ax]))
            if ax is self.ax_outcomes:
                new_high = min(new_high, 100.0) if high <= 100 else high
            new_low = low
            if ax in self._grow_down and data.min() < low:
                new_low = -nice_ceiling(-data.min() * 1.2)
            if (new_low, new_high) != (low, high):
                ax.set_ylim(new_low, new_high)
                self.blit.invalidate()

    def png(self) -> bytes:
        """This week's picture."""
        self.update()
        return self.blit.png()

    def full_png(self) -> bytes:
        """This week's picture drawn in full at print quality (for a download)."""
        self.update()
        return self.blit.full_png(dpi=150)

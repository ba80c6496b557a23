"""The live charts over weeks: job outcomes, parking, providers' cash, insolvencies, money.

Six panels in three rows, in the order a class reads the story: who gets a
job (by payment group) and whether the hard to help are left behind (low-
against high-barrier claimants, and the share of searchers parked this week);
whether providers can carry the cash flow (big organisations and small
providers apart: their cash differs a hundredfold, and one scale would flatten
the small ones to zero); how many providers went bust, and where the
commissioner's money went.

Each panel is a subfigure: its title, then its key, then the axes, so a key
never covers a line and a title never runs into its neighbour's (the layout
engine makes room for both). Every axis names its unit, the text is large
enough for a projector, and the colours are the Okabe-Ito palette, safe for
colour-blind viewers. One run (Explore) shows each panel in detail, coloured
by series. Two runs (Compare) overlay the same panels with colour for the run
(blue, vermillion) and line style for the measure, so the difference between
regimes is visible at a glance.

Axes keep their ranges while the data fit (a jumping scale hides change from
a class) and grow in round steps when they no longer do. Drawn on a reused
`BlitFigure` (see `blit.py`): only the lines move from week to week; the
titles, keys and axes are drawn again only when an axis grows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from commissioning.model import CommissioningModel
from commissioning.model.parameters import PAYMENT_GROUPS

from .blit import BlitFigure
from .ui import plain_title

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
# Kinds of provider (the weekly columns' suffix): label, colour (one run), line style (two).
BIG = {"prime": ("Primes", "#0072B2", "-"),
       "large_provider": ("Large providers", "#56B4E9", "-."),
       "partnership": ("Partnerships", "#CC79A7", "--")}
SMALL = {"subcontractor": ("Subcontractors", "#E69F00", "--"),
         "third_sector": ("Charities", "#009E73", "-")}
KINDS = {**BIG, **SMALL}
MONEY = (("paid_attachment", "attachment fees", "#56B4E9"),
         ("paid_service_fee", "service fees", "#F0E442"),
         ("paid_outcome", "outcome payments", "#0072B2"))
RUN_COLOURS = ("#0072B2", "#D55E00")  # Compare: first run blue, second vermillion
TITLE, LABEL, TICK, KEY = 15, 13, 12, 12
GREY = "#555555"
NO_PROGRAMME = "#777777"


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


def _label_width(low: float, high: float) -> int:
    """Characters in an axis's widest tick label (a minus sign counts)."""
    return max(len(f"{high:.0f}"), len(f"{low:.0f}"))


def _key(colour: str = GREY, ls: str = "-", lw: float = 2.0, label: str = "") -> Line2D:
    return Line2D([], [], color=colour, ls=ls, lw=lw, label=label)


class WeeklyCharts:
    """The panels for one run (detail) or two runs (overlay), redrawn each week."""

    def __init__(self, runs: Sequence[Run], width: float = 11.0, dpi: int = 90):
        self.runs = list(runs)
        self.compare = len(self.runs) > 1
        if self.compare:
            for run, colour in zip(self.runs, RUN_COLOURS, strict=False):
                run.colour = colour
        self.weeks = max(int(r.model.p["weeks"]) for r in self.runs)
        self.fig = Figure(figsize=(width, 13.8), dpi=dpi, layout="constrained")
        self.fig.get_layout_engine().set(w_pad=0.08, h_pad=0.08, wspace=0.02, hspace=0.02)
        self.blit = BlitFigure(self.fig)
        # Opaque cells: one can be drawn again over the old picture when its axis grows.
        self._cells = self.fig.subfigures(3, 2, wspace=0.04, hspace=0.03, facecolor="white")
        self._lines: list[tuple[Line2D, Run, str, float]] = []
        self._stacks: list[tuple[PolyCollection, Run, int]] = []
        self._grow_down: set[Axes] = set()
        self.axes: list[Axes] = []
        self._cell_of: dict[Axes, SubFigure] = {}
        median = "median " if self.compare else ""
        self.ax_outcomes = self._outcomes(self._cells[0, 0])
        self.ax_barriers = self._barriers(self._cells[0, 1])
        self.ax_big = self._cash(self._cells[1, 0], BIG, f"Big organisations' {median}cash")
        self.ax_small = self._cash(self._cells[1, 1], SMALL, f"Small providers' {median}cash")
        self.ax_busts = self._busts(self._cells[2, 0])
        self.ax_money = self._money(self._cells[2, 1])

    # --- building -------------------------------------------------------------

    def _panel(self, cell: SubFigure, title: str, ylabel: str, keys: list, ncol: int) -> Axes:
        """A panel: its title, the axes with their units, then its key under them."""
        ax = cell.add_subplot()
        ax.set_title(title, loc="left", fontsize=TITLE, fontweight="bold")
        ax.set_xlabel("week of the programme", fontsize=LABEL)
        ax.set_ylabel(ylabel, fontsize=LABEL)
        ax.set_xlim(0, self.weeks)
        ax.tick_params(labelsize=TICK)
        ax.grid(alpha=0.3)
        key = cell.legend(handles=keys, loc="outside lower left", ncol=ncol, fontsize=KEY,
                          frameon=False, handlelength=2.2, columnspacing=1.0, borderaxespad=0.2)
        for text in key.get_texts():  # runs are named after files: never mathematics
            text.set_parse_math(False)
        self.axes.append(ax)
        self._cell_of[ax] = cell
        return ax

    def _line(self, ax: Axes, run: Run, key: str, scale: float = 1.0, **style) -> Line2D:
        (line,) = ax.plot([], [], **style)
        self.blit.add_dynamic(line)
        self._lines.append((line, run, key, scale))
        return line

    def _run_keys(self) -> list[Line2D]:
        return [_key(r.colour, lw=3, label=plain_title(r.label, 40)) for r in self.runs]

    def _outcomes(self, cell: SubFigure) -> Axes:
        no_programme = dict(lw=2.2, ls=":")
        ylabel = "job outcomes, % of referrals"
        if self.compare:
            keys = [*self._run_keys(), _key(NO_PROGRAMME, label="dotted: same people,\n"
                                            "no programme", **no_programme)]
            ax = self._panel(cell, "Job outcomes, all claimants", ylabel, keys, 2)
            for run in self.runs:
                self._line(ax, run, "job_outcome_rate", 100, color=run.colour, lw=2.6)
                self._line(ax, run, "no_programme_outcome_rate", 100, color=run.colour,
                           **no_programme)
            ax.set_ylim(0, 50)
            return ax
        keys = [_key(colour, ls, 1.8, label) for label, colour, ls in
                (GROUPS[g] for g in PAYMENT_GROUPS)]
        keys += [_key("black", lw=3.2, label="all"),
                 _key(NO_PROGRAMME, label="no programme", **no_programme)]
        ax = self._panel(cell, "Job outcomes by payment group", ylabel, keys, 3)
        run = self.runs[0]
        for group in PAYMENT_GROUPS:
            _, colour, ls = GROUPS[group]
            self._line(ax, run, f"job_outcome_rate_{group}", 100, lw=1.6, color=colour, ls=ls)
        self._line(ax, run, "job_outcome_rate", 100, color="black", lw=3.2)
        self._line(ax, run, "no_programme_outcome_rate", 100, color=NO_PROGRAMME,
                   **no_programme)
        ax.set_ylim(0, 50)
        return ax

    def _barriers(self, cell: SubFigure) -> Axes:
        low, high, parked = dict(lw=2.4), dict(lw=2.4, ls="--"), dict(lw=1.8, ls=":")
        names = ("job outcomes, 0-1 barriers", "job outcomes, 3+ barriers",
                 "searchers parked this week")
        colours = ("#009E73", "#D55E00", GREY)
        if self.compare:  # the measures in one column of the key, the runs in the other
            keys = [*(_key(label=n, **s) for n, s in zip(names, (low, high, parked),
                                                         strict=True)), *self._run_keys()]
        else:
            keys = [_key(c, label=n, **s) for c, n, s in
                    zip(colours, names, (low, high, parked), strict=True)]
        ax = self._panel(cell, "Easy and hard to help (parking)", "per cent (%)", keys,
                         2 if self.compare else 1)
        for run in self.runs:
            c = [run.colour] * 3 if self.compare else colours
            self._line(ax, run, "job_outcome_rate_low_barrier", 100, color=c[0], **low)
            self._line(ax, run, "job_outcome_rate_high_barrier", 100, color=c[1], **high)
            self._line(ax, run, "parked_this_week", 100, color=c[2], **parked)
        ax.set_ylim(0, 100)  # shares: fixed
        ax.set_yticks(range(0, 101, 20))
        return ax

    def _cash(self, cell: SubFigure, kinds: dict, title: str) -> Axes:
        present = {kind for run in self.runs for kind in kinds if run.has(kind)}
        shown = [k for k in kinds if k in present]
        if self.compare:  # colour for the run, style for the kind; medians only
            keys = [*self._run_keys(), *(_key(ls=kinds[k][2], label=kinds[k][0].lower())
                                         for k in shown)]
        else:
            keys = [_key(kinds[k][1], lw=3, label=kinds[k][0]) for k in shown]
            keys += [_key(label="median"), _key(ls=":", lw=1.6, label="lowest")]
        ax = self._panel(cell, title, "cash (£ thousand)", keys, 3 if self.compare else 2)
        ax.axhline(0, color="#333333", lw=1)
        for run in self.runs:
            for kind in (k for k in shown if run.has(k)):
                _, colour, ls = kinds[kind]
                if self.compare:
                    self._line(ax, run, f"cash_median_{kind}", 1e-3, color=run.colour, lw=2.2,
                               ls=ls)
                else:
                    self._line(ax, run, f"cash_median_{kind}", 1e-3, color=colour, lw=2.4)
                    self._line(ax, run, f"cash_min_{kind}", 1e-3, color=colour, lw=1.6, ls=":")
        start = [run.series(f"cash_median_{k}", 1e-3)[0] for run in self.runs for k in shown
                 if run.has(k)]
        top = nice_ceiling(1.3 * max([abs(v) for v in start if np.isfinite(v)] or [10.0]))
        ax.set_ylim(-top / 3, top)
        self._grow_down.add(ax)
        return ax

    def _busts(self, cell: SubFigure) -> Axes:
        if self.compare:
            all_kinds, charities = dict(lw=2.6), dict(lw=2.0, ls="--")
            keys = [*self._run_keys(), _key(label="all providers", **all_kinds),
                    _key(label="of which charities", **charities)]
            ax = self._panel(cell, "Providers gone bust (so far)", "providers (number)", keys, 2)
            for run in self.runs:
                self._line(ax, run, "providers_insolvent", color=run.colour,
                           drawstyle="steps-post", **all_kinds)
                self._line(ax, run, "insolvent_third_sector", color=run.colour,
                           drawstyle="steps-post", **charities)
        else:
            run = self.runs[0]
            shown = [k for k in KINDS if run.has(k)]
            keys = [_key("black", lw=3, label="all providers"),
                    *(_key(KINDS[k][1], lw=2.2, label=KINDS[k][0]) for k in shown)]
            ax = self._panel(cell, "Providers gone bust (so far)", "providers (number)", keys, 3)
            self._line(ax, run, "providers_insolvent", color="black", lw=3,
                       drawstyle="steps-post")
            for kind in shown:
                self._line(ax, run, f"insolvent_{kind}", color=KINDS[kind][1], lw=2.2,
                           drawstyle="steps-post")
        ax.set_ylim(0, 5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        return ax

    def _money(self, cell: SubFigure) -> Axes:
        total, specialists = dict(lw=2.6), dict(lw=2.0, ls=":")
        title, ylabel = "Where the money went (so far)", "paid so far (£ thousand)"
        if self.compare:
            keys = [*self._run_keys(), _key(label="paid by the commissioner", **total),
                    _key(label="of which to specialists", **specialists)]
            ax = self._panel(cell, title, ylabel, keys, 2)
            for run in self.runs:
                self._line(ax, run, "total_spend", 1e-3, color=run.colour, **total)
                self._line(ax, run, "paid_specialist_fee", 1e-3, color=run.colour, **specialists)
        else:
            keys = [Patch(color=colour, alpha=0.85, label=f"paid: {label}")
                    for _, label, colour in MONEY]
            keys += [_key("black", "--", label="passed down the chain"),
                     _key("#D55E00", label="paid to specialists", **total)]
            ax = self._panel(cell, title, ylabel, keys, 2)
            run = self.runs[0]
            for i, (_, _, colour) in enumerate(MONEY):
                poly = PolyCollection([], facecolors=colour, edgecolors="none", alpha=0.85)
                ax.add_collection(poly)
                self.blit.add_dynamic(poly)
                self._stacks.append((poly, run, i))
            self._line(ax, run, "paid_pass_through", 1e-3, color="black", lw=2, ls="--")
            self._line(ax, run, "paid_specialist_fee", 1e-3, color="#D55E00", **total)
        ax.set_ylim(0, 500)
        return ax

    # --- each week --------------------------------------------------------------

    def update(self) -> None:
        """Copy the runs' weekly data onto the artists; widen an axis that no longer fits."""
        for line, run, key, scale in self._lines:
            line.set_data(run.series("weeks"), run.series(key, scale))
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
        for ax in self.axes:
            if ax is self.ax_barriers:
                continue  # fixed: 0-100%
            values = [np.asarray(line.get_ydata(), float) for line in ax.get_lines()
                      if line.get_animated()]
            values += [p.get_paths()[0].vertices[:, 1] for p in ax.collections
                       if isinstance(p, PolyCollection) and p.get_paths()]
            data = np.concatenate(values) if values else np.empty(0)
            data = data[np.isfinite(data)]
            if not data.size:
                continue
            low, high = ax.get_ylim()
            new_high = max(high, nice_ceiling(data.max() * 1.15))
            if ax is self.ax_outcomes:
                new_high = min(new_high, 100.0)
            new_low = low
            if ax in self._grow_down and data.min() < low:
                new_low = -nice_ceiling(-data.min() * 1.2)
            if (new_low, new_high) != (low, high):
                ax.set_ylim(new_low, new_high)
                # Wider tick labels need a new layout (the whole figure); else this panel.
                wider = _label_width(new_low, new_high) > _label_width(low, high)
                self.blit.invalidate(None if wider else self._cell_of[ax])

    def png(self) -> bytes:
        """This week's picture."""
        self.update()
        return self.blit.png()

    def full_png(self) -> bytes:
        """This week's picture drawn in full at print quality (for a download)."""
        self.update()
        return self.blit.full_png(dpi=150)

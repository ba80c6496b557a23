"""The charts over weeks, one picture each, in the order a class reads the story.

What the programme added (everyone referred reaching a lasting job, with the
programme and without it: the gap is the programme's own work); easy and hard
to help, and how many looking for work were parked; job outcomes by payment
group, named in words; big organisations' and small providers' cash; providers
gone bust; where the commissioner's money went (attachment fees, service fees,
outcome payments) and what reached specialists.

Pictures that tell the truth (issue 16):

- **No median of survivors.** A provider that has gone bust keeps the cash it
  had when it went (`timeline.Recorder`), so the median of *all* a kind's
  providers does not jump up when the poorest close; each closure is a cross
  where it happened, and the lowest line is the lowest of those still open.
- **Lines that lie on each other stay visible.** On Compare the first run is a
  wide pale line and the second a narrow dark one on top: where they agree,
  the narrow one runs inside the wide one.
- **Recession weeks are shaded**, and the week after which nobody new is
  referred is marked, so a parked share that climbs as the programme winds
  down (fewer people left, nearer the end of their two years) has its reason
  on the picture; it is not drawn once too few are left to make a share.
- **Keys are never clipped**: `panels.Panel` places each key under its axes in
  as many rows as it needs.

Colours are the Okabe-Ito palette (safe for colour-blind viewers); on Compare
colour is the run (blue, then orange) and line style the measure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from commissioning.model.parameters import PAYMENT_GROUPS

from .layout import Layout
from .panels import Panel, nice_ceiling, stitch
from .timeline import Timeline
from .ui import plain_title

GROUPS = {  # label in words, colour, line style: jobseekers solid, sickness benefits dashed
    "jsa_18_24": ("Jobseekers aged 18-24", "#0072B2", "-"),
    "jsa_25_plus": ("Jobseekers aged 25+", "#E69F00", "-"),
    "jsa_early_access": ("Jobseekers sent early", "#009E73", "-"),
    "jsa_ex_ib": ("Jobseekers, were on incapacity", "#D55E00", "-"),
    "jsa_prison_leavers": ("Prison leavers", "#CC79A7", "-"),
    "esa_volunteers": ("Sick or disabled, volunteers", "#56B4E9", "--"),
    "esa_new": ("Sick or disabled, new claims", "#0072B2", "--"),
    "esa_ex_ib": ("Sick/disabled, were on incapacity", "#D55E00", "--"),
    "ib_is_volunteers": ("Incapacity benefit, volunteers", "#009E73", "--"),
}
#: What each payment group is, for hover text and the glossary.
GROUP_HELP = {
    "jsa_18_24": "Jobseeker's Allowance (JSA), aged 18-24, referred after 9 months",
    "jsa_25_plus": "Jobseeker's Allowance, aged 25 or over, referred after 12 months",
    "jsa_early_access": "Jobseeker's Allowance, referred early (after 3 months) because of a "
                        "serious disadvantage such as homelessness or addiction",
    "jsa_ex_ib": "Jobseeker's Allowance, moved off Incapacity Benefit",
    "jsa_prison_leavers": "Jobseeker's Allowance, referred on release from prison",
    "esa_volunteers": "Employment and Support Allowance (ESA, the sickness and disability "
                      "benefit), joined voluntarily",
    "esa_new": "new Employment and Support Allowance claimants expected to be fit for work "
               "within months",
    "esa_ex_ib": "Employment and Support Allowance, moved off Incapacity Benefit",
    "ib_is_volunteers": "Incapacity Benefit or Income Support, joined voluntarily",
}
# Kinds of provider (the weekly columns' suffix): label, colour (one run), line style (two).
BIG = {"prime": ("Primes", "#0072B2", "-"),
       "large_provider": ("Large providers", "#56B4E9", "-."),
       "partnership": ("Partnerships", "#CC79A7", "--")}
SMALL = {"subcontractor": ("Subcontractors", "#E69F00", "--"),
         "third_sector": ("Charities", "#009E73", "-")}
KINDS = {**BIG, **SMALL}
MONEY = (("paid_attachment", "attachment fees", "#56B4E9", ":"),
         ("paid_service_fee", "service fees", "#F0E442", "--"),
         ("paid_outcome", "outcome payments", "#0072B2", "-"))
RUN_COLOURS = ("#0072B2", "#D55E00")  # Compare: first run blue, second orange
RUN_COLOUR_NAMES = ("blue", "orange")
GREY = "#555555"
NO_PROGRAMME = "#777777"
ADDED = "#009E73"
RECESSION = "#d9d9d9"
#: Fewer people than this looking for work (or 1% of claimants) make no share worth drawing.
FEWEST_SEARCHING = 20


def run_style(i: int, compare: bool) -> dict:
    """Compare: the first run wide and pale, the second narrow on top (overlaps stay visible)."""
    if not compare:
        return {}
    if i == 0:
        return dict(color=RUN_COLOURS[0], lw=6.0, alpha=0.45, solid_capstyle="butt",
                    zorder=2)
    return dict(color=RUN_COLOURS[1], lw=2.2, alpha=1.0, zorder=3)


def _key(label: str, colour: str = GREY, ls: str = "-", lw: float = 2.2,
         alpha: float = 1.0) -> Line2D:
    return Line2D([], [], color=colour, ls=ls, lw=lw, alpha=alpha, label=label)


def recession_span(t: Timeline) -> tuple[float, float] | None:
    """The weeks of a recession in this run's labour market, if it has one."""
    p = t.p
    depth, start, weeks = (p.get(k) for k in ("recession_depth", "recession_start_week",
                                              "recession_weeks"))
    if not depth or start is None or not weeks:
        return None
    return float(start), float(start) + float(weeks)


class ChartPanel(Panel):
    """A chart of one run (Explore) or two (Compare), drawn from their timelines."""

    def __init__(self, layout: Layout, timelines: Sequence[Timeline], titles: Sequence[str],
                 width: float | None = None):
        self.timelines = list(timelines)
        self.titles = [plain_title(t, 40) for t in titles]
        self.compare = len(self.timelines) > 1
        weeks = max(t.weeks for t in self.timelines)
        first = self.timelines[0]
        start = first.date(0)
        xlabel = (f"week of the programme (week 0: {start:%B %Y})" if start is not None
                  else "week of the programme")
        super().__init__(layout, width, weeks, xlabel)

    # --- shared parts -----------------------------------------------------------------

    def run_keys(self) -> list[Line2D]:
        if not self.compare:
            return []
        styles = [run_style(i, True) for i in range(len(self.titles))]
        return [_key(title, s["color"], lw=s["lw"], alpha=s["alpha"])
                for title, s in zip(self.titles, styles, strict=True)]

    def shade_recession(self) -> list:
        spans = {s for s in (recession_span(t) for t in self.timelines) if s}
        for lo, hi in spans:
            self.ax.axvspan(lo, hi, color=RECESSION, alpha=0.7, lw=0, zorder=0)
        return [Patch(color=RECESSION, alpha=0.7, label="recession (fewer vacancies)")] \
            if spans else []

    def mark_last_referrals(self) -> list:
        t = self.timelines[0]
        last = t.p.get("referral_weeks")
        if not last or last >= self.weeks:
            return []
        self.ax.axvline(last, color=GREY, lw=1.6, ls="-.", zorder=1)
        return [_key(f"no new referrals after week {last:.0f}", GREY, "-.", 1.6)]

    @staticmethod
    def weeks_to(week: int) -> np.ndarray:
        return np.arange(week + 1, dtype=float)

    def upto(self, t: Timeline, week: int) -> int:
        return min(week, t.done)


class AddedPanel(ChartPanel):
    """Everyone referred reaching a lasting job, with the programme and without it."""

    title = "What the programme added"
    ylabel = "% of everyone referred"

    def build(self) -> None:
        self.parts = []
        for i, t in enumerate(self.timelines):
            style = run_style(i, self.compare) or dict(color="black", lw=3.0)
            fill = None
            if not self.compare:
                fill = self.moving(PolyCollection([], facecolors=ADDED, edgecolors="none",
                                                  alpha=0.3, zorder=1))
                self.ax.add_collection(fill)
            with_ = self.line(**style)
            without = self.line(**{**style, "ls": ":", "color": style["color"]
                                   if self.compare else NO_PROGRAMME,
                                   "lw": style["lw"] if self.compare else 2.6})
            self.parts.append((t, with_, without, fill))
        self.ax.set_ylim(0, 40)
        self.extra = self.shade_recession()

    def keys(self) -> list:
        if self.compare:
            return [*self.run_keys(), _key("solid: with the programme", lw=2.6),
                    _key("dotted: the same people, no programme", ls=":", lw=2.6),
                    *self.extra]
        return [_key("with the programme", "black", lw=3.0),
                _key("the same people, no programme", NO_PROGRAMME, ":", 2.6),
                Patch(color=ADDED, alpha=0.3, label="added by the programme"), *self.extra]

    def show(self, week: int) -> None:
        values = []
        for t, with_, without, fill in self.parts:
            w = self.upto(t, week)
            x = self.weeks_to(w)
            no = 100 * t.series("no_programme_outcome_rate", w)
            yes = no + 100 * t.series("additional_job_outcome_rate", w)
            with_.set_data(x, yes)
            without.set_data(x, no)
            if fill is not None:
                ok = np.isfinite(yes) & np.isfinite(no)
                if ok.any():
                    xs, top, base = x[ok], yes[ok], no[ok]
                    fill.set_verts([np.column_stack([np.r_[xs, xs[::-1]],
                                                     np.r_[top, base[::-1]]])])
            values += [yes, no]
        self.grow(np.concatenate(values), ceiling=100)


class BarriersPanel(ChartPanel):
    """Job outcomes for the easy and the hard to help (and, for one run, parking this week)."""

    title = "Easy and hard to help"
    ylabel = "per cent (%)"

    def build(self) -> None:
        self.parts = []
        for i, t in enumerate(self.timelines):
            style = run_style(i, self.compare)
            low = self.line(**(style or dict(color="#009E73", lw=2.6)))
            high = self.line(**{**(style or dict(color="#D55E00", lw=2.6)), "ls": "--"})
            parked = None if self.compare else self.line(color=GREY, lw=2.0, ls=":")
            self.parts.append((t, low, high, parked))
        self.ax.set_ylim(0, 100)
        self.ax.set_yticks(range(0, 101, 20))
        self.extra = self.shade_recession() + ([] if self.compare else self.mark_last_referrals())

    def keys(self) -> list:
        if self.compare:
            return [*self.run_keys(), _key("solid: job outcomes, 0-1 barriers", lw=2.6),
                    _key("dashed: job outcomes, 3+ barriers", ls="--", lw=2.6), *self.extra]
        return [_key("job outcomes, 0-1 barriers", "#009E73", lw=2.6),
                _key("job outcomes, 3+ barriers", "#D55E00", "--", 2.6),
                _key("looking for work, parked this week", GREY, ":", 2.0), *self.extra]

    def show(self, week: int) -> None:
        for t, low, high, parked in self.parts:
            w = self.upto(t, week)
            x = self.weeks_to(w)
            low.set_data(x, 100 * t.series("job_outcome_rate_low_barrier", w))
            high.set_data(x, 100 * t.series("job_outcome_rate_high_barrier", w))
            if parked is not None:
                parked.set_data(x, parked_this_week(t, w))


def parked_this_week(t: Timeline, week: int) -> np.ndarray:
    """The share parked each week (%), left out where too few are looking for work."""
    share = 100 * t.series("parked_this_week", week)
    few = t.series("searching", week) < max(FEWEST_SEARCHING, 0.01 * t.p["claimants"])
    return np.where(few, np.nan, share)


class ParkedPanel(ChartPanel):
    """Compare: the share of people looking for work who were parked, this week and so far."""

    title = "Looking for work, parked"
    ylabel = "per cent (%)"

    def build(self) -> None:
        self.parts = []
        for i, t in enumerate(self.timelines):
            style = run_style(i, True)
            self.parts.append((t, self.line(**style), self.line(**{**style, "ls": "--"})))
        self.ax.set_ylim(0, 100)
        self.ax.set_yticks(range(0, 101, 20))
        self.extra = self.shade_recession() + self.mark_last_referrals()

    def keys(self) -> list:
        return [*self.run_keys(), _key("solid: this week", lw=2.6),
                _key("dashed: all weeks so far", ls="--", lw=2.6), *self.extra]

    def show(self, week: int) -> None:
        for t, this_week, so_far in self.parts:
            w = self.upto(t, week)
            x = self.weeks_to(w)
            this_week.set_data(x, parked_this_week(t, w))
            so_far.set_data(x, 100 * t.series("parked_share", w))


class GroupsPanel(ChartPanel):
    """One run: job outcomes per referral in each payment group, and for all."""

    title = "Job outcomes by payment group"
    ylabel = "% of referrals"

    def build(self) -> None:
        t = self.timelines[0]
        self.parts = [(f"job_outcome_rate_{g}",
                       self.line(color=GROUPS[g][1], ls=GROUPS[g][2], lw=1.9))
                      for g in PAYMENT_GROUPS]
        self.parts.append(("job_outcome_rate", self.line(color="black", lw=3.2)))
        self.t = t
        self.ax.set_ylim(0, 50)
        self.extra = self.shade_recession()

    def keys(self) -> list:
        return [*(_key(GROUPS[g][0], GROUPS[g][1], GROUPS[g][2], 1.9) for g in PAYMENT_GROUPS),
                _key("all claimants", "black", lw=3.2), *self.extra]

    def show(self, week: int) -> None:
        w = self.upto(self.t, week)
        x = self.weeks_to(w)
        values = []
        for key, line in self.parts:
            y = 100 * self.t.series(key, w)
            line.set_data(x, y)
            values.append(y)
        self.grow(np.concatenate(values), ceiling=100)


def _kinds_of(t: Timeline) -> np.ndarray:
    return np.array([o.kind for o in t.record.providers])


class CashPanel(ChartPanel):
    """The cash of one size of provider: the median of all of them, the lowest still open.

    A provider that has gone keeps the cash it had when it went, so the median
    does not jump when the poorest close; a cross marks each closure. Where a
    run's weeks were not all recorded (a model stepped elsewhere, several weeks
    at a time), the median is Mesa's weekly one, of those still open, and says so.
    """

    ylabel = "cash (£ thousand)"

    def __init__(self, layout: Layout, timelines: Sequence[Timeline], titles: Sequence[str],
                 kinds: dict, title: str, width: float | None = None):
        self.kinds_shown = kinds
        self.title = title
        super().__init__(layout, timelines, titles, width)

    def build(self) -> None:
        self.shown = [k for k in self.kinds_shown
                      if any((_kinds_of(t) == k).any() for t in self.timelines)]
        self.parts = []
        for i, t in enumerate(self.timelines):
            kinds = _kinds_of(t)
            for kind in self.shown:
                if not (kinds == kind).any():
                    continue
                _label, colour, ls = self.kinds_shown[kind]
                if self.compare:
                    median = self.line(**{**run_style(i, True), "ls": ls})
                    lowest = None
                else:
                    median = self.line(color=colour, lw=2.8)
                    lowest = self.line(color=colour, lw=1.8, ls=":")
                crosses = self.moving(self.ax.scatter(
                    [], [], marker="x", s=70, linewidths=2.2, zorder=5,
                    c=RUN_COLOURS[i] if self.compare else colour))
                self.parts.append((t, kinds == kind, median, lowest, crosses))
        self.ax.axhline(0, color="#333333", lw=1.2, zorder=1)
        start = [np.nanmedian(t.cash(0)[0][0][kinds]) / 1e3 for t, kinds, *_ in self.parts]
        top = nice_ceiling(1.3 * max([abs(v) for v in start if np.isfinite(v)] or [10.0]))
        self.ax.set_ylim(-top / 3, top)
        self.extra = self.shade_recession()

    def keys(self) -> list:
        complete = all(t.complete for t in self.timelines)
        median = "median" if complete else "median of those still open"
        gone = _key("gone bust: its last cash (still in the median)" if complete
                    else "gone bust", GREY, "", 0)
        gone.set_marker("x")
        gone.set_markersize(9)
        gone.set_markeredgewidth(2.2)
        if self.compare:
            styles = {"-": "solid", "--": "dashed", "-.": "dash-dot"}
            return [*self.run_keys(),
                    *(_key(f"{styles[self.kinds_shown[k][2]]}: {self.kinds_shown[k][0].lower()} "
                           f"({median})", ls=self.kinds_shown[k][2], lw=2.6)
                      for k in self.shown), gone, *self.extra]
        return [*(_key(f"{self.kinds_shown[k][0]} ({median})", self.kinds_shown[k][1], lw=2.8)
                  for k in self.shown),
                _key("dotted: the lowest still open", GREY, ":", 1.8), gone, *self.extra]

    def show(self, week: int) -> None:
        values = []
        for t, mine, median, lowest, crosses in self.parts:
            w = self.upto(t, week)
            x = self.weeks_to(w)
            kind = self.shown[0]
            cash, open_ = t.cash(w)
            cash, open_ = cash[:, mine] / 1e3, open_[:, mine]
            if t.complete:
                middle = np.median(cash, axis=1)
            else:
                kind = next(k for k in self.shown if (_kinds_of(t)[mine] == k).all())
                middle = t.series(f"cash_median_{kind}", w) / 1e3
            median.set_data(x, middle)
            still = np.where(open_, cash, np.inf).min(axis=1)
            still[~np.isfinite(still)] = np.nan
            if lowest is not None:
                lowest.set_data(x, still)
            bust = [(k, o.insolvent_week) for k, o in
                    enumerate(p for p, m in zip(t.record.providers, mine, strict=True) if m)
                    if o.insolvent_week is not None and o.insolvent_week <= w]
            if bust and t.complete:
                points = np.array([(week_, cash[min(week_, w), k]) for k, week_ in bust])
                crosses.set_offsets(points)
                values.append(points[:, 1])
            else:
                crosses.set_offsets(np.empty((0, 2)))
            values += [middle, still]
        data = np.concatenate(values)
        self.grow(data, down=True)


class BustsPanel(ChartPanel):
    """Providers gone bust so far (all, and by kind; on Compare all and charities)."""

    title = "Providers gone bust (so far)"
    ylabel = "providers (number)"

    def build(self) -> None:
        self.parts = []
        steps = dict(drawstyle="steps-post")
        if self.compare:
            for i, t in enumerate(self.timelines):
                style = {**run_style(i, True), **steps}
                self.parts.append((t, "providers_insolvent", self.line(**style)))
                self.parts.append((t, "insolvent_third_sector",
                                   self.line(**{**style, "ls": "--"})))
        else:
            t = self.timelines[0]
            self.kinds = [k for k in KINDS if (_kinds_of(t) == k).any()]
            self.parts.append((t, "providers_insolvent", self.line(color="black", lw=3.0,
                                                                   **steps)))
            for kind in self.kinds:
                self.parts.append((t, f"insolvent_{kind}",
                                   self.line(color=KINDS[kind][1], lw=2.2, **steps)))
        self.ax.set_ylim(0, 5)
        self.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        self.extra = self.shade_recession()

    def keys(self) -> list:
        if self.compare:
            return [*self.run_keys(), _key("solid: all providers", lw=2.6),
                    _key("dashed: of which charities", ls="--", lw=2.6), *self.extra]
        return [_key("all providers", "black", lw=3.0),
                *(_key(KINDS[k][0], KINDS[k][1], lw=2.2) for k in self.kinds), *self.extra]

    def show(self, week: int) -> None:
        values = []
        for t, key, line in self.parts:
            w = self.upto(t, week)
            y = t.series(key, w)
            line.set_data(self.weeks_to(w), y)
            values.append(y)
        self.grow(np.concatenate(values))


class MoneyPanel(ChartPanel):
    """What the commissioner paid so far, by kind of payment, and what reached specialists."""

    title = "Where the money went (so far)"
    ylabel = "paid so far (£ thousand)"

    def build(self) -> None:
        self.parts, self.stacks = [], []
        if self.compare:
            for i, t in enumerate(self.timelines):
                style = run_style(i, True)
                for key, _, _, ls in MONEY:
                    self.parts.append((t, (key,), self.line(**{**style, "ls": ls})))
        else:
            t = self.timelines[0]
            for _, _, colour, _ in MONEY:
                poly = self.moving(PolyCollection([], facecolors=colour, edgecolors="none",
                                                  alpha=0.85, zorder=1))
                self.ax.add_collection(poly)
                self.stacks.append(poly)
            self.parts.append((t, ("paid_pass_through",), self.line(color="black", lw=2.2,
                                                                    ls="--")))
            self.parts.append((t, ("paid_specialist_fee", "paid_specialist_outcome"),
                               self.line(color="#D55E00", lw=2.8)))
        self.ax.set_ylim(0, 500)
        self.extra = self.shade_recession()

    def keys(self) -> list:
        if self.compare:
            return [*self.run_keys(),
                    *(_key(f"{label}", ls=ls, lw=2.6) for _, label, _, ls in reversed(MONEY)),
                    *self.extra]
        return [*(Patch(color=colour, alpha=0.85, label=f"paid: {label}")
                  for _, label, colour, _ in MONEY),
                _key("passed down the chain", "black", "--", 2.2),
                _key("paid to specialists", "#D55E00", lw=2.8), *self.extra]

    def show(self, week: int) -> None:
        values = []
        if self.stacks:
            t = self.timelines[0]
            w = self.upto(t, week)
            x = self.weeks_to(w)
            base = np.zeros_like(x)
            for poly, (key, *_) in zip(self.stacks, MONEY, strict=True):
                top = base + np.nan_to_num(t.series(key, w)) / 1e3
                poly.set_verts([np.column_stack([np.r_[x, x[::-1]], np.r_[top, base[::-1]]])])
                base = top
            values.append(base)
        for t, keys, line in self.parts:
            w = self.upto(t, week)
            y = sum(t.series(k, w) for k in keys) / 1e3
            line.set_data(self.weeks_to(w), y)
            values.append(y)
        self.grow(np.concatenate(values))


class SpecialistsPanel(ChartPanel):
    """Compare: what each run paid specialists so far."""

    title = "Paid to specialists (so far)"
    ylabel = "paid so far (£ thousand)"

    def build(self) -> None:
        self.parts = [(t, self.line(**run_style(i, True)))
                      for i, t in enumerate(self.timelines)]
        self.ax.set_ylim(0, 50)
        self.extra = self.shade_recession()

    def keys(self) -> list:
        return [*self.run_keys(), *self.extra]

    def show(self, week: int) -> None:
        values = []
        for t, line in self.parts:
            w = self.upto(t, week)
            y = (t.series("paid_specialist_fee", w) + t.series("paid_specialist_outcome", w)) / 1e3
            line.set_data(self.weeks_to(w), y)
            values.append(y)
        self.grow(np.concatenate(values))


#: The charts of each page, in reading order: (name, what it shows, how to build it).
def chart_names(compare: bool) -> list[str]:
    if compare:
        return ["added", "barriers", "parked", "big_cash", "small_cash", "busts", "money",
                "specialists"]
    return ["added", "barriers", "groups", "big_cash", "small_cash", "busts", "money"]


ALT = {
    "added": "Chart: lasting jobs of everyone referred, with the programme and without it",
    "barriers": "Chart: job outcomes for claimants with 0-1 and with 3 or more barriers",
    "parked": "Chart: the share of people looking for work who were parked",
    "groups": "Chart: job outcomes in each payment group",
    "big_cash": "Chart: the cash of the big organisations",
    "small_cash": "Chart: the cash of the small providers, and those gone bust",
    "busts": "Chart: providers gone bust so far",
    "money": "Chart: where the commissioner's money went",
    "specialists": "Chart: what each run paid specialists",
}


def build_chart(name: str, layout: Layout, timelines: Sequence[Timeline],
                titles: Sequence[str], width: float | None = None) -> ChartPanel:
    """One chart of these runs, for a layout."""
    simple = {"added": AddedPanel, "barriers": BarriersPanel, "parked": ParkedPanel,
              "groups": GroupsPanel, "busts": BustsPanel, "money": MoneyPanel,
              "specialists": SpecialistsPanel}
    if name in simple:
        return simple[name](layout, timelines, titles, width)
    median = "median " if len(timelines) > 1 else ""
    if name == "big_cash":
        return CashPanel(layout, timelines, titles, BIG, f"Big organisations' {median}cash",
                         width)
    if name == "small_cash":
        return CashPanel(layout, timelines, titles, SMALL, f"Small providers' {median}cash",
                         width)
    raise KeyError(name)


class Run:
    """A live model and how the charts name it (for pages that step a model of their own)."""

    def __init__(self, model, label: str, colour: str = "#000000"):
        self.model, self.label, self.colour = model, label, colour


class WeeklyCharts:
    """Every chart of live models (the Mesa view's, a game's) as one picture, week by week.

    Kept for pages that step a model of their own: `png()` draws the current
    week, two charts to a row, each drawn for its width (`panels.py`).
    """

    def __init__(self, runs: Sequence[Run], width: float = 11.0, dpi: int = 90,
                 text: float = 16.0):
        from .timeline import LiveTimeline

        self.timelines = [LiveTimeline(r.model) for r in runs]
        self.layout = Layout(width=int(width * dpi), scale=1.0, text=text)
        titles = [r.label for r in runs]
        names = chart_names(len(runs) > 1)
        self.charts = [build_chart(n, self.layout, self.timelines, titles,
                                   self.layout.panel_width(2)) for n in names]

    def png(self) -> bytes:
        for t in self.timelines:
            t.sync()
        week = min(t.done for t in self.timelines)
        pngs = [c.png(week) for c in self.charts]
        return stitch([pngs[i:i + 2] for i in range(0, len(pngs), 2)])

    def full_png(self) -> bytes:
        return self.png()

"""The Spread page: the same settings with many seeds, so a class sees that one run is one draw.

It takes the scenarios and settings of the Compare page (both regimes) or of
the Explore page, runs them with 10 or 20 seeds in the background
(`spread.py`: one worker process for the whole server, shared by every tab,
so the pages stay quick while it works), and shows, for each headline
number, every seed's value as a dot, one row per scenario, with the seed on
the Compare or Explore page ringed; a table gives each scenario's median and
range, and how often one scenario came out ahead of the other *on the same
seed* (the same people and the same luck). Progress shows as the runs
finish; the picture fills in as they do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import solara
import solara.lab

from .layout import DEFAULT, Layout
from .measures import money, share
from .panels import Panel, stitch
from .scenario_files import title_of
from .settings import Settings
from .spread import SEED_CHOICES, SERVICE, seeds_for
from .state import LAYOUT, ensure_compare, ensure_explore
from .ui import Help, Picture, Prose, guarded
from .views import table_html
from .weekly_charts import RUN_COLOURS


@dataclass(frozen=True)
class Headline:
    """A number the spread shows: its name, unit, how to read it from a run's series."""

    name: str
    unit: str
    value: Callable[[dict[str, np.ndarray], int], float]
    shown: Callable[[float], str]
    scale: float = 1.0  # to the axis's unit


def _at(key: str) -> Callable[[dict[str, np.ndarray], int], float]:
    return lambda s, w: float(s[key][min(w, len(s[key]) - 1)])


def _extra_cost(s: dict[str, np.ndarray], w: int) -> float:
    w = min(w, len(s["total_spend"]) - 1)
    extra = s["additional_job_outcome_rate"][w] * s["referrals"][w]
    return float(s["total_spend"][w] / extra) if extra > 0.5 else float("nan")


HEADLINES: tuple[Headline, ...] = (
    Headline("Job outcomes per referral", "per cent of referrals", _at("job_outcome_rate"),
             share, 100),
    Headline("… with 3+ barriers", "per cent of referrals",
             _at("job_outcome_rate_high_barrier"), share, 100),
    Headline("Weeks looking for work spent parked", "per cent of those weeks",
             _at("parked_share"), share, 100),
    Headline("Added by the programme", "percentage points of everyone referred",
             _at("additional_job_outcome_rate"),
             lambda x: "–" if x != x else f"{100 * x:+.1f} points", 100),
    Headline("Paid by the commissioner", "£ thousand", _at("total_spend"), money, 1e-3),
    Headline("Paid to specialists", "£ thousand",
             lambda s, w: _at("paid_specialist_fee")(s, w) + _at("paid_specialist_outcome")(s, w),
             money, 1e-3),
    Headline("Providers gone bust", "providers", _at("providers_insolvent"),
             lambda x: "–" if x != x else f"{x:,.0f}"),
    Headline("Cost per extra lasting job", "£ thousand", _extra_cost, money, 1e-3),
)


class SpreadPanel(Panel):
    """One headline number: a dot per seed, a row per scenario, the median marked."""

    ylabel = ""
    axes_height = (0.16, 4.2, 6.0)

    def __init__(self, layout: Layout, headline: Headline, values: Sequence[np.ndarray],
                 titles: Sequence[str], ringed: Sequence[int | None], width: float | None):
        self.headline, self.values, self.titles, self.ringed = headline, values, titles, ringed
        self.title = headline.name
        self.xlabel = headline.unit
        super().__init__(layout, width, weeks=0, xlabel=headline.unit)

    def build(self) -> None:
        ax = self.ax
        rows = len(self.values)
        finite = [v[np.isfinite(v)] * self.headline.scale for v in self.values]
        every = np.concatenate(finite) if finite else np.empty(0)
        for i, (v, ring) in enumerate(zip(finite, self.ringed, strict=True)):
            y = rows - 1 - i
            colour = RUN_COLOURS[i % 2] if rows > 1 else "#000000"
            jitter = (np.arange(len(v)) % 5 - 2) * 0.06
            ax.scatter(v, y + jitter, s=60, color=colour, alpha=0.65, zorder=3, linewidths=0)
            if len(v):
                ax.plot([np.median(v)] * 2, [y - 0.32, y + 0.32], color=colour, lw=3.5,
                        zorder=4)
            if ring is not None and ring < len(self.values[i]):
                value = self.values[i][ring] * self.headline.scale
                if np.isfinite(value):
                    ax.scatter([value], [y], s=260, facecolors="none", edgecolors="black",
                               linewidths=2.0, zorder=5)
        ax.set_ylim(-0.6, rows - 0.4)
        ax.set_yticks([])
        if every.size:
            lo, hi = float(every.min()), float(every.max())
            pad = max((hi - lo) * 0.12, abs(hi) * 0.02, 0.5 if hi - lo < 1 else 0)
            ax.set_xlim(lo - pad, hi + pad)
        ax.grid(axis="x", alpha=0.3)

    def keys(self) -> list:
        return []  # the page says once what the dots and bars are

    def show(self, week: int) -> None:
        pass


def spread_rows(values: dict[str, list[np.ndarray]], titles: Sequence[str]) -> list[tuple]:
    """The table: each scenario's median and range, and how often one was ahead, seed by seed."""
    head = ["", *(f"{t}: median (lowest to highest)" for t in titles)]
    if len(titles) == 2:
        head.append(f"{titles[1]} against {titles[0]}, on the same seed")
    rows: list[tuple] = [tuple(head)]
    for h in HEADLINES:
        runs = values[h.name]
        cells = []
        for v in runs:
            f = v[np.isfinite(v)]
            cells.append("–" if not f.size else
                         f"{h.shown(float(np.median(f)))} ({h.shown(f.min())} to "
                         f"{h.shown(f.max())})")
        if len(runs) == 2:
            a, b = runs
            n = min(len(a), len(b))
            both = np.isfinite(a[:n]) & np.isfinite(b[:n])
            higher = int((b[:n][both] > a[:n][both]).sum())
            lower = int((b[:n][both] < a[:n][both]).sum())
            cells.append(f"higher in {higher}, lower in {lower} of {int(both.sum())}")
        rows.append((h.name, *cells))
    return rows


def _source(which: str) -> tuple[tuple[Settings, ...], list[str], int]:
    """The settings of the page a spread is of, their titles, and the seed on that page."""
    state = ensure_compare() if which == "compare" else ensure_explore()
    settings = state.settings.peek() or ()
    titles = [title_of(s.scenario_label, s.scenario) for s in settings]
    if len(set(titles)) < len(titles):
        titles = [f"{t} ({i + 1})" for i, t in enumerate(titles)]
    return tuple(settings), titles, (settings[0].seed if settings else 1)


SOURCES = {"the Compare page's two scenarios": "compare", "the Explore page's scenario": "explore"}


@solara.component
def Spread() -> None:
    """The page."""
    source, set_source = solara.use_state("the Compare page's two scenarios")
    count, set_count = solara.use_state(str(SEED_CHOICES[-1]))
    asked, set_asked = solara.use_state(0)
    message, set_message = solara.use_state(None)
    layout: Layout = LAYOUT.value or DEFAULT
    settings, titles, seed_on_screen = _source(SOURCES.get(source, "compare"))
    n = int(count) if count in {str(c) for c in SEED_CHOICES} else SEED_CHOICES[-1]
    seeds = seeds_for(n)
    weeks = max((int(s.scenario.params["weeks"]) for s in settings), default=0)

    def start() -> None:
        for s in settings:
            SERVICE.ask(s, seeds)
        set_asked(asked + 1)

    def poll() -> int:
        """Wait (in the background) until another run of this spread has finished."""
        before = sum(len(SERVICE.results(s, seeds)) for s in settings)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            waiting = sum(SERVICE.waiting(s, seeds) for s in settings)
            done = sum(len(SERVICE.results(s, seeds)) for s in settings)
            if done != before or not waiting:
                return done
            time.sleep(0.7)
        return before

    found = [SERVICE.results(s, seeds) for s in settings]
    done = sum(len(f) for f in found)
    total = len(seeds) * len(settings)
    waiting = sum(SERVICE.waiting(s, seeds) for s in settings)
    polling = solara.lab.use_task(poll, dependencies=[asked, done, waiting > 0, source, n],
                                  prefer_threaded=True, raise_error=False)
    _ = polling.value  # read, so the page is drawn again when a run has finished
    values = {h.name: [np.array([h.value(f[s].series, weeks) if s in f and f[s].series
                                 else np.nan for s in seeds]) for f in found]
              for h in HEADLINES}
    ring = seeds.index(seed_on_screen) if seed_on_screen in seeds else None
    pictures = solara.use_memo(
        lambda: [SpreadPanel(layout, h, values[h.name], titles, [ring] * len(titles),
                             layout.panel_width()) for h in HEADLINES] if done else [],
        [done, layout, source, n, tuple(titles)])

    # "picture-column": the pictures are drawn for this column's width (layout_reporter.vue).
    with solara.Column(classes=["lesson", "picture-column"]):
        solara.Text("Spread: one run is one draw of luck", classes=["lesson-title"])
        Prose("The same settings, run again with other **seeds**: other people with other "
              "luck, drawn the same way. If a difference between two ways of buying is "
              "real, it shows in (nearly) every draw; if it comes and goes, one run cannot "
              "tell you which is better. Each dot is one run; the bar is the median; the "
              "ringed dot is the run on the page you came from.")
        with solara.Row(gap="24px", style={"flex-wrap": "wrap", "align-items": "flex-end"}):
            with solara.Column(gap="2px"):
                Help("Runs of", "Which page's settings to run again with other seeds.")
                solara.ToggleButtonsSingle(value=source, values=list(SOURCES),
                                           on_value=lambda v: set_source(
                                               v if v in SOURCES else source), dense=True)
            with solara.Column(gap="2px"):
                Help("Seeds", "How many draws of luck: seeds 1 to 10, or 1 to 20.")
                solara.ToggleButtonsSingle(value=str(n), values=[str(c) for c in SEED_CHOICES],
                                           on_value=lambda v: set_count(v), dense=True)
            solara.Button(f"Run {total} runs" if done < total else "All runs done",
                          color="primary", disabled=done >= total or waiting > 0,
                          on_click=guarded(start, _Message(set_message), "start the runs"))
        if message:
            solara.Error(message)
        scenarios = " and ".join(titles)
        solara.Text(f"{scenarios}: {settings[0].claimants:,} claimants, every setting as on "
                    f"that page, seeds {seeds[0]} to {seeds[-1]}, to the end of the run "
                    f"(week {weeks})." if settings else "", classes=["this-run"])
        if waiting or done < total:
            solara.ProgressLinear(100 * done / max(total, 1))
            solara.Text(f"{done} of {total} runs done" + (" (running in the background: "
                        "you can use the other pages meanwhile)" if waiting else ""),
                        classes=["help"])
        failed = [o.error for f in found for o in f.values() if o.error]
        if failed:
            solara.Error(f"{len(failed)} runs failed: {failed[0]}")
        if not done:
            return
        solara.HTML(tag="div", unsafe_innerHTML=table_html(spread_rows(values, titles)),
                    classes=["comparison"])
        colours = ([f"{c} dots: {t}" for c, t in zip(("Blue", "orange"), titles, strict=False)]
                   if len(titles) > 1 else ["Black dots: each seed"])
        solara.Text("; ".join(colours) + "; a bar: the median; a ringed dot: the seed on "
                    f"that page (seed {seed_on_screen}).", classes=["this-run"])
        with solara.Div(classes=["pictures", "spread-plot"],
                        style={"grid-template-columns":
                               f"repeat({layout.columns}, minmax(0, 1fr))"}):
            for panel in pictures:
                Picture(panel.png(0), f"Spread of {panel.title}", None, panel.smallest_text(),
                        int(panel.width))


class _Message:
    """A stand-in for a reactive message (guarded() sets it)."""

    def __init__(self, setter: Callable[[str | None], None]):
        self.set = setter


def spread_png(values: dict[str, list[np.ndarray]], titles: Sequence[str],
               layout: Layout = DEFAULT) -> bytes:
    """Every headline's spread as one picture (for tests and downloads)."""
    panels = [SpreadPanel(layout, h, values[h.name], titles, [None] * len(titles),
                          layout.panel_width()) for h in HEADLINES]
    return stitch([[p.png(0)] for p in panels])


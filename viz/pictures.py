"""Pictures of runs, drawn once per week and layout for every tab that shows them.

Drawing is most of what a step costs the server (a model week at classroom
scale is a few milliseconds; its pictures a tenth of a second, and the first
drawing of a chart over a second). Since a run is the same run for every tab
with its settings (`timeline.py`), so is its picture of a week at a layout:
a `Sheet` (the pictures of one run, or of Compare's two) keeps the figures it
drew, one per picture and layout, and the PNGs it made, so the thirtieth
pupil to open a page or reach a week gets the picture the first one drew. A
sheet goes when its runs go (`timeline.on_release`); at most
`FIGURE_SETS` sets of figures are kept on the server at once (each some
megabytes of pixels), the least recently used let go first.

`frame()` is what a page shows of its runs at a week: every picture, with the
words that go with it (alt text, the network's sentence).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from .layout import Layout
from .network_plot import NetworkKey, NetworkPicture, describe
from .runs import Runs
from .timeline import Timeline, on_release
from .weekly_charts import ALT, build_chart, chart_names

log = logging.getLogger(__name__)

#: Sets of figures (one sheet at one layout) kept at once, server-wide: about 50 MB each at
#: a 1280x720 layout (benchmarks/classroom_load.py). Fewer than a class's distinct runs and
#: every step would draw them all from scratch (a second a set), so as many as the tabs a
#: server serves by default (`commissioning app --max-sessions`).
FIGURE_SETS = 40
#: PNGs one sheet keeps (the last weeks drawn, at every layout).
PNGS_PER_SHEET = 120


@dataclass(frozen=True)
class Shown:
    """A picture as a page shows it."""

    name: str
    png: bytes | None
    alt: str
    width: int  # CSS pixels it was drawn for
    text: float  # its smallest text, CSS pixels at that width
    caption: str = ""
    failure: str | None = None


class Sheet:
    """The pictures of one run or two: figures per picture and layout, PNGs per week."""

    def __init__(self, key: tuple, timelines: Sequence[Timeline], titles: Sequence[str]):
        self.key = key
        self.timeline_keys = {t.key for t in timelines}
        self.titles = list(titles)
        self.lock = threading.Lock()
        self.figures: dict[tuple, object] = {}
        self.figure_locks: dict[tuple, threading.Lock] = {}
        self.pngs: OrderedDict[tuple, tuple[bytes, float]] = OrderedDict()

    def _build(self, name: str, layout: Layout, width: int, timelines: Sequence[Timeline]):
        # A figure kept here must not keep its runs alive: the runs go when no tab holds
        # them, and their pictures with them (`_release`).
        timelines = [weakref.proxy(t) for t in timelines]
        if name == "key":
            return NetworkKey(layout, list(timelines), width)
        if name.startswith("network:"):
            i = int(name.split(":")[1])
            compare = len(timelines) > 1
            title = (f"{self.titles[i]} ({('blue', 'orange')[i]} in the charts)" if compare
                     else f"Who sends claimants to whom: {self.titles[0]}")
            return NetworkPicture(layout, timelines[i], title, width)
        return build_chart(name, layout, timelines, self.titles, width)

    def draw(self, name: str, week: int, layout: Layout, width: int,
             timelines: Sequence[Timeline]) -> tuple[bytes, float]:
        """The picture's PNG at a week (drawn now, or as drawn before), and its smallest text."""
        key = (name, 0 if name == "key" else week, layout, width)  # the key never changes
        with self.lock:
            done = self.pngs.get(key)
            if done is not None:
                self.pngs.move_to_end(key)
                return done
            figure_key = (name, layout, width)
            figure_lock = self.figure_locks.setdefault(figure_key, threading.Lock())
        with figure_lock:
            with self.lock:
                done = self.pngs.get(key)
                if done is not None:
                    return done
                figure = self.figures.get(figure_key)
            if figure is None:
                figure = self._build(name, layout, width, timelines)
                with self.lock:
                    self.figures[figure_key] = figure
            png = figure.png(week)
            done = (png, figure.smallest_text())
        with self.lock:
            self.pngs[key] = done
            while len(self.pngs) > PNGS_PER_SHEET:
                self.pngs.popitem(last=False)
        _used(self, layout)
        return done

    def forget_figures(self, layout: Layout) -> None:
        with self.lock:
            for figure_key in [k for k in self.figures if k[1] == layout]:
                del self.figures[figure_key]


_SHEETS: dict[tuple, Sheet] = {}
_FIGURE_SETS: OrderedDict[tuple, None] = OrderedDict()
_LOCK = threading.Lock()


def _used(sheet: Sheet, layout: Layout) -> None:
    with _LOCK:
        key = (sheet.key, layout)
        _FIGURE_SETS[key] = None
        _FIGURE_SETS.move_to_end(key)
        while len(_FIGURE_SETS) > FIGURE_SETS:
            (old_sheet, old_layout), _ = _FIGURE_SETS.popitem(last=False)
            if old_sheet in _SHEETS:
                _SHEETS[old_sheet].forget_figures(old_layout)


def _release(timeline_key: str) -> None:
    """A run no tab holds: its pictures go."""
    with _LOCK:
        for key in [k for k, sheet in _SHEETS.items() if timeline_key in sheet.timeline_keys]:
            del _SHEETS[key]
        for key in [k for k in _FIGURE_SETS if k[0] not in _SHEETS]:
            del _FIGURE_SETS[key]


on_release(_release)


def sheet_of(runs: Runs) -> Sheet:
    """The server's sheet for these runs (the same runs with the same titles share one)."""
    titles = runs.titles
    key = (tuple(t.key for t in runs.timelines), tuple(titles))
    with _LOCK:
        sheet = _SHEETS.get(key)
        if sheet is None:
            sheet = _SHEETS[key] = Sheet(key, runs.timelines, titles)
        return sheet


def sheets() -> int:
    """Sheets on the server now (for tests and benchmarks)."""
    return len(_SHEETS)


def picture_names(runs: Runs) -> list[str]:
    """What a page shows of these runs, in order: the network(s), its key, the charts."""
    networks = [f"network:{i}" for i in range(len(runs.timelines))]
    return [*networks, "key", *chart_names(len(runs.timelines) > 1)]


def width_of(name: str, layout: Layout, runs: Runs) -> int:
    if name == "key":
        return layout.width
    if name.startswith("network:"):
        return layout.width if len(runs.timelines) == 1 else \
            layout.panel_width(layout.network_columns)
    return layout.panel_width()


def alt_of(name: str, runs: Runs) -> str:
    if name == "key":
        return "The key to the network: kinds of organisation, dots and lines"
    if name.startswith("network:"):
        return (f"The referral network of {runs.titles[int(name.split(':')[1])]}: "
                "organisations, and the claimants sent between them")
    return ALT[name]


def frame(runs: Runs, week: int, layout: Layout,
          names: Sequence[str] | None = None) -> list[Shown]:
    """Every picture of these runs at a week, for a layout (drawn or as drawn before)."""
    if (runs.error and not runs.timelines) or not runs.timelines:
        return []
    sheet = sheet_of(runs)
    shown = []
    for name in names or picture_names(runs):
        width = width_of(name, layout, runs)
        caption = ""
        if name.startswith("network:"):
            i = int(name.split(":")[1])
            prefix = f"{runs.titles[i]}: " if len(runs.timelines) > 1 else ""
            caption = prefix + describe(runs.timelines[i], week)
        try:
            png, text = sheet.draw(name, week, layout, width, runs.timelines)
            shown.append(Shown(name, png, alt_of(name, runs), width, text, caption))
        except Exception as exc:
            log.exception("drawing %s failed", name)
            shown.append(Shown(name, None, alt_of(name, runs), width, layout.text, caption,
                               f"Could not draw {alt_of(name, runs).lower()}: "
                               f"{type(exc).__name__}: {exc}"))
    return shown

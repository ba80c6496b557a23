"""A picture drawn for the width it is shown at, with text as large as the page's.

Issue 16 measured chart text at 12 px on a 1280x720 projector and 8-9 px at
1024x768: a figure of fixed inches, scaled to its column, shrinks its text
with the screen. Here every picture is drawn for a `Layout` (the width of the
page's main column, the screen's pixels per CSS pixel and the page's text
size, as the browser reports them; see `layout.py`): the figure's dpi is 72
times the pixel ratio, so one point of a font is one CSS pixel, and every
font is at least the page's own text size (18 px at 1280x720, more on a
larger screen).

Nothing is left to matplotlib's layout engines (slow, and they clip a key too
wide for its column): a `Panel` measures its title, tick labels and key
entries and places them itself, one above the other: the title, the axes,
the axis labels, then the key, in as many columns as fit the width and as
many rows as it needs. So a key is never clipped and never covers a line,
whatever the names in it.

A panel is a `BlitFigure`: the lines move week by week over a background
drawn once, and the background is drawn again only when an axis grows.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path
from PIL import Image

from .blit import BlitFigure, WeekPicture
from .layout import Layout

#: Sizes relative to the page's text size (1 = the page's body text).
TITLE_SIZE = 1.1
KEY_HANDLE = 2.2  # a key's line sample, in font sizes
KEY_GAP = 0.5  # between a sample and its text
KEY_COLUMN_GAP = 1.2
KEY_ROW = 1.45  # a key row's height


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text at `size` points (a CSS pixel each here)."""
    if not text:
        return 0.0
    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    widest = max(text.split("\n"), key=len)
    width, _, _ = text_to_path.get_text_width_height_descent(widest, prop, ismath=False)
    return 1.04 * width + 1


def nice_ceiling(x: float) -> float:
    """The next round number at or above x (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k)."""
    if x <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if x <= m * power)


@dataclass
class KeyPlan:
    """Where a key goes: its columns and rows, and its height in CSS pixels."""

    columns: int
    rows: int
    height: float


def wrap(label: str, width: float, size: float) -> str:
    """A key's label broken into lines no wider than `width` (at word boundaries)."""
    lines: list[str] = []
    for words in (part.split() for part in label.split("\n")):
        line = ""
        for word in words:
            longer = f"{line} {word}".strip()
            if line and text_width(longer, size) > width:
                lines.append(line)
                line = word
            else:
                line = longer
        lines.append(line)
    return "\n".join(lines)


def fit_labels(labels: Sequence[str], width: float, size: float) -> list[str]:
    """Labels that fit one key column of `width` (those too wide for it are wrapped)."""
    room = width - (KEY_HANDLE + KEY_GAP) * size
    return [wrap(label, room, size) if text_width(label, size) > room else label
            for label in labels]


def best_key(labels: Sequence[str], width: float, size: float) -> tuple[list[str], KeyPlan]:
    """Labels and a plan for the shortest key in `width`: more columns, wrapping if need be."""
    best: tuple[float, list[str], KeyPlan] | None = None
    for columns in range(1, max(1, min(len(labels), 4)) + 1):
        column = (width - (columns - 1) * KEY_COLUMN_GAP * size) / columns
        if column < 8 * size:
            break
        fitted = fit_labels(labels, column, size)
        plan = plan_key(fitted, width, size)
        # A label broken over lines is harder to read: worth it only to save real height.
        score = plan.height + 0.8 * size * sum(a != b for a, b in zip(fitted, labels,
                                                                       strict=True))
        if best is None or score < best[0] - 0.1:
            best = (score, fitted, plan)
    if best is None:
        return list(labels), plan_key(labels, width, size)
    return best[1], best[2]


def plan_key(labels: Sequence[str], width: float, size: float) -> KeyPlan:
    """As many key columns as fit `width` (every column as wide as the widest entry).

    Give it labels already fitted to the width (`fit_labels`): a key's entries
    are laid out down the columns, so row r holds entries r, r + rows, ...
    """
    if not labels:
        return KeyPlan(1, 0, 0.0)
    entry = max(text_width(label, size) for label in labels) + (KEY_HANDLE + KEY_GAP) * size
    columns = max(1, min(len(labels), int((width + KEY_COLUMN_GAP * size) //
                                          (entry + KEY_COLUMN_GAP * size))))
    rows = math.ceil(len(labels) / columns)
    lines = [label.count("\n") + 1 for label in labels]
    tall = sum(max(lines[r::rows]) for r in range(rows))
    return KeyPlan(columns, rows, (rows * (KEY_ROW - 1) + tall * 1.0) * size * 1.17
                   + 0.4 * size)


class Panel(WeekPicture):
    """One chart: a title, one axes with its units, and a key under it, sized for a layout.

    Subclasses add their artists in `build` (static ones) and with `line`
    (moving ones), give their key entries in `keys`, and copy a week's data
    onto the artists in `show(week)`.
    """

    title = ""
    ylabel = ""
    xlabel = "week of the programme"
    #: The axes' height: a share of the width, within a least and a most (in text sizes).
    axes_height = (0.42, 10.0, 21.0)

    def __init__(self, layout: Layout, width: float | None = None, weeks: int = 260,
                 xlabel: str | None = None):
        self.layout = layout
        self.size = layout.text
        self.width = float(width or layout.panel_width())
        self.weeks = weeks
        if xlabel is not None:
            self.xlabel = xlabel
        self.fig = Figure(figsize=(1, 1), dpi=72 * layout.scale)
        self.blit = BlitFigure(self.fig)
        self.ax: Axes = self.fig.add_subplot()
        self.dynamic: list[Artist] = []
        self._ylim = (0.0, 1.0)
        self.build()
        self._arrange()

    # --- for subclasses -----------------------------------------------------------

    def build(self) -> None:  # pragma: no cover - every panel has its own
        raise NotImplementedError

    def keys(self) -> list[Artist]:
        return []

    def show(self, week: int) -> None:  # pragma: no cover
        raise NotImplementedError

    def line(self, **style) -> Artist:
        (line,) = self.ax.plot([], [], **style)
        return self.moving(line)

    def moving(self, artist: Artist) -> Artist:
        self.blit.add_dynamic(artist)
        self.dynamic.append(artist)
        return artist

    # --- layout ---------------------------------------------------------------------

    def _tick_labels_width(self) -> float:
        ax = self.ax
        lo, hi = ax.get_ylim()
        ticks = [t for t in ax.yaxis.get_major_locator().tick_values(lo, hi) if lo <= t <= hi]
        formatter = ax.yaxis.get_major_formatter()
        formatter.set_locs(ticks)
        texts = [formatter(t, i) for i, t in enumerate(ticks)] or ["0"]
        return max(text_width(t, self.size) for t in texts)

    def _arrange(self) -> None:
        """Place title, axes, labels and key by measuring them (no layout engine)."""
        s, w = self.size, self.width
        ax = self.ax
        if self.weeks:
            ax.set_xlim(0, self.weeks)
        ax.tick_params(labelsize=s, length=4)
        ax.grid(alpha=0.3)
        ax.set_ylabel(self.ylabel, fontsize=s)
        ax.set_xlabel(self.xlabel, fontsize=s)
        title = self.title
        if text_width(title, TITLE_SIZE * s, bold=True) > w - 0.5 * s:
            title = wrap(title, w - 0.5 * s - 4, TITLE_SIZE * s * 1.07)
        ax.set_title(title, loc="left", fontsize=TITLE_SIZE * s, fontweight="bold",
                     pad=0.45 * s)
        ax.title.set_parse_math(False)
        title_lines = title.count("\n") + 1
        right = max(0.9 * s, text_width(f"{self.weeks}", s) / 2 + 4)
        entries = self.keys()
        labels, plan = best_key([e.get_label() for e in entries], w - 0.4 * s, s)
        for entry, label in zip(entries, labels, strict=True):
            entry.set_label(label)
        title_h = (1.6 + 1.2 * (title_lines - 1)) * TITLE_SIZE * s + 0.2 * s
        share_, least, most = self.axes_height
        axes_h = float(np.clip(share_ * w, least * s, most * s))
        below = 2.5 * s + 16  # ticks, tick labels, the axis's label and their gaps
        key_gap = 0.55 * s if entries else 0.0
        h = title_h + axes_h + below + key_gap + plan.height + 0.25 * s
        self.height = h
        self.fig.set_size_inches(w / 72, h / 72)
        left = 0.0
        for _ in range(2):  # how many ticks there are depends on the axes' size
            ax.set_position([left / w, (below + key_gap + plan.height + 0.25 * s) / h,
                             (w - left - right) / w, axes_h / h])
            # margin, the axis's label, its gap, tick labels, their gap and the ticks
            left = 0.3 * s + 1.25 * s + 4 + self._tick_labels_width() + 3.5 + 4 + 2
        ax.set_position([left / w, (below + key_gap + plan.height + 0.25 * s) / h,
                         (w - left - right) / w, axes_h / h])
        ax.title.set_x((0.3 * s - left) / (w - left - right))  # from the picture's left edge
        for legend in list(self.fig.legends):
            legend.remove()
        if entries:
            key = self.fig.legend(handles=entries, loc="upper left", ncols=plan.columns,
                                  bbox_to_anchor=(0.2 * s / w, (plan.height + 0.25 * s) / h),
                                  fontsize=s, frameon=False, borderaxespad=0, borderpad=0,
                                  handlelength=KEY_HANDLE, handletextpad=KEY_GAP,
                                  columnspacing=KEY_COLUMN_GAP,
                                  labelspacing=KEY_ROW - 1.0)
            for text in key.get_texts():  # runs are named by people: never mathematics
                text.set_parse_math(False)
        self.blit.invalidate()

    def grow(self, values: np.ndarray, floor: float | None = None,
             ceiling: float | None = None, down: bool = False) -> None:
        """Widen the y axis in round steps when the data leave it (never narrow it)."""
        data = np.asarray(values, float)
        data = data[np.isfinite(data)]
        if not data.size:
            return
        low, high = self.ax.get_ylim()
        new_high = max(high, nice_ceiling(data.max() * 1.15))
        if ceiling is not None:
            new_high = min(new_high, ceiling)
        new_low = low
        if down and data.min() < low:
            new_low = -nice_ceiling(-data.min() * 1.2)
        if floor is not None:
            new_low = max(new_low, floor)
        if (new_low, new_high) != (low, high):
            self.ax.set_ylim(new_low, new_high)
            self._arrange()  # tick labels may be wider now

    # --- pictures --------------------------------------------------------------------


def stitch(rows: Sequence[Sequence[bytes]], header: bytes | None = None) -> bytes:
    """PNGs put together: each row side by side, rows one under another (on white)."""
    images = [[Image.open(io.BytesIO(png)).convert("RGB") for png in row] for row in rows]
    if header is not None:
        images.insert(0, [Image.open(io.BytesIO(header)).convert("RGB")])
    width = max(sum(i.width for i in row) for row in images)
    height = sum(max(i.height for i in row) for row in images)
    sheet = Image.new("RGB", (width, height), "white")
    y = 0
    for row in images:
        x = 0
        for image in row:
            sheet.paste(image, (x, y))
            x += image.width
        y += max(i.height for i in row)
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()

"""A matplotlib Figure that redraws only what changed, for pictures that change every week.

Drawing text is most of the cost of a matplotlib PNG (titles, tick labels,
legends: a few milliseconds each); the data that changes from week to week
(lines, dots) is cheap. So a `BlitFigure` draws everything once, keeps the
picture without the changing artists as a background, and each week pastes
the background back and draws only the changing ones on top ("blitting", as
matplotlib's own animations do). When something in the background changes
(an axis range grows, a legend entry appears) the owner calls `invalidate()`
and the next picture is drawn in full.

This is what keeps a step of the app, with its redraw, well under a second
at classroom scale (`benchmarks/app_step_timing.py`). The Figure is always a
`matplotlib.figure.Figure` on an Agg canvas, never pyplot, so nothing is
kept by a global figure manager and sessions cannot leak figures.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from .png_writer import BandedPNG


def _smallest(texts: Iterable[Text]) -> float | None:
    """The smallest font size of the visible, non-blank `texts` (None if none)."""
    sizes = [t.get_fontsize() for t in texts if t.get_visible() and t.get_text().strip()]
    return float(min(sizes)) if sizes else None


class BlitFigure:
    """A Figure whose `dynamic` artists are redrawn over a cached background."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.dynamic: list[Artist] = []
        self._background = None
        self._bands: BandedPNG | None = None  # the PNG's bands over this background
        self._stale: list[Artist] = []
        self._background_text: float | None = None  # its smallest, once looked for
        self._background_text_known = False

    def add_dynamic(self, artist: Artist) -> Artist:
        """Mark an artist as changing every week (it is left out of the background)."""
        artist.set_animated(True)
        self.dynamic.append(artist)
        self._background_text_known = False
        return artist

    def invalidate(self, part: Artist | None = None) -> None:
        """Something in the background changed: draw it again next time.

        With `part` (an opaque subfigure whose layout still holds), only that
        part is drawn again over the cached background: a tenth of the cost
        of the whole figure.
        """
        self._background_text_known = False
        if part is None or self._background is None:
            self._background = None
            self._stale.clear()
        elif part not in self._stale:
            self._stale.append(part)

    def smallest_text(self) -> float | None:
        """The font size of the smallest visible, non-blank text (None if there is none).

        The background's texts cannot change until it is drawn again, so they are
        looked for once per drawing of it (a walk over every artist of every picture
        took a fifth of a week's redraw); the changing artists' texts every time.
        """
        if self._background is None or self._stale:  # not drawn as it now is
            return _smallest(self.fig.findobj(Text))
        if not self._background_text_known:
            moving = {id(t) for artist in self.dynamic for t in artist.findobj(Text)}
            self._background_text = _smallest(t for t in self.fig.findobj(Text)
                                              if id(t) not in moving)
            self._background_text_known = True
        sizes = [size for size in (self._background_text, _smallest(
            t for artist in self.dynamic for t in artist.findobj(Text))) if size is not None]
        return min(sizes) if sizes else None

    def png(self) -> bytes:
        """The picture as PNG bytes (a fast, lightly compressed encoding)."""
        if self._background is None:
            self.canvas.draw()  # animated artists are skipped
            self._new_background()
        else:
            self.canvas.restore_region(self._background)
            if self._stale:
                renderer = self.canvas.get_renderer()
                for part in self._stale:
                    part.draw(renderer)  # animated artists are skipped here too
                self._stale.clear()
                self._new_background()
        renderer = self.canvas.get_renderer()
        for artist in self.dynamic:
            if artist.get_visible():
                artist.draw(renderer)
        return self._bands.png(np.asarray(self.canvas.buffer_rgba()))

    def _new_background(self) -> None:
        self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        self._bands = BandedPNG(np.asarray(self._background))

    def full_png(self, dpi: float | None = None) -> bytes:
        """The whole figure drawn normally (for downloads): every artist, full quality."""
        for artist in self.dynamic:
            artist.set_animated(False)
        try:
            buffer = io.BytesIO()
            self.fig.savefig(buffer, format="png", dpi=dpi or self.fig.dpi)
            return buffer.getvalue()
        finally:
            for artist in self.dynamic:
                artist.set_animated(True)
            self.invalidate()


class WeekPicture:
    """A picture shown on the pages: drawn for a week on a BlitFigure, as PNG.

    Subclasses set `fig`, `blit` and `size` (the page's text size) and draw the week in
    `show`; the pages ask every picture the same three things, answered here once.
    """

    fig: Figure
    blit: BlitFigure
    size: float

    def show(self, week: int) -> None:
        """Bring the picture's changing parts to `week` (a still picture has none)."""

    def png(self, week: int = 0) -> bytes:
        """The picture at `week`."""
        self.show(week)
        return self.blit.png()

    def full_png(self, week: int = 0) -> bytes:
        """The picture drawn in full (for a download)."""
        self.show(week)
        return self.blit.full_png()

    def smallest_text(self) -> float:
        """The smallest font in the picture, in CSS pixels at the width it is drawn for."""
        smallest = self.blit.smallest_text()
        return self.size if smallest is None else smallest

"""How wide the page's pictures are shown and how large its text is, as the browser says.

The page's text grows with the screen (the style sheet's root font size:
18 px at 1280 pixels wide, 24 px at 1920; see `style.py`), and the pictures
must keep up: each is drawn for the width of the page's main column, at the
screen's pixels per CSS pixel, with fonts at the page's text size
(`panels.py`). A small Vue component (`layout_reporter.vue`) reports those
three numbers when the page opens and whenever the window or the browser's
zoom changes; this module turns them into a `Layout`.

Layouts are rounded (widths down to a multiple of `WIDTH_STEP` pixels, pixel
ratios to 1, 1.5 or 2, text to half a pixel) so that thirty pupils with the
same screens share every picture drawn (`pictures.py`), and a picture shown a
little wider than drawn only grows. Whatever a browser sends is checked: a
number out of range gives the nearest sensible layout, anything else none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

WIDTH_STEP = 40
SMALLEST_WIDTH, LARGEST_WIDTH = 280, 3200
SMALLEST_TEXT, LARGEST_TEXT = 18.0, 40.0
SCALES = (1.0, 1.5, 2.0)
#: A main column this wide (CSS pixels) shows the charts two to a row.
TWO_COLUMNS_FROM = 1100
#: ... and the two networks of Compare side by side.
NETWORKS_SIDE_BY_SIDE_FROM = 1300
GAP = 16  # pixels between pictures in a row


@dataclass(frozen=True)
class Layout:
    """The main column's width (CSS px), device pixels per CSS px, and the text size (CSS px)."""

    width: int = 800
    scale: float = 1.0
    text: float = 18.0

    @property
    def columns(self) -> int:
        """Charts in a row."""
        return 2 if self.width >= TWO_COLUMNS_FROM else 1

    def panel_width(self, columns: int | None = None) -> int:
        """The width of one picture when `columns` share a row (the layout's own by default)."""
        n = columns or self.columns
        return int((self.width - GAP * (n - 1)) // n)

    @property
    def network_columns(self) -> int:
        """Networks in a row on Compare."""
        return 2 if self.width >= NETWORKS_SIDE_BY_SIDE_FROM else 1


#: The layout assumed until the browser has said (a 1280x720 screen at 100% zoom).
DEFAULT = Layout()
#: The layout of pictures drawn for downloads and printing.
PRINT = Layout(width=1400, scale=2.0, text=18.0)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def from_browser(data: Any) -> Layout | None:
    """A layout from what the page reported ({width, scale, text}), or None if it makes no sense."""
    if not isinstance(data, dict):
        return None
    width, scale, text = (_number(data.get(k)) for k in ("width", "scale", "text"))
    if width is None or scale is None or text is None:
        return None
    width = min(max(width, SMALLEST_WIDTH), LARGEST_WIDTH)
    width = int(width // WIDTH_STEP * WIDTH_STEP)
    scale = min(SCALES, key=lambda s: abs(s - scale))
    text = min(max(round(text * 2) / 2, SMALLEST_TEXT), LARGEST_TEXT)
    return Layout(width, scale, text)

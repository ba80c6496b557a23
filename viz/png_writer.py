"""PNGs of the app's canvases, written fast, from bands of rows kept deflated.

Encoding is most of what a week's redraw costs once the changing artists are
blitted (`blit.py`): a chart of 800 x 514 pixels takes about 3.5 ms to deflate,
and a week changes only a few of its rows (the new piece of each line: 8-22 rows
of 514 in a 2,000-claimant run). `BandedPNG` cuts the rows into bands of
`BAND_ROWS`, deflates each band on its own, and keeps what it deflated: a band
that is the same as the background's, or as the same band last week, is not
deflated again. Joined, the bands are one valid zlib stream (RFC 1950/1951):
each band is a fresh raw deflate that ends on a byte boundary with a sync
flush and refers to nothing before it, a final empty block closes the stream,
and its Adler-32 checksum is combined from the bands' own.

The format is the PNG specification's plainest: 8-bit RGB, filter 0 on every
row, zlib level 1. Pillow's encoder tries four filters on every row and keeps
the best; on these pictures (flat colours, thin lines) that tripled the time of
an encoding for files about as large.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Rows per band: smaller bands deflate fewer unchanged rows with a changed one,
#: larger ones compress a little better (measured against 32: a week's redraw 1.5 ms
#: faster at 2,000 claimants, its files 2% larger).
BAND_ROWS = 16
LEVEL = 1  # zlib's fastest: flat colours and thin lines compress well at any level
#: The zlib stream header zlib itself writes at LEVEL, and the final empty block
#: of a raw deflate stream (zlib's own bytes, not written out by hand).
_ZLIB_HEADER = zlib.compress(b"", LEVEL)[:2]
_LAST_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush()
_ADLER_BASE = 65521


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _png(width: int, height: int, idat: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def _scanlines(pixels: np.ndarray) -> np.ndarray:
    """Rows of RGBA pixels as PNG scanlines: filter type 0 (none), then the row's RGB
    (the canvases are opaque: alpha dropped, the files are a tenth smaller)."""
    height, width = pixels.shape[:2]
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0
    rows[:, 1:].reshape(height, width, 3)[...] = pixels[:, :, :3]
    return rows


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two pieces of data one after the other, from each piece's own.

    Adler-32 is two sums modulo 65521 (RFC 1950): A = 1 + the bytes' sum, B = the sum
    of A after each byte. Joined, A = A1 + A2 - 1 and B = B1 + B2 + n2 * (A1 - 1),
    n2 the second piece's length (zlib's `adler32_combine`, which Python does not
    expose)."""
    n = second_length % _ADLER_BASE
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % _ADLER_BASE
    b = (b1 + b2 + n * (a1 - 1)) % _ADLER_BASE
    return (b << 16) | a


class _Band:
    """One band of rows, deflated: the bytes, their Adler-32 and how many there were."""

    __slots__ = ("adler", "deflated", "length")

    def __init__(self, pixels: np.ndarray):
        rows = _scanlines(pixels)
        deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)  # raw: no header, no sum
        self.deflated = deflate.compress(rows) + deflate.flush(zlib.Z_SYNC_FLUSH)
        self.adler = zlib.adler32(rows)
        self.length = rows.size


class BandedPNG:
    """PNGs of one canvas drawn over a fixed background, re-deflating changed bands only.

    `background` is the canvas's pixels without the changing artists (the blit
    background: a view, kept alive by its owner, who makes a new BandedPNG when it
    draws a new background). A band is deflated again only when it differs from both
    the background's band and the same band as last encoded. Last week's bands are
    known by their SHA-256 digests, not kept as copies: copies took 7 MB for Compare's
    eleven pictures (canvases 17 MB), and a server keeps up to 40 such sets; hashing a
    changed band costs about 1 ms a week in all.
    """

    def __init__(self, background: np.ndarray):
        self.background = background
        self._plain: dict[int, _Band] = {}  # bands as the background has them
        self._last: dict[int, tuple[bytes, _Band]] = {}  # bands the artists changed

    def png(self, pixels: np.ndarray) -> bytes:
        """The PNG of `pixels` (height x width x 4, the background's shape)."""
        height, width = pixels.shape[:2]
        bands = []
        for i, start in enumerate(range(0, height, BAND_ROWS)):
            now = pixels[start:start + BAND_ROWS]
            if np.array_equal(now, self.background[start:start + BAND_ROWS]):
                self._last.pop(i, None)
                band = self._plain.get(i)
                if band is None:
                    band = self._plain[i] = _Band(now)
            else:
                digest = hashlib.sha256(now).digest()
                last = self._last.get(i)
                if last is not None and last[0] == digest:
                    band = last[1]
                else:
                    band = _Band(now)
                    self._last[i] = (digest, band)
            bands.append(band)
        adler = bands[0].adler
        for band in bands[1:]:
            adler = adler32_combine(adler, band.adler, band.length)
        idat = b"".join([_ZLIB_HEADER, *(band.deflated for band in bands), _LAST_BLOCK,
                         struct.pack(">I", adler)])
        return _png(width, height, idat)

"""Common random numbers: one stream per stochastic process, indexed by claimant.

Each process (who attaches, who finds work this week, whose job ends, ...) has
its own named stream, and within a week a claimant's draw depends only on the
seed, the stream, the week and the claimant's id. So changing what a regime
does to one claimant never reshuffles anyone else's luck, and two regimes run
with the same seed face exactly the same claimants and the same chances
(Starsim's approach; Kerr et al. 2024, arXiv:2409.02086).

The weekly draw for claimants `lo..hi-1` skips straight to `lo` in the
generator (PCG64 `advance`), so the cost is proportional to the active
claimants only.
"""

from __future__ import annotations

import zlib

import numpy as np

PART = 65_536  # numbers `weekly_uniform_at` draws at a time
MASK64 = (1 << 64) - 1


def stream_id(name: str) -> int:
    """A stable number for a stream name (independent of Python's hash seed)."""
    return zlib.crc32(name.encode())


class RandomStreams:
    """Named, claimant-indexed random number streams for one seed.

    `compiled`: whether `weekly_uniform_at` may draw in a numba loop (set by a model that
    runs the fused passes, which has loaded numba already; the same numbers either way).
    """

    def __init__(self, seed: int, compiled: bool = False):
        self.seed = int(seed)
        self.compiled = compiled

    def generator(self, name: str, *keys: int) -> np.random.Generator:
        """A generator for a named stream (and optional integer keys, e.g. a week)."""
        entropy = [self.seed, stream_id(name), *(int(k) for k in keys)]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    def weekly_uniform(self, name: str, week: int, lo: int, hi: int) -> np.ndarray:
        """Uniform(0,1) draws for claimants lo..hi-1 in `week`; element k is claimant lo+k."""
        return self.weekly_generator(name, week, lo).random(hi - lo)

    def weekly_uniform_at(self, name: str, week: int, ids: np.ndarray) -> np.ndarray:
        """`weekly_uniform`'s numbers of claimants `ids` (ascending) only: those of
        weekly_uniform(name, week, ids[0], ids[-1] + 1) at ids - ids[0], drawn a part of
        the range at a time (a few chosen from the whole window would otherwise draw an
        array as long as the window, megabytes at national scale). `compiled`: only the
        numbers of `ids`, the generator's state moved past the rest (a few thousand
        claimants' from a national window took 0.74 ms a week drawn a part at a time)."""
        out = np.empty(len(ids))
        if not len(ids):
            return out
        lo, hi = int(ids[0]), int(ids[-1]) + 1
        if self.compiled:
            from ._pcg64_numba import JUMPS, uniform_at

            uniform_at(self.weekly_state(name, week, lo), ids, JUMPS, out)
            return out
        draws = self.weekly_generator(name, week, lo)
        for start in range(lo, hi, PART):
            numbers = draws.random(min(PART, hi - start))
            first, last = np.searchsorted(ids, (start, start + len(numbers)))
            out[first:last] = numbers[ids[first:last] - start]
        return out

    def weekly_state(self, name: str, week: int, lo: int) -> np.ndarray:
        """`weekly_generator`'s PCG64 state as four uint64 words (state high and low,
        increment high and low), for a compiled loop that draws the same numbers from it
        as it goes (`_pcg64_numba.next_double`, which steps it in place)."""
        state = self.weekly_generator(name, week, lo).bit_generator.state["state"]
        words = (state["state"] >> 64, state["state"] & MASK64, state["inc"] >> 64,
                 state["inc"] & MASK64)
        return np.array(words, np.uint64)

    def weekly_generator(self, name: str, week: int, lo: int) -> np.random.Generator:
        """The stream's generator in `week` from claimant `lo`: its `random()` draws are
        claimant lo's number, then lo + 1's, ... (`weekly_uniform`'s, one at a time, for a
        loop that uses each as it goes instead of holding the window's numbers)."""
        bits = np.random.PCG64(np.random.SeedSequence([self.seed, stream_id(name), int(week)]))
        if lo:
            bits.advance(lo)
        return np.random.Generator(bits)

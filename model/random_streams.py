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

A week's stream is numpy's `PCG64(SeedSequence([seed, stream, week]))`. Building
that took about 45 microseconds a draw (most of a small draw's cost, several
draws a week), so the seeds of a stream's weeks are hashed for many weeks at once,
with SeedSequence's own arithmetic written over arrays (`_week_seeds`), and set
into one reused generator: the same numbers (tests/test_stream_seeding.py checks
them against numpy's construction).
"""

from __future__ import annotations

import sys
import zlib

import numpy as np


def stream_id(name: str) -> int:
    """A stable number for a stream name (independent of Python's hash seed)."""
    return zlib.crc32(name.encode())


# numpy's SeedSequence (bit_generator.pyx) and PCG64 seeding (pcg64.h) constants
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
_MASK32, _MASK128 = 0xFFFFFFFF, (1 << 128) - 1
_WEEKS_AT_ONCE = 1024  # a stream's weeks whose seeds are hashed together


def _week_seeds(seed: int, stream: int, weeks: np.ndarray) -> np.ndarray:
    """`SeedSequence([seed, stream, week]).generate_state(4, np.uint64)` for each week, as
    rows of an array: the same hashing (pool of four 32-bit words; every entry here is a
    single word), done for all the weeks at once in uint32 arithmetic."""
    u = np.uint32
    n = len(weeks)
    entropy = [np.full(n, seed, u), np.full(n, stream, u), weeks.astype(u), np.zeros(n, u)]
    hash_const = _INIT_A

    def hashmix(value: np.ndarray) -> np.ndarray:
        nonlocal hash_const
        value = value ^ u(hash_const)
        hash_const = (hash_const * _MULT_A) & _MASK32
        value = value * u(hash_const)
        return value ^ (value >> u(16))

    def mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        result = u(_MIX_MULT_L) * x - u(_MIX_MULT_R) * y
        return result ^ (result >> u(16))

    with np.errstate(over="ignore"):  # uint32 arithmetic wraps, as SeedSequence's does
        pool = [hashmix(word) for word in entropy]
        for source in range(4):
            for target in range(4):
                if source != target:
                    pool[target] = mix(pool[target], hashmix(pool[source]))
        state = np.empty((n, 8), u)
        hash_const = _INIT_B
        for j in range(8):
            value = pool[j % 4] ^ u(hash_const)
            hash_const = (hash_const * _MULT_B) & _MASK32
            value = value * u(hash_const)
            state[:, j] = value ^ (value >> u(16))
    return state.view(np.uint64)  # little-endian pairs of words, as numpy views them


def _pcg64_state(words: np.ndarray) -> dict:
    """PCG64's state seeded from four 64-bit words (numpy's `pcg64_set_seed`)."""
    initstate = (int(words[0]) << 64) | int(words[1])
    inc = (((int(words[2]) << 64) | int(words[3])) << 1 | 1) & _MASK128
    state = (inc + initstate) & _MASK128  # one step from 0, then the initial state added
    state = (state * _PCG_MULT + inc) & _MASK128
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
            "has_uint32": 0, "uinteger": 0}


class RandomStreams:
    """Named, claimant-indexed random number streams for one seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._seeds: dict[tuple[int, int], np.ndarray] = {}  # (stream, first week) -> seeds
        self._bits = np.random.PCG64()
        self._draw = np.random.Generator(self._bits)

    def generator(self, name: str, *keys: int) -> np.random.Generator:
        """A generator for a named stream (and optional integer keys, e.g. a week)."""
        entropy = [self.seed, stream_id(name), *(int(k) for k in keys)]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))

    def weekly_uniform(self, name: str, week: int, lo: int, hi: int) -> np.ndarray:
        """Uniform(0,1) draws for claimants lo..hi-1 in `week`; element k is claimant lo+k."""
        week = int(week)
        if 0 <= self.seed <= _MASK32 and 0 <= week <= _MASK32 and sys.byteorder == "little":
            bits = self._bits
            bits.state = _pcg64_state(self._seed_of(stream_id(name), week))
            draw = self._draw
        else:  # numpy's construction itself (the same numbers; any seed or week)
            bits = np.random.PCG64(np.random.SeedSequence([self.seed, stream_id(name), week]))
            draw = np.random.Generator(bits)
        if lo:
            bits.advance(lo)
        return draw.random(hi - lo)

    def _seed_of(self, stream: int, week: int) -> np.ndarray:
        """The seed words of one stream's week, hashed with the weeks around it."""
        first = week - week % _WEEKS_AT_ONCE
        held = self._seeds.get((stream, first))
        if held is None:
            held = self._seeds[(stream, first)] = _week_seeds(
                self.seed, stream, np.arange(first, first + _WEEKS_AT_ONCE))
        return held[week - first]

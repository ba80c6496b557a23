"""numpy's PCG64 random numbers drawn inside a compiled loop (imported only with numba).

The fused work pass draws each claimant's numbers of a week's stream as it reaches
the claimant (`_fused_numba.work_week`). A numpy `Generator` handed to numba draws
through a call to the bit generator's C function for every number: 5.7 ns a number in
a loop that only sums them, against 1.7 ns for the same step written out here, where
the compiler keeps the state in registers. The numbers are numpy's to the bit
(`tests/test_streams.py` compares over a million of them), so which way a window's numbers
are drawn never changes a result.

numpy's PCG64 is PCG XSL RR 128/64 (O'Neill 2014; numpy's `pcg64.h`): a 128-bit state
that each draw first steps (state * MULTIPLIER + increment), then outputs the high
half xor the low half, rotated right by the state's top six bits; `random()` keeps its
top 53 bits as a double in [0, 1). The state here is four unsigned 64-bit words,
[state high, state low, increment high, increment low] (`RandomStreams.weekly_state`),
stepped in place.

A loop that needs the numbers of some claimants only moves the state past the others'
(`skip`): d steps at once are one affine map, state * MULTIPLIER**d + increment * (1 +
MULTIPLIER + ... + MULTIPLIER**(d-1)), both factors from a table made once here (the
jump numpy's `advance` makes, in a multiply or two instead of a call). `uniform_at`
draws a few claimants' numbers from a window that way.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

#: PCG's default 128-bit multiplier (numpy's PCG_DEFAULT_MULTIPLIER_128)
MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


@intrinsic
def _mul_add(typingctx, x_hi, x_lo, y_hi, y_lo, z_hi, z_lo):
    """x * y + z modulo 2**128, each as (high, low) 64-bit words: numba has no 128-bit
    integers, LLVM has (a few multiply instructions on 64-bit CPUs)."""
    word = types.uint64
    sig = types.UniTuple(word, 2)(word, word, word, word, word, word)

    def codegen(context, builder, signature, args):
        wide, half = ir.IntType(128), ir.Constant(ir.IntType(128), 64)

        def join(hi, lo):
            return builder.or_(builder.shl(builder.zext(hi, wide), half),
                               builder.zext(lo, wide))

        value = builder.add(builder.mul(join(args[0], args[1]), join(args[2], args[3])),
                            join(args[4], args[5]))
        words = [builder.trunc(builder.lshr(value, half), ir.IntType(64)),
                 builder.trunc(value, ir.IntType(64))]
        return context.make_tuple(builder, signature.return_type, words)

    return sig, codegen


#: MULTIPLIER as (high, low) 64-bit words (constants in the compiled code)
MULTIPLIER_HI = numba.uint64(MULTIPLIER >> 64)
MULTIPLIER_LO = numba.uint64(MULTIPLIER & (2**64 - 1))


@numba.njit
def next_double(state):
    """numpy's `Generator.random()` from a PCG64 state (four uint64 words, stepped in
    place): the next number in [0, 1)."""
    hi, lo = _mul_add(state[0], state[1], MULTIPLIER_HI, MULTIPLIER_LO, state[2], state[3])
    state[0], state[1] = hi, lo
    x = hi ^ lo
    rotation = hi >> numba.uint64(58)
    bits = (x >> rotation) | (x << ((numba.uint64(64) - rotation) & numba.uint64(63)))
    # (converted as a signed integer, which it fits: one instruction on every x86-64)
    return numba.float64(numba.int64(bits >> numba.uint64(11))) * (1.0 / 9007199254740992.0)


SMALL = 256  # jumps shorter than this take one row of the table


def _jump_table() -> np.ndarray:
    """Rows [MULTIPLIER**d high, low, (1 + ... + MULTIPLIER**(d-1)) high, low] modulo
    2**128: d = 0..SMALL-1 (rows 0..SMALL-1), then d = 2**k for k = 8..63 (row SMALL+k-8)."""
    mask, word = (1 << 128) - 1, (1 << 64) - 1
    rows = []
    power, total = 1, 0
    for _ in range(SMALL):
        rows.append((power >> 64, power & word, total >> 64, total & word))
        total = (total + power) & mask
        power = (power * MULTIPLIER) & mask
    for _ in range(8, 64):  # power, total: the map of 2**k steps, from k = 8 (SMALL)
        rows.append((power >> 64, power & word, total >> 64, total & word))
        total = (total * (1 + power)) & mask  # the same map taken twice: 2**(k+1) steps
        power = (power * power) & mask
    return np.array(rows, np.uint64)


#: `skip`'s table
JUMPS = _jump_table()


@numba.njit
def _jump(state, jumps, row):
    """Move `state` on by the steps of the table's `row`, in place (the table and a row
    number, not the row: a row taken as an array of its own costs a reference count)."""
    r = numba.uint64(row)
    step_hi, step_lo = _mul_add(state[2], state[3], jumps[r, 2], jumps[r, 3],
                                numba.uint64(0), numba.uint64(0))
    state[0], state[1] = _mul_add(jumps[r, 0], jumps[r, 1], state[0], state[1], step_hi,
                                  step_lo)


@numba.njit
def skip(state, d, jumps):
    """Move `state` on by `d` numbers without drawing them (`jumps`: `JUMPS`)."""
    if d >= SMALL:
        for k in range(8, 64):
            if (d >> k) & 1:
                _jump(state, jumps, SMALL + k - 8)
        d &= SMALL - 1
    if d > 0:
        _jump(state, jumps, d)


@numba.njit(cache=True, nogil=True)
def uniform_at(state, ids, jumps, out):
    """The numbers of claimants `ids` (ascending; a repeated id gets its number again)
    from a stream's state at claimant ids[0]: `RandomStreams.weekly_uniform_at`'s,
    without drawing those of the claimants between."""
    at = ids[0] if ids.shape[0] else 0  # the claimant whose number the state gives next
    for k in range(ids.shape[0]):
        if k and ids[k] == ids[k - 1]:
            out[k] = out[k - 1]
            continue
        skip(state, ids[k] - at, jumps)
        out[k] = next_double(state)
        at = ids[k] + 1


@numba.njit(cache=True, nogil=True)
def states_at(state, at, ids, jumps, out):
    """Row k of `out`: the state that gives claimant ids[k]'s number, from `state`, the
    one that gives claimant `at`'s (ids ascending from `at`; `state` is left as it is)."""
    s = state.copy()
    for k in range(ids.shape[0]):
        skip(s, ids[k] - at, jumps)
        at = ids[k]
        out[k] = s

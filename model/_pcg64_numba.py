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
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

#: PCG's default 128-bit multiplier (numpy's PCG_DEFAULT_MULTIPLIER_128)
MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


@intrinsic
def _step(typingctx, state_hi, state_lo, inc_hi, inc_lo):
    """state * MULTIPLIER + increment modulo 2**128, as (high, low) 64-bit words: numba
    has no 128-bit integers, LLVM has (one multiply instruction pair on 64-bit CPUs)."""
    word = types.uint64
    sig = types.UniTuple(word, 2)(word, word, word, word)

    def codegen(context, builder, signature, args):
        wide, half = ir.IntType(128), ir.Constant(ir.IntType(128), 64)

        def join(hi, lo):
            return builder.or_(builder.shl(builder.zext(hi, wide), half),
                               builder.zext(lo, wide))

        state = builder.add(builder.mul(join(args[0], args[1]), ir.Constant(wide, MULTIPLIER)),
                            join(args[2], args[3]))
        words = [builder.trunc(builder.lshr(state, half), ir.IntType(64)),
                 builder.trunc(state, ir.IntType(64))]
        return context.make_tuple(builder, signature.return_type, words)

    return sig, codegen


@numba.njit
def next_double(state):
    """numpy's `Generator.random()` from a PCG64 state (four uint64 words, stepped in
    place): the next number in [0, 1)."""
    hi, lo = _step(state[0], state[1], state[2], state[3])
    state[0], state[1] = hi, lo
    x = hi ^ lo
    rotation = hi >> numba.uint64(58)
    bits = (x >> rotation) | (x << ((numba.uint64(64) - rotation) & numba.uint64(63)))
    return numba.float64(bits >> numba.uint64(11)) * (1.0 / 9007199254740992.0)


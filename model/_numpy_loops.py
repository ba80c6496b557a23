"""numpy's own compiled loop of a ufunc, called from inside a numba loop (imported only
with numba).

Where numpy has a vectorised expm1 of its own (AVX-512 processors), it gives other last
bits than the C library's, which numba calls: so the searching claimants' pass, to agree
with the numpy passes to the bit, takes numpy's expm1 between two compiled loops, a block
of claimants at a time (`claimant_kernels._searching_blocks`). Each call from Python
between them takes Python's lock, which the other thread wants at the same moments: a
national run's searching pass made 18,727 such blocks.

A ufunc keeps its loops in a table, one per type signature (`PyUFuncObject.functions`
and `.data` in numpy's public header `ufuncobject.h`; the loop has the signature
`void loop(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)`).
`expm1_loop` finds the float64 loop there and `expm1_in_place` calls it from a numba
loop: numpy's own code, with its own bits, and no Python in between. The table is read
only where the object is laid out as the header says (its name, argument and loop
counts, and the loop's type numbers are checked first), and the loop is used only if it
gives `np.expm1`'s bits on thousands of values of every size the support rule takes;
else `expm1_loop` returns None and the blocks go on calling numpy from Python.
(The loop's address is an argument of the compiled code, not a constant in it, so
numba's cached machine code serves any process.)
"""

from __future__ import annotations

import ctypes
import functools

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

#: Byte offsets in PyUFuncObject (ufuncobject.h) after PyObject_HEAD (two pointers): nin,
#: nout, nargs, identity (ints), functions, data (pointers), ntypes (int), reserved1 (int),
#: name, types (pointers)
_HEAD = 2 * ctypes.sizeof(ctypes.c_void_p)
_NIN, _NOUT, _NARGS = _HEAD, _HEAD + 4, _HEAD + 8
_FUNCTIONS, _DATA, _NTYPES = _HEAD + 16, _HEAD + 24, _HEAD + 32
_NAME, _TYPES = _HEAD + 40, _HEAD + 48


def _int(address: int) -> int:
    return ctypes.c_int.from_address(address).value


def _pointer(address: int) -> int:
    return ctypes.c_void_p.from_address(address).value or 0


def ufunc_loop(ufunc: np.ufunc, signature: str) -> tuple[int, int] | None:
    """(loop, data) addresses of `ufunc`'s loop for `signature` (as in `ufunc.types`, e.g.
    "d->d"), or None if the object is not laid out as numpy's header says."""
    if type(ufunc) is not np.ufunc or signature not in ufunc.types:
        return None
    at = id(ufunc)
    counts = (_int(at + _NIN), _int(at + _NOUT), _int(at + _NARGS), _int(at + _NTYPES))
    if counts != (ufunc.nin, ufunc.nout, ufunc.nargs, ufunc.ntypes):
        return None
    name = _pointer(at + _NAME)
    if not name or ctypes.string_at(name) != ufunc.__name__.encode():
        return None
    table, nargs = _pointer(at + _TYPES), ufunc.nargs
    numbers = ctypes.string_at(table, ufunc.ntypes * nargs) if table else b""
    k = ufunc.types.index(signature)
    wanted = bytes(np.dtype(c).num for c in signature.replace("->", ""))
    functions, data = _pointer(at + _FUNCTIONS), _pointer(at + _DATA)
    if numbers[k * nargs:(k + 1) * nargs] != wanted or not functions:
        return None
    loop = _pointer(functions + k * ctypes.sizeof(ctypes.c_void_p))
    extra = _pointer(data + k * ctypes.sizeof(ctypes.c_void_p)) if data else 0
    return (loop, extra) if loop else None


@intrinsic
def _call_loop(typingctx, loop, args, dimensions, steps, data):
    """loop(args, dimensions, steps, data), every argument an address (intp)."""
    def codegen(context, builder, signature, values):
        byte_p = ir.IntType(8).as_pointer()
        intp_p = context.get_value_type(types.intp).as_pointer()
        kind = ir.FunctionType(ir.VoidType(), [byte_p.as_pointer(), intp_p, intp_p, byte_p])
        call = builder.inttoptr(values[0], kind.as_pointer())
        builder.call(call, [builder.inttoptr(values[1], byte_p.as_pointer()),
                            builder.inttoptr(values[2], intp_p),
                            builder.inttoptr(values[3], intp_p),
                            builder.inttoptr(values[4], byte_p)])
        return context.get_dummy_value()

    return types.void(types.intp, types.intp, types.intp, types.intp, types.intp), codegen


@numba.njit(nogil=True)
def expm1_in_place(loop, call, x, n):
    """x[:n] = expm1(x[:n]) by numpy's loop (`loop`: its (loop, data) addresses; `call`:
    four intp numbers of room for the call's arguments, x contiguous float64)."""
    if n <= 0:
        return
    address = x.ctypes.data
    call[0], call[1], call[2], call[3] = address, address, n, 8  # in, out, length, stride
    call[4] = 8
    _call_loop(loop[0], call.ctypes.data, call[2:].ctypes.data, call[3:].ctypes.data,
               loop[1])


@numba.njit(cache=True, nogil=True)
def _expm1_test(loop, x):
    call = np.empty(5, np.intp)
    expm1_in_place(loop, call, x, x.shape[0])


@functools.cache
def expm1_loop() -> tuple[int, int] | None:
    """numpy's float64 expm1 loop, if found and if it gives `np.expm1`'s bits (see the
    module's docstring); else None."""
    loop = ufunc_loop(np.expm1, "d->d")
    if loop is None:
        return None
    rng = np.random.default_rng(15)
    x = -np.concatenate([rng.random(4099) * scale
                         for scale in (0.0, 1e-9, 1e-4, 0.1, 1, 10, 100, 1000)])
    mine = x.copy()
    _expm1_test(loop, mine)
    return loop if np.array_equal(mine.view(np.int64), np.expm1(x).view(np.int64)) else None

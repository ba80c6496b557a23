"""Waiting without sleeping, for the threads that share a week's passes (`parallel`).

Handing a step to a sleeping thread and back costs 90-150 microseconds on the
project's virtual machines (waking a thread asks the host to run another processor),
and a national run hands over about 3,300 times. A thread that waits by watching a
number in memory sees it change within microseconds. These loops watch one with
Python's lock let go (`nogil`), so the thread they wait for can run Python meanwhile,
and give up after a given number of looks, for the caller to sleep instead.

The numbers are read and written as atomic loads and stores (acquire, release): the
compiler may not keep a value read once in a register for the whole loop, and what a
thread wrote before its store is seen by the thread whose load sees the store.
"""

from __future__ import annotations

import numba
from numba.core import cgutils, types
from numba.extending import intrinsic


@intrinsic
def _load_acquire(typingctx, array, index):
    """array[index] (int64), read as an atomic load with acquire ordering."""
    def codegen(context, builder, signature, args):
        kind = signature.args[0]
        view = context.make_array(kind)(context, builder, args[0])
        where = cgutils.get_item_pointer(context, builder, kind, view, [args[1]])
        return builder.load_atomic(where, "acquire", 8)

    return types.int64(array, index), codegen


@intrinsic
def _store_release(typingctx, array, index, value):
    """array[index] = value (int64), written as an atomic store with release ordering."""
    def codegen(context, builder, signature, args):
        kind = signature.args[0]
        view = context.make_array(kind)(context, builder, args[0])
        where = cgutils.get_item_pointer(context, builder, kind, view, [args[1]])
        builder.store_atomic(args[2], where, "release", 8)
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@numba.njit(cache=True, nogil=True)
def mark_and_watch(flags, mark_at, mark, watch_at, seen, looks):
    """flags[mark_at] = mark (unless mark_at < 0), then watch flags[watch_at] until it is
    no longer `seen`, at most `looks` times; returns its value (`seen` if it did not
    change). Marking from inside the loop means Python's lock is already let go when
    another thread sees the mark."""
    if mark_at >= 0:
        _store_release(flags, mark_at, mark)
    for _ in range(looks):
        value = _load_acquire(flags, watch_at)
        if value != seen:
            return value
    return seen


@numba.njit(cache=True, nogil=True)
def watch_until(flags, at, stride, count, value, looks):
    """Watch flags[at], flags[at + stride], ... (`count` of them) until each is `value`,
    at most `looks` times over; returns whether they all were."""
    for _ in range(looks):
        done = True
        for k in range(count):
            if _load_acquire(flags, at + k * stride) != value:
                done = False
                break
        if done:
            return True
    return False

"""numpy's own loop of a ufunc, called from a compiled loop (`model/_numpy_loops.py`):
the same bits as numpy's call, or not used at all."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from commissioning.model import _numpy_loops
from commissioning.model._numpy_loops import expm1_loop, ufunc_loop

EDGES = [0.0, -0.0, -5e-324, -1e-300, -1e-17, -1e-9, -0.5, -1.0, -36.7, -709.0, -745.2,
         -800.0, -np.inf, np.nan, 1e-10, 0.7, 88.0, 709.7, 710.0, np.inf]


def _values(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scales = (1e-12, 1e-6, 1e-3, 0.1, 1.0, 10.0, 100.0, 700.0)
    return np.concatenate([EDGES, *(-rng.random(1000) * s for s in scales),
                           rng.standard_normal(1000) * 5])


def _call(loop: tuple[int, int], x: np.ndarray) -> np.ndarray:
    """x's numbers through `loop`, in place of a copy (any length, any start)."""
    out = x.copy()
    _numpy_loops._expm1_test(loop, out)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_numpys_expm1_loop_called_from_a_compiled_loop_gives_npexpm1s_bits(seed):
    loop = expm1_loop()
    assert loop is not None, "numpy's expm1 loop not found: the blocks call numpy from Python"
    x = _values(seed)
    with np.errstate(all="ignore"):  # overflow and NaN among the edges, on purpose
        want = np.expm1(x)
    assert np.array_equal(_call(loop, x).view(np.int64), want.view(np.int64))
    # every length a block's tail can leave, from starts not on a vector's edge
    for start in range(0, 9):
        for n in range(0, 20):
            part = x[start:start + n]
            assert np.array_equal(_call(loop, part).view(np.int64),
                                  want[start:start + n].view(np.int64)), (start, n)


def test_a_ufuncs_loop_is_found_by_its_type_signature():
    """Each signature its own loop: log1p's float64 loop gives log1p's bits, not
    expm1's, and a float32 loop is not the float64 one."""
    x = np.abs(_values(4))
    with np.errstate(all="ignore"):
        want = np.log1p(x)
    log1p = ufunc_loop(np.log1p, "d->d")
    assert log1p is not None and log1p != ufunc_loop(np.expm1, "d->d")
    assert np.array_equal(_call(log1p, x).view(np.int64), want.view(np.int64))
    assert ufunc_loop(np.expm1, "f->f") not in (None, ufunc_loop(np.expm1, "d->d"))


def test_what_is_not_a_ufuncs_loop_is_not_used():
    """A signature the ufunc has no loop for, or an object that is not a ufunc, gives
    None (the blocks then call numpy from Python)."""
    assert ufunc_loop(np.expm1, "l->l") is None
    assert ufunc_loop(np.add, "d->d") is None  # add takes two numbers
    assert ufunc_loop(np.vectorize(np.expm1), "d->d") is None


def test_a_loop_that_gives_other_bits_is_not_used(monkeypatch):
    """expm1_loop checks the loop on its numbers before handing it out: log1p's loop in
    its place is refused."""
    monkeypatch.setattr(_numpy_loops, "ufunc_loop", lambda *_: ufunc_loop(np.log1p, "d->d"))
    _numpy_loops.expm1_loop.cache_clear()
    try:
        assert _numpy_loops.expm1_loop() is None
    finally:
        monkeypatch.undo()
        _numpy_loops.expm1_loop.cache_clear()
    assert _numpy_loops.expm1_loop() is not None

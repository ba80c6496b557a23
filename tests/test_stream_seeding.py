"""The weekly streams' fast seeding gives numpy's own numbers.

`RandomStreams.weekly_uniform` hashes a stream's weekly seeds for many weeks at once
(SeedSequence's arithmetic over arrays) and sets them into one reused PCG64: the
definition of a stream is unchanged, so every draw must equal numpy's construction
`PCG64(SeedSequence([seed, stream, week]))` advanced to the first claimant.
"""

from __future__ import annotations

import numpy as np
import pytest

from commissioning.model.random_streams import RandomStreams, stream_id


def numpy_draw(seed: int, name: str, week: int, lo: int, hi: int) -> np.ndarray:
    bits = np.random.PCG64(np.random.SeedSequence([seed, stream_id(name), week]))
    if lo:
        bits.advance(lo)
    return np.random.Generator(bits).random(hi - lo)


@pytest.mark.parametrize("seed", [0, 1, 7, 2**31 + 5, 2**32 - 1, 2**32, 2**45 + 3])
def test_weekly_draws_are_numpys_seed_sequence_streams(seed):
    """Same bits for every weekly stream, weeks either side of a hashed block's edge
    (1024), first claimants near and far, and seeds beyond one 32-bit word (numpy's
    construction itself)."""
    streams = RandomStreams(seed)
    for name in ("attachment", "allocation", "case_allocation", "specialist_choice",
                 "job_finding", "job_loss"):
        for week in (0, 1, 51, 52, 468, 1023, 1024, 3000):
            for lo, hi in ((0, 6), (5, 9), (123_456, 123_466), (2**33, 2**33 + 3)):
                got = streams.weekly_uniform(name, week, lo, hi)
                assert got.tobytes() == numpy_draw(seed, name, week, lo, hi).tobytes()


def test_draws_do_not_depend_on_order_or_on_each_other():
    """A draw is the same whoever drew before it, and the arrays handed out are their own."""
    a, b = RandomStreams(11), RandomStreams(11)
    first = a.weekly_uniform("job_loss", 9, 100, 110)
    b.weekly_uniform("job_finding", 9, 0, 50)
    b.weekly_uniform("job_loss", 400, 3, 4)
    again = b.weekly_uniform("job_loss", 9, 100, 110)
    assert first.tobytes() == again.tobytes()
    kept = first.copy()
    a.weekly_uniform("job_loss", 10, 100, 110)
    assert first.tobytes() == kept.tobytes()

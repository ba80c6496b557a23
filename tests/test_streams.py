"""Common random numbers: every process draws from its own stream, once, every week.

Two regimes on the same seed face the same chances only if each process (who
attaches, who finds work, whose job ends, ...) reads its own named stream, for
the week it is in (ODD 4, "stochasticity"). Every draw is recorded by wrapping
`RandomStreams.weekly_uniform`, `RandomStreams.weekly_uniform_at` and
`RandomStreams.generator`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from commissioning.model import CommissioningModel
from commissioning.model.random_streams import RandomStreams

from .conftest import SMALL

#: Each weekly process and its stream.
WEEKLY = {"attachment", "allocation", "case_allocation", "specialist_choice", "job_finding",
          "job_loss"}
#: Drawn once, when the model is built.
SET_UP = {"population", "labour_market", "organisations", "supply_chain"}


def recorded_run(monkeypatch, **params):
    weekly: list[tuple[str, int, int, int]] = []
    set_up: list[str] = []
    draw, draw_at = RandomStreams.weekly_uniform, RandomStreams.weekly_uniform_at
    generator = RandomStreams.generator

    def recording_draw(self, name, week, lo, hi):
        weekly.append((name, int(week), int(lo), int(hi)))
        return draw(self, name, week, lo, hi)

    def recording_draw_at(self, name, week, ids):  # the numbers of ids[0]..ids[-1]
        weekly.append((name, int(week), int(ids[0]), int(ids[-1]) + 1))
        return draw_at(self, name, week, ids)

    def recording_generator(self, name, *keys):
        set_up.append(name)
        return generator(self, name, *keys)

    monkeypatch.setattr(RandomStreams, "weekly_uniform", recording_draw)
    monkeypatch.setattr(RandomStreams, "weekly_uniform_at", recording_draw_at)
    monkeypatch.setattr(RandomStreams, "generator", recording_generator)
    model = CommissioningModel(**{**SMALL, **params})
    built = list(set_up)
    by_week: dict[int, list[tuple[str, int, int, int]]] = {}
    while model.running:
        week = model.steps
        weekly.clear()
        model.step()
        assert not set_up[len(built):], "a set-up stream drawn during the run"
        by_week[week] = list(weekly)
    return model, built, by_week


@pytest.mark.parametrize("scenario", ["two_tier", "locality"])
def test_each_process_draws_its_own_stream_once_a_week_for_that_week(monkeypatch, scenario):
    model, built, by_week = recorded_run(monkeypatch, seed=5, scenario=scenario)
    c, regime = model.claimants, model.p["regime"]
    assert sorted(built) == sorted(SET_UP)  # each set-up stream once
    used = Counter()
    for week, draws in by_week.items():
        names = [name for name, *_ in draws]
        assert all(w == week for _, w, _, _ in draws), (week, draws)  # this week's numbers
        assert len(names) == len(set(names)), (week, names)  # no stream read twice
        assert set(names) <= WEEKLY, names
        # Every week: job loss over the claimants in play, job finding over those of them
        # still within their weeks on programme (the youngest; element k is claimant lo + k
        # in any window, so a narrower window draws the same numbers for each claimant).
        found = {name: (lo, hi) for name, _, lo, hi in draws}
        assert "job_finding" in found and "job_loss" in found, (week, names)
        (find_lo, find_hi), (loss_lo, loss_hi) = found["job_finding"], found["job_loss"]
        assert find_hi == loss_hi and loss_lo <= find_lo <= find_hi, (week, found)
        if (c.referral_week == week).any():  # a week with referrals
            assert "attachment" in found, week
        if (c.attach_week == week).any():  # ... and attachments
            assert "case_allocation" in found, week
            assert ("allocation" in found) == (regime == "two_tier"), week
        used.update(names)
    expected = WEEKLY - ({"allocation"} if regime == "locality" else set())
    assert set(used) == expected
    assert used["job_finding"] == used["job_loss"] == model.p["weeks"]


def test_the_programme_and_its_counterfactual_share_the_job_finding_numbers(monkeypatch):
    """With no support effect, no specialist effect and no effect of bought services (their
    default), attached claimants find work exactly when their no-programme selves do
    (no job is lost here)."""
    model, _, _ = recorded_run(
        monkeypatch, seed=9, light_support_effect=1.0, intensive_support_effect=1.0,
        specialist_barrier_reduction=0.0, key_worker_effect=1.0, employer_engagement_effect=1.0,
        job_loss_hazard_early=0.0, job_loss_hazard_late=0.0)
    c = model.claimants
    attached = c.attach_week >= 0
    assert attached.sum() > 1000
    assert np.array_equal(c.employment_outcome[attached], c.cf_outcome[attached])
    assert c.cf_outcome[attached].sum() > 100


@pytest.mark.parametrize("lo", [0, 1, 12_345, 2**40 + 3])
def test_a_compiled_loop_draws_numpys_numbers_from_a_streams_state(lo):
    """The fused work pass draws each window's numbers as it goes, from the stream's
    PCG64 state (`_pcg64_numba`): the same numbers, to the bit, as `weekly_uniform`
    gives for the window, whatever claimant it starts from; the state steps in place,
    so two draws of half the numbers each give the numbers of one."""
    numba = pytest.importorskip("numba")
    from commissioning.model._pcg64_numba import next_double

    @numba.njit
    def fill(state, out):
        for k in range(out.shape[0]):
            out[k] = next_double(state)

    streams = RandomStreams(20111)
    for name, week in (("job_loss", 0), ("job_finding", 37), ("job_finding", 468)):
        expected = streams.weekly_uniform(name, week, lo, lo + 100_000)
        state, drawn = streams.weekly_state(name, week, lo), np.empty(100_000)
        fill(state, drawn[:40_000])
        fill(state, drawn[40_000:])
        assert drawn.tobytes() == expected.tobytes()


@pytest.mark.parametrize("lo", [0, 7, 2**40 + 3])
def test_a_few_claimants_numbers_drawn_in_a_loop_are_numpys(lo):
    """`weekly_uniform_at` under numba moves the generator's state past the claimants
    between those asked for (`_pcg64_numba.skip`: one jump for a gap under 256, one per
    set bit of a longer one): the numbers numpy draws for the whole range, to the bit,
    for gaps of every length (one claimant after another, a few, hundreds, a
    national window's million) and an id asked for twice."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(3)
    gaps = np.concatenate([rng.integers(0, 3, 3000), rng.integers(3, 256, 300),
                           rng.integers(256, 70_000, 30), [1_000_003, 0, 2**20, 255, 256]])
    rng.shuffle(gaps)
    ids = lo + np.cumsum(gaps)
    for name, week in (("specialist_choice", 0), ("case_allocation", 301)):
        expected = RandomStreams(20111).weekly_uniform_at(name, week, ids)
        drawn = RandomStreams(20111, compiled=True).weekly_uniform_at(name, week, ids)
        assert (gaps == 0).sum() > 100 and gaps.max() >= 2**20
        assert drawn.tobytes() == expected.tobytes()
        assert len(np.unique(drawn)) == len(np.unique(ids))

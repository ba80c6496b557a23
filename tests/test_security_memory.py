"""Memory one model may take: pair totals kept per pair used, not as n-by-n arrays (issue 19).

With every organisation count at its maximum a model had about 15,000
organisations and two 15,081 x 15,081 arrays (referrals and money, 1.7 GiB
each), and every week's payments built a third. The totals are now kept per
pair of organisations actually used; the sums the model reads from them must
be the arrays' sums to the last bit (the results of every run are unchanged:
checked on the shipped scenarios when the change was made).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from commissioning.model import CommissioningModel
from commissioning.model.accounts import PairTotals, row_and_column_sums

#: Organisations by the thousand, few routes between them: the arrays' cost without the graph's.
MANY_ORGANISATIONS = dict(regime="locality", localities=60, specialists_per_locality=200,
                          end_to_end_per_locality=1, primes=1, claimants=500, weeks=3,
                          referral_weeks=2)


@pytest.mark.parametrize("n", [5, 50, 300, 2000])
def test_sums_are_the_full_arrays_sums_to_the_last_bit(n):
    rng = np.random.default_rng(n)
    pairs = np.unique(rng.integers(0, n * n, size=min(n * n, 20 * n)))
    flows = rng.lognormal(5, 2, size=len(pairs)) * rng.choice([1, -1], size=len(pairs))
    full = np.zeros(n * n)
    full[pairs] = flows
    full = full.reshape(n, n)
    out, got = row_and_column_sums(pairs, flows, n, block_bytes=8 * n * 7)  # 7 rows a block
    assert out.tobytes() == full.sum(axis=1).tobytes()
    assert got.tobytes() == full.sum(axis=0).tobytes()


@pytest.mark.parametrize("dense_up_to", [0, 1000], ids=["sparse", "array"])
@pytest.mark.parametrize("dtype", [np.int64, float])
def test_pair_totals_add_as_numpys_add_at_on_the_array(dtype, dense_up_to):
    rng = np.random.default_rng(3)
    n = 40
    full, totals = np.zeros((n, n), dtype), PairTotals(n, dtype, dense_up_to)
    for _ in range(20):
        rows, columns = rng.integers(0, n, 300), rng.integers(0, n, 300)
        values = (rng.integers(1, 5, 300) if dtype is np.int64 else rng.lognormal(3, 2, 300))
        np.add.at(full, (rows, columns), values)
        np.add.at(totals, (rows, columns), values)
    assert totals.toarray().tobytes() == full.tobytes()
    assert totals.sum(axis=0).tobytes() == full.sum(axis=0).tobytes()
    keys = np.unique(rng.integers(0, n * n, 50))
    flows = rng.lognormal(3, 2, len(keys)).astype(dtype)
    full.flat[keys] += flows
    totals.add_pairs(keys, flows)
    assert totals.toarray().tobytes() == full.tobytes()
    rows, columns, values = totals.pairs()
    assert np.array_equal(np.column_stack([rows, columns]), np.argwhere(full != 0))


def test_a_model_with_thousands_of_organisations_fits_in_little_memory():
    tracemalloc.start()
    try:
        model = CommissioningModel(**MANY_ORGANISATIONS)
        model.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = len(model.orgs)
    assert n > 12_000
    assert peak < 200e6, f"{peak / 1e6:,.0f} MB at {n:,} organisations"  # an n x n array: 1.2 GB
    assert model.referrals_matrix.sum() > 0


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_a_run_is_the_same_with_totals_kept_sparse(monkeypatch, regime):
    """The same run, every pair total kept per pair: metrics, cash and network to the bit."""
    def fingerprint() -> tuple:
        model = CommissioningModel(regime, claimants=1500, weeks=120, referral_weeks=56, seed=4)
        model.run_model()
        edges = sorted(model.referral_network().edges(data=True))
        return (repr(model.metrics()), model.accounts.cash.tobytes(), repr(edges))

    as_arrays = fingerprint()
    monkeypatch.setattr(PairTotals, "DENSE_UP_TO", 0)
    assert fingerprint() == as_arrays


def test_organisation_columns_are_narrow_and_still_name_every_organisation():
    """The claimant columns that name an organisation are int8 for a contract area's
    fifty organisations (9 MB less at national scale) and wide enough, with thousands,
    to name rows beyond 127: every attached claimant's holders are real rows."""
    small = CommissioningModel(claimants=500, weeks=3, referral_weeks=2)
    big = CommissioningModel(**MANY_ORGANISATIONS)
    for model in (small, big):
        for _ in range(2):
            model.step()
        c = model.claimants
        attached = c.attach_week >= 0
        named = np.concatenate([c.case_holder[attached], c.contract_holder[attached]])
        assert attached.any()
        assert ((named >= 0) & (named < len(model.accounts.owners))).all()
    assert small.claimants.case_holder.dtype == np.int8
    last = len(big.accounts.owners) - 1  # a specialist's row, past 12,000
    for column in ("contract_holder", "case_holder", "episode_provider", "episode_payer",
                   "treated_by"):
        values = getattr(big.claimants, column)
        values[0] = last
        assert values[0] == last, column

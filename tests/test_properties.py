"""Invariants over random parameters (hypothesis): whatever the scenario, money and
claimants are conserved and every metric stays in its range."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commissioning.model import CommissioningModel

params = st.fixed_dictionaries({
    "regime": st.sampled_from(["two_tier", "locality"]),
    "seed": st.integers(0, 10_000),
    "claimants": st.integers(50, 600),
    "weeks": st.integers(20, 140),
    "referral_weeks": st.integers(1, 60),
    "localities": st.integers(1, 5),
    "primes": st.integers(1, 4),
    "end_to_end_per_locality": st.integers(1, 4),
    "specialists_per_locality": st.integers(0, 10),
    "service_fee_share": st.floats(0, 1),
    "attachment_fee": st.floats(0, 2000),
    "job_outcome_fee": st.floats(0, 20_000),
    "caseload_fixed_cost": st.floats(0, 30),
    "subcontractor_reserves_weeks": st.floats(0, 30),
    "third_sector_reserves_weeks": st.floats(0, 30),
    "overdraft_weeks": st.floats(0, 8),
    "recession_depth": st.floats(0, 1),
    "referral_rule": st.sampled_from(["expected_value", "assessed_need"]),
    "integration_services": st.sampled_from(["expected_value", "commissioned"]),
    "specialist_pricing": st.sampled_from(["variable_cost", "full_cost"]),
    "take_up_barrier_gradient": st.floats(0, 0.5),
    "specialist_capacity_share": st.floats(0, 0.2),
})

RATES = ("job_outcome_rate", "job_outcome_rate_low_barrier", "job_outcome_rate_high_barrier",
         "share_subcontractors_no_referrals", "parked_share", "job_start_rate",
         "no_programme_outcome_rate")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params)
def test_conservation_and_ranges_hold_for_any_scenario(p):
    # check_accounts (on by default) raises the moment money or claimants go astray.
    model = CommissioningModel(**p)
    model.run_model()
    m = model.metrics()
    assert m["weeks"] == p["weeks"]
    assert 0 <= m["referrals"] <= p["claimants"]
    for key in RATES:
        assert math.isnan(m[key]) or 0.0 <= m[key] <= 1.0, key
    assert -1.0 <= m["additional_job_outcome_rate"] <= 1.0
    acc, c, pay = model.accounts, model.claimants, model.payments
    # The commissioner paid what providers received from it, and never more than the
    # contract's most per participant (the largest year's attachment fee and service fees,
    # every outcome payment at the claimant's need-group price) for those attached.
    assert m["total_spend"] == pytest.approx(acc.money[0].sum(), abs=1e-6)
    years = range(1, len(pay.taper) + 1)
    up_front = np.max([pay.attachment(y) + pay.service_fee(y) * pay.service_periods
                       for y in years], axis=0)
    attached = np.flatnonzero(c.attach_week >= 0)
    g = c.group[attached]
    most = up_front[g] + pay.milestone_amount.sum(axis=1)[g] * pay.need_multiplier[
        c.barrier_class[attached]]
    assert m["total_spend"] <= most.sum() + 1e-6
    # Exits: every provider past its limit has gone, and only those.
    gone = [o for o in model.providers if o.insolvent_week is not None]
    assert m["providers_insolvent"] == len(gone) == len(model.exits)
    for o in model.providers:
        assert (o.cash < -o.overdraft_limit) == (o in gone), o.name
    assert np.isclose((acc.cash[1:] - acc.reserves[1:] + acc.costs[1:].sum(axis=1)).sum(),
                      acc.commissioner_paid, atol=1e-6 * max(1.0, acc.commissioner_paid))
    # Nobody gets a job outcome without being attached to a provider.
    assert not ((c.job_outcome_week >= 0) & (c.attach_week < 0)).any()

"""Reproducibility and common random numbers."""

import math

import numpy as np
import pytest

from commissioning.model import CommissioningModel

from .conftest import SMALL, run


def same(a: dict, b: dict) -> bool:
    return all((math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_same_seed_same_numbers(regime):
    a = run(seed=5, regime=regime)
    b = run(seed=5, regime=regime)
    assert same(a.metrics(), b.metrics())
    assert np.array_equal(a.accounts.cash, b.accounts.cash)
    assert a.datacollector.get_model_vars_dataframe().equals(
        b.datacollector.get_model_vars_dataframe())


def test_different_seeds_differ():
    a, b = run(seed=5).metrics(), run(seed=6).metrics()
    assert a["job_outcome_rate"] != b["job_outcome_rate"]
    assert a["total_spend"] != b["total_spend"]


def test_regimes_face_the_same_claimants_and_chances():
    """Same seed: same people, same local markets, same no-programme outcomes."""
    a = CommissioningModel(**SMALL, seed=3)
    b = CommissioningModel(**SMALL, seed=3, regime="locality", service_fee_share=0.3)
    for attr in ("group", "locality", "barriers", "readiness", "referral_week",
                 "log_base_hazard"):
        assert np.array_equal(getattr(a.claimants, attr), getattr(b.claimants, attr)), attr
    assert np.array_equal(a.labour_market.locality_multiplier, b.labour_market.locality_multiplier)
    a.run_model()
    b.run_model()
    assert np.array_equal(a.claimants.cf_outcome, b.claimants.cf_outcome)
    assert a.metrics()["no_programme_outcome_rate"] == b.metrics()["no_programme_outcome_rate"]


def test_one_claimants_luck_does_not_depend_on_the_population_size():
    """A claimant's weekly draw depends on seed, stream, week and id only."""
    from commissioning.model.random_streams import RandomStreams

    streams = RandomStreams(9)
    whole = streams.weekly_uniform("job_finding", 12, 0, 1000)
    part = streams.weekly_uniform("job_finding", 12, 400, 500)
    assert np.array_equal(whole[400:500], part)
    other_stream = streams.weekly_uniform("job_loss", 12, 0, 1000)
    assert not np.array_equal(whole, other_stream)


def test_seed_keyword_overrides_the_scenario():
    a = CommissioningModel(scenario="two_tier", seed=4, **SMALL)
    assert a.p["seed"] == 4

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


#: Share of claimants whose value must differ between two seeds (two independent draws
#: of the same distribution agree far less often than this leaves room for).
DIFFERENT = {"group": 0.5, "locality": 0.5, "barriers": 0.5, "ready_hazard": 0.9,
             "attach_week": 0.03, "contract_holder": 0.4, "case_holder": 0.5,
             "job_outcome_week": 0.2, "cf_outcome": 0.1, "support_spend": 0.3}


def test_different_seeds_give_different_claimants_markets_organisations_and_chances():
    """Every stream follows the seed: who the claimants are, the local markets, the
    organisations and supply chains, and each process's chances."""
    a, b = run(seed=5), run(seed=6)
    for attr, share in DIFFERENT.items():
        differ = (getattr(a.claimants, attr) != getattr(b.claimants, attr)).mean()
        assert differ > share, (attr, differ)
    assert (a.labour_market.locality_multiplier != b.labour_market.locality_multiplier).all()
    assert [o.sector for o in a.providers] != [o.sector for o in b.providers]
    assert [[s.index for s in h.specialists] for h in a.holders] != \
        [[s.index for s in h.specialists] for h in b.holders]
    ma, mb = a.metrics(), b.metrics()
    by_chance = {k for k in ma if ma[k] == mb[k]} - MAY_COINCIDE
    # A count out of 1,500 referrals can tie between two seeds (additional outcomes did:
    # 67 and 67); more than two of some forty such metrics tying would not be chance.
    assert len(by_chance) <= 2, by_chance
    assert len(ma) - len(MAY_COINCIDE) > 30


#: Metrics two seeds may share: set by the scenario, not by chance (weeks, referrals, no
#: partnership under two-tier, the specialist's price), counts of rare events (insolvencies
#: and withdrawals: often none), and the rate of a group with a handful of claimants.
MAY_COINCIDE = {"weeks", "referrals", "partnership_share_of_spend", "specialist_fee_per_episode",
                "providers_insolvent",
                "subcontractors_insolvent", "third_sector_insolvent", "providers_insolvent_share",
                "providers_withdrawn", "job_outcome_rate_ib_is_volunteers"}


def test_regimes_face_the_same_claimants_and_chances():
    """Same seed: same people, same local markets, same no-programme outcomes."""
    a = CommissioningModel(**SMALL, seed=3)
    b = CommissioningModel(**SMALL, seed=3, regime="locality", service_fee_share=0.3)
    for attr in ("group", "locality", "barriers", "referral_week", "ready_hazard"):
        assert np.array_equal(getattr(a.claimants, attr), getattr(b.claimants, attr)), attr
    assert np.array_equal(a.seen_factor, b.seen_factor)  # the readiness providers miss
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


def test_seed_keyword_overrides_the_scenarios_seed(tmp_path):
    """A scenario's own seed gives its run; the keyword replaces it everywhere."""
    path = tmp_path / "seeded.toml"
    path.write_text("[scenario]\nname = 'seeded'\ninherits = 'two_tier.toml'\n"
                    "[run]\nseed = 9\n")
    own = CommissioningModel(scenario=path, **SMALL)
    overridden = CommissioningModel(scenario=path, seed=4, **SMALL)
    plain = CommissioningModel(seed=4, **SMALL)
    nine = CommissioningModel(seed=9, **SMALL)
    for model in (own, overridden, plain, nine):
        for _ in range(60):
            model.step()
    for attr in ("group", "ready_hazard", "attach_week", "case_holder", "job_starts"):
        assert np.array_equal(getattr(overridden.claimants, attr),
                              getattr(plain.claimants, attr)), attr
        assert np.array_equal(getattr(own.claimants, attr), getattr(nine.claimants, attr)), attr
        assert not np.array_equal(getattr(own.claimants, attr),
                                  getattr(overridden.claimants, attr)), attr
    assert same(overridden.metrics(), plain.metrics())
    assert np.array_equal(overridden.accounts.cash, plain.accounts.cash)

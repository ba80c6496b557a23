"""Mechanisms respond to their parameters in the direction they imply.

Each comparison runs the same seed (the same claimants and chances), so a
difference comes from the parameter alone.
"""

import numpy as np
import pytest

from commissioning.agents import Subcontractor
from commissioning.agents.claimant import SEARCHING
from commissioning.agents.provider import SPECIALIST
from commissioning.model import PAYMENT_GROUPS, CommissioningModel
from commissioning.model.accounts import FIXED
from commissioning.model.support_decisions import choose_support, hazard, seen_hazard

from .conftest import SMALL, run

ESA_NEW = PAYMENT_GROUPS.index("esa_new")


def mean_support_spend(model, group: int) -> float:
    c = model.claimants
    mine = (c.group == group) & (c.attach_week >= 0)
    return float(c.support_spend[mine].mean())


def test_higher_outcome_fee_for_a_group_raises_its_support():
    low = run(seed=3, job_outcome_fee={"esa_new": 1200})
    high = run(seed=3, job_outcome_fee={"esa_new": 6000})
    assert mean_support_spend(high, ESA_NEW) > 1.2 * mean_support_spend(low, ESA_NEW)
    # ... and the price signal is specific to the group.
    jsa = PAYMENT_GROUPS.index("jsa_25_plus")
    assert mean_support_spend(high, jsa) == pytest.approx(mean_support_spend(low, jsa), rel=0.1)


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_deeper_recession_lowers_job_outcomes(regime):
    mild = run(seed=4, regime=regime, recession_depth=0.1, recession_start_week=10)
    deep = run(seed=4, regime=regime, recession_depth=0.6, recession_start_week=10)
    assert deep.metrics()["job_outcome_rate"] < mild.metrics()["job_outcome_rate"] - 0.02


def subcontractor_cash(model) -> float:
    case_holding = [o for o in model.providers if isinstance(o, Subcontractor) and o.tier == 1]
    return float(np.mean([o.cash for o in case_holding]))


def test_lower_attachment_fee_worsens_subcontractors_cash():
    full = run(seed=5, weeks=80)
    none = run(seed=5, weeks=80, attachment_fee=0)
    assert subcontractor_cash(none) < subcontractor_cash(full)


HARSH = {"caseload_fixed_cost": 20.0, "attachment_fee": 0, "subcontractor_reserves_weeks": 2,
         "third_sector_reserves_weeks": 2, "overdraft_weeks": 0}


def test_unlimited_reserves_mean_no_insolvency():
    harsh = run(seed=6, **HARSH)
    assert harsh.metrics()["providers_insolvent"] > 0  # the test can fail
    unlimited = {f"{kind}_reserves_weeks": float("inf")
                 for kind in ("prime", "subcontractor", "third_sector", "partnership")}
    rich = run(seed=6, **{**HARSH, **unlimited})
    assert rich.metrics()["providers_insolvent"] == 0


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_no_vacancies_no_job_outcomes(regime):
    model = run(seed=7, regime=regime, vacancy_ratio_level=0.0)
    m = model.metrics()
    assert m["job_outcome_rate"] == 0
    assert m["job_start_rate"] == 0
    assert m["no_programme_outcome_rate"] == 0


def parked_while_an_outcome_is_possible(model) -> float:
    """Share of searching claimants their case holder parks this week, among those who
    could still earn a job outcome (the model's own decision rule on its current state)."""
    c = model.claimants
    threshold = model.payments.job_outcome_weeks[c.group]
    ids = np.flatnonzero((c.status == SEARCHING) & (c.weeks_on_programme + threshold < 103))
    seen = seen_hazard(model, ids, hazard(model, ids))
    return float((choose_support(model, ids, seen) == 0).mean())


def test_prices_that_cover_costs_end_parking():
    """DOMAIN 3.1's metamorphic check: pay enough for every outcome and no one is parked.

    (In the last weeks on programme a job can no longer reach the outcome
    threshold, so no price makes support pay there: those weeks are excluded.)
    """
    base = CommissioningModel(**SMALL, seed=8)
    generous = CommissioningModel(**SMALL, seed=8, job_outcome_fee=200_000)
    for _ in range(70):
        base.step()
        generous.step()
    assert parked_while_an_outcome_is_possible(base) > 0.3
    assert parked_while_an_outcome_is_possible(generous) == 0.0


def case_holder_with_most_searching(model):
    c = model.claimants
    searching = np.flatnonzero(c.status == SEARCHING)
    case = max(model.end_to_end, key=lambda o: int((c.case_holder[searching] == o.index).sum()))
    return case, searching[c.case_holder[searching] == case.index]


def test_a_provider_short_of_cash_demands_more_of_each_pound_of_support():
    """ODD 7.5-7.6: as free cash falls below the buffer the rationing hurdle rises, and
    support that no longer returns (1 + hurdle) times its cost is cut, even where this
    week's budget would pay for all of it (so the hurdle, not the budget, cuts it)."""
    model = CommissioningModel(**SMALL, seed=8, job_outcome_fee=5000)  # support pays
    for _ in range(40):
        model.step()
    case, mine = case_holder_with_most_searching(model)
    assert len(mine) > 30
    seen = seen_hazard(model, mine, hazard(model, mine))
    payable = model.accounts.payable[case.index]

    def levels_with_free_cash(free: float) -> np.ndarray:
        model.accounts.charge(case.index, case.cash - (free + payable), FIXED)
        model._read_cash()
        return choose_support(model, mine, seen)

    floor, buffer = case.spending_floor(), case.cash_buffer
    rich = levels_with_free_cash(buffer + 1000.0)
    assert model.rationing_hurdle[case.index] == 0
    short = levels_with_free_cash(floor + 0.8 * (buffer - floor))  # a fifth of the way down
    assert model.cash_room[case.index] == pytest.approx(0.8)
    assert model.rationing_hurdle[case.index] == pytest.approx(0.25)  # (1 - room) / room
    extra = model.support_cost[rich] - model.support_cost[0]
    assert extra.sum() < model.spending_headroom[case.index]  # the budget does not bind
    assert (short <= rich).all()
    assert (short > 0).sum() < (rich > 0).sum()
    assert (short > 0).sum() > 0  # some support still returns 1.25 times its cost
    stopped = levels_with_free_cash(floor - 1.0)  # at the floor: nothing discretionary
    assert (stopped == 0).all()


def test_parking_falls_on_claimants_with_more_barriers():
    m = run(seed=9).metrics()
    assert m["support_ratio_easy_to_hard"] > 1.0
    assert m["job_outcome_rate_low_barrier"] > m["job_outcome_rate_high_barrier"]


def test_support_raises_job_outcomes_over_the_no_programme_world():
    supported = run(seed=10).metrics()
    useless = run(seed=10, light_support_effect=1.0, intensive_support_effect=1.0,
                  specialist_barrier_reduction=0.0).metrics()
    assert supported["additional_job_outcome_rate"] > 0.01
    assert abs(useless["additional_job_outcome_rate"]) < 0.005


def test_need_based_routing_sends_specialist_referrals_to_hard_cases():
    value = run(seed=12, regime="locality", referral_rule="expected_value")
    need = run(seed=12, regime="locality", referral_rule="assessed_need")
    assert need.episodes_started.sum() > value.episodes_started.sum()
    assert need.metrics()["support_ratio_easy_to_hard"] < value.metrics()[
        "support_ratio_easy_to_hard"]


def test_weaker_effort_under_service_fees_lowers_outcomes():
    keen = run(seed=13, service_fee_share=0.8, fee_effort_loss=0.0)
    lax = run(seed=13, service_fee_share=0.8, fee_effort_loss=1.0)
    assert lax.metrics()["job_outcome_rate"] < keen.metrics()["job_outcome_rate"]


def test_partnership_running_costs_reduce_its_cash():
    cheap = run(seed=14, regime="locality", holder_overhead_share=0.0)
    dear = run(seed=14, regime="locality", holder_overhead_share=0.15)
    cash = lambda m: sum(h.cash for h in m.holders)  # noqa: E731
    assert cash(dear) < cash(cheap)


def test_specialist_capacity_limits_make_queues():
    roomy = run(seed=15, regime="locality", specialist_capacity_share=1.0, weeks=60)
    tight = run(seed=15, regime="locality", specialist_capacity_share=0.005, weeks=60)
    queued = lambda m: m.datacollector.get_model_vars_dataframe()[  # noqa: E731
        "queued_for_specialist"].sum()
    assert queued(tight) > queued(roomy)


def test_specialists_on_no_primes_list_carry_no_costs_and_listed_ones_do():
    """A specialist named in no prime's supply chain staffs nothing, so it neither gets
    referrals nor draws on its reserves; every listed specialist staffs its places."""
    model = run(seed=17, weeks=30, specialist_list_share=0.3)
    specialists = [o for o in model.providers if o.role == SPECIALIST]
    listed = {s.index for h in model.holders for s in h.specialists}
    unlisted = [o for o in specialists if o.index not in listed]
    assert unlisted and len(unlisted) < len(specialists)  # the test can tell them apart
    got = model.referrals_matrix.sum(axis=0)
    for o in unlisted:
        assert got[o.index] == 0
        assert o.cash == pytest.approx(model.accounts.reserves[o.index])
        assert model.staffed[o.index] == 0
    for o in specialists:
        if o.index in listed:  # staffed the places it was contracted for, and paid for them
            assert model.accounts.costs[o.index].sum() > 0

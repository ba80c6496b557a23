"""The comparison is carried by mechanisms, not by asymmetries or definitions (issue 12).

Each test pins one mechanism in the direction the source's argument or the
ODD says it goes, on common random numbers, and each could fail: lags that
bite through cash, specialists that will not sell below cost, money counted
whoever's it was, parking apart from queues, results that do not depend on
the number of claimants, claimants who survive their contract holder, and a
decomposition whose parts add up to the whole.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, SEARCHING
from commissioning.agents.provider import SPECIALIST
from commissioning.experiments.decomposition import decompose, find_levers, shapley
from commissioning.model import CommissioningModel, load_scenario
from commissioning.model.accounts import INTEREST
from commissioning.model.insolvency import exit_provider
from commissioning.model.specialist_services import accepts
from commissioning.model.support_decisions import hazard

from .conftest import SMALL, run

ROOT = Path(__file__).resolve().parents[1]


def _stressed(**params) -> dict:
    """Small providers closer to the edge: half the usual reserves, so timing can matter."""
    return {"subcontractor_reserves_weeks": 6.0, "third_sector_reserves_weeks": 6.0,
            **params}


# --- the cash-flow mechanism ------------------------------------------------------------


def test_longer_payment_lags_leave_small_providers_with_less_cash_and_no_fewer_failures():
    """The source's argument: paid months after the work, small providers run short.

    Same claimants and chances (common random numbers), lags 0/0 against 8/12 weeks.
    """
    lowest_short, lowest_long, failed_short, failed_long = [], [], 0, 0
    for seed in (1, 2, 3):
        short = run(seed=seed, claimants=4000, claim_lag_weeks=0, holder_payment_lag_weeks=0)
        long = run(seed=seed, claimants=4000, claim_lag_weeks=8, holder_payment_lag_weeks=12)
        small = np.flatnonzero(short.small_provider)
        weeks = short.operating_cost[small]
        lowest_short.append((short.lowest_cash[small] / weeks).mean())
        lowest_long.append((long.lowest_cash[small] / weeks).mean())
        failed_short += short.metrics()["providers_insolvent"]
        failed_long += long.metrics()["providers_insolvent"]
        assert long.metrics()["small_providers_lowest_cash"] <= \
            short.metrics()["small_providers_lowest_cash"]
    assert all(lo < sh for lo, sh in zip(lowest_long, lowest_short, strict=True))
    assert failed_long >= failed_short


def test_overdrafts_cost_interest_and_the_money_identities_still_hold():
    dear = run(seed=3, **_stressed(overdraft_interest_rate=0.5))
    free = run(seed=3, **_stressed(overdraft_interest_rate=0.0))
    acc = dear.accounts  # check_accounts is on: every week's identities were checked
    assert acc.costs[:, INTEREST].sum() > 0
    assert free.accounts.costs[:, INTEREST].sum() == 0
    overdrawn = np.flatnonzero(free.lowest_cash < 0)
    assert len(overdrawn)  # someone borrowed, so the rate had something to bite on
    # Interest is money leaving the providers: they end with less.
    assert acc.cash[1:].sum() < free.accounts.cash[1:].sum()


# --- specialists' terms -----------------------------------------------------------------


def _queued_referrals(model: CommissioningModel, n: int = 20):
    """A few searching claimants and a specialist each could be referred to."""
    c = model.claimants
    ids = np.flatnonzero(c.status == SEARCHING)[:n]
    spec = next(o for o in model.providers if o.role == SPECIALIST)
    return ids, np.full(len(ids), spec.index), spec


def test_a_specialist_never_sells_below_its_variable_cost_unless_a_mission_carries_it():
    model = CommissioningModel(**{**SMALL, "seed": 4, "specialist_outcome_share": 0.0})
    for _ in range(20):
        model.step()
    ids, provider, spec = _queued_referrals(model)
    holder = model.claimants.contract_holder[ids]
    seen = hazard(model, ids)
    variable = model.p["specialist_episode_cost"] * (1 - model.p["specialist_fixed_share"])
    model.specialist_fee[holder] = variable + 1  # covers its cost: taken
    assert accepts(model, ids, provider, holder, seen).all()
    model.specialist_fee[holder] = variable - 50  # below cost, no mission: refused
    model.mission_value[spec.index] = 0.0
    assert not accepts(model, ids, provider, holder, seen).any()
    # A charity that values the outcomes takes the loss, as far as its cash can carry it.
    model.mission_value[spec.index] = 1e6
    model.spending_headroom[spec.index] = 50 * 5 + 1
    taken = accepts(model, ids, provider, holder, seen)
    assert taken.sum() == 5
    assert model.spending_headroom[spec.index] == pytest.approx(1.0)


def test_prices_come_from_a_rule_on_the_shared_episode_cost():
    full = CommissioningModel(**{**SMALL, "seed": 1, "specialist_pricing": "full_cost"})
    least = CommissioningModel(**{**SMALL, "seed": 1, "specialist_pricing": "variable_cost"})
    cost, fixed = full.p["specialist_episode_cost"], full.p["specialist_fixed_share"]
    h = full.holders[0].index
    assert full.specialist_fee[h] == pytest.approx(cost)
    assert least.specialist_fee[h] == pytest.approx(cost * (1 - fixed))


# --- money, counted ---------------------------------------------------------------------


def test_funds_used_is_what_organisations_spent_beyond_what_they_were_paid():
    model = run(scenario="locality", seed=5, **_stressed(partnership_reserves_weeks=2.0))
    acc = model.accounts
    used = 0.0
    for o in model.providers:
        i = o.index
        spent = acc.paid_out[i] + acc.costs[i].sum()
        paid = acc.revenue[i]
        if acc.active[i]:  # still trading: what it owes and is owed will be settled
            spent += acc.payable[i]
            paid += acc.receivable[i]
        used += max(spent - paid, 0.0)
    m = model.metrics()
    assert m["provider_funds_used"] == pytest.approx(used)
    assert m["provider_funds_used"] > 0
    assert m["resources_per_job_outcome"] == pytest.approx(
        (m["total_spend"] + used) / m["job_outcomes"])


# --- parking, measured honestly ---------------------------------------------------------


@pytest.mark.parametrize("scenario", ["two_tier", "locality"])
def test_parked_and_queued_weeks_never_overlap_or_exceed_the_searching_weeks(scenario):
    model = run(scenario=scenario, seed=6)
    c = model.claimants
    assert (c.weeks_parked + c.weeks_queued <= c.weeks_searching).all()
    m = model.metrics()
    assert 0 <= m["parked_share"] + m["queued_share"] <= 1
    assert m["queued_share"] == pytest.approx(c.weeks_queued.sum() / c.weeks_searching.sum())


def test_a_claimant_waiting_for_a_specialist_is_queued_not_parked():
    model = run(scenario="locality", seed=7, weeks=60)
    c = model.claimants
    queued = (c.episode_provider >= 0) & (c.episode_end < 0) & (c.status == SEARCHING)
    assert queued.any()
    # Parking is counted only without a specialist; queued weeks are their own measure.
    assert model.tally.weeks_queued > 0


# --- size -------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["two_tier", "locality"])
def test_rates_and_shares_do_not_depend_on_the_number_of_claimants(scenario):
    """A classroom run and a national one tell the same story (same seeds)."""
    small, large = [], []
    for seed in (1, 2):
        for n, out in ((4000, small), (40000, large)):
            m = CommissioningModel(scenario=scenario, seed=seed, claimants=n)
            m.run_model()
            r = m.metrics()
            out.append((r["providers_insolvent_share"], r["job_outcome_rate"]))
    small, large = np.array(small).mean(axis=0), np.array(large).mean(axis=0)
    assert abs(small[0] - large[0]) <= 0.05
    assert abs(small[1] - large[1]) <= 0.01


def test_specialist_places_are_in_proportion_to_the_claimants():
    one = CommissioningModel(**{**SMALL, "seed": 1, "claimants": 2000})
    ten = CommissioningModel(**{**SMALL, "seed": 1, "claimants": 20000})
    spec = one.is_specialist
    ratio = ten.capacity[spec] / one.capacity[spec]
    assert ratio == pytest.approx(np.full(spec.sum(), ratio[0]))
    assert ratio[0] == pytest.approx(10, rel=0.02)


# --- failures -----------------------------------------------------------------------------


def test_a_failed_contract_holders_claimants_pass_on_and_keep_searching():
    model = CommissioningModel(scenario="locality", **{**SMALL, "seed": 8})
    for _ in range(30):
        model.step()
    c = model.claimants
    failing = model.holders[0]
    on = np.isin(c.status, (SEARCHING, IN_WORK, IN_WORK_AFTER))
    mine = np.flatnonzero(on & (c.contract_holder == failing.index))
    assert len(mine)
    exit_provider(model, failing, 30)
    heirs = c.contract_holder[mine]
    assert (heirs != failing.index).all() and model.accounts.active[heirs].all()
    assert np.isin(c.status[mine], (SEARCHING, IN_WORK, IN_WORK_AFTER)).all()
    assert not c.cut_off[mine].any()
    model.run_model()
    model.check_conservation()
    assert model.metrics()["additional_job_outcome_rate"] >= -0.01


def test_when_no_contract_holder_is_left_both_worlds_stop_together():
    model = CommissioningModel(scenario="locality", **{**SMALL, "seed": 9})
    for _ in range(30):
        model.step()
    c = model.claimants
    on = np.isin(c.status, (SEARCHING, IN_WORK, IN_WORK_AFTER))
    for holder in list(model.holders):
        exit_provider(model, holder, 30)
    cut = np.flatnonzero(c.cut_off)
    assert set(np.flatnonzero(on)) <= set(cut)
    cf_before = c.cf_outcome[cut].copy()
    model.run_model()
    assert (c.cf_outcome[cut] == cf_before).all()  # their no-programme selves stopped too


# --- no outcome from a name ---------------------------------------------------------------


def test_no_mechanism_reads_the_regimes_name_beyond_who_holds_contracts():
    """Only the wiring of contracts (supply_chain), allocation to holders (model) and the
    network's label may read `regime`; every mechanism reads parameters."""
    readers = set()
    for path in sorted((ROOT / "model").glob("*.py")) + sorted((ROOT / "agents").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == "regime":
                readers.add(path.name)
    assert readers <= {"supply_chain.py", "model.py", "referral_network.py", "parameters.py",
                       "scenario.py", "scenario_writer.py"}


def test_the_same_claimant_has_the_same_chance_of_work_under_either_structure():
    """With the same contract terms, the regime alone changes no one's hazard."""
    base = {**SMALL, "seed": 10}
    two = CommissioningModel(**base)
    loc = CommissioningModel(**{**base, "regime": "locality"})
    for m in (two, loc):
        m.step()
    ids = np.flatnonzero((two.claimants.status == SEARCHING)
                         & (loc.claimants.status == SEARCHING))
    assert len(ids)
    assert hazard(two, ids) == pytest.approx(hazard(loc, ids), rel=1e-6)


# --- the decomposition ----------------------------------------------------------------------


def test_shapley_values_add_up_and_a_dummy_gets_nothing():
    # v = 3*[a] + 5*[b] + 2*[a and b]; c does nothing.
    def v(s):
        return 3 * (0 in s) + 5 * (1 in s) + 2 * (0 in s and 1 in s)
    from itertools import combinations
    values = {frozenset(c): v(set(c)) for k in range(4) for c in combinations(range(3), k)}
    phi = shapley(values, 3)
    assert phi == pytest.approx([4.0, 6.0, 0.0])
    assert phi.sum() == pytest.approx(v({0, 1, 2}) - v(set()))


def test_decomposition_adds_up_to_the_paired_difference_and_an_idle_lever_gets_zero():
    base = load_scenario("two_tier").with_overrides(
        ["area.claimants=1200", "run.weeks=150", "area.referral_weeks=50"])
    # Payment timing matters; a key worker's price does not while nobody buys one
    # (expected-value buying, neutral effect).
    alt = base.with_overrides(["payments.claim_lag_weeks=10", "support.key_worker_cost=9"])
    levers = find_levers(base.params, alt.params)
    assert [lv.name for lv in levers] == ["payment timing", "integration services"]
    result = decompose(base, alt, replicates=2, metrics=("job_outcome_rate", "total_spend",
                                                         "small_providers_lowest_cash"))
    for metric in result.differences:
        total = result.contributions[metric].sum(axis=1)
        assert total == pytest.approx(result.differences[metric], abs=1e-9)
        assert result.contributions[metric][:, 1] == pytest.approx(0.0, abs=1e-12)
    assert np.abs(result.differences["total_spend"]).max() > 0
    summary = result.summary()
    entry = summary["metrics"]["total_spend"]
    assert sum(entry["contributions"].values()) == pytest.approx(entry["difference"])

"""Insolvency and hand-over (ODD 7.13): who exits when, and who inherits what.

A provider exits in the first week its cash, after settlement, is past its
overdraft limit, and not before. A case holder's claimants go back to its
contract holder; a specialist's episodes end untreated; a contract holder's
claimants, subcontractors, specialists and market share go to the surviving
contract holder with most cash. The rule itself is tested, with cash set by hand
so that each survivor in turn is the richest.
"""

from __future__ import annotations

import numpy as np
import pytest

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, LEFT, SEARCHING
from commissioning.agents.provider import CASE_HOLDER, SPECIALIST
from commissioning.model import CommissioningModel, insolvency
from commissioning.model.accounts import FIXED

from .conftest import SMALL
from .ledger import run_and_watch

FOLLOWED = (SEARCHING, IN_WORK, IN_WORK_AFTER)


def set_cash(model, org, target: float) -> None:
    """Move an organisation's cash to `target` as a cost (so the books still balance)."""
    model.accounts.charge(org.index, org.cash - target, FIXED)


def stepped(weeks: int = 30, **params) -> CommissioningModel:
    model = CommissioningModel(**{**SMALL, "seed": 3, **params})
    for _ in range(weeks):
        model.step()
    return model


def test_a_provider_exits_the_week_its_cash_passes_the_limit_and_not_before():
    model = stepped()
    org = next(o for o in model.end_to_end if o.active and o.contract_holder is not None)
    limit = org.overdraft_limit
    assert limit > 0
    set_cash(model, org, -limit + 1.0)  # a pound inside the limit
    insolvency.check_solvency(model, 30)
    assert org.active and org.insolvent_week is None
    set_cash(model, org, -limit - 1.0)  # a pound past it
    insolvency.check_solvency(model, 31)
    assert not org.active and org.insolvent_week == 31
    assert model.exits[-1] == (31, org.name, org.kind)
    assert not model.accounts.active[org.index]


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_in_a_run_each_exit_is_the_first_week_cash_ended_past_the_limit(regime):
    harsh = dict(caseload_fixed_cost=20.0, attachment_fee=0, subcontractor_reserves_weeks=2,
                 third_sector_reserves_weeks=2, partnership_reserves_weeks=1,
                 overdraft_weeks=0.5, seed=6, scenario=regime)
    model = CommissioningModel(**{**SMALL, **harsh})
    settled = run_and_watch(model)
    exits = 0
    for org in model.providers:
        past = np.flatnonzero(settled.cash[:, org.index] < -org.overdraft_limit)
        first = int(past[0]) if len(past) else None
        assert org.insolvent_week == first, (org.name, org.insolvent_week, first)
        exits += first is not None
    assert exits >= 3  # the test can fail
    assert len(model.exits) == exits


def holdings(model, org) -> dict[str, np.ndarray]:
    c = model.claimants
    followed = np.isin(c.status, FOLLOWED)
    return {"contract": np.flatnonzero(followed & (c.contract_holder == org.index)),
            "in_house": np.flatnonzero(followed & (c.case_holder == org.index))}


@pytest.mark.parametrize("richest", [0, 1])
@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_a_failed_contract_holders_contract_passes_to_the_survivor_with_most_cash(regime,
                                                                                richest):
    model = stepped(scenario=regime, primes=3, localities=3)
    failing, *survivors = model.holders
    heir = survivors[richest]
    other = [h for h in survivors if h is not heir]
    # Hand-set cash: the heir has the most, by a margin; the others stay solvent.
    top = max(h.cash for h in survivors)
    set_cash(model, heir, top + 5000.0)
    for k, h in enumerate(other):
        set_cash(model, h, top - 5000.0 * (k + 1))
    set_cash(model, failing, -failing.overdraft_limit - 1.0)
    held = holdings(model, failing)
    assert len(held["contract"]) > 20  # it had claimants to hand on
    partners = [o for o in failing.case_holders if o is not failing and o.active]
    its_own = [o for o in partners if o.contract_holder is failing]  # not the shared ones
    assert its_own
    specialists = list(failing.specialists)
    row = {h.index: i for i, h in enumerate(model.holders)}
    shares = model.market_shares.copy()

    insolvency.check_solvency(model, 30)

    assert not failing.active and all(h.active for h in survivors)
    c = model.claimants
    assert (c.contract_holder[held["contract"]] == heir.index).all()
    assert (c.case_holder[held["in_house"]] == heir.index).all()
    assert not len(holdings(model, failing)["contract"])
    assert all(o in heir.case_holders for o in partners)
    assert all(o.contract_holder is heir for o in its_own)
    assert set(specialists) <= set(heir.specialists)
    assert model.market_shares[row[heir.index]] == pytest.approx(
        shares[row[heir.index]] + shares[row[failing.index]])
    assert (model.market_shares[row[failing.index]] == 0).all()
    if regime == "locality":  # its locality's future referrals go to the heir
        assert model.holder_of_locality[failing.locality] == heir.index
    for _ in range(10):  # the run goes on: nobody is attached to the failed holder
        model.step()
    assert not (c.contract_holder[c.attach_week >= 31] == failing.index).any()


def test_with_no_survivor_a_contract_holders_claimants_leave_the_programme():
    model = stepped(primes=1)
    (prime,) = model.holders
    held = holdings(model, prime)["contract"]
    assert len(held) > 20
    set_cash(model, prime, -prime.overdraft_limit - 1.0)
    insolvency.check_solvency(model, 30)
    assert not prime.active
    assert (model.claimants.status[held] == LEFT).all()
    model.step()  # new referrals find no one to attach to
    c = model.claimants
    assert not (c.attach_week == 30).any() and (c.referral_week == 30).any()


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_a_failed_case_holders_claimants_go_back_to_their_contract_holder(regime):
    model = stepped(scenario=regime)
    c = model.claimants
    case = max((o for o in model.providers if o.role == CASE_HOLDER and o.active
                and o.contract_holder is not None), key=lambda o: model.caseloads()[o.index])
    mine = holdings(model, case)["in_house"]
    assert len(mine) > 5
    holders_before = c.contract_holder[mine].copy()
    set_cash(model, case, -case.overdraft_limit - 1.0)
    insolvency.check_solvency(model, 30)
    assert not case.active
    assert (c.case_holder[mine] == holders_before).all()
    assert (c.contract_holder[mine] == holders_before).all()
    assert case not in case.contract_holder.case_holders
    assert model.caseloads()[case.index] == 0


def test_a_failed_specialists_episodes_end_untreated():
    model = stepped(weeks=40, scenario="locality")
    c = model.claimants
    spec = max((o for o in model.providers if o.role == SPECIALIST),
               key=lambda o: model.in_episode[o.index])
    mine = np.flatnonzero(c.episode_provider == spec.index)
    assert model.in_episode[spec.index] > 0 and len(mine)
    treated_before, mitigated_before = c.treated_by[mine].copy(), c.mitigated[mine].copy()
    set_cash(model, spec, -spec.overdraft_limit - 1.0)
    insolvency.check_solvency(model, 40)
    assert not spec.active
    assert (c.episode_provider[mine] == -1).all() and (c.episode_end[mine] == -1).all()
    assert (c.mitigated[mine] == mitigated_before).all()  # the barrier is not treated
    assert (c.treated_by[mine] == treated_before).all()
    assert model.in_episode[spec.index] == 0
    model.step()  # and no one is referred to it again
    assert not (c.episode_provider == spec.index).any()

"""Money goes to the right organisation (ODD 7.10), on hand-made histories.

A small model is built and never run: a few claimants are given a contract
holder, a case holder, a payment group and a history by hand, and the model's
own payment functions are called for them. Every destination of `Accounts.book`
is checked this way: commissioner to contract holder, contract holder to case
holder, contract holder to the specialist who treated the claimant, episode payer
to specialist; and so is what happens to a payment whose payer or payee has exited.
"""

from __future__ import annotations

import numpy as np
import pytest

from commissioning.agents.claimant import IN_WORK, SEARCHING
from commissioning.model import PAYMENT_GROUPS, CommissioningModel, insolvency
from commissioning.model.accounts import (
    ASSESSMENT,
    ATTACHMENT,
    COMMISSIONER,
    OUTCOME,
    OVERHEAD,
    PASS_THROUGH,
    SERVICE_FEE,
    SPECIALIST_FEE,
    SPECIALIST_OUTCOME,
)
from commissioning.model.employment import _pay_milestones, _pay_service_fees
from commissioning.model.referrals import _pay_attachment
from commissioning.model.specialist_services import join_queues, run_episodes

ESA_NEW = PAYMENT_GROUPS.index("esa_new")
JSA = PAYMENT_GROUPS.index("jsa_25_plus")

REGIMES = {
    "two_tier": dict(scenario="two_tier", specialist_list_share=1.0,
                     specialist_outcome_share=0.2, holder_payment_lag_weeks=6),
    "locality": dict(scenario="locality", specialist_outcome_share=0.25,
                     holder_payment_lag_weeks=4, assessment_cost=80.0),
}


def chain(regime: str, **params):
    """A model never stepped; a contract holder, one of its case holders, one specialist."""
    model = CommissioningModel(claimants=30, weeks=200, referral_weeks=1, seed=2,
                               claim_lag_weeks=3, **{**REGIMES[regime], **params})
    holder = model.holders[0]
    case = next(o for o in holder.case_holders if o is not holder and o.active)
    spec = next(s for s in holder.specialists if s.locality in (-1, case.locality))
    return model, holder, case, spec


def give(model, ids, holder, case, *, group=ESA_NEW, treated_by=None, milestones=0,
         status=IN_WORK, attached=0):
    """A hand-made history: who holds the claimants, their group, what they have earned."""
    c = model.claimants
    ids = np.atleast_1d(ids)
    c.status[ids] = status
    c.contract_holder[ids], c.case_holder[ids] = holder.index, case.index
    c.group[ids] = group
    c.treated_by[ids] = -1 if treated_by is None else treated_by.index
    c.milestones_paid[ids] = milestones
    c.job_outcome_week[ids] = -1 if milestones == 0 else attached  # an outcome paid before
    c.attach_week[ids] = c.referral_week[ids] = attached
    return ids


def pay_milestones(model, week: int, ids: np.ndarray) -> None:
    """Each claimant's next milestone (the job outcome first), as the weekly process would."""
    _pay_milestones(model, week, ids, model.claimants.milestones_paid[ids].astype(np.int64))


def flows(model) -> dict[tuple[int, int], float]:
    """Every payment settled so far: (payer, payee) -> £."""
    money = np.asarray(model.accounts.money)
    return {(int(a), int(b)): pytest.approx(float(money[a, b]))
            for a, b in np.argwhere(money != 0)}


@pytest.mark.parametrize("regime", REGIMES)
def test_a_job_outcome_pays_the_holder_its_case_holder_and_only_the_treating_specialist(regime):
    model, holder, case, spec = chain(regime)
    acc, pay = model.accounts, model.payments
    J, sigma = pay.job_outcome[ESA_NEW], pay.milestone_amount[ESA_NEW, 1]
    beta, share, lag = holder.outcome_pass_through, holder.specialist_outcome_share, 3
    other = next(s for s in model.specialists if s is not spec)
    give(model, 0, holder, case, treated_by=spec)  # a job outcome, after an episode
    give(model, 1, holder, case, treated_by=None)  # a job outcome, no episode
    give(model, 2, holder, case, treated_by=other, milestones=1)  # a sustainment payment
    pay_milestones(model, 10, np.array([0, 1, 2]))
    assert model.claimants.job_outcome_week[:3].tolist() == [10, 10, 0]  # 2: paid before

    model._settle(10 + lag - 1)
    assert flows(model) == {}  # nothing before the claim lag
    model._settle(10 + lag)
    assert flows(model) == {(COMMISSIONER, holder.index): 2 * J + sigma}
    assert acc.received[holder.index, OUTCOME] == pytest.approx(2 * J + sigma)
    # Its overhead goes with what it receives (management or running costs).
    assert acc.costs[holder.index, OVERHEAD] == pytest.approx(
        holder.overhead_share * (2 * J + sigma))
    model._settle(10 + lag + holder.payment_lag - 1)
    assert len(flows(model)) == 1
    model._settle(10 + lag + holder.payment_lag)
    assert flows(model) == {(COMMISSIONER, holder.index): 2 * J + sigma,
                            (holder.index, case.index): beta * (2 * J + sigma),
                            (holder.index, spec.index): share * J}
    assert acc.received[case.index, PASS_THROUGH] == pytest.approx(beta * (2 * J + sigma))
    assert acc.received[spec.index, SPECIALIST_OUTCOME] == pytest.approx(share * J)
    acc.check()


def test_outcomes_priced_by_need_group_pay_every_party_the_claimants_price():
    """FSS-style prices: a claimant with 2 barriers (Advanced) earns 1.5 times the group's
    price, with 3+ (Intense) twice; the case holder's and the specialist's shares follow."""
    need = [1.0, 1.5, 2.0]
    model, holder, case, spec = chain("locality", need_price_multiplier=need)
    c, pay = model.claimants, model.payments
    give(model, [0, 1, 2], holder, case, treated_by=spec)
    c.n_barriers[:3] = [0, 2, 4]
    c.barrier_class[:3] = [0, 1, 2]
    pay_milestones(model, 10, np.array([0, 1, 2]))
    model._settle(10 + 3 + holder.payment_lag)
    J = pay.milestone_amount[ESA_NEW, 0]
    total = J * sum(need)
    assert flows(model) == {(COMMISSIONER, holder.index): total,
                            (holder.index, case.index): holder.outcome_pass_through * total,
                            (holder.index, spec.index): holder.specialist_outcome_share * total}


@pytest.mark.parametrize("regime", REGIMES)
def test_a_claimant_held_in_house_passes_nothing_on(regime):
    model, holder, _, spec = chain(regime)
    give(model, [0, 1], holder, holder, treated_by=spec, milestones=0)
    give(model, 1, holder, holder, treated_by=spec, milestones=3)
    pay_milestones(model, 5, np.array([0, 1]))
    model._settle(50)
    J, sigma = model.payments.job_outcome[ESA_NEW], model.payments.milestone_amount[ESA_NEW, 1]
    share = holder.specialist_outcome_share
    assert flows(model) == {(COMMISSIONER, holder.index): J + sigma,
                            (holder.index, spec.index): share * J}


@pytest.mark.parametrize("regime", REGIMES)
def test_attachment_fees_of_the_contract_year_go_down_the_chain(regime):
    model, holder, case, _ = chain(regime)
    give(model, [0, 1], holder, case, group=JSA, attached=60)  # contract year 2
    give(model, 2, holder, holder, group=ESA_NEW, attached=60)
    _pay_attachment(model, 60, np.array([0, 1, 2]))
    year_two = model.payments.attachment(2)
    model._settle(60 + 3 + holder.payment_lag)
    fees = 2 * year_two[JSA] + year_two[ESA_NEW]
    assert year_two[JSA] > 0
    assert flows(model) == {(COMMISSIONER, holder.index): fees,
                            (holder.index, case.index): holder.attachment_pass_through
                            * 2 * year_two[JSA]}
    assert model.accounts.received[holder.index, ATTACHMENT] == pytest.approx(fees)
    # A holder that refers by assessed need assesses every claimant it attaches.
    assert model.accounts.costs[holder.index, ASSESSMENT] == pytest.approx(
        3 * holder.assessment_cost)
    assert (holder.assessment_cost > 0) == holder.decides_specialist_referrals()


@pytest.mark.parametrize("regime", REGIMES)
def test_service_fees_go_down_the_chain_by_the_year_of_attachment(regime):
    model, holder, case, _ = chain(regime, service_fee_share=0.4)
    give(model, 0, holder, case, group=JSA, attached=50, status=SEARCHING)  # year 1
    give(model, 1, holder, case, group=JSA, attached=55, status=SEARCHING)  # year 2
    _pay_service_fees(model, 58, np.array([0, 1]))
    pay = model.payments
    fees = pay.service_fee(1)[JSA] + pay.service_fee(2)[JSA]
    assert pay.service_fee(1)[JSA] != pay.service_fee(2)[JSA]  # the taper shows
    model._settle(58 + 3 + holder.payment_lag)
    assert flows(model) == {(COMMISSIONER, holder.index): fees,
                            (holder.index, case.index): holder.attachment_pass_through * fees}
    assert model.accounts.received[holder.index, SERVICE_FEE] == pytest.approx(fees)


@pytest.mark.parametrize("regime", REGIMES)
def test_an_episode_is_paid_for_by_its_payer_to_its_specialist_when_it_starts(regime):
    model, holder, case, spec = chain(regime)
    payer = holder if holder.decides_specialist_referrals() else case
    c = model.claimants
    give(model, 4, holder, case, status=SEARCHING)
    join_queues(model, 3, np.array([4]), np.array([spec.index]), np.array([spec.barrier]),
                np.array([payer.index]))
    model.staffed[spec.index] = 1.0  # one place staffed, and free
    run_episodes(model, 4)
    assert c.episode_end[4] == 4 + model.p["specialist_episode_weeks"]
    model._settle(4 + holder.payment_lag - 1)
    assert flows(model) == {}
    model._settle(4 + holder.payment_lag)
    assert flows(model) == {(payer.index, spec.index): holder.specialist_fee}
    assert model.accounts.received[spec.index, SPECIALIST_FEE] == pytest.approx(
        holder.specialist_fee)


@pytest.mark.parametrize("regime", REGIMES)
def test_an_exited_providers_revenue_stops_and_what_it_was_owed_is_cancelled(regime):
    model, holder, case, spec = chain(regime)
    acc, pay = model.accounts, model.payments
    J, sigma = pay.job_outcome[ESA_NEW], pay.milestone_amount[ESA_NEW, 1]
    give(model, 0, holder, case, treated_by=spec)
    pay_milestones(model, 10, np.array([0]))
    owed_case, owed_spec = holder.outcome_pass_through * J, holder.specialist_outcome_share * J
    insolvency.exit_provider(model, case, 11)
    insolvency.exit_provider(model, spec, 11)
    model._settle(40)
    assert acc.revenue[case.index] == 0 and acc.revenue[spec.index] == 0
    assert acc.cancelled == pytest.approx(owed_case + owed_spec)
    assert flows(model) == {(COMMISSIONER, holder.index): J}  # the holder keeps the rest
    # Later payments for the claimant go to the contract holder, who now holds the case.
    assert model.claimants.case_holder[0] == holder.index
    pay_milestones(model, 14, np.array([0]))
    model._settle(80)
    assert flows(model) == {(COMMISSIONER, holder.index): J + sigma}
    assert acc.cancelled == pytest.approx(owed_case + owed_spec)
    assert acc.commissioner_paid == pytest.approx(J + sigma)
    acc.check()


def test_payments_to_and_from_an_exited_contract_holder_are_cancelled():
    """The commissioner keeps what it owed an exited prime; the prime's subcontractor
    loses what the prime owed it (the cash-flow risk of the chain)."""
    model, holder, case, _ = chain("two_tier")
    J = model.payments.job_outcome[ESA_NEW]
    give(model, 0, holder, case)
    pay_milestones(model, 10, np.array([0]))
    insolvency.exit_provider(model, holder, 11)
    model._settle(40)
    assert flows(model) == {}
    assert model.accounts.cancelled == pytest.approx(J + holder.outcome_pass_through * J)
    assert model.accounts.commissioner_paid == 0
    model.accounts.check()

"""Money and claimants are conserved, every week, in both regimes."""

import numpy as np
import pytest

from commissioning.agents import Prime, Subcontractor
from commissioning.agents.claimant import (
    IN_WORK,
    IN_WORK_AFTER,
    NOT_YET_REFERRED,
    SEARCHING,
)
from commissioning.model import CommissioningModel
from commissioning.model.accounts import AccountingError

from .conftest import SMALL


@pytest.mark.parametrize("regime,fee", [("two_tier", 0.0), ("locality", 0.3),
                                        ("two_tier", 0.3), ("locality", 0.0)])
def test_money_is_conserved_every_week(regime, fee):
    model = CommissioningModel(**SMALL, seed=2, regime=regime, service_fee_share=fee,
                               check_accounts=False, caseload_fixed_cost=12.0)
    acc = model.accounts
    while model.running:
        model.step()
        # Each provider: cash = reserves + revenue - payments made - costs.
        expected = acc.reserves + acc.revenue - acc.paid_out - acc.costs.sum(axis=1)
        assert np.allclose(acc.cash[1:], expected[1:], rtol=0, atol=1e-6 * max(
            1.0, acc.commissioner_paid))
        # Every pound the commissioner paid is found in providers' revenue ...
        assert acc.money[0].sum() == pytest.approx(acc.commissioner_paid, rel=1e-12)
        # ... and, net of money passed on, in their cash and costs.
        in_system = (acc.cash[1:] - acc.reserves[1:] + acc.costs[1:].sum(axis=1)).sum()
        assert in_system == pytest.approx(acc.commissioner_paid, abs=1e-6 * max(
            1.0, acc.commissioner_paid))
        # Money between providers: paid out by one = received by another.
        assert acc.paid_out[1:].sum() == pytest.approx(acc.money[1:].sum(), rel=1e-9, abs=1e-6)
    assert acc.commissioner_paid > 0


def test_partnership_costs_are_paid_from_what_it_receives():
    model = CommissioningModel(**SMALL, seed=2, regime="locality", service_fee_share=0.3)
    model.run_model()
    acc = model.accounts
    for h in model.holders:
        i = h.index
        assert acc.costs[i].sum() > 0  # running costs, assessments, referrals
        assert acc.cash[i] == pytest.approx(acc.reserves[i] + acc.revenue[i] - acc.paid_out[i]
                                            - acc.costs[i].sum())


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_claimants_are_conserved_every_week(regime):
    model = CommissioningModel(**SMALL, seed=4, regime=regime)
    c = model.claimants
    while model.running:
        model.step()
        counts = np.bincount(c.status, minlength=6)
        assert counts.sum() == c.n
        referred = np.searchsorted(c.referral_week, model.week - 1, side="right")
        assert c.n - counts[NOT_YET_REFERRED] == referred
        followed = np.isin(c.status, (SEARCHING, IN_WORK, IN_WORK_AFTER))
        assert model.caseloads().sum() == followed.sum()
        assert (c.case_holder[followed] >= 0).all()
    assert model.tally.referrals == c.n


def test_accounting_check_catches_money_that_vanishes():
    model = CommissioningModel(**SMALL, seed=1)
    for _ in range(30):
        model.step()
    model.accounts.cash[3] -= 1.0  # a pound disappears
    with pytest.raises(AccountingError):
        model.accounts.check()


@pytest.mark.parametrize("where", ["in the window", "not yet referred", "done"])
def test_claimant_check_catches_a_claimant_out_of_place(where):
    """The weekly check reads the active window; the full one (each contract year and
    the last week) every claimant, so a state changed anywhere is caught."""
    model = CommissioningModel(**{**SMALL, "referral_weeks": 300}, seed=1)
    for _ in range(130):
        model.step()
    c = model.claimants
    model.check_conservation(everyone=True)  # all in order so far
    lo, hi = model._lo, model._hi
    assert 0 < lo < hi < c.n  # some done, some not yet referred
    i = {"in the window": hi - 1, "not yet referred": hi, "done": 0}[where]
    if where == "in the window":
        c.case_holder[i], c.status[i] = -1, SEARCHING  # on programme with no case holder
    else:
        c.status[i] = SEARCHING if where == "done" else IN_WORK  # back on, or early
        c.case_holder[i] = -1 if where == "done" else 1
    with pytest.raises(AccountingError):
        model.check_conservation(everyone=True)
    if where == "in the window":
        with pytest.raises(AccountingError):
            model.check_conservation(everyone=False)


def test_insolvent_providers_hand_on_their_claimants():
    model = CommissioningModel(**SMALL, seed=1, caseload_fixed_cost=20.0, attachment_fee=0,
                               subcontractor_reserves_weeks=2, third_sector_reserves_weeks=2,
                               overdraft_weeks=0)
    model.run_model()  # check_accounts is on: would raise if a claimant were lost
    gone = [o for o in model.providers if not o.active]
    assert any(isinstance(o, Subcontractor) for o in gone)
    assert all(o.insolvent_week is not None for o in gone)
    assert all(isinstance(o, Prime) or o.cash < -o.overdraft_limit for o in gone)
    assert len(model.exits) == len(gone)


@pytest.mark.parametrize("regime", ["two_tier", "locality"])
def test_running_tallies_match_a_recount_of_the_claimants(regime):
    """The metrics come from running counts; recount them from the claimant arrays."""
    model = CommissioningModel(**SMALL, seed=8, regime=regime)
    model.run_model()
    c, m = model.claimants, model.metrics()
    attached = c.attach_week >= 0
    jo = c.job_outcome_week >= 0
    assert m["referrals"] == c.n
    assert m["job_outcome_rate"] == pytest.approx(jo.mean())
    with_programme = np.where(attached, c.employment_outcome, c.cf_outcome)
    assert m["additional_job_outcome_rate"] == pytest.approx(
        with_programme.mean() - c.cf_outcome.mean())
    easy, hard = attached & (c.n_barriers <= 1), attached & (c.n_barriers >= 3)
    assert m["support_ratio_easy_to_hard"] == pytest.approx(
        c.support_spend[easy].mean() / c.support_spend[hard].mean())
    assert m["job_outcome_rate_high_barrier"] == pytest.approx(jo[c.n_barriers >= 3].mean())
    assert m["parked_share"] == pytest.approx(c.weeks_parked.sum() / c.weeks_searching.sum())
    assert m["job_start_rate"] == pytest.approx((c.job_starts > 0).mean())

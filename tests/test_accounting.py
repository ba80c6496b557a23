"""Money and claimants are conserved, every week, in both regimes."""

from collections import defaultdict

import numpy as np
import pytest

from commissioning.agents import Prime, Subcontractor
from commissioning.agents.claimant import (
    IN_WORK,
    IN_WORK_AFTER,
    NOT_YET_REFERRED,
    SEARCHING,
)
from commissioning.model import CommissioningModel, integration_services, specialist_services
from commissioning.model.accounts import (
    ASSESSMENT,
    COST_KINDS,
    INTEREST,
    OVERHEAD,
    REFERRAL,
    SERVICES,
    SUPPORT,
    AccountingError,
    add_at,
    pair_flows,
)
from commissioning.model.claimant_kernels import ENVIRONMENT

from .conftest import SMALL


class Ledger:
    """Every charge and every payment booked, kept by the test and settled by its own rule
    (a payment is made in its due week if payer and payee are both still in business)."""

    def __init__(self, model: CommissioningModel):
        acc = model.accounts
        self.model, n = model, len(acc.cash)
        self.cash = acc.reserves.copy()
        self.costs = np.zeros(n)
        self.due: dict[int, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self.paid_by_commissioner = self.cancelled = 0.0
        book, charge, charge_totals = acc.book, acc.charge, acc.charge_totals

        def recording_book(due_week, payer, payee, amount, kind):
            due, *rows = np.broadcast_arrays(np.atleast_1d(due_week), np.atleast_1d(payer),
                                             np.atleast_1d(payee), np.atleast_1d(amount))
            for w in np.unique(due):
                self.due[int(w)].append(tuple(np.array(r[due == w]) for r in rows))
            book(due_week, payer, payee, amount, kind)

        def recording_charge(who, amount, kind):
            who = np.atleast_1d(who)
            cost = np.bincount(who, weights=np.broadcast_to(amount, who.shape), minlength=n)
            self.cash -= cost
            self.costs += cost
            charge(who, amount, kind)

        def recording_charge_totals(total, kind):  # numba's loops sum support costs
            self.cash -= total
            self.costs += total
            charge_totals(total, kind)

        acc.book, acc.charge = recording_book, recording_charge
        acc.charge_totals = recording_charge_totals

    def settle(self, week: int) -> None:
        # Exits are judged after the week's settlement: a provider that exits in this
        # week is still paid and still pays in it.
        alive = np.array([o.insolvent_week is None or o.insolvent_week >= week
                          for o in self.model.orgs])
        for payer, payee, amount in self.due.pop(week, []):
            live = alive[payer] & alive[payee]
            self.cancelled += amount[~live].sum()
            payer, payee, amount = payer[live], payee[live], amount[live]
            np.add.at(self.cash, payee, amount)
            np.subtract.at(self.cash, payer[payer > 0], amount[payer > 0])
            self.paid_by_commissioner += amount[payer == 0].sum()
        assert not any(w < week for w in self.due)  # nothing was due before it was booked


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
@pytest.mark.parametrize("regime,fee", [("two_tier", 0.0), ("locality", 0.3),
                                        ("two_tier", 0.3), ("locality", 0.0)])
def test_every_providers_cash_is_what_its_charges_and_payments_make_it(regime, fee, kernels,
                                                                       monkeypatch):
    """Each week, every provider's cash equals its reserves, less every cost charged to it,
    plus and minus every payment booked for it and due by then, as the test settles them.
    Providers run short, so some payments are cancelled. Both ways of computing the week
    (`claimant_kernels`: numba's loops charge support costs already summed)."""
    if kernels == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv(ENVIRONMENT, kernels)
    model = CommissioningModel(**SMALL, seed=2, regime=regime, service_fee_share=fee,
                               caseload_fixed_cost=12.0, overdraft_weeks=1)
    ledger = Ledger(model)
    acc = model.accounts
    while model.running:
        week = model.steps
        model.step()
        ledger.settle(week)
        scale = 1e-9 * max(1.0, ledger.paid_by_commissioner)
        assert np.allclose(acc.cash[1:], ledger.cash[1:], rtol=0, atol=scale), week
        assert acc.commissioner_paid == pytest.approx(ledger.paid_by_commissioner, rel=1e-12)
        assert acc.cancelled == pytest.approx(ledger.cancelled, rel=1e-12, abs=1e-9)
        assert np.allclose(acc.costs.sum(axis=1), ledger.costs, rtol=1e-12, atol=1e-6)
    assert ledger.paid_by_commissioner > 0 and ledger.cancelled > 0


def test_a_partnerships_costs_are_what_it_bought_and_what_it_runs_on(monkeypatch):
    """Locality: a partnership pays for each claimant's assessment, each specialist
    referral it makes, the key workers, employer engagement and in-work support its
    contract commissions for every claimant, support for the claimants it holds itself
    once a partner has left, interest while overdrawn, and its running costs (a share of
    what it receives), from what it receives. Each is counted here from the claimants,
    referrals and balances it handled."""
    # Partners leave at the first loss, so that partnerships hold some cases themselves.
    model = CommissioningModel(**SMALL, seed=2, scenario="locality",
                               subcontractor_loss_tolerance=0.0, third_sector_loss_tolerance=0.0)
    c, acc, p = model.claimants, model.accounts, model.p
    n = len(model.orgs)
    decided = np.zeros(n, np.int64)
    services = np.zeros(n)
    interest = np.zeros(n)
    support = np.zeros(n)
    refer, charge = specialist_services.refer, integration_services.charge
    charge_interest, weekly_costs = model._charge_interest, model._charge_weekly_costs
    level_cost = np.array([p["minimal_support_cost"], p["light_support_cost"],
                           p["intensive_support_cost"]])

    def watched_refer(m, week, searching, seen):
        refer(m, week, searching, seen)
        np.add.at(decided, c.episode_payer[c.queued_at == week], 1)

    def watched_services(m, searching, lo, hi):
        # A week of key worker and employer engagement for each searching claimant, and
        # of in-work support for each in work in the first weeks of a job.
        np.add.at(services, c.contract_holder[searching],
                  p["key_worker_cost"] + p["employer_engagement_cost"])
        working = np.flatnonzero(np.isin(c.status[lo:hi], (IN_WORK, IN_WORK_AFTER))) + lo
        early = working[c.job_weeks[working] < p["in_work_support_weeks"]]
        np.add.at(services, c.contract_holder[early], p["in_work_support_cost"])
        charge(m, searching, lo, hi)

    def watched_interest():
        overdrawn = np.maximum(-acc.cash, 0.0) * acc.active
        interest[1:] += overdrawn[1:] * p["overdraft_interest_rate"] / 52
        charge_interest()

    def watched_weekly_costs(week, lo, hi, *added_up):
        # This week's support: its level for each searching claimant, contact (minimal)
        # for each in work on programme, charged to the case holder.
        on = np.flatnonzero(np.isin(c.status[lo:hi], (SEARCHING, IN_WORK))) + lo
        level = np.where(c.status[on] == SEARCHING, c.support[on], 0)
        np.add.at(support, c.case_holder[on], level_cost[level])
        weekly_costs(week, lo, hi, *added_up)

    monkeypatch.setattr(specialist_services, "refer", watched_refer)
    monkeypatch.setattr(integration_services, "charge", watched_services)
    model._charge_interest = watched_interest
    model._charge_weekly_costs = watched_weekly_costs
    model.run_model()
    assert p["integration_services"] == "commissioned" and p["referral_rule"] == "assessed_need"
    assert any(support[h.index] > 0 for h in model.holders)  # it held cases itself
    for h in model.holders:
        i = h.index
        assert h.active
        assessed = int(((c.attach_week >= 0) & (c.contract_holder == i)).sum())
        received = acc.money[:, i].sum()
        costs = {ASSESSMENT: p["assessment_cost"] * assessed,
                 REFERRAL: p["referral_transaction_cost"] * decided[i],
                 SERVICES: services[i], INTEREST: interest[i], SUPPORT: support[i],
                 OVERHEAD: p["holder_overhead_share"] * received}
        assert assessed > 100 and decided[i] > 10 and services[i] > 0
        for kind, amount in costs.items():
            assert acc.costs[i, kind] == pytest.approx(amount), COST_KINDS[kind]
        assert acc.costs[i].sum() == pytest.approx(sum(costs.values()))  # nothing else
        assert h.cash == pytest.approx(acc.reserves[i] + received - acc.money[i].sum()
                                       - sum(costs.values()))


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


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
def test_the_full_check_finds_a_specialist_given_without_a_queue(monkeypatch, kernels):
    if kernels == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv(ENVIRONMENT, kernels)
    model = CommissioningModel(**SMALL, seed=1)
    for _ in range(60):
        model.step()
    model.check_conservation(everyone=True)  # all in order so far
    c = model.claimants
    i = np.flatnonzero((c.status == SEARCHING) & (c.episode_provider < 0))[-1]
    c.episode_provider[i] = np.flatnonzero(model.is_specialist)[0]
    with pytest.raises(AccountingError, match="specialist without joining a queue"):
        model.check_conservation(everyone=True)


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


@pytest.mark.parametrize("orgs", [5, 48, 330])
@pytest.mark.parametrize("payments", [1, 7, 24, 25, 400])
def test_each_way_of_summing_a_bookings_pairs_gives_the_same_sums(orgs, payments):
    """A booking's pairs and their sums, the same to the bit whichever way `pair_flows`
    takes (one by one in Python up to FEW_PAYMENTS, a count over every pair with few
    organisations, else sorting): each pair's payments added in booking order from 0."""
    rng = np.random.default_rng(orgs * 1000 + payments)
    payer = rng.integers(0, min(orgs, 4), payments)  # few payers: pairs repeat
    keys = payer * orgs + rng.integers(0, orgs, payments)
    amount = rng.lognormal(5, 2, payments)
    expected: dict[int, float] = {}
    for key, value in zip(keys.tolist(), amount.tolist(), strict=True):
        expected[key] = expected.get(key, 0.0) + value
    pairs, flows = pair_flows(keys, amount, orgs)
    assert pairs.tolist() == sorted(expected)
    assert flows.tobytes() == np.array([expected[k] for k in sorted(expected)]).tobytes()


@pytest.mark.parametrize("dtype", [np.int64, float])
def test_pairwise_add_at_adds_as_numpy_does_to_the_bit(dtype):
    """Through the flat view, a row given once or per value, and on a strided array
    (no flat view: numpy's own add)."""
    rng = np.random.default_rng(8)
    for shape in ((30, 4), (4, 470)):
        full, ours = np.zeros(shape, dtype), np.zeros(shape, dtype)
        strided = np.zeros((shape[0], 2 * shape[1]), dtype)[:, ::2]
        for row in (rng.integers(0, shape[0], 500), 3):
            columns = rng.integers(0, shape[1], 500)
            values = rng.integers(1, 5, 500) if dtype is np.int64 else rng.lognormal(3, 2, 500)
            np.add.at(full, (row, columns), values)
            add_at(ours, row, columns, values)
            add_at(strided, row, columns, values)
        assert ours.tobytes() == full.tobytes()
        assert np.ascontiguousarray(strided).tobytes() == full.tobytes()

"""The payment schedule (DOMAIN 2.3, ODD 7.9-7.10): what falls due, how much, when, to whom.

First the prices, from the parameters by the formulas of ODD 7.9. Then the
schedule end to end: with no job loss a job, once found, lasts, so every payment
a claimant earns follows from the week they attached and the week they started
work. The test builds the whole schedule from those weeks and the contract terms
(claim lag, each contract holder's pass-through shares and payment lag) and
compares it, week by week, organisation by organisation and kind by kind, with
what the accounts settled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from commissioning.agents.claimant import LEFT
from commissioning.model import PAYMENT_GROUPS, CommissioningModel
from commissioning.model.accounts import (
    ATTACHMENT,
    COMMISSIONER,
    OUTCOME,
    PASS_THROUGH,
    PAYMENT_KINDS,
    SERVICE_FEE,
    SPECIALIST_FEE,
    SPECIALIST_OUTCOME,
)

from .ledger import first_difference, run_and_watch

PROGRAMME_WEEKS = 104  # DOMAIN 1.1: two years on the programme
SERVICE_FEE_PERIOD = 4  # ODD 7.9: a fee per 4 weeks on programme

NO_JOB_LOSS = {"job_loss_hazard_early": 0.0, "job_loss_hazard_late": 0.0}
#: Nobody exits or withdraws, so nothing is cancelled and no claimant changes hands.
NO_EXITS = {"overdraft_weeks": math.inf, "subcontractor_loss_tolerance": 10.0,
            "third_sector_loss_tolerance": 10.0}
#: Every payment group alike, the ESA groups too (whatever the scenario's dated ESA share).
EVERY_GROUP = {"referral_share": {g: 1 / len(PAYMENT_GROUPS) for g in PAYMENT_GROUPS},
               "esa_share_path": [["2000-01", 3 / len(PAYMENT_GROUPS)]]}


def per_group(values: dict) -> np.ndarray:
    return np.array([values[g] for g in PAYMENT_GROUPS], dtype=float)


def tiny(**params) -> CommissioningModel:
    return CommissioningModel(claimants=20, weeks=5, referral_weeks=2, seed=1, **params)


# --- prices (ODD 7.9) ------------------------------------------------------------------

ODD_GROUP_TERMS = {  # distinct per group, so a mix-up of groups shows
    "job_outcome_weeks": {g: 5 + 3 * k for k, g in enumerate(PAYMENT_GROUPS)},
    "sustainment_count": {g: 2 + k for k, g in enumerate(PAYMENT_GROUPS)},
    "job_outcome_fee": {g: 1000 + 150 * k for k, g in enumerate(PAYMENT_GROUPS)},
    "sustainment_fee": {g: 100 + 20 * k for k, g in enumerate(PAYMENT_GROUPS)},
    "attachment_fee": {g: 300 + 50 * k for k, g in enumerate(PAYMENT_GROUPS)},
}


@pytest.mark.parametrize("fee_share", [0.0, 0.3])
def test_each_groups_milestones_are_its_job_outcome_then_its_sustainment_payments(fee_share):
    """Milestone 0 is the job outcome, earned after the group's threshold weeks in work;
    then `sustainment_count` payments, one per `sustainment_period_weeks`; nothing more."""
    model = tiny(**ODD_GROUP_TERMS, sustainment_period_weeks=3, bid_discount=0.1,
                 service_fee_share=fee_share)
    pay, price = model.payments, (1 - 0.1) * (1 - fee_share)
    for g, group in enumerate(PAYMENT_GROUPS):
        count = ODD_GROUP_TERMS["sustainment_count"][group]
        assert pay.milestones[g] == count + 1, group
        assert pay.milestone_gap[g, 0] == ODD_GROUP_TERMS["job_outcome_weeks"][group], group
        assert (pay.milestone_gap[g, 1:count + 1] == 3).all(), group
        amounts = pay.milestone_amount[g]
        assert amounts[0] == pytest.approx(ODD_GROUP_TERMS["job_outcome_fee"][group] * price)
        assert amounts[1:count + 1] == pytest.approx(
            [ODD_GROUP_TERMS["sustainment_fee"][group] * price] * count)
        assert (amounts[count + 1:] == 0).all(), group


def test_attachment_fee_follows_the_taper_year_by_year():
    taper = [1.0, 0.6, 0.25]
    model = tiny(attachment_fee_taper=taper, bid_discount=0.1, service_fee_share=0.2,
                 attachment_fee=ODD_GROUP_TERMS["attachment_fee"])
    listed = per_group(ODD_GROUP_TERMS["attachment_fee"]) * 0.9
    for year in range(1, 7):
        factor = taper[min(year, len(taper)) - 1]  # the last value applies after
        assert model.payments.attachment(year) == pytest.approx(listed * factor * 0.8), year


def test_the_default_taper_is_domains_400_300_200_nothing():
    pay = tiny(bid_discount=0.0).payments
    jsa = PAYMENT_GROUPS.index("jsa_25_plus")
    assert [pay.attachment(y)[jsa] for y in (1, 2, 3, 4, 5)] == pytest.approx(
        [400, 300, 200, 0, 0])


@pytest.mark.parametrize("fee_share", [0.3, 0.85, 1.0])
def test_blending_keeps_the_contracts_expected_value(fee_share):
    """ODD 7.9: f of the expected value as service fees, (1 - f) of it on attachment and
    results, so at the commissioner's own pricing assumptions a participant costs the
    same whatever the blend."""
    terms = dict(ODD_GROUP_TERMS, bid_discount=0.05, expected_job_outcome_rate=0.3,
                 expected_sustainment_share=0.6, service_fee_weeks=40)
    blended = tiny(**terms, service_fee_share=fee_share).payments
    pure = tiny(**terms, service_fee_share=0.0).payments
    price = 0.95
    count = per_group(ODD_GROUP_TERMS["sustainment_count"])
    outcome_list = price * (per_group(ODD_GROUP_TERMS["job_outcome_fee"]) + 0.6 * per_group(
        ODD_GROUP_TERMS["sustainment_fee"]) * count)

    def expected_payment(pay, year: int) -> np.ndarray:
        results = pay.job_outcome + 0.6 * pay.milestone_amount[:, 1] * count
        return pay.attachment(year) + 10 * pay.service_fee(year) + 0.3 * results  # 40 wk / 4

    for year in (1, 2, 4):
        taper = [1.0, 0.75, 0.5, 0.0][min(year, 4) - 1]
        value = price * per_group(ODD_GROUP_TERMS["attachment_fee"]) * taper + 0.3 * outcome_list
        assert 10 * blended.service_fee(year) == pytest.approx(fee_share * value)
        assert expected_payment(blended, year) == pytest.approx(value)
        assert expected_payment(pure, year) == pytest.approx(value)


# --- the schedule, end to end ---------------------------------------------------------


class Terms:
    """Each organisation's contract terms as arrays by account row (0 where none)."""

    def __init__(self, model: CommissioningModel):
        def column(name: str) -> np.ndarray:
            return np.array([getattr(o, name, 0.0) for o in model.orgs], dtype=float)

        self.attachment_share = column("attachment_pass_through")
        self.outcome_share = column("outcome_pass_through")
        self.lag = column("payment_lag").astype(np.int64)
        self.specialist_fee = column("specialist_fee")
        self.specialist_share = column("specialist_outcome_share")


class Schedule:
    """Payments falling due, by week, as received [week, payee, kind] and paid [week,
    payer, payee]; payments due after the run are left out."""

    def __init__(self, model: CommissioningModel):
        n, self.weeks = len(model.orgs), model.p["weeks"]
        self.received = np.zeros((self.weeks, n, len(PAYMENT_KINDS)))
        self.money = np.zeros((self.weeks, n, n))

    def owe(self, due, payer, payee, amount, kind: int) -> None:
        due, payer, payee, amount = np.broadcast_arrays(due, payer, payee, amount)
        ok = due < self.weeks
        np.add.at(self.received, (due[ok], payee[ok], kind), amount[ok])
        np.add.at(self.money, (due[ok], payer[ok], payee[ok]), amount[ok])


def milestone_terms(p: dict, budget_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Weeks from the job start to each outcome payment, and its amount at the group's
    list price (need group apart), as [group, milestone] (amount NaN: no such milestone).

    Work Programme: the job outcome after the group's threshold, then one sustainment
    payment per period, `sustainment_count` of them (no job loss: no break restarts the
    count). Staged: each stage's share of the job outcome fee at its weeks in work. A
    budget scales every price (the scale itself is tested in test_programmes.py).
    """
    price = (1 - p["bid_discount"]) * (1 - p["service_fee_share"]) * budget_scale
    fee = per_group(p["job_outcome_fee"]) * price
    if p["outcome_schedule"] == "staged":
        weeks = np.array(p["staged_outcome_weeks"])
        shares = np.array(p["staged_outcome_shares"], float)
        return (np.tile(weeks, (len(PAYMENT_GROUPS), 1)), fee[:, None] * shares[None, :])
    count = per_group(p["sustainment_count"]).astype(np.int64)
    m = np.arange(int(count.max()) + 1)
    offsets = per_group(p["job_outcome_weeks"]).astype(np.int64)[:, None] \
        + p["sustainment_period_weeks"] * m[None, :]
    amounts = np.where(m[None, :] == 0, fee[:, None],
                       per_group(p["sustainment_fee"])[:, None] * price)
    return offsets, np.where(m[None, :] <= count[:, None], amounts, np.nan)


def expected_schedule(model, start_week, treated_at, admissions) -> tuple[Schedule, dict]:
    """Every payment the contract says the run owes, from the claimant arrays alone.

    Returns the schedule and, per claimant, the expected job outcome week (-1: none)
    and the number of payment milestones due within the run.
    """
    p, pay, c = model.p, model.payments, model.claimants
    terms, owed = Terms(model), Schedule(model)
    lag = p["claim_lag_weeks"]
    holder = c.contract_holder.astype(np.int64)
    case = c.case_holder.astype(np.int64)

    def down_the_chain(week, ids, amount, kind, share):
        h, ch = holder[ids], case[ids]
        owed.owe(week + lag, COMMISSIONER, h, amount, kind)
        passed = ch != h
        hp = h[passed]
        owed.owe(week[passed] + lag + terms.lag[hp], hp, ch[passed],
                 amount[passed] * share[hp], PASS_THROUGH)

    programme = p["programme_weeks"]
    attached = np.flatnonzero(c.attach_week >= 0)
    a, g = c.attach_week[attached].astype(np.int64), c.group[attached]
    year = a // 52 + 1
    fee = np.array([pay.attachment(int(y))[k] for y, k in zip(year, g, strict=True)])
    down_the_chain(a, attached, fee, ATTACHMENT, terms.attachment_share)
    if p["service_fee_share"] > 0:
        service = np.array([pay.service_fee(int(y))[k] for y, k in zip(year, g, strict=True)])
        periods = min(max(p["service_fee_weeks"] // SERVICE_FEE_PERIOD, 1),
                      programme // SERVICE_FEE_PERIOD)
        for k in range(1, periods + 1):  # billed in the 4th, 8th, ... week on programme
            down_the_chain(a + SERVICE_FEE_PERIOD * k - 1, attached, service, SERVICE_FEE,
                           terms.attachment_share)

    # Outcome payments: when each milestone falls due after the job start, by group.
    offsets, amounts = milestone_terms(p, pay.budget_scale)
    need = np.array(p["need_price_multiplier"], float)[c.barrier_class]
    first_week = np.where(start_week >= 0, start_week + offsets[c.group, 0], -1)
    outcome_week = np.where((start_week >= 0) & (c.attach_week >= 0), first_week, -1)
    if p["outcome_within_programme"]:  # the job outcome comes in a week on programme
        outcome_week = np.where(outcome_week <= c.attach_week + programme - 1, outcome_week,
                                -1)
    else:  # any job started on programme counts, whenever its outcome comes
        outcome_week = np.where(start_week <= c.attach_week + programme - 1, outcome_week, -1)
    earned = np.flatnonzero(outcome_week >= 0)
    g = c.group[earned]
    for m in range(offsets.shape[1]):
        has = np.isfinite(amounts[g, m])
        ids = earned[has]
        week = start_week[ids] + offsets[c.group[ids], m]
        down_the_chain(week, ids, amounts[c.group[ids], m] * need[ids], OUTCOME,
                       terms.outcome_share)
    # The specialist who treated a claimant gets its share of the job outcome payment.
    o = outcome_week[earned]
    spec = treated_at[earned]
    ids, h, s = earned[spec >= 0], holder[earned][spec >= 0], spec[spec >= 0]
    owed.owe(o[spec >= 0] + lag + terms.lag[h], h, s,
             amounts[c.group[ids], 0] * need[ids] * terms.specialist_share[h],
             SPECIALIST_OUTCOME)
    # Episode fees: the payer pays the contract holder's fee when an episode starts.
    if admissions:
        week, ids, payer, provider = (np.array(x, np.int64) for x in zip(*admissions,
                                                                         strict=True))
        h = holder[ids]
        owed.owe(week + terms.lag[h], payer, provider, terms.specialist_fee[h], SPECIALIST_FEE)
    last = model.p["weeks"] - 1
    milestone_weeks = start_week[:, None] + offsets[c.group]  # [claimant, milestone]
    due = ((milestone_weeks <= last) & np.isfinite(amounts[c.group])).sum(axis=1)
    due = np.where(outcome_week >= 0, due, 0)
    return owed, {"outcome_week": outcome_week, "milestones": due}


def watch_episodes(model):
    """Per week: each claimant's last treating specialist; and every episode admitted."""
    L = model.p["specialist_episode_weeks"]
    treated = np.full((model.p["weeks"], model.claimants.n), -1, np.int64)
    admissions: list[tuple[int, int, int, int]] = []

    def each_week(m, week):
        c = m.claimants
        treated[week] = c.treated_by
        for i in np.flatnonzero(c.episode_end == week + L):  # admitted this week
            admissions.append((week, int(i), int(c.episode_payer[i]),
                               int(c.episode_provider[i])))
    return treated, admissions, each_week


SCHEDULES = {
    "two-tier, outcomes only": dict(scenario="two_tier", service_fee_share=0.0),
    "two-tier, blended, need-based referrals, short terms": dict(
        scenario="two_tier", service_fee_share=0.3, referral_rule="assessed_need",
        claim_lag_weeks=1, holder_payment_lag_weeks=2, sustainment_period_weeks=3,
        job_outcome_weeks=ODD_GROUP_TERMS["job_outcome_weeks"],
        sustainment_count=ODD_GROUP_TERMS["sustainment_count"]),
    "locality, blended, specialists share outcomes": dict(
        scenario="locality", service_fee_share=0.3, specialist_outcome_share=0.2,
        claim_lag_weeks=5, holder_payment_lag_weeks=0),
    "two-tier, outcome prices by need group": dict(
        scenario="two_tier", need_price_multiplier=[1.0, 1.5, 2.0], specialist_outcome_share=0.2),
    "Fair Start Scotland: staged within windows, need-group prices, a budget": dict(
        scenario="fair_start_scotland"),
    "Work and Health Programme: one stage, no window, a budget": dict(
        scenario="work_and_health_programme", specialist_outcome_share=0.2),
}


@pytest.mark.parametrize("terms", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_every_payment_falls_due_in_its_week_to_its_organisation(terms):
    """No job loss: each job outcome on its threshold week, then every sustainment payment,
    each one period later (or, staged, each stage at its weeks in work); attachment,
    service and episode fees; each passed on by its contract holder's terms after its lag.
    Referrals run into contract year 2."""
    longest = 60 + PROGRAMME_WEEKS + 26 * 4 + 12
    model = CommissioningModel(claimants=900, referral_weeks=60, weeks=longest, seed=21,
                               **NO_JOB_LOSS, **NO_EXITS, **EVERY_GROUP, **terms)
    treated, admissions, each_week = watch_episodes(model)
    settled = run_and_watch(model, each_week)
    c = model.claimants
    start = settled.start_week
    offsets, amounts = milestone_terms(model.p, model.payments.budget_scale)
    last_outcome = np.where(start >= 0, start + offsets[c.group, 0], 0).clip(
        0, model.p["weeks"] - 1)
    treated_at = treated[last_outcome, np.arange(c.n)]
    owed, per_claimant = expected_schedule(model, start, treated_at, admissions)

    # Each claimant: the job outcome in its week, and every milestone due paid.
    outcome_week = per_claimant["outcome_week"]
    assert (c.job_outcome_week == outcome_week).all(), first_difference(
        c.job_outcome_week, outcome_week, ("claimant",))
    assert (c.milestones_paid == per_claimant["milestones"]).all(), first_difference(
        c.milestones_paid, per_claimant["milestones"], ("claimant",))
    groups = set(c.group[outcome_week >= 0].tolist())
    assert groups == set(range(len(PAYMENT_GROUPS)))  # every group earned outcomes
    milestones = np.isfinite(amounts).sum(axis=1)[c.group]
    complete = (outcome_week >= 0) & (per_claimant["milestones"] == milestones)
    assert complete.sum() > 100  # many claimants were paid every outcome payment ...
    assert (c.status[complete] == LEFT).all()  # ... and then had nothing more to earn

    # The money: week by week, organisation by organisation, kind by kind.
    assert np.allclose(settled.received, owed.received, atol=1e-6), first_difference(
        settled.received, owed.received, ("week", "organisation", "kind"))
    assert np.allclose(settled.money, owed.money, atol=1e-6), first_difference(
        settled.money, owed.money, ("week", "payer", "payee"))
    for kind in (OUTCOME, PASS_THROUGH):
        assert owed.received[:, :, kind].sum() > 0, PAYMENT_KINDS[kind]
    assert (owed.received[:, :, ATTACHMENT].sum() > 0) == (
        per_group(model.p["attachment_fee"]).sum() > 0)
    if model.p["service_fee_share"] > 0:
        assert owed.received[:, :, SERVICE_FEE].sum() > 0
        assert owed.received[:, :, SPECIALIST_FEE].sum() > 0
    if owed.received[:, :, SPECIALIST_FEE].sum() > 0 and model.p["specialist_outcome_share"]:
        assert owed.received[:, :, SPECIALIST_OUTCOME].sum() > 0
    assert model.accounts.cancelled == 0

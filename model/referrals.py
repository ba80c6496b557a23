"""Referral and attachment: how new claimants reach a contract holder and a case holder.

- Jobcentre Plus (or a devolved programme's referrer) refers each claimant in
  their referral week; they attach with their payment group's rate (a
  voluntary programme's take-up), moved by their barriers against the group's
  mean where take-up selects the more ready.
- **Two-tier**: the commissioner allocates each claimant at random to a prime
  by the primes' market shares in their payment group (equal at first,
  shifted yearly by performance). The prime keeps a share in house, choosing
  those it expects to earn most from (or at random), and passes the rest to its
  tier-1 subcontractors in the claimant's locality by their capacity.
- **Locality**: the claimant goes to their locality's partnership, which
  assesses them (a key-worker cost) and allocates them to a case-holding
  partner by capacity.

The contract holder is paid the attachment fee after the claim lag and passes
its agreed share to the case holder after its own lag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import NOT_ATTACHED, SEARCHING

from .accounts import ASSESSMENT, ATTACHMENT, COMMISSIONER, add_at
from .claimant_kernels import keep_in_house_value
from .parameters import PAYMENT_GROUPS
from .payment_rules import group_array, pay_down_the_chain

if TYPE_CHECKING:
    from .model import CommissioningModel


def attachment_chance(p: dict, group: np.ndarray, n_barriers: np.ndarray,
                      mean_barriers: np.ndarray) -> np.ndarray:
    """Chance that a referred claimant starts: their payment group's rate, moved by their
    barriers against the group's mean where take-up is voluntary (selection)."""
    rate = group_array(p["attachment_rate"])[group]
    gradient = group_array(p["take_up_barrier_gradient"])[group]
    return np.clip(rate * (1.0 - gradient * (n_barriers - mean_barriers[group])), 0.0, 1.0)


def group_mean_barriers(c) -> np.ndarray:
    """Mean barriers of each payment group's referrals (what take-up is centred on)."""
    counts = np.bincount(c.group, minlength=len(PAYMENT_GROUPS))
    total = np.bincount(c.group, weights=c.n_barriers, minlength=len(PAYMENT_GROUPS))
    return total / np.maximum(counts, 1)


def intake(model: CommissioningModel, week: int, lo: int, hi: int) -> None:
    """Refer claimants lo..hi-1 (this week's referrals) and attach those who start."""
    if hi <= lo:
        return
    c, p = model.claimants, model.p
    new = np.arange(lo, hi)
    u = model.streams.weekly_uniform("attachment", week, lo, hi)
    attached = new[u < attachment_chance(p, c.group[new], c.n_barriers[new],
                                         model.mean_barriers)]
    c.status[new] = NOT_ATTACHED
    c.status[attached] = SEARCHING
    c.attach_week[attached] = week
    tally = model.tally
    tally.referrals += len(new)
    tally.refs_group += np.bincount(c.group[new], minlength=len(tally.refs_group))
    tally.refs_class += np.bincount(c.barrier_class[new], minlength=3)
    if not len(attached):
        return
    _allocate_contract_holders(model, week, attached)
    closed = ~model.accounts.active[c.contract_holder[attached]]
    if closed.any():  # every contract holder has failed: no one to attach to
        lost = attached[closed]
        c.status[lost], c.attach_week[lost], c.contract_holder[lost] = NOT_ATTACHED, -1, -1
        attached = attached[~closed]
        if not len(attached):
            return
    tally.attachments += len(attached)
    tally.attached_class += np.bincount(c.barrier_class[attached], minlength=3)
    _allocate_case_holders(model, week, attached)
    _pay_attachment(model, week, attached)


def _allocate_contract_holders(model: CommissioningModel, week: int, ids: np.ndarray) -> None:
    c = model.claimants
    if model.allocation_by_locality:
        c.contract_holder[ids] = model.holder_of_locality[c.locality[ids]]
    else:
        u = model.streams.weekly_uniform_at("allocation", week, ids)
        cumulative = _cumulative_shares(model)
        g = c.group[ids]
        most = len(model.holder_index) - 1
        if model.fused:  # the same count, in one compiled pass
            from ._fused_numba import pick_by_shares

            pick = np.empty(len(ids), np.int64)
            pick_by_shares(u, g, cumulative, most, pick)
        else:
            pick = np.minimum((u[:, None] >= cumulative[:, g].T).sum(axis=1), most)
        c.contract_holder[ids] = model.holder_index[pick]
    holder = c.contract_holder[ids]
    live = model.accounts.active[holder]
    model.referrals_matrix.add(COMMISSIONER, holder[live])
    add_at(model.year_referrals, holder[live], c.group[ids][live])


def _cumulative_shares(model: CommissioningModel) -> np.ndarray:
    """Each payment group's cumulative market shares over the active contract holders;
    worked out again only when the shares or the active holders change (a contract
    year's end, an exit)."""
    key = (model.market_shares.tobytes(), model.holder_active.tobytes())
    kept = model.__dict__.get("_cumulative_shares")
    if kept is None or kept[0] != key:
        shares = model.market_shares * model.holder_active[:, None]
        total = shares.sum(axis=0)
        kept = model._cumulative_shares = (key, np.cumsum(shares, axis=0) / np.where(
            total > 0, total, 1.0))
    return kept[1]


def _allocate_case_holders(model: CommissioningModel, week: int, ids: np.ndarray) -> None:
    c = model.claimants
    L = model.p["localities"]
    u = model.streams.weekly_uniform_at("case_allocation", week, ids)
    key = c.contract_holder[ids].astype(np.int64) * L + c.locality[ids]
    # np.unique(key, return_inverse=True, return_counts=True), from a count of each key
    # (keys are few and small: a sort of the week's claimants took 3 times as long)
    counts = np.bincount(key)
    keys = np.flatnonzero(counts)
    group = (np.cumsum(counts > 0) - 1)[key]
    counts = counts[keys]
    plan = [_case_plan(model, k, L, n) for k, n in zip(keys.tolist(), counts.tolist(),
                                                       strict=True)]
    target = _pick_case_holders(plan, group, u)
    n_keep = np.array([n for _, n, _, _ in plan], np.int64)
    if n_keep.any():
        # The prime keeps its in-house share: those it expects to earn most from (most
        # value first, then lowest id), ranked within each contract holder and locality.
        value = keep_in_house_value(model, ids)
        if model.fused:  # the same choice, each key's least value kept found by selection
            from ._fused_numba import keep_best

            kept = np.empty(len(ids), np.int64)
            kept = kept[:keep_best(group, value, n_keep, kept)]
        else:
            order = np.lexsort((ids, -value, group))
            rank = np.arange(len(ids)) - np.searchsorted(group[order], group[order],
                                                         side="left")
            kept = order[rank < n_keep[group[order]]]
        target[kept] = (keys[group[kept]] // L)
    c.case_holder[ids] = case_holder = target
    holder = c.contract_holder[ids]
    passed = case_holder != holder
    # What each case holder can expect for these claimants if outcomes come as the
    # commissioner priced them (subcontractors' income is judged against this).
    attach, rest = _priced(model, week // 52 + 1)
    g = c.group[ids]
    attach, rest = attach[g], rest[g]
    h = holder[passed]
    np.add.at(model.expected_income, case_holder[passed],
              model.attachment_pass_through[h] * attach[passed]
              + model.outcome_pass_through[h] * rest[passed])
    # ... and what the contract holder expects to keep: the budget it plans spending in.
    kept_attach = np.where(passed, 1.0 - model.attachment_pass_through[holder], 1.0)
    kept_rest = np.where(passed, 1.0 - model.outcome_pass_through[holder], 1.0)
    np.add.at(model.planned_income, holder, kept_attach * attach + kept_rest * rest)
    mark_third_sector_support(model, ids[model.third_sector[case_holder]])
    model.referrals_matrix.add(holder[passed], case_holder[passed])
    model.cases_received += np.bincount(case_holder, minlength=len(model.cases_received))


def _priced(model: CommissioningModel, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Per payment group: the attachment and service fees a claimant attached in `year`
    is priced at, and the rest of its expected value (prices are fixed for a run: worked
    out once a year, not every week)."""
    kept = model.__dict__.setdefault("_priced", {})
    if year not in kept:
        pay = model.payments
        attach = pay.attachment(year) + pay.service_fee(year) * pay.service_periods
        kept[year] = (attach, pay.expected_value(year) - attach)
    return kept[year]


def _case_plan(model: CommissioningModel, k: int, L: int, n: int
               ) -> tuple[int, int, np.ndarray, np.ndarray]:
    """For this week's `n` claimants of one contract holder and locality (`k`): the
    holder, how many it keeps in house (its share, carried over from week to week when
    it keeps those it expects most from), and the case holders the rest go to with their
    cumulative shares."""
    holder = k // L
    options = model.case_holder_options(holder, k % L)
    orgs, weights = options
    shares = model.case_shares.get(k)
    if shares is None or shares[0] is not options:  # the options changed (an exit)
        shares = model.case_shares[k] = [options, None, None]
    keeps_best = (orgs[0] == holder and len(orgs) > 1
                  and model.orgs[holder].in_house_selection == "expected_value")
    if not keeps_best:
        if shares[1] is None:  # every option by its weight
            shares[1] = np.cumsum(weights) / weights.sum()
        return holder, 0, orgs, shares[1]
    if shares[2] is None:  # the in-house share, and the others by their weights
        rest = weights[1:]
        shares[2] = (weights[0] / weights.sum(), np.cumsum(rest) / rest.sum())
    in_house_share, cumulative_rest = shares[2]
    model.in_house_carry[k] = model.in_house_carry.get(k, 0.0) + in_house_share * n
    n_keep = min(int(model.in_house_carry[k]), n)
    model.in_house_carry[k] -= n_keep
    return holder, n_keep, orgs[1:], cumulative_rest


def _pick_case_holders(plan: list, group: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Each claimant's case holder among its key's options, by its uniform draw against
    the options' cumulative shares (`searchsorted(..., side="right")`: how many shares
    are at most the draw, the shares padded with +inf to one table for all keys)."""
    width = max(len(orgs) for _, _, orgs, _ in plan)
    cumulative = np.full((len(plan), width), np.inf)
    options = np.zeros((len(plan), width), np.int64)
    for j, (_, _, orgs, cum) in enumerate(plan):
        cumulative[j, :len(cum)] = cum
        options[j, :len(orgs)] = orgs
    last = np.array([len(orgs) - 1 for _, _, orgs, _ in plan], np.int64)
    pick = np.minimum((u[:, None] >= cumulative[group]).sum(axis=1), last[group])
    return options[group, pick]


def mark_third_sector_support(model: CommissioningModel, ids: np.ndarray) -> None:
    """Count claimants supported by a third-sector organisation (once each)."""
    c = model.claimants
    new = ids[~c.vcs_supported[ids]]
    c.vcs_supported[new] = True
    model.tally.vcs_supported += len(new)


def _pay_attachment(model: CommissioningModel, week: int, ids: np.ndarray) -> None:
    c = model.claimants
    fee = model.payments.attachment(week // 52 + 1)[c.group[ids]]
    pay_down_the_chain(model, week, ids, fee, ATTACHMENT, model.attachment_pass_through)
    holder = c.contract_holder[ids]
    assessment = model.assessment_cost[holder]
    if assessment.any():
        model.accounts.charge(holder, assessment, ASSESSMENT)

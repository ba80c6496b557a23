"""Specialist episodes: who is referred for which barrier, queues, and capacity.

A claimant on programme with an untreated barrier can be referred to a
specialist that treats it and is on their contract holder's network. Who
decides, and pays, follows the contract holder's referral rule:

- **expected value**: the case holder buys an episode when the expected gain
  in payments from treating the barrier beats the fee and the cost of
  arranging it (tier-2 starvation can emerge from prices and volumes);
- **assessed need**: the contract holder refers assessed barriers, most
  barriers first, as far as its budget and cash allow.

The specialist decides whether to take each referral (`accepts`): below cost
only as far as a mission-driven organisation can carry the loss.

A specialist has a number of places (fractions where the area is small). One on
a contract holder's list starts staffed for them (what it was contracted for)
and moves its staffing towards the demand it sees (referrals running and
waiting, as far as someone can pay for them), adjusting over
`staffing_adjustment_weeks`; one on no list staffs nothing;
referrals beyond its staffed places wait in a first-come, first-served queue.
A staffed place costs its fixed share every week, used or not. An episode
lasts a fixed number of weeks; when it ends the barrier's penalty is partly
removed. The specialist carries
the episode's cost every week and is paid its fee, after the payer's lag, when
the episode starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import POPCOUNT, SEARCHING

from .accounts import EPISODE, REFERRAL, SPECIALIST_FEE
from .claimant_kernels import referral_candidates
from .referrals import mark_third_sector_support
from .support_decisions import PART, Prospects, next_barrier, specialist_gain

if TYPE_CHECKING:
    from .model import CommissioningModel


def refer(model: CommissioningModel, week: int, searching: np.ndarray,
          seen: np.ndarray | None) -> None:
    """Decide this week's specialist referrals among searching claimants.

    `seen` is the providers' view of each searching claimant's hazard (fused: None, the
    candidates' found with them by `claimant_kernels.searching_week`).
    """
    c, p = model.claimants, model.p
    if model.fused:  # the same steps in one pass (claimant_kernels)
        ids, seen, barrier, case_holder_gain = referral_candidates(model, searching)
    else:
        free = (c.episode_provider[searching] < 0) & (c.weeks_on_programme[searching]
                                                      + p["specialist_episode_weeks"]
                                                      < model.programme_weeks)
        ids, seen = searching[free], seen[free]
        if not len(ids):
            return
        barrier = next_barrier(model, ids)
        ids, seen, barrier = ids[barrier >= 0], seen[barrier >= 0], barrier[barrier >= 0]
        case_holder_gain = None
    if not len(ids):
        return
    fee, cost = model.specialist_fee, p["referral_transaction_cost"]
    # By need: the holder refers assessed barriers, most barriers first, as far as the
    # budget and cash it has not already promised to those waiting can pay. By value:
    # the case holder refers when the expected gain beats the price (fee and cost).
    if case_holder_gain is not None:  # fused: the value rule in one pass
        from ._fused_numba import value_referrals

        org = c.contract_holder.dtype  # int8, or int16 past 127 organisations
        holder, decider = np.empty(len(ids), org), np.empty(len(ids), org)
        by_need, chosen = np.empty(len(ids), bool), np.empty(len(ids), bool)
        value_referrals(ids, case_holder_gain, c.contract_holder, c.case_holder,
                        model.need_rule, model.rationing_hurdle, fee, float(cost), holder,
                        decider, by_need, chosen)
    else:
        holder = c.contract_holder[ids]
        by_need = model.need_rule[holder]
        decider = np.where(by_need, holder, c.case_holder[ids])
        chosen = np.zeros(len(ids), bool)
        for start in range(0, len(ids), PART):  # a part at a time: no caseload-long floats
            rows = np.flatnonzero(~by_need[start:start + PART]) + start
            gain = specialist_gain(model, ids[rows], decider[rows], seen[rows])
            chosen[rows] = gain >= (1.0 + model.rationing_hurdle[decider[rows]]) * (
                fee[holder[rows]] + cost)
    if by_need.any():
        chosen[by_need] = _fundable(model, ids[by_need], holder[by_need],
                                    fee[holder[by_need]] + cost)
    chosen = model.decisions.specialist_referrals(ids, decider, chosen)  # a player's, if any
    ids, barrier, holder, decider, seen = (ids[chosen], barrier[chosen], holder[chosen],
                                           decider[chosen], seen[chosen])
    if not len(ids):
        return

    # Pick a specialist among those that match, in proportion to their places.
    u = model.streams.weekly_uniform_at("specialist_choice", week, ids)
    loc = c.locality[ids]
    provider = np.full(len(ids), -1, np.int64)
    key = (holder.astype(np.int64) * model.p["localities"] + loc) * 8 + barrier
    for k in np.unique(key).tolist():
        options = model.specialist_options.get(k)
        if options is None or not len(options):
            continue
        # Places are fixed: each key's shares are found again only when its options change
        shares = model.specialist_shares.get(k)
        if shares is None or shares[0] is not options:
            weights = np.cumsum(model.capacity[options])
            shares = model.specialist_shares[k] = (options, weights / weights[-1])
        rows = key == k
        pick = np.searchsorted(shares[1], u[rows], side="right")
        provider[rows] = options[np.minimum(pick, len(options) - 1)]
    ok = provider >= 0
    ok[ok] = accepts(model, ids[ok], provider[ok], holder[ok], seen[ok])
    model.tally.referrals_declined += int(((provider >= 0) & ~ok).sum())
    ids, barrier, decider, provider = ids[ok], barrier[ok], decider[ok], provider[ok]
    join_queues(model, week, ids, provider, barrier, decider)
    model.accounts.charge(decider, p["referral_transaction_cost"], REFERRAL)
    model.referrals_matrix.add(c.case_holder[ids], provider)


def join_queues(model: CommissioningModel, week: int, ids: np.ndarray, provider: np.ndarray,
                barrier: np.ndarray, payer: np.ndarray) -> None:
    """Claimants `ids` join their specialists' queues (for `barrier`, paid by `payer`):
    the one way a claimant gets a specialist, so the claimants with one are known
    without a scan of the window (`engaged`)."""
    c = model.claimants
    c.episode_provider[ids] = provider
    c.episode_barrier[ids] = barrier
    c.episode_payer[ids] = payer
    c.queued_at[ids] = week
    _engaged(model)[1].append(np.sort(np.asarray(ids, np.int64)))


def _engaged(model: CommissioningModel) -> tuple[np.ndarray, list]:
    """The claimants last found with a specialist, and those given one since."""
    return model.__dict__.setdefault("_engaged", (np.zeros(0, np.int64), []))


def engaged(model: CommissioningModel) -> np.ndarray:
    """Claimants with a specialist (waiting in a queue or in an episode), in id order.

    Those last found with one, and those who joined a queue since (`join_queues`), less
    those whose episode or wait has ended: what a scan of the active window for a
    specialist finds (a claimant with one is still in play), without the scan (1.4
    million claimants a week at national scale, for a few thousand; 0.77 ms a week). The
    conservation check compares the two every contract year."""
    kept, joined = _engaged(model)
    for ids in joined:  # each in id order: merged in, without sorting them all again
        kept = np.insert(kept, np.searchsorted(kept, ids), ids)
    if joined and len(kept):  # one that left a queue may have joined another since
        kept = kept[np.concatenate([[True], kept[1:] != kept[:-1]])]
    kept = kept[model.claimants.episode_provider[kept] >= 0]
    model._engaged = (kept, [])
    return kept


def fits_in_budget(group: np.ndarray, cost: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Which items, taken in the order given, fit in their group's budget.

    Items are spent in order within each group (a payer, a specialist); an item is kept
    while the running total of its group's costs stays within that group's budget.
    """
    order = np.argsort(group, kind="stable")  # keeps the given order within a group
    g, spent = group[order], np.cumsum(cost[order])
    first = np.searchsorted(g, g, side="left")
    before = np.concatenate([[0.0], spent])[first]
    ok = np.zeros(len(group), bool)
    ok[order] = spent - before <= budget[g]
    return ok


def _fundable(model: CommissioningModel, ids: np.ndarray, holder: np.ndarray,
              price: np.ndarray) -> np.ndarray:
    """Need-based referrals a holder can fund: its spending headroom less what it owes
    the claimants already waiting on its account, spent on those with most barriers."""
    c = model.claimants
    waiting = _waiting(c, engaged(model))
    promised = np.bincount(c.episode_payer[waiting].astype(np.int64), weights=model.specialist_fee[
        c.contract_holder[waiting]], minlength=len(model.orgs))
    untreated = POPCOUNT[c.barriers[ids] & ~c.mitigated[ids]]
    order = np.lexsort((ids, -untreated))  # most barriers first
    ok = np.zeros(len(ids), bool)
    ok[order] = fits_in_budget(holder[order], price[order],
                               np.maximum(model.spending_headroom - promised, 0.0))
    return ok


def accepts(model: CommissioningModel, ids: np.ndarray, provider: np.ndarray,
            holder: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Whether each specialist takes the referral: a specialist sells below cost only as
    far as its mission lets it and its cash can carry the loss.

    Income it can expect: the fee, plus its share of the job outcome fee if the claimant
    reaches an outcome after treatment. Its cost: the episode's variable part (the fixed
    part is paid whether or not it takes the work). A third-sector specialist also counts
    the value it puts on a job outcome (`third_sector_mission_value`), and then carries
    the loss from the cash it can spare this week.
    """
    c, p = model.claimants, model.p
    variable = p["specialist_episode_cost"] * (1.0 - p["specialist_fixed_share"])
    pr = Prospects(model, ids, seen, weeks_ahead=p["specialist_episode_weeks"])
    lift = p["barrier_penalty"] ** (-p["specialist_barrier_reduction"])
    p_out = pr.p_outcome(model.support_multiplier[c.support[ids]] * lift)
    first_payment = model.payments.job_outcome[c.group[ids]] * model.payments.need_multiplier[
        c.barrier_class[ids]]
    income = model.specialist_fee[holder] + model.specialist_outcome_share[holder] * \
        first_payment * p_out
    ok = income >= variable
    mission = ~ok & (income + model.mission_value[provider] * p_out >= variable)
    if mission.any():
        rows = np.flatnonzero(mission)
        loss = variable - income[rows]
        carried = fits_in_budget(provider[rows], loss, model.spending_headroom)
        ok[rows[carried]] = True
        model.spending_headroom -= np.bincount(provider[rows[carried]], weights=loss[carried],
                                               minlength=len(model.spending_headroom))
    return model.decisions.accepted(provider, ok, income >= variable)  # a player's, if any


def leave_queues(model: CommissioningModel) -> None:
    """Claimants who stopped searching (work, end of programme) leave any queue."""
    c = model.claimants
    waiting = _waiting(c, engaged(model))
    idx = waiting[c.status[waiting] != SEARCHING]
    c.episode_provider[idx] = -1
    c.episode_barrier[idx] = -1
    c.queued_at[idx] = -1


def run_episodes(model: CommissioningModel, week: int) -> None:
    """End finished episodes, admit from queues within capacity, and charge their costs."""
    c, p = model.claimants, model.p
    # Claimants with a specialist (waiting or in an episode): each step below looks at
    # these few only (nothing here gives anyone else one).
    with_specialist = engaged(model)
    end = c.episode_end[with_specialist]
    # Episodes ending this week: the barrier is (partly) treated.
    done = with_specialist[(end >= 0) & (end <= week)]
    if len(done):
        c.mitigated[done] |= (1 << c.episode_barrier[done].astype(np.uint8)).astype(np.uint8)
        c.treated_by[done] = c.episode_provider[done]
        c.episodes[done] += 1
        np.subtract.at(model.in_episode, c.episode_provider[done], 1)
        c.episode_provider[done] = -1
        c.episode_barrier[done] = -1
        c.episode_end[done] = -1
        c.queued_at[done] = -1

    # Admit the longest-waiting first, up to each specialist's free places.
    queued = _waiting(c, with_specialist)
    if len(queued):
        provider = c.episode_provider[queued].astype(np.int64)
        order = np.lexsort((queued, c.queued_at[queued], provider))
        queued, provider = queued[order], provider[order]
        first = np.searchsorted(provider, provider, side="left")
        rank = np.arange(len(queued)) - first
        # Places may be fractions of a person's time; a part-staffed place takes work once
        # it is at least half staffed.
        free = np.maximum(np.floor(model.staffed + 0.5).astype(np.int64) - model.in_episode, 0)
        admit = rank < free[provider]
        ids, provider = queued[admit], provider[admit]
        ids, provider = _affordable(model, ids, provider)
        if len(ids):
            c.episode_end[ids] = week + p["specialist_episode_weeks"]
            np.add.at(model.in_episode, provider, 1)
            np.add.at(model.episodes_started, provider, 1)
            mark_third_sector_support(model, ids[model.third_sector[provider]])
            holder = c.contract_holder[ids]
            model.accounts.book(week + model.payment_lag[holder], c.episode_payer[ids],
                                provider, model.specialist_fee[holder], SPECIALIST_FEE)

    # Every running episode costs its specialist its variable share this week.
    running = with_specialist[c.episode_end[with_specialist] > week]
    if len(running):
        weekly = p["specialist_episode_cost"] / p["specialist_episode_weeks"]
        variable = weekly * (1.0 - p["specialist_fixed_share"])
        model.accounts.charge(c.episode_provider[running], variable, EPISODE)
        model.add_support_spend(running, weekly)
    _adjust_staffing(model, _waiting(c, with_specialist))


def _waiting(c, ids: np.ndarray) -> np.ndarray:
    """Those of `ids` waiting in a queue (a specialist, no episode yet)."""
    return ids[(c.episode_provider[ids] >= 0) & (c.episode_end[ids] < 0)]


def _affordable(model: CommissioningModel, ids: np.ndarray, provider: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """Keep the admissions each payer can still pay for this week (longest-waiting first).

    An episode's fee is committed when it starts; a payer short of cash leaves the
    rest waiting in the queue rather than spend past its overdraft limit.
    """
    c = model.claimants
    payer = c.episode_payer[ids].astype(np.int64)
    fee = model.specialist_fee[c.contract_holder[ids]]
    ok = fits_in_budget(payer, fee, model.spending_headroom)
    budget_used = np.bincount(payer[ok], weights=fee[ok], minlength=len(model.spending_headroom))
    model.spending_headroom -= budget_used
    return ids[ok], provider[ok]


def _adjust_staffing(model: CommissioningModel, queued: np.ndarray) -> None:
    """Specialists move their staffed places towards the demand they see (funded work):
    the episodes running and the claimants `queued` for them."""
    c, p = model.claimants, model.p
    # Waiting claimants count as demand as far as someone can pay for them.
    funded = model.funding_room[c.episode_payer[queued]]
    waiting = np.bincount(c.episode_provider[queued], weights=funded,
                          minlength=len(model.staffed))
    demand = model.in_episode + waiting
    target = model.decisions.staffing_target(np.minimum(demand, model.capacity))
    spec = model.is_specialist
    model.staffed[spec] += (target[spec] - model.staffed[spec]) / p["staffing_adjustment_weeks"]
    weekly = p["specialist_episode_cost"] / p["specialist_episode_weeks"]
    model.fixed_cost[spec] = model.staffed[spec] * p["specialist_fixed_share"] * weekly

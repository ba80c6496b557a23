"""Finding work, keeping it, and the payments that follow; the same people without the programme.

Each week, for the claimants in play:

1. jobs end with a weekly hazard that falls with the weeks already in the job
   and differs by payment group (`job_retention`);
2. those still in work add a week; payments fall due by the outcome schedule
   (`payment_rules`): under the Work Programme's, a claimant who reaches the
   group's threshold (13 or 26 continuous weeks) while on programme earns a
   **job outcome**, and each further 4 continuous weeks a **sustainment**
   payment, up to the group's maximum, a break in work restarting the count;
   under a staged schedule, each stage is paid when the weeks in work since the
   job start reach it within its window, and lost if the window passes first;
3. searching claimants find work with their weekly hazard: their readiness,
   barriers (less any a specialist has treated), local vacancies, any key
   worker or employer engagement their contract holder buys, and the support
   they got this week (in-work support, where bought, lowers the job-loss hazard);
4. after their weeks on programme claimants return to Jobcentre Plus, except
   those in work: they are followed while they can still earn a payment, and
   every job started on programme at least until it has lasted 52 weeks or
   ended (so that the sustained-job metrics see it).

Alongside, every referred claimant's **no-programme** self is run on the same
random numbers with the hazard they would have had with no support, no
specialist and no bought services, so deadweight and additional outcomes are
measured, not assumed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, LEFT, POPCOUNT, SEARCHING

from . import parallel
from .accounts import COMMISSIONER, OUTCOME, PASS_THROUGH, SERVICE_FEE, SPECIALIST_OUTCOME, add_at
from .claimant_kernels import empty_pages, ids_between, put_together
from .integration_services import IN_WORK_SUPPORT, in_work_supported
from .job_retention import hazard_at
from .payment_rules import SERVICE_FEE_PERIOD, pay_down_the_chain
from .support_decisions import no_programme_hazard

if TYPE_CHECKING:
    from .model import CommissioningModel

#: A job started on programme is followed at least this long (the longest sustained-job
#: metric), even when nothing more can be earned from it.
FOLLOW_UP_WEEKS = 52
SUSTAINED_WEEKS = (13, 26, 52)


def cf_extended(model: CommissioningModel) -> bool:
    """Whether a job started within the programme period may reach its outcome after it
    (as the programme's own outcomes may, when they need not come on programme)."""
    return not model.payments.within_programme


def work_and_search(model: CommissioningModel, week: int, lo: int, on: int, hi: int,
                    searching: np.ndarray, true_hazard: np.ndarray | None,
                    services: np.ndarray) -> Callable[[], None] | None:
    """Jobs ending, milestones earned, jobs found, and the no-programme world.

    Claimants lo..hi-1 are in play; from `on` they are within their weeks on programme
    (only they can look for work, in either world). `searching` are this week's
    searching claimants and `true_hazard` their hazard before support (None from the
    fused pass, which takes it again: `claimant_kernels.searching_week`). `services` is
    each contract holder's job-finding multiplier from the services it buys, as that
    hazard was taken with: a quarterly review since then counts from next week.

    Returns the bookings of the week's milestone payments if they are left to the
    caller (the fused pass: `programme_clock` makes them), else None (made here).
    """
    c, pay = model.claimants, model.payments
    if model.fused and not pay.staged:  # the same, claimant by claimant in one pass
        return _fused_work_and_search(model, week, lo, on, hi, searching, services)
    # Element k of a stream's draws is claimant lo + k whatever lo is: job-finding
    # numbers are drawn only for those who can look for work.
    u_find = model.streams.weekly_uniform("job_finding", week, on, hi)
    u_loss = model.streams.weekly_uniform("job_loss", week, lo, hi)

    # 1-2. Claimants in work: keep the job or lose it; count towards milestones.
    working = ids_between(model, c.status, lo, hi, IN_WORK, IN_WORK_AFTER)
    loss = hazard_at(model.job_loss, c.group[working], c.job_weeks[working])
    supported = in_work_supported(model, working)
    loss[supported] *= model.service_job_loss[c.contract_holder[working[supported]]]
    lost = u_loss[working - lo] < loss
    gone = working[lost]
    c.status[gone] = np.where(c.status[gone] == IN_WORK, SEARCHING, LEFT)
    c.support[gone] = 0  # support is decided afresh next week
    c.job_weeks[gone] = 0
    if not pay.staged:
        c.milestone_weeks[gone] = 0  # a break in work restarts the count
    kept = working[~lost]
    c.job_weeks[kept] += 1
    c.milestone_weeks[kept] += 1
    _count_sustained(model, week, kept)
    if pay.staged:
        _staged_milestones(model, week, lo, hi)
    else:
        _sustainment_milestones(model, week, kept)
    _end_follow_up(model, kept)

    # 3. Searching claimants find work.
    h = true_hazard * model.support_multiplier[c.support[searching]]
    found = searching[u_find[searching - on] < h]
    c.status[found] = IN_WORK
    c.job_weeks[found] = 0
    if pay.staged:
        _restart_outcome_clock(model, week, found)
    else:
        c.milestone_weeks[found] = 0
    first = found[c.job_starts[found] == 0]
    c.first_start_week[first] = week
    model.tally.ever_started += len(first)
    c.job_starts[found] += 1
    model.tally.job_starts += len(found)
    model.tally.starts_by_week[week] += len(found)

    _no_programme_world(model, week, lo, on, hi, u_find, u_loss)


def _fused_work_and_search(model: CommissioningModel, week: int, lo: int, on: int, hi: int,
                           searching: np.ndarray, services: np.ndarray,
                           in_programme: bool = True) -> None:
    """`work_and_search` (sustainment schedule) in one numba pass over the claimants, each
    claimant's numbers drawn as it is reached (`_fused_numba.work_week`, from each
    stream's generator state: faster than numbers drawn ahead at every size): the same
    updates; the few claimants due a payment are paid after it, in the same order.
    The searching claimants' true hazards are taken again in the pass, with `services`,
    those the week's searching pass took them with. Not `in_programme`: the no-programme
    world only (a staged schedule's programme world is the numpy passes'; this pass
    draws the same numbers again)."""
    from ._fused_numba import work_week

    c, pay, tally, streams = model.claimants, model.payments, model.tally, model.streams
    sustained = np.zeros(len(SUSTAINED_WEEKS), np.int64)
    programme = (c.status, c.group, c.job_weeks, model.job_loss,
                 np.ascontiguousarray(model.buys[:, IN_WORK_SUPPORT]), c.contract_holder,
                 int(model.p["in_work_support_weeks"]), model.service_job_loss, c.support,
                 c.milestone_weeks, c.milestones_paid, pay.milestones, pay.milestone_gap,
                 bool(pay.within_programme), np.array(SUSTAINED_WEEKS), FOLLOW_UP_WEEKS,
                 model.support_multiplier, c.job_starts, c.first_start_week, c.barriers,
                 c.mitigated, POPCOUNT, services)
    world = (c.cf_outcome, c.cut_off, c.referral_week, int(model.programme_weeks),
             cf_extended(model), c.cf_in_work, c.cf_job_weeks, pay.first_outcome_weeks,
             c.cf_outcome_week, c.attach_week, c.ready_hazard, c.n_barriers,
             model.barrier_factor, model.vacancy_factor, c.locality, c.cf_first_start)
    # Room for every claimant, few of them listed: pages never written are never used.
    earned, after = empty_pages(hi - lo, np.int64), empty_pages(hi - lo, np.int64)
    cf_lo = lo if cf_extended(model) else on
    loss, find = streams.weekly_state("job_loss", week, lo), streams.weekly_state(
        "job_finding", week, on)
    statuses = (SEARCHING, IN_WORK, IN_WORK_AFTER, LEFT)
    edges = parallel.cut(lo, hi, model.threads)
    if len(edges) > 2:  # in parts, shared among threads
        (n_earned, n_after, found, first, outcomes, attached), earned, after = _work_in_parts(
            edges, week, on, cf_lo, loss, find, in_programme, searching, programme, world,
            statuses, sustained, earned, after, model.threads)
    else:
        n_earned, n_after, found, first, outcomes, attached = work_week(
            week, lo, on, hi, cf_lo, loss, find, in_programme, searching, programme, world,
            statuses, sustained, earned, after)
    earned, after = earned[:n_earned], after[:n_after]
    tally.cf_outcomes += outcomes
    tally.cf_attached += attached
    if not in_programme:
        return
    for i, weeks in enumerate(SUSTAINED_WEEKS):
        if sustained[i] and week - weeks >= 0:
            tally.sustained_by_week[i, week - weeks] += sustained[i]
    bookings = None
    if len(earned):
        bookings = _pay_milestones_fused(model, week, earned,
                                         c.milestones_paid[earned].astype(np.int64))
        c.milestone_weeks[earned] = 0
    c.status[after[~pay.still_earning(c, after)]] = LEFT
    tally.ever_started += first
    tally.job_starts += found
    tally.starts_by_week[week] += found
    return bookings


def _work_in_parts(edges: np.ndarray, week: int, on: int, cf_lo: int, loss: np.ndarray,
                   find: np.ndarray, in_programme: bool, searching: np.ndarray,
                   programme: tuple, world: tuple, statuses: tuple, sustained: np.ndarray,
                   earned: np.ndarray, after: np.ndarray, threads: int
                   ) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """`work_week` in the parts `edges` cuts the window into, shared among `threads`
    (`parallel`): the same updates and numbers, put together in claimant order. Returns
    `work_week`'s six counts, and the lists of those due a milestone and past the
    follow-up, each part's moved up behind the last's."""
    from ._fused_numba import work_week
    from ._pcg64_numba import JUMPS, states_at

    parts = len(edges) - 1
    loss_states, find_states = parallel.rows(parts, 4, np.uint64), parallel.rows(
        parts, 4, np.uint64)
    states_at(loss, edges[0], edges[:-1], JUMPS, loss_states)
    states_at(find, on, np.maximum(edges[:-1], on), JUMPS, find_states)
    # (edges in the ids' own type: else numpy copies all the ids to int64 to search them,
    # 4.6 MiB at a busy national week, the peak's extra with two threads)
    marks = np.searchsorted(searching, edges.astype(searching.dtype))
    counts = np.zeros((parts, 6), np.int64)
    each = parallel.rows(parts, len(sustained))

    def work(p: int) -> None:  # a part, one call of the compiled loop
        a, b = int(edges[p]), int(edges[p + 1])
        counts[p] = work_week(week, a, min(max(on, a), b), b, min(max(cf_lo, a), b),
                              loss_states[p], find_states[p], in_programme,
                              searching[marks[p]:marks[p + 1]], programme, world, statuses,
                              each[p], earned[a - edges[0]:], after[a - edges[0]:])

    # each part taken by the next thread free (dealt ahead, the main thread waited for
    # the other 0.3 s of a national run)
    parallel.taken_in_turn([functools.partial(work, p) for p in range(parts)], threads)
    sustained += each.sum(axis=0)
    put_together(earned, edges[:-1] - edges[0], counts[:, 0])
    put_together(after, edges[:-1] - edges[0], counts[:, 1])
    return tuple(int(x) for x in counts.sum(axis=0)), earned, after


def _count_sustained(model: CommissioningModel, week: int, kept: np.ndarray) -> None:
    """Count jobs reaching 13, 26 and 52 weeks against the week they started."""
    tenure = model.claimants.job_weeks[kept]
    for i, weeks in enumerate(SUSTAINED_WEEKS):
        n = int((tenure == weeks).sum())
        if n and week - weeks >= 0:
            model.tally.sustained_by_week[i, week - weeks] += n


def _sustainment_milestones(model: CommissioningModel, week: int, kept: np.ndarray) -> None:
    """The Work Programme's schedule: job outcome, then a payment every period in work."""
    c, pay = model.claimants, model.payments
    g = c.group[kept]
    k = c.milestones_paid[kept]
    due = (k < pay.milestones[g]) & (c.milestone_weeks[kept] >= pay.milestone_gap[g, np.minimum(
        k, pay.milestone_gap.shape[1] - 1)])
    if pay.within_programme:
        due &= (k > 0) | (c.status[kept] == IN_WORK)  # a job outcome must come on programme
    earned = kept[due]
    if len(earned):
        _pay_milestones(model, week, earned, c.milestones_paid[earned].astype(np.int64))
        c.milestone_weeks[earned] = 0


def _staged_milestones(model: CommissioningModel, week: int, lo: int, hi: int) -> None:
    """A staged schedule: each stage paid if reached within its window, else lost."""
    c, pay = model.claimants, model.payments
    n = pay.milestone_amount.shape[1]
    sl = slice(lo, hi)
    ids = np.flatnonzero((c.outcome_clock[sl] >= 0) & (c.milestones_paid[sl] < n) & np.isin(
        c.status[sl], (SEARCHING, IN_WORK, IN_WORK_AFTER))) + lo
    for _ in range(n):
        if not len(ids):
            return
        k = c.milestones_paid[ids].astype(np.int64)
        elapsed = week - c.outcome_clock[ids]
        window = pay.windows[k]
        in_work = np.isin(c.status[ids], (IN_WORK, IN_WORK_AFTER))
        reached = in_work & (c.milestone_weeks[ids] >= pay.milestone_gap[c.group[ids], k]) & (
            (window == 0) | (elapsed <= window))
        if pay.within_programme:
            reached &= (c.job_outcome_week[ids] >= 0) | (c.status[ids] == IN_WORK)
        missed = ~reached & (window > 0) & (elapsed >= window)
        if reached.any():
            _pay_milestones(model, week, ids[reached], k[reached])
        c.milestones_paid[ids[missed]] += 1
        ids = ids[(reached | missed) & (c.milestones_paid[ids] < n)]


def _restart_outcome_clock(model: CommissioningModel, week: int, found: np.ndarray) -> None:
    """Staged schedule: the windows run from the first job start; if nothing has been paid
    and the first stage's window has passed, a new job start begins them again."""
    c = model.claimants
    fresh = found[(c.job_outcome_week[found] < 0)
                  & ((c.outcome_clock[found] < 0) | (c.milestones_paid[found] > 0))]
    c.outcome_clock[fresh] = week
    c.milestone_weeks[fresh] = 0
    c.milestones_paid[fresh] = 0


def _end_follow_up(model: CommissioningModel, kept: np.ndarray) -> None:
    """Claimants past their programme, in a job that has lasted a year, with nothing more
    to earn, are no longer followed."""
    c = model.claimants
    after = kept[(c.status[kept] == IN_WORK_AFTER) & (c.job_weeks[kept] >= FOLLOW_UP_WEEKS)]
    c.status[after[~model.payments.still_earning(c, after)]] = LEFT


def _no_programme_world(model: CommissioningModel, week: int, lo: int, on: int, hi: int,
                        u_find: np.ndarray, u_loss: np.ndarray) -> None:
    """The same people without the programme, within its weeks from referral (and, where
    the programme's own outcomes may come after it, jobs started in them run on).
    As with the programme, a job lost this week cannot be replaced until next week.
    `u_find` are the job-finding numbers from claimant `on`, `u_loss` the job-loss ones
    from `lo`."""
    c, pay = model.claimants, model.payments
    if not cf_extended(model):  # before `on` no one is followed: their weeks are over
        u_loss, lo = u_loss[on - lo:], on
    if model.fused:  # claimant by claimant in one pass
        _fused_work_and_search(model, week, lo, on, hi, np.empty(0, np.int64),
                               model.service_hazard, in_programme=False)
        return
    sl = slice(lo, hi)
    followed = ~c.cf_outcome[sl] & ~c.cut_off[sl]
    window = (c.referral_week[sl] + model.programme_weeks > week) & followed
    work = window | (followed & cf_extended(model))
    cf_work = np.flatnonzero(work & c.cf_in_work[sl]) + lo
    cf_search = np.flatnonzero(window & ~c.cf_in_work[sl]) + lo
    cf_lost = u_loss[cf_work - lo] < hazard_at(model.job_loss, c.group[cf_work],
                                               c.cf_job_weeks[cf_work])
    c.cf_in_work[cf_work[cf_lost]] = False
    c.cf_job_weeks[cf_work[cf_lost]] = 0
    cf_kept = cf_work[~cf_lost]
    c.cf_job_weeks[cf_kept] += 1
    reached = cf_kept[c.cf_job_weeks[cf_kept] >= pay.first_outcome_weeks[c.group[cf_kept]]]
    c.cf_outcome[reached] = True
    c.cf_outcome_week[reached] = week
    model.tally.cf_outcomes += len(reached)
    model.tally.cf_attached += int((c.attach_week[reached] >= 0).sum())
    cf_found = cf_search[u_find[cf_search - on] < no_programme_hazard(model, cf_search)]
    c.cf_in_work[cf_found] = True
    c.cf_job_weeks[cf_found] = 0
    first = cf_found[c.cf_first_start[cf_found] < 0]
    c.cf_first_start[first] = week


def _pay_milestones(model: CommissioningModel, week: int, ids: np.ndarray,
                    k: np.ndarray) -> None:
    """Book milestone `k` of each claimant (job outcome, sustainment or stage) down the chain."""
    if model.fused:
        _pay_milestones_fused(model, week, ids, k)()
        return
    c, p, pay, acc = model.claimants, model.p, model.payments, model.accounts
    g = c.group[ids]
    amount = pay.milestone_amount[g, k] * pay.need_multiplier[c.barrier_class[ids]]
    pay_down_the_chain(model, week, ids, amount, OUTCOME, model.outcome_pass_through)
    holder = c.contract_holder[ids].astype(np.int64)
    outcome = c.job_outcome_week[ids] < 0  # the first payment is the job outcome
    if outcome.any():
        jo = ids[outcome]
        c.job_outcome_week[jo] = week  # and so `employment_outcome`
        model.tally.jo_group += np.bincount(g[outcome], minlength=len(model.tally.jo_group))
        model.tally.jo_class += np.bincount(c.barrier_class[jo], minlength=3)
        add_at(model.year_outcomes, holder[outcome], g[outcome])
        # The specialist who treated the claimant gets its share, as the case holder does.
        treated = outcome & (c.treated_by[ids] >= 0)
        h = holder[treated]
        acc.book(week + p["claim_lag_weeks"] + model.payment_lag[h], h,
                 c.treated_by[ids[treated]], amount[treated] * model.specialist_outcome_share[h],
                 SPECIALIST_OUTCOME)
    c.milestones_paid[ids] += 1


def _pay_milestones_fused(model: CommissioningModel, week: int, ids: np.ndarray,
                          k: np.ndarray) -> Callable[[], None]:
    """`_pay_milestones` with its arithmetic and counts in one compiled pass
    (`_fused_numba.milestone_payments`: a score of numpy's passes over the week's
    tens of thousands at national scale, 0.64 s of a run); returns the bookings to make,
    the same in the same order: the commissioner's to the contract holder, the
    pass-through to the case holder (as `pay_down_the_chain`), a treating specialist's
    share of a job outcome. (Made later, they may be made while the programme clock
    counts: `programme_clock`.)"""
    from ._fused_numba import milestone_payments

    c, p, pay, acc, tally = model.claimants, model.p, model.payments, model.accounts, model.tally
    n = len(ids)
    amount, holder, case_holder = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    outcome, treated = np.empty(n, bool), np.empty(n, bool)
    earned = np.zeros(len(tally.earned_group))
    milestone_payments(
        week, ids, k, (c.group, c.barrier_class, c.contract_holder, c.case_holder,
                       c.referral_week, c.job_outcome_week, c.treated_by, c.milestones_paid),
        pay.milestone_amount, pay.need_multiplier, int(p["programme_weeks"]), amount, holder,
        case_holder, outcome, treated, earned, tally.earned_two_years, tally.jo_group,
        tally.jo_class, model.year_outcomes)
    due = week + p["claim_lag_weeks"]
    specialist = c.treated_by[ids[treated]]

    def book() -> None:
        acc.book(due, COMMISSIONER, holder, amount, OUTCOME)
        tally.earned_group += earned
        passed = case_holder != holder
        h = holder[passed]
        acc.book(due + model.payment_lag[h], h, case_holder[passed],
                 amount[passed] * model.outcome_pass_through[h], PASS_THROUGH)
        if treated.any():  # the specialist who treated the claimant gets its share
            h = holder[treated]
            acc.book(due + model.payment_lag[h], h, specialist,
                     amount[treated] * model.specialist_outcome_share[h], SPECIALIST_OUTCOME)

    return book


def programme_clock(model: CommissioningModel, week: int, lo: int, hi: int,
                    bookings: Callable[[], None] | None = None) -> None:
    """Count weeks on programme, pay service fees, and end the programme after its weeks
    (for claimants lo..hi-1: the model passes those within their weeks on programme).

    `bookings`: the week's milestone payments still to book (`work_and_search`), made
    first: fused, while the other threads count (the count reads nothing they write)."""
    c, pay = model.claimants, model.payments
    if model.fused:  # the same scan in one pass
        from ._fused_numba import programme_clock as scan

        # Room for every claimant, few of them listed: pages never written are never used.
        billed, ending = empty_pages(hi - lo, np.int64), empty_pages(hi - lo, np.int64)
        edges = parallel.cut(lo, hi, model.threads)
        counts = parallel.in_parts(edges, model.threads, lambda a, b: scan(
            a, b, c.status, c.weeks_on_programme, int(model.programme_weeks),
            SERVICE_FEE_PERIOD, int(pay.service_periods), pay.fee_share > 0, SEARCHING,
            IN_WORK, billed[a - lo:], ending[a - lo:]), first=bookings)
        counts = np.array(counts, np.int64).reshape(-1, 2)
        billed = billed[:put_together(billed, edges[:-1] - lo, counts[:, 0])]
        ending = ending[:put_together(ending, edges[:-1] - lo, counts[:, 1])]
        if len(billed):
            _pay_service_fees(model, week, billed)
    else:
        if bookings is not None:
            bookings()
        on = ids_between(model, c.status, lo, hi, SEARCHING, IN_WORK)
        c.weeks_on_programme[on] += 1
        weeks = c.weeks_on_programme[on]
        if pay.fee_share > 0:
            periods = weeks // SERVICE_FEE_PERIOD
            billed = on[(weeks % SERVICE_FEE_PERIOD == 0) & (periods <= pay.service_periods)]
            if len(billed):
                _pay_service_fees(model, week, billed)
        ending = on[weeks >= model.programme_weeks]
    if len(ending):
        more = (c.status[ending] == IN_WORK) & (pay.still_earning(c, ending) | (
            c.job_weeks[ending] < FOLLOW_UP_WEEKS))
        c.status[ending] = np.where(more, IN_WORK_AFTER, LEFT)
        c.support[ending] = 0


def _pay_service_fees(model: CommissioningModel, week: int, ids: np.ndarray) -> None:
    c = model.claimants
    g = c.group[ids]
    year = c.attach_week[ids] // 52 + 1
    fee = np.zeros(len(ids))
    for y in np.unique(year):
        rows = year == y
        fee[rows] = model.payments.service_fee(int(y))[g[rows]]
    pay_down_the_chain(model, week, ids, fee, SERVICE_FEE, model.attachment_pass_through)

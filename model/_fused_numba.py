"""numba versions of `claimant_kernels`' passes (imported only when numba is chosen).

Each line mirrors a numpy expression of `support_decisions`, in the same order of
operations and the same types (float32 where numpy keeps float32), so that the
fused loops compute what the array passes compute. The one transcendental, `expm1`,
is the C library's in `searching_fused` (numba calls it as numpy's loop does, at half
the cost and without a pass over a scratch array); `claimant_kernels` uses that only
where numpy's `expm1` gives the same bits (`expm1_each`), else the two loops with
numpy's between them (`searching_prepare`, `searching_choose`).
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def searching_prepare(ids, ready_hazard, seen_factor, barriers, mitigated, n_barriers,
                      locality, contract_holder, case_holder, group, barrier_class,
                      weeks_on_programme, popcount, barrier_factor, vacancy_factor,
                      service_hazard, optimism, first_outcome_weeks, within_programme,
                      programme_weeks, survival, outcome_stream_value, outcome_pass_through,
                      mission_value, rationing_hurdle, multiplier, true_out, seen_out,
                      exponent, facts):
    """Hazards, and the arguments of every expm1 the support rule takes (`exponent`:
    rows 0-2 the chance of an outcome at each level, 3-5 the weeks of support); `facts`:
    rows keep_job, value, hurdle, remaining weeks."""
    last = survival.shape[1] - 1
    for k in range(ids.shape[0]):
        i = ids[k]
        holder = contract_holder[i]
        decider = case_holder[i]
        # hazard() and seen_hazard()
        treated = popcount[barriers[i] & mitigated[i]]
        true = (numba.float64(ready_hazard[i]) * barrier_factor[n_barriers[i], treated]
                * vacancy_factor[locality[i]] * service_hazard[holder])
        h = true * numba.float64(seen_factor[i]) * optimism
        true_out[k] = true
        seen_out[k] = h
        # Prospects(model, ids, seen)
        g = group[i]
        threshold = first_outcome_weeks[g]
        left = programme_weeks - numba.int32(weeks_on_programme[i])
        remaining = numba.float64(max(left, 0))
        window = numba.float64(max(left - threshold * within_programme, 0))
        facts[0, k] = survival[g, min(threshold, last)]
        # outcome_value(), the rationing hurdle
        share = 1.0 if decider == holder else outcome_pass_through[holder]
        facts[1, k] = share * outcome_stream_value[g, barrier_class[i]] + mission_value[decider]
        facts[2, k] = rationing_hurdle[decider]
        facts[3, k] = remaining
        for s in range(3):
            hm = h * multiplier[s]
            exponent[s, k] = -hm * window  # _p_start(h * m, window)
            exponent[3 + s, k] = -max(hm, 1e-12) * remaining  # _expected_weeks(h * m, ...)


@numba.njit(cache=True, nogil=True)
def searching_choose(seen, multiplier, cost, expm1, facts, level_out, best_out):
    """choose_support()'s rule from the expm1 of `searching_prepare`'s arguments."""
    for k in range(seen.shape[0]):
        h = seen[k]
        keep_job, value, hurdle, remaining = facts[0, k], facts[1, k], facts[2, k], facts[3, k]
        base_gain = -expm1[0, k] * keep_job * value
        hw = max(h * multiplier[0], 1e-12)
        base_cost = cost[0] * min(-expm1[3, k] / hw, remaining)
        best = 0.0
        level = 0
        for s in range(1, 3):
            extra_gain = -expm1[s, k] * keep_job * value - base_gain
            hw = max(h * multiplier[s], 1e-12)
            extra_cost = cost[s] * min(-expm1[3 + s, k] / hw, remaining) - base_cost
            net = extra_gain - extra_cost
            if extra_gain >= (1.0 + hurdle) * extra_cost and net > best:
                level = s
                best = net
        level_out[k] = level
        best_out[k] = best


@numba.njit(cache=True, nogil=True)
def searching_fused(ids, ready_hazard, seen_factor, barriers, mitigated, n_barriers,
                    locality, contract_holder, case_holder, group, barrier_class,
                    weeks_on_programme, popcount, barrier_factor, vacancy_factor,
                    service_hazard, optimism, first_outcome_weeks, within_programme,
                    programme_weeks, survival, outcome_stream_value, outcome_pass_through,
                    mission_value, rationing_hurdle, multiplier, cost, true_out, seen_out,
                    level_out, best_out, episode_provider, episode_weeks, reachable_barriers,
                    first_bit, support, lift, cand_ids, cand_seen, cand_barrier, cand_gain):
    """`searching_prepare`, the expm1 of its arguments and `searching_choose` in one loop,
    each claimant's numbers kept in registers; the same expressions in the same order.
    The same loop finds `referral_candidates` and their `specialist_gain` (`cand_*`; it
    reads nothing the support rule changes); returns how many candidates there are."""
    last = survival.shape[1] - 1
    e = np.empty(6)
    n_cand = 0
    for k in range(ids.shape[0]):
        i = ids[k]
        holder = contract_holder[i]
        decider = case_holder[i]
        treated = popcount[barriers[i] & mitigated[i]]
        true = (numba.float64(ready_hazard[i]) * barrier_factor[n_barriers[i], treated]
                * vacancy_factor[locality[i]] * service_hazard[holder])
        h = true * numba.float64(seen_factor[i]) * optimism
        true_out[k] = true
        seen_out[k] = h
        g = group[i]
        threshold = first_outcome_weeks[g]
        left = programme_weeks - numba.int32(weeks_on_programme[i])
        remaining = numba.float64(max(left, 0))
        window = numba.float64(max(left - threshold * within_programme, 0))
        keep_job = survival[g, min(threshold, last)]
        share = 1.0 if decider == holder else outcome_pass_through[holder]
        value = share * outcome_stream_value[g, barrier_class[i]] + mission_value[decider]
        hurdle = rationing_hurdle[decider]
        for s in range(3):
            hm = h * multiplier[s]
            x = -hm * window
            e[s] = x if x == 0.0 else math.expm1(x)  # expm1(+-0) is +-0
            x = -max(hm, 1e-12) * remaining
            e[3 + s] = x if x == 0.0 else math.expm1(x)
        # searching_choose
        base_gain = -e[0] * keep_job * value
        hw = max(h * multiplier[0], 1e-12)
        base_cost = cost[0] * min(-e[3] / hw, remaining)
        best = 0.0
        level = 0
        for s in range(1, 3):
            extra_gain = -e[s] * keep_job * value - base_gain
            hw = max(h * multiplier[s], 1e-12)
            extra_cost = cost[s] * min(-e[3 + s] / hw, remaining) - base_cost
            net = extra_gain - extra_cost
            if extra_gain >= (1.0 + hurdle) * extra_cost and net > best:
                level = s
                best = net
        level_out[k] = level
        best_out[k] = best
        # referral_candidates, and the gain as claimant_kernels computes it from them
        if episode_provider[i] >= 0 or weeks_on_programme[i] + episode_weeks >= programme_weeks:
            continue
        barrier = first_bit[barriers[i] & ~mitigated[i] & reachable_barriers[holder, locality[i]]]
        if barrier < 0:
            continue
        cand_ids[n_cand] = i
        cand_seen[n_cand] = h
        cand_barrier[n_cand] = barrier
        left = programme_weeks - numba.int32(weeks_on_programme[i]) - episode_weeks
        window = numba.float64(max(left - threshold * within_programme, 0))
        m = multiplier[support[i]]
        x = -(h * (m * lift)) * window
        treated_gain = x if x == 0.0 else math.expm1(x)
        x = -(h * m) * window
        untreated_gain = x if x == 0.0 else math.expm1(x)
        cand_gain[n_cand] = (-treated_gain * keep_job - -untreated_gain * keep_job) * value
        n_cand += 1
    return n_cand


@numba.njit(cache=True, nogil=True)
def expm1_each(x, out):
    """The C library's expm1 of each value, as `searching_fused` takes it."""
    for k in range(x.shape[0]):
        out[k] = math.expm1(x[k])


@numba.njit(cache=True, nogil=True)
def count_parking(ids, weeks_on_programme, group, first_outcome_weeks, within_programme,
                  programme_weeks, episode_provider, episode_end, support, weeks_searching,
                  weeks_parked, weeks_queued):
    """`CommissioningModel._count_parking`: returns the week's (searching, parked, queued)
    weeks in which a job outcome can still be earned."""
    searching = parked = queued = 0
    for k in range(ids.shape[0]):
        i = ids[k]
        if weeks_on_programme[i] + first_outcome_weeks[group[i]] * within_programme \
                >= programme_weeks:
            continue
        searching += 1
        weeks_searching[i] += 1
        if episode_provider[i] >= 0:
            if episode_end[i] < 0:
                queued += 1
                weeks_queued[i] += 1
        elif support[i] == 0:
            parked += 1
            weeks_parked[i] += 1
    return searching, parked, queued


@numba.njit(cache=True, nogil=True)
def support_costs(lo, hi, status, support, case_holder, barrier_class, support_cost,
                  searching_status, in_work_status, support_spend, total, spend_class):
    """The week's support costs of claimants lo..hi-1 searching or in work (in work:
    minimal contact), added in claimant order to each case holder's `total`, to each
    claimant's spend and to the spend by barrier class (as the bincounts add them)."""
    for i in range(lo, hi):
        s = status[i]
        if s == searching_status:
            cost = support_cost[support[i]]
        elif s == in_work_status:
            cost = support_cost[0]
        else:
            continue
        total[case_holder[i]] += cost
        support_spend[i] += cost
        spend_class[barrier_class[i]] += cost


@numba.njit(cache=True, nogil=True)
def referral_candidates(searching, seen, episode_provider, weeks_on_programme, episode_weeks,
                        programme_weeks, barriers, mitigated, reachable_barriers,
                        contract_holder, case_holder, locality, first_bit, group,
                        barrier_class, first_outcome_weeks, within_programme, survival,
                        outcome_stream_value, outcome_pass_through, mission_value,
                        support_multiplier, support, lift, ids_out, seen_out, barrier_out,
                        exponent, facts):
    """`specialist_services.refer`'s first steps: searching claimants with no episode,
    time for one, and an untreated barrier a specialist on their network treats; for each,
    the expm1 arguments and facts of `specialist_gain` with the case holder deciding.
    Returns how many there are."""
    last = survival.shape[1] - 1
    n = 0
    for k in range(searching.shape[0]):
        i = searching[k]
        if episode_provider[i] >= 0 or weeks_on_programme[i] + episode_weeks >= programme_weeks:
            continue
        holder = contract_holder[i]
        barrier = first_bit[barriers[i] & ~mitigated[i]
                            & reachable_barriers[holder, locality[i]]]
        if barrier < 0:
            continue
        h = seen[k]
        ids_out[n] = i
        seen_out[n] = h
        barrier_out[n] = barrier
        # Prospects(model, ids, seen, weeks_ahead=episode_weeks)
        g = group[i]
        threshold = first_outcome_weeks[g]
        left = programme_weeks - numba.int32(weeks_on_programme[i]) - episode_weeks
        window = numba.float64(max(left - threshold * within_programme, 0))
        facts[0, n] = survival[g, min(threshold, last)]
        decider = case_holder[i]
        share = 1.0 if decider == holder else outcome_pass_through[holder]
        facts[1, n] = share * outcome_stream_value[g, barrier_class[i]] + mission_value[decider]
        m = support_multiplier[support[i]]
        exponent[0, n] = -(h * (m * lift)) * window
        exponent[1, n] = -(h * m) * window
        n += 1
    return n


@numba.njit(cache=True, nogil=True)
def ids_between(values, lo, hi, low, high, out):
    """Ids i in lo..hi-1 with low <= values[i] <= high, in order; returns how many."""
    n = 0
    for i in range(lo, hi):
        v = values[i]
        if low <= v <= high:
            out[n] = i
            n += 1
    return n


@numba.njit(cache=True, nogil=True)
def waiting_ids(episode_provider, episode_end, lo, hi, out):
    """Ids in lo..hi-1 waiting in a specialist's queue (a provider, no episode end yet)."""
    n = 0
    for i in range(lo, hi):
        if episode_provider[i] >= 0 and episode_end[i] < 0:
            out[n] = i
            n += 1
    return n


@numba.njit(cache=True, nogil=True)
def no_programme_world(week, lo, on, hi, u_find, u_loss, cf_outcome, cut_off, referral_week,
                       programme_weeks, extended, cf_in_work, cf_job_weeks, group, job_loss,
                       first_outcome_weeks, cf_outcome_week, attach_week, ready_hazard,
                       n_barriers, barrier_factor, vacancy_factor, locality, cf_first_start):
    """`employment._no_programme_world` claimant by claimant; returns the week's
    (outcomes, outcomes of attached claimants). `u_loss[k]` is claimant lo + k's number,
    `u_find[k]` claimant on + k's (only those from `on` can be within the window)."""
    last = job_loss.shape[1] - 1
    outcomes = attached = 0
    for i in range(lo, hi):
        if cf_outcome[i] or cut_off[i]:
            continue
        window = referral_week[i] + programme_weeks > week
        if cf_in_work[i]:
            if not (window or extended):
                continue
            if u_loss[i - lo] < job_loss[group[i], min(cf_job_weeks[i], last)]:
                cf_in_work[i] = False
                cf_job_weeks[i] = 0
                continue
            cf_job_weeks[i] += 1
            if cf_job_weeks[i] >= first_outcome_weeks[group[i]]:
                cf_outcome[i] = True
                cf_outcome_week[i] = week
                outcomes += 1
                if attach_week[i] >= 0:
                    attached += 1
        elif window:
            h = (numba.float64(ready_hazard[i]) * barrier_factor[n_barriers[i], 0]
                 * vacancy_factor[locality[i]])
            if u_find[i - on] < h:
                cf_in_work[i] = True
                cf_job_weeks[i] = 0
                if cf_first_start[i] < 0:
                    cf_first_start[i] = week
    return outcomes, attached


@numba.njit(cache=True, nogil=True)
def in_work_week(lo, working, u_loss, status, group, job_weeks, job_loss, in_work_support,
                 contract_holder, in_work_support_weeks, service_job_loss, support,
                 milestone_weeks, milestones_paid, milestones, milestone_gap, within_programme,
                 sustained_weeks, follow_up_weeks, searching_status, in_work_status,
                 after_status, left_status, sustained, earned_out, follow_out):
    """`employment.work_and_search` steps 1-2 under the sustainment schedule: jobs lost or
    kept, tenure counted (`sustained`: jobs reaching each of `sustained_weeks`), and the
    claimants due a milestone (`earned_out`) or past the follow-up (`follow_out`, still
    to be checked for payments to come); returns how many of each."""
    last = job_loss.shape[1] - 1
    gap_last = milestone_gap.shape[1] - 1
    n_earned = n_follow = 0
    for k in range(working.shape[0]):
        i = working[k]
        g = group[i]
        holder = contract_holder[i]
        loss = job_loss[g, min(job_weeks[i], last)]
        if in_work_support[holder] and job_weeks[i] < in_work_support_weeks:
            loss *= service_job_loss[holder]
        if u_loss[i - lo] < loss:
            status[i] = searching_status if status[i] == in_work_status else left_status
            support[i] = 0
            job_weeks[i] = 0
            milestone_weeks[i] = 0
            continue
        job_weeks[i] += 1
        milestone_weeks[i] += 1
        tenure = job_weeks[i]
        for j in range(sustained_weeks.shape[0]):
            if tenure == sustained_weeks[j]:
                sustained[j] += 1
        paid = milestones_paid[i]
        if paid < milestones[g] and milestone_weeks[i] >= milestone_gap[g, min(paid, gap_last)] \
                and (not within_programme or paid > 0 or status[i] == in_work_status):
            earned_out[n_earned] = i
            n_earned += 1
        if status[i] == after_status and tenure >= follow_up_weeks:
            follow_out[n_follow] = i
            n_follow += 1
    return n_earned, n_follow


@numba.njit(cache=True, nogil=True)
def job_finding(week, lo, searching, true_hazard, support_multiplier, support, u_find, status,
                job_weeks, milestone_weeks, job_starts, first_start_week, in_work_status):
    """`employment.work_and_search` step 3 under the sustainment schedule: returns the
    week's (job starts, first job starts)."""
    found = first = 0
    for k in range(searching.shape[0]):
        i = searching[k]
        if u_find[i - lo] < true_hazard[k] * support_multiplier[support[i]]:
            status[i] = in_work_status
            job_weeks[i] = 0
            milestone_weeks[i] = 0
            if job_starts[i] == 0:
                first_start_week[i] = week
                first += 1
            job_starts[i] += 1
            found += 1
    return found, first


@numba.njit(cache=True, nogil=True)
def claimant_census(lo, hi, status, case_holder, active, weeks_on_programme, group,
                    first_outcome_weeks, within_programme, programme_weeks, support,
                    episode_provider, episode_end):
    """Claimants lo..hi-1 in one pass: by status (index 6: a status out of range), and
    then: on programme without an active case holder; caseload (searching or in work);
    searching; searching while an outcome can be earned; of those parked (minimal support,
    no specialist); waiting for a specialist. Statuses: `agents.claimant`'s numbers."""
    counts = np.zeros(13, np.int64)
    for i in range(lo, hi):
        s = status[i]
        if 0 <= s < 6:
            counts[s] += 1
        else:
            counts[6] += 1
        with_specialist = episode_provider[i] >= 0
        if with_specialist and episode_end[i] < 0:
            counts[12] += 1
        if 2 <= s <= 4:  # searching, in work, in work after the programme
            h = case_holder[i]
            if h < 0 or not active[h]:
                counts[7] += 1
        if s == 3:
            counts[8] += 1
        elif s == 2:
            counts[8] += 1
            counts[9] += 1
            if weeks_on_programme[i] + first_outcome_weeks[group[i]] * within_programme \
                    < programme_weeks:
                counts[10] += 1
                if support[i] == 0 and not with_specialist:
                    counts[11] += 1
    return counts


@numba.njit(cache=True, nogil=True)
def first_in_play(lo, hi, week, status, episode_provider, cf_outcome, referral_week,
                  programme_weeks, cf_in_work, extended, not_attached_status, left_status):
    """The first id from lo on that is still in play in either world (hi if none): the
    claimants before it have finished, with and without the programme."""
    for i in range(lo, hi):
        s = status[i]
        if s != not_attached_status and s != left_status:
            return i
        if episode_provider[i] >= 0:
            return i
        cf_done = cf_outcome[i] or (referral_week[i] + programme_weeks <= week
                                    and not (cf_in_work[i] and extended))
        if not cf_done:
            return i
    return hi


@numba.njit(cache=True, nogil=True)
def programme_clock(lo, hi, status, weeks_on_programme, programme_weeks, fee_period,
                    service_periods, bill, searching_status, in_work_status, billed_out,
                    ending_out):
    """`employment.programme_clock`'s scan: a week more on programme for those searching
    or in work; those due a service fee (when `bill`) and those whose weeks are up, in
    order. Returns how many of each."""
    n_billed = n_ending = 0
    for i in range(lo, hi):
        s = status[i]
        if s != searching_status and s != in_work_status:
            continue
        weeks_on_programme[i] += 1
        weeks = weeks_on_programme[i]
        if bill and weeks % fee_period == 0 and weeks // fee_period <= service_periods:
            billed_out[n_billed] = i
            n_billed += 1
        if weeks >= programme_weeks:
            ending_out[n_ending] = i
            n_ending += 1
    return n_billed, n_ending

"""numba versions of `claimant_kernels`' passes (imported only when numba is chosen).

Each line mirrors a numpy expression of `support_decisions`, in the same order of
operations and the same types (float32 where numpy keeps float32), so that the
fused loops compute what the array passes compute. The one transcendental, `expm1`,
is the C library's in `searching_fused` (numba calls it as numpy's loop does, at half
the cost and without a pass over a scratch array); `claimant_kernels` uses that only
where numpy's `expm1` gives the same bits (`expm1_each`), else the two loops with
numpy's between them (`searching_prepare`, `searching_choose`), numpy's loop called from
the loop over the blocks where it is found (`searching_blocks`, `_numpy_loops`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ._numpy_loops import expm1_in_place
from ._pcg64_numba import next_double

# --- shared arithmetic: written once, for every loop that takes it -----------------------
# Plain `njit` helpers, which LLVM inlines into the loops: the same machine code as the
# arithmetic written out in each (checked bit for bit on captured inputs, and as fast).
# numba's own `inline="always"` made `searching_choose` 3x and the referral candidates' loop
# 10x slower (measured), so it is not used. Helpers given the loops' tuples of tables
# and branching inside were 20-30x slower still (not inlined, the tuples passed each
# call): the branches stay in the loops, the helpers take the arrays they read.
#
# Every index known not to be negative is taken as unsigned (`_at`): numba tests each
# signed index for a negative one, to count from the end as Python does (numba issue
# 3205), and leaves the test out for an unsigned one (numba PR 929). With the tests the
# census took 5.1-5.4 against 1.9-2.0 ns a claimant in a week of a 400,000-claimant run
# (measured on the same columns). Only where an index may be -1 (a claimant with no
# case holder) is it left signed.

@numba.njit
def _at(index):
    """`index`, known not to be negative, as an unsigned index."""
    return numba.uint64(index)


@numba.njit
def _hazards(i, ready_hazard, seen_factor, barriers, mitigated, n_barriers, locality, holder,
             popcount, barrier_factor, vacancy_factor, service_hazard, optimism):
    """hazard() and seen_hazard() of claimant i: (true hazard, hazard as seen)."""
    treated = popcount[_at(barriers[i] & mitigated[i])]
    true = (numba.float64(ready_hazard[i]) * barrier_factor[_at(n_barriers[i]), _at(treated)]
            * vacancy_factor[_at(locality[i])] * service_hazard[_at(holder)])
    return true, true * numba.float64(seen_factor[i]) * optimism


@numba.njit
def _window(i, weeks_ahead, weeks_on_programme, threshold, within_programme, programme_weeks):
    """Prospects' weeks: (weeks on programme left `weeks_ahead` from now, the window in
    which a start can still count)."""
    left = programme_weeks - numba.int32(weeks_on_programme[i]) - weeks_ahead
    return left, numba.float64(max(left - threshold * within_programme, 0))


@numba.njit
def _keep_job(g, threshold, survival):
    """Prospects.keep_job: the chance a job lasts to the group's first outcome."""
    return survival[_at(g), _at(min(threshold, survival.shape[1] - 1))]


@numba.njit
def _outcome_value(i, g, holder, decider, barrier_class, outcome_stream_value,
                   outcome_pass_through, mission_value):
    """outcome_value(): what a job outcome of claimant i is worth to `decider`. (The
    holder's pass-through read whether it applies or not: read only when it did, the
    compiler branched on it, and whether a claimant is held in house is as good as
    random from one searching claimant to the next.)"""
    passed = outcome_pass_through[_at(holder)]
    share = 1.0 if decider == holder else passed
    return share * outcome_stream_value[_at(g), _at(barrier_class[i])] + mission_value[
        _at(decider)]


@numba.njit
def _support_exponents(h, m, window, remaining):
    """The expm1 arguments of one support level with multiplier m: _p_start(h * m, window)
    and _expected_weeks(h * m, remaining)."""
    hm = h * m
    return -hm * window, -max(hm, 1e-12) * remaining


@numba.njit
def _choose(h, multiplier, cost, g0, g1, g2, w0, w1, w2, keep_job, value, hurdle, remaining):
    """choose_support()'s rule from the expm1 values of each level's outcome chance (`g*`)
    and weeks of support (`w*`): (level, net value of the level over minimal support)."""
    base_gain = -g0 * keep_job * value
    hw = max(h * multiplier[0], 1e-12)
    base_cost = cost[0] * min(-w0 / hw, remaining)
    level, best = _better(1, g1, w1, 0, 0.0, h, multiplier, cost, keep_job, value, hurdle,
                          remaining, base_gain, base_cost)
    return _better(2, g2, w2, level, best, h, multiplier, cost, keep_job, value, hurdle,
                   remaining, base_gain, base_cost)


@numba.njit
def _better(s, g, w, level, best, h, multiplier, cost, keep_job, value, hurdle, remaining,
            base_gain, base_cost):
    """Level s instead of the best so far, if its extra gain beats its extra cost by the
    hurdle and its net value is higher."""
    extra_gain = -g * keep_job * value - base_gain
    hw = max(h * multiplier[s], 1e-12)
    extra_cost = cost[s] * min(-w / hw, remaining) - base_cost
    net = extra_gain - extra_cost
    if extra_gain >= (1.0 + hurdle) * extra_cost and net > best:
        return s, net
    return level, best


@numba.njit
def _referable(i, episode_provider, weeks_on_programme, episode_weeks, programme_weeks):
    """Whether claimant i could start a specialist episode: none already, and time for one
    (both tests taken, with no branch between them)."""
    return (episode_provider[i] < 0) & (weeks_on_programme[i] + episode_weeks < programme_weeks)


@numba.njit
def _untreated_barrier(i, holder, barriers, mitigated, reachable_barriers, locality,
                       first_bit):
    """The first untreated barrier of claimant i that a specialist on their network treats
    (-1 if none)."""
    return first_bit[_at(barriers[i] & ~mitigated[i]
                         & reachable_barriers[_at(holder), _at(locality[i])])]


@numba.njit
def _gain_exponents(h, m, lift, window):
    """specialist_gain()'s expm1 arguments: the outcome chance treated, and untreated."""
    return -(h * (m * lift)) * window, -(h * m) * window


@numba.njit
def _specialist_gain(treated, untreated, keep_job, value):
    """specialist_gain() from the expm1 of its two arguments (`_gain_exponents`)."""
    return (-treated * keep_job - -untreated * keep_job) * value


@numba.njit
def _in_question(gain, holder, decider, hurdle, rule):
    """Whether `specialist_services.refer` may still refer a candidate: its contract holder
    refers by need (and decides), or its case holder's gain beats the price by its
    hurdle (`value_referrals`' test, the same numbers), or a player decides referrals
    (`rule`'s last: any candidate may be referred). The others are left out where they
    are found: most of the searching are candidates, a few hundred a week referred."""
    need_rule, fee, cost, keep_all = rule
    # (bitwise, not `or`: no branch in the loops, where `or` made the candidates' loop
    # take 2.6 times as long)
    return keep_all | need_rule[_at(holder)] | (gain >= (1.0 + hurdle[_at(decider)]) * (
        fee[_at(holder)] + cost))


@numba.njit
def _may_be_in_question(x_treated, x_untreated, keep_job, value, holder, decider, hurdle,
                        rule):
    """Whether a candidate may be in question (`_in_question`), decided before its gain's
    expm1s are taken: false only where the gain cannot reach the price. The gain,
    keep_job * value * (e^x_untreated - e^x_treated) with both exponents at most 0, is at
    most keep_job * |value| * |x_untreated - x_treated| (e^x changes at a slope of at
    most 1 there); the bound is widened by far more than the rounding of either (a
    millionth of the exponents' size, against a few units in the last place). Nine in
    ten of a two-tier run's candidates are left out here, the expm1s and the gain taken of
    only those that may pass: the same candidates in question."""
    bound = keep_job * abs(value) * (abs(x_untreated - x_treated)
                                     + 1e-6 * (abs(x_treated) + abs(x_untreated)))
    return _in_question(bound, holder, decider, hurdle, rule)


@numba.njit
def _libm_expm1(x):
    """The C library's expm1 (of +-0: +-0, as numpy gives it)."""
    return x if x == 0.0 else math.expm1(x)


@numba.njit
def _searching_facts(i, tables):
    """What the support rule reads of searching claimant i (hazard(), seen_hazard(),
    Prospects, outcome_value()): (true hazard, seen hazard, first outcome's weeks, window,
    remaining weeks, keep_job, value to the case holder). `tables`: `claimant_kernels`'
    tuple of the claimant columns and model tables these read, in its order."""
    (ready_hazard, seen_factor, barriers, mitigated, n_barriers, locality, contract_holder,
     case_holder, group, barrier_class, weeks_on_programme, popcount, barrier_factor,
     vacancy_factor, service_hazard, optimism, first_outcome_weeks, within_programme,
     programme_weeks, survival, outcome_stream_value, outcome_pass_through, mission_value,
     _, _) = tables
    holder = contract_holder[i]
    true, h = _hazards(i, ready_hazard, seen_factor, barriers, mitigated, n_barriers,
                       locality, holder, popcount, barrier_factor, vacancy_factor,
                       service_hazard, optimism)
    g = group[i]
    threshold = first_outcome_weeks[_at(g)]
    left, window = _window(i, 0, weeks_on_programme, threshold, within_programme,
                           programme_weeks)
    remaining = numba.float64(max(left, 0))
    value = _outcome_value(i, g, holder, case_holder[i], barrier_class, outcome_stream_value,
                           outcome_pass_through, mission_value)
    return true, h, threshold, window, remaining, _keep_job(g, threshold, survival), value


# --- the loops ------------------------------------------------------------------------------

#: Numbers in a claimant's row of `searching_prepare`'s blocks: six expm1 arguments, and
#: five facts (keep_job, value, hurdle, remaining weeks, seen hazard)
EXPONENTS, FACTS = 6, 5


@numba.njit(cache=True, nogil=True)
def searching_prepare(ids, tables, referral, rule, true_out, exponent, facts, cand_ids,
                      cand_seen, cand_barrier, gain_exponent, gain_facts):
    """Hazards, and the arguments of every expm1 the support rule takes: `exponent`'s row k,
    claimant k's six (0-2 the chance of an outcome at each level, 3-5 the weeks of
    support); `facts`' row k its keep_job, value, hurdle, remaining weeks and seen hazard
    (the true hazard into `true_out` if it is not empty). Claimant by claimant, not row
    by row: a loop writing each of a claimant's numbers to another row of a block keeps a
    dozen lines of memory open at once, and took 23.5 against 18.1 ns a claimant (a
    busy week at national scale, 600,000 searching, the same inputs). The same loop finds
    the specialist referral candidates that may be in question (`cand_*`, and compacted
    into `gain_exponent` and `gain_facts`, a row of two each, the arguments and facts of
    their `specialist_gain`: `_may_be_in_question`); returns how many there are. Every
    array has room for a number (a row) per claimant; the rows' arrays are flat, a row
    every EXPONENTS, FACTS or 2 numbers (a stride the compiler knows: see
    `searching_choose`)."""
    case_holder, rationing_hurdle, multiplier = tables[7], tables[23], tables[24]
    barriers, mitigated, locality, contract_holder = tables[2], tables[3], tables[5], tables[6]
    weeks_on_programme, within_programme, programme_weeks = tables[10], tables[17], tables[18]
    episode_provider, episode_weeks, reachable_barriers, first_bit, support, lift = referral
    keep_true = true_out.shape[0] > 0  # else the work pass takes the hazards again
    n_cand = 0
    for k in range(ids.shape[0]):
        i = _at(ids[k])
        true, h, threshold, window, remaining, keep_job, value = _searching_facts(i, tables)
        if keep_true:
            true_out[k] = true
        at = _at(k)
        f, x = FACTS * at, EXPONENTS * at
        facts[f] = keep_job
        facts[f + 1] = value
        facts[f + 2] = rationing_hurdle[_at(case_holder[i])]
        facts[f + 3] = remaining
        facts[f + 4] = h
        for s in range(3):
            exponent[x + s], exponent[x + 3 + s] = _support_exponents(
                h, multiplier[s], window, remaining)
        # Written at the next free place whether a candidate or not, which moves on only
        # for a candidate that may be in question (at random among the searching: the
        # branches were mispredicted often, 18.1 against 15.4 ns a claimant measured)
        referable = _referable(i, episode_provider, weeks_on_programme, episode_weeks,
                               programme_weeks)
        holder = contract_holder[i]
        barrier = _untreated_barrier(i, holder, barriers, mitigated, reachable_barriers,
                                     locality, first_bit)
        c = _at(n_cand)
        cand_ids[c] = i
        cand_seen[c] = h
        cand_barrier[c] = barrier
        _, window = _window(i, episode_weeks, weeks_on_programme, threshold, within_programme,
                            programme_weeks)
        x_treated, x_untreated = _gain_exponents(h, multiplier[_at(support[i])], lift, window)
        gain_exponent[2 * c], gain_exponent[2 * c + 1] = x_treated, x_untreated
        gain_facts[2 * c], gain_facts[2 * c + 1] = keep_job, value
        n_cand += referable & (barrier >= 0) & _may_be_in_question(
            x_treated, x_untreated, keep_job, value, holder, case_holder[i], rationing_hurdle,
            rule)
    return n_cand


@numba.njit(cache=True, nogil=True)
def searching_choose(multiplier, cost, expm1, facts, level_out, best_out):
    """choose_support()'s rule from the expm1 of `searching_prepare`'s arguments (a row
    per claimant, as written). The rows are read from flat arrays at a fixed stride: so
    the compiler knows how far apart the claimants' numbers are, and takes eight
    claimants at a time in the processor's vector registers (2.4 against 6.9 ns a
    claimant with a 2-D array's rows, whose stride it learns only as the loop runs;
    measured on a busy national week's block, the same numbers to the bit)."""
    for k in range(level_out.shape[0]):
        x, f = EXPONENTS * k, FACTS * k
        level_out[k], best_out[k] = _choose(
            facts[f + 4], multiplier, cost, expm1[x], expm1[x + 1], expm1[x + 2],
            expm1[x + 3], expm1[x + 4], expm1[x + 5], facts[f], facts[f + 1], facts[f + 2],
            facts[f + 3])


@numba.njit(cache=True, nogil=True)
def specialist_gains(expm1, facts, n, tables, rule, cand_ids, cand_seen, cand_barrier,
                     gain_out):
    """The `n` referral candidates' specialist_gain from the expm1 of `searching_prepare`'s
    gain arguments and their facts (one loop instead of numpy's five passes), those
    still in question (`_in_question`) moved up together; returns how many."""
    contract_holder, case_holder, hurdle = tables[6], tables[7], tables[23]
    kept = 0
    for k in range(n):
        gain = _specialist_gain(expm1[2 * k], expm1[2 * k + 1], facts[2 * k],
                                facts[2 * k + 1])
        i = _at(cand_ids[k])
        cand_ids[kept], cand_seen[kept] = cand_ids[k], cand_seen[k]
        cand_barrier[kept], gain_out[kept] = cand_barrier[k], gain
        kept += _in_question(gain, contract_holder[i], case_holder[i], hurdle, rule)
    return kept


@numba.njit(cache=True, nogil=True)
def choose_and_gains(multiplier, cost, expm1, facts, level_out, best_out, gain_expm1,
                     gain_facts, n, tables, rule, cand_ids, cand_seen, cand_barrier, gain_out):
    """`searching_choose` and then `specialist_gains` in one call (each call from Python
    takes its lock, which the other thread's blocks want too); returns how many
    candidates are still in question."""
    searching_choose(multiplier, cost, expm1, facts, level_out, best_out)
    return specialist_gains(gain_expm1, gain_facts, n, tables, rule, cand_ids, cand_seen,
                            cand_barrier, gain_out)


@numba.njit(cache=True, nogil=True)
def searching_blocks(ids, tables, referral, rule, multiplier, cost, true_out, level_out,
                     best_out, cand, exponents, facts, gain_facts, block, loop):
    """`claimant_kernels._searching_blocks`' loop over blocks in one call, numpy's expm1
    called through its loop (`loop`: `_numpy_loops.expm1_loop`): the same calls on the
    same blocks, so the same numbers, without Python between them. Returns how many
    referral candidates are still in question (`cand`: their ids, seen hazards,
    barriers and gains, written from the start)."""
    cand_ids, cand_seen, cand_barrier, cand_gain = cand
    call = np.empty(5, np.intp)
    n, m = ids.shape[0], 0
    for start in range(0, n, block):
        stop = min(start + block, n)
        k = stop - start
        x, f = exponents[:EXPONENTS * k], facts[:FACTS * k]
        gx, gf = exponents[EXPONENTS * k:(EXPONENTS + 2) * k], gain_facts[:2 * k]
        j = searching_prepare(ids[start:stop], tables, referral, rule,
                              true_out[start:stop], x, f, cand_ids[m:], cand_seen[m:],
                              cand_barrier[m:], gx, gf)
        expm1_in_place(loop, call, exponents, EXPONENTS * k + 2 * j)
        m += choose_and_gains(multiplier, cost, x, f, level_out[start:stop],
                              best_out[start:stop], gx, gf, j, tables, rule, cand_ids[m:],
                              cand_seen[m:], cand_barrier[m:], cand_gain[m:])
    return m


@numba.njit(cache=True, nogil=True)
def searching_fused(ids, tables, referral, rule, cost, true_out, level_out, best_out,
                    cand_ids, cand_seen, cand_barrier, cand_gain):
    """`searching_prepare`, the expm1 of its arguments and `searching_choose` in one loop,
    each claimant's numbers kept in registers; the same expressions in the same order
    (the true hazards kept only if `true_out` is not empty).
    The same loop finds `referral_candidates` and their `specialist_gain` (`cand_*`; it
    reads nothing the support rule changes), those still in question (`_in_question`);
    returns how many."""
    case_holder, rationing_hurdle, multiplier = tables[7], tables[23], tables[24]
    barriers, mitigated, locality, contract_holder = tables[2], tables[3], tables[5], tables[6]
    weeks_on_programme, within_programme, programme_weeks = tables[10], tables[17], tables[18]
    episode_provider, episode_weeks, reachable_barriers, first_bit, support, lift = referral
    keep_true = true_out.shape[0] > 0  # else the work pass takes the hazards again
    n_cand = 0
    for k in range(ids.shape[0]):
        i = _at(ids[k])
        true, h, threshold, window, remaining, keep_job, value = _searching_facts(i, tables)
        if keep_true:
            true_out[k] = true
        x0, w0 = _support_exponents(h, multiplier[0], window, remaining)
        x1, w1 = _support_exponents(h, multiplier[1], window, remaining)
        x2, w2 = _support_exponents(h, multiplier[2], window, remaining)
        level_out[k], best_out[k] = _choose(
            h, multiplier, cost, _libm_expm1(x0), _libm_expm1(x1), _libm_expm1(x2),
            _libm_expm1(w0), _libm_expm1(w1), _libm_expm1(w2), keep_job, value,
            rationing_hurdle[_at(case_holder[i])], remaining)
        # referral_candidates, and the gain as claimant_kernels computes it from them
        if not _referable(i, episode_provider, weeks_on_programme, episode_weeks,
                          programme_weeks):
            continue
        barrier = _untreated_barrier(i, contract_holder[i], barriers, mitigated,
                                     reachable_barriers, locality, first_bit)
        if barrier < 0:
            continue
        cand_ids[n_cand] = i
        cand_seen[n_cand] = h
        cand_barrier[n_cand] = barrier
        _, window = _window(i, episode_weeks, weeks_on_programme, threshold, within_programme,
                            programme_weeks)
        x_treated, x_untreated = _gain_exponents(h, multiplier[_at(support[i])], lift, window)
        if not _may_be_in_question(x_treated, x_untreated, keep_job, value, contract_holder[i],
                                   case_holder[i], rationing_hurdle, rule):
            continue
        gain = _specialist_gain(_libm_expm1(x_treated), _libm_expm1(x_untreated), keep_job,
                                value)
        cand_gain[n_cand] = gain
        n_cand += _in_question(gain, contract_holder[i], case_holder[i], rationing_hurdle,
                               rule)
    return n_cand


@numba.njit
def _kept_share(in_house, pass_through, paid, stream_value, left_after, need):
    """integration_services._kept_share() of one claimant, from its table entries (numbers
    only: a helper taking the arrays was not inlined, and cost their reference counts
    at every claimant: the review took five times as long, measured)."""
    share = 1.0 if in_house else 1.0 - pass_through
    return share * (stream_value if paid == 0 else left_after * need)


@numba.njit(cache=True, nogil=True)
def review_sums(searching, lo, hi, tables, working, gain_per_effect, searchers, keep_gain,
                in_work):
    """`integration_services.review`'s sums per contract holder, claimant by claimant in
    id order as its `np.add.at` adds them: over the searching, the gain a week of a
    hazard service brings per unit of its effect (and how many search); over those in
    work in lo..hi-1 still earning, the gain a week of in-work support brings per unit
    (and how many it supports). `tables`: `claimant_kernels.searching_tables`."""
    contract_holder, case_holder, group, barrier_class = tables[6], tables[7], tables[8], \
        tables[9]
    within_programme, outcome_stream_value, outcome_pass_through, multiplier = tables[17], \
        tables[20], tables[21], tables[24]
    (status, support, milestones_paid, amount_left, need_multiplier, milestones,
     job_outcome_week, job_weeks, job_loss, support_weeks, in_work_status,
     after_status) = working
    for k in range(searching.shape[0]):
        i = _at(searching[k])
        holder, g = _at(contract_holder[i]), _at(group[i])
        _, h, _, window, _, keep_job, _ = _searching_facts(i, tables)  # as the support rule
        keep = keep_job * (1.0 if window > 0 else 0.0)
        paid, need = _at(milestones_paid[i]), _at(barrier_class[i])
        gain_per_effect[holder] += h * multiplier[_at(support[i])] * keep * _kept_share(
            case_holder[i] == holder, outcome_pass_through[holder], paid,
            outcome_stream_value[g, need], amount_left[g, paid], need_multiplier[need])
        searchers[holder] += 1
    last = job_loss.shape[1] - 1
    for j in range(lo, hi):
        i = _at(j)
        s = status[i]
        if s != in_work_status and s != after_status:
            continue
        g = _at(group[i])
        if s != in_work_status and not (milestones_paid[i] < milestones[g] and (
                not within_programme or job_outcome_week[i] >= 0)):
            continue  # after the programme, with nothing left to earn
        holder = _at(contract_holder[i])
        supported = 1.0 if job_weeks[i] < support_weeks else 0.0
        loss = job_loss[g, _at(min(job_weeks[i], last))]
        paid, need = _at(milestones_paid[i]), _at(barrier_class[i])
        keep_gain[holder] += loss * _kept_share(
            case_holder[i] == holder, outcome_pass_through[holder], paid,
            outcome_stream_value[g, need], amount_left[g, paid], need_multiplier[need]
        ) * supported
        in_work[holder] += supported


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
    for k in range(ids.shape[0]):  # without branches, as `claimant_census` counts
        i = _at(ids[k])
        earnable = weeks_on_programme[i] + first_outcome_weeks[_at(group[i])] * within_programme \
            < programme_weeks
        with_specialist = episode_provider[i] >= 0
        is_queued = earnable & with_specialist & (episode_end[i] < 0)
        is_parked = earnable & (not with_specialist) & (support[i] == 0)
        searching += earnable
        parked += is_parked
        queued += is_queued
        weeks_searching[i] += earnable
        weeks_parked[i] += is_parked
        weeks_queued[i] += is_queued
    return searching, parked, queued


@numba.njit(cache=True, nogil=True)
def support_wanted(ids, case_holder, level, cost, wanted):
    """`support_decisions.support_wanted`'s sums: the extra cost of each searching
    claimant's level over minimal support, added to its case holder's `wanted` in order."""
    for k in range(ids.shape[0]):
        wanted[_at(case_holder[_at(ids[k])])] += cost[_at(level[k])] - cost[0]


@numba.njit(cache=True, nogil=True)
def support_costs(lo, hi, status, support, case_holder, barrier_class, support_cost,
                  searching_status, in_work_status, support_spend, total, spend_class):
    """The week's support costs of claimants lo..hi-1 searching or in work (in work:
    minimal contact), added in claimant order to each case holder's `total`, to each
    claimant's spend and to the spend by barrier class (as the bincounts add them).

    Without a branch: every claimant's cost is read from a table by status and level,
    0.0 where its status is not charged, and added (adding 0.0 changes no sum's bits;
    a claimant not attached has no case holder, -1, and adds its 0.0 to the last row).
    The branch on status was mispredicted often: 6.0-6.3 against 3.4 ns a claimant in a
    busy week of a 400,000-claimant run, measured."""
    cost_of = np.zeros((8, support_cost.shape[0]))  # [status, level]; statuses are 0-5
    for level in range(support_cost.shape[0]):
        cost_of[searching_status, level] = support_cost[level]
        cost_of[in_work_status, level] = support_cost[0]
    for j in range(lo, hi):
        i = _at(j)
        cost = cost_of[_at(status[i] & 7), _at(support[i])]
        total[case_holder[i]] += cost
        support_spend[i] += cost
        spend_class[_at(barrier_class[i])] += cost


@numba.njit(cache=True, nogil=True)
def value_referrals(ids, gain, contract_holder, case_holder, need_rule, hurdle, fee, cost,
                    holder_out, decider_out, by_need_out, chosen_out):
    """`specialist_services.refer`'s rule for each candidate: its contract holder; whether
    that holder refers by need (and so decides); the decider; and, by value, whether the
    case holder's expected gain beats the price by its hurdle (by need: False here)."""
    for k in range(ids.shape[0]):
        i = _at(ids[k])
        holder = contract_holder[i]
        need = need_rule[_at(holder)]
        decider = holder if need else case_holder[i]
        holder_out[k], decider_out[k], by_need_out[k] = holder, decider, need
        chosen_out[k] = not need and gain[k] >= (1.0 + hurdle[_at(decider)]) * (
            fee[_at(holder)] + cost)


@numba.njit
def _sorted_pair_totals(keys, amount):
    """Each pair's total, pairs in key order: the payments sorted by key (stably, so each
    pair's are added in booking order), then summed run by run. Returns arrays as long as
    the payments and how many pairs, m."""
    order = np.argsort(keys, kind="mergesort")
    pairs, flows = np.empty(keys.shape[0], np.int64), np.zeros(keys.shape[0])
    m = 0
    for j in range(order.shape[0]):
        key = keys[_at(order[j])]
        if m == 0 or pairs[_at(m - 1)] != key:
            pairs[_at(m)] = key
            m += 1
        flows[_at(m - 1)] += amount[_at(order[j])]
    return pairs, flows, m


@numba.njit
def _pair_totals(keys, amount, n_keys):
    """`_sorted_pair_totals` by a total for every possible pair (each added in booking
    order from 0.0, as there), read off in key order: no sort, for bookings of many
    payments among few organisations (thousands of job outcomes a week at national scale
    among a few dozen: 360 us a booking sorted)."""
    totals, used = np.zeros(n_keys), np.zeros(n_keys, np.bool_)
    for j in range(keys.shape[0]):
        totals[_at(keys[j])] += amount[j]
        used[_at(keys[j])] = True
    pairs, flows = np.empty(keys.shape[0], np.int64), np.empty(keys.shape[0])
    m = 0
    for key in range(n_keys):
        if used[key]:
            pairs[_at(m)], flows[_at(m)] = key, totals[key]
            m += 1
    return pairs, flows, m


@numba.njit(cache=True, nogil=True)
def book_one_week(payer, payee, amount, booked_out, payable, receivable):
    """`Accounts.book` of payments due in one week: each payer's and payee's total added
    to what it has booked and what it owes or is owed, and the booking as `settle` reads
    it (`Accounts._entry`): each pair's total (pairs sorted by payer * n + payee), the
    organisations whose total is not zero and their totals. Every total is added in
    booking order from 0.0, as numpy's bincount adds, and added to the columns as numpy
    adds two arrays: the same numbers."""
    n = payable.shape[0]
    owed, owed_to = np.zeros(n), np.zeros(n)
    keys = np.empty(amount.shape[0], np.int64)
    for j in range(amount.shape[0]):
        owed[_at(payer[j])] += amount[j]
        owed_to[_at(payee[j])] += amount[j]
        keys[j] = payer[j] * n + payee[j]
    for i in range(n):
        booked_out[i] += owed[i]
        payable[i] += owed[i]
        receivable[i] += owed_to[i]
    if n * n <= 4 * keys.shape[0]:  # many payments, few organisations: a total per pair
        pairs, flows, m = _pair_totals(keys, amount, n * n)
    else:  # few payments: sorted (stable: equal keys stay in booking order)
        pairs, flows, m = _sorted_pair_totals(keys, amount)
    payers, payees = np.flatnonzero(owed), np.flatnonzero(owed_to)
    # Copies the size of the pairs used: a view would keep a number per payment until
    # the booking is settled (at national scale, megabytes over a claim lag)
    return (pairs[:m].copy(), flows[:m].copy(), payers, owed[payers], payees,
            owed_to[payees])


@numba.njit(cache=True, nogil=True)
def put(column, ids, values):
    """column[ids] = values, the ids not negative."""
    for k in range(ids.shape[0]):
        column[_at(ids[k])] = values[k]


@numba.njit(cache=True, nogil=True)
def move_down(column, to, start, n):
    """column[to:to + n] = column[start:start + n], to <= start, in place: numpy copies an
    overlapping source to a temporary first, a block of the heap (and a freed large block
    raises the size from which the heap keeps freed memory instead of giving it back)."""
    for k in range(n):
        column[to + k] = column[start + k]


@numba.njit(cache=True, nogil=True)
def keep_best(group, value, n_keep, kept):
    """Of each group g (`group[k]`), the `n_keep[g]` places of most value, of equal value
    the first: what `referrals` keeps in house from `np.lexsort((ids, -value, group))`
    with ids ascending. Into `kept` (in no particular order); returns how many.

    Without sorting: each group's least value kept is found by selection (`partition`),
    then its places are taken in order, all above it and as many equal to it as room
    is left. (A stable sort of the week's values cost 0.4 ms a week at national scale,
    cold between the large passes; a third of the intake's compiled time.)"""
    groups = n_keep.shape[0]
    start = np.zeros(groups + 1, np.int64)  # each group's places in order (counting sort)
    for k in range(group.shape[0]):
        start[_at(group[k]) + 1] += 1
    for g in range(groups):
        start[g + 1] += start[g]
    members = np.empty(group.shape[0], np.int64)
    filled = start[:groups].copy()
    for k in range(group.shape[0]):
        g = _at(group[k])
        members[_at(filled[g])] = k
        filled[g] += 1
    n = 0
    for g in range(groups):
        mine = members[start[g]:start[g + 1]]
        room = min(n_keep[g], mine.shape[0])
        if room <= 0:
            continue
        values = value[mine]
        least = np.partition(values, mine.shape[0] - room)[mine.shape[0] - room]
        equal = room  # places of the least value still to fill: room less those above it
        for r in range(mine.shape[0]):
            equal -= values[r] > least
        for r in range(mine.shape[0]):
            if values[r] > least or (values[r] == least and equal > 0):
                equal -= values[r] == least
                kept[n] = mine[r]
                n += 1
    return n


@numba.njit(cache=True, nogil=True)
def in_house_prospects(ids, tables, multiplier, exponent, weight):
    """`support_decisions.keep_in_house_value` of new claimants `ids` up to its expm1: each
    one's expm1 argument (the outcome's chance at minimal support, `multiplier`) into
    `exponent`, and what the chance is multiplied by into `weight` (keep_job, then the
    outcome stream). The value is `(-expm1(exponent) * weight[0]) * weight[1]`, numpy's
    expm1 taken between (as the numpy pass takes it; its last bits differ from the C
    library's on some processors)."""
    (ready_hazard, seen_factor, barriers, mitigated, n_barriers, locality, contract_holder,
     _, group, barrier_class, weeks_on_programme, popcount, barrier_factor, vacancy_factor,
     service_hazard, optimism, first_outcome_weeks, within_programme, programme_weeks,
     survival, outcome_stream_value, _, _, _, _) = tables
    for k in range(ids.shape[0]):
        i = _at(ids[k])
        _, h = _hazards(i, ready_hazard, seen_factor, barriers, mitigated, n_barriers,
                        locality, contract_holder[i], popcount, barrier_factor,
                        vacancy_factor, service_hazard, optimism)
        g = group[i]
        threshold = first_outcome_weeks[_at(g)]
        _, window = _window(i, 0, weeks_on_programme, threshold, within_programme,
                            programme_weeks)
        exponent[k] = -(h * multiplier) * window
        weight[0, k] = _keep_job(g, threshold, survival)
        weight[1, k] = outcome_stream_value[_at(g), _at(barrier_class[i])]


@numba.njit(cache=True, nogil=True)
def pick_by_shares(u, group, cumulative, most, pick):
    """For each draw `u[i]`: how many of its group's cumulative shares
    (`cumulative[:, group[i]]`, rising) are at most it, at most `most`: the option it
    picks. The test numpy makes for all options at once (`u[:, None] >= cumulative[:,
    group].T).sum(axis=1)`), without its table of claimants by options (64 ms of a
    national run)."""
    for i in range(u.shape[0]):
        g = _at(group[i])
        k = 0
        for j in range(cumulative.shape[0]):
            k += u[i] >= cumulative[j, g]
        pick[i] = min(k, most)


@numba.njit(cache=True, nogil=True)
def ids_between(values, lo, hi, low, high, out):
    """Ids i in lo..hi-1 with low <= values[i] <= high, in order; returns how many.

    Without a branch: each id is written at the next free place, which moves on only if
    the id is kept (a status changes from claimant to claimant at random, and the
    mispredicted branches cost most of the pass: 4.6 against 1.0 ns a claimant for the
    searching in a week of a 400,000-claimant run, measured). The place written is never
    past the ids seen, so `out` needs no more room than the range."""
    n = 0
    for i in range(lo, hi):
        v = values[_at(i)]
        out[_at(n)] = i
        n += (v >= low) & (v <= high)
    return n


@numba.njit(cache=True, nogil=True)
def work_week(week, lo, on, hi, cf_lo, loss_stream, find_stream, in_programme, searching,
              programme, world, statuses, sustained, earned, follow):
    """`employment.work_and_search` claimant by claimant in one pass over lo..hi-1: with
    the programme (when `in_programme`, under the sustainment schedule), a job kept or
    lost (tenure counted: `sustained`, jobs reaching each of `sustained_weeks`) and a job
    found by the `searching` (their true hazard taken again as `_hazards` takes it, with
    the `services` the searching pass had); and from `cf_lo` the no-programme self
    (`world`: `employment._no_programme_world`). Each claimant's numbers are drawn
    as the pass reaches it, one from `loss_stream` (claimant lo's first) and from `on`
    one from `find_stream`, each a stream's PCG64 state from that claimant
    (`RandomStreams.weekly_state`, stepped here: `_pcg64_numba`): the numbers
    `weekly_uniform` gives for the window, never held. A
    claimant's turn changes only its own columns, so one pass does what passes one after
    the other did. Lists those due a milestone (`earned`) and those past the follow-up
    (`follow`, to be checked for payments to come) in id order; returns how many of each
    and the week's job starts, first job starts, no-programme outcomes and of those the
    attached claimants'.

    The steps are written out in the loop: a helper taking the columns costs their
    reference counts at every claimant (30 times slower, measured)."""
    (status, group, job_weeks, job_loss, in_work_support, contract_holder,
     in_work_support_weeks, service_job_loss, support, milestone_weeks, milestones_paid,
     milestones, milestone_gap, within_programme, sustained_weeks, follow_up_weeks,
     support_multiplier, job_starts, first_start_week, barriers, mitigated, popcount,
     services) = programme
    (cf_outcome, cut_off, referral_week, programme_weeks, extended, cf_in_work, cf_job_weeks,
     first_outcome_weeks, cf_outcome_week, attach_week, ready_hazard, n_barriers,
     barrier_factor, vacancy_factor, locality, cf_first_start) = world
    searching_status, in_work_status, after_status, left_status = statuses
    last = job_loss.shape[1] - 1
    gap_last = milestone_gap.shape[1] - 1
    n_earned = n_follow = found = first = outcomes = attached = 0
    k = 0  # the next of the searching
    for j in range(lo, hi):
        i = _at(j)
        u_loss = next_double(loss_stream)
        u_find = next_double(find_stream) if j >= on else 0.0
        s = status[i]
        if in_programme and s in (in_work_status, after_status):  # keeps the job or not
            g = _at(group[i])
            holder = _at(contract_holder[i])
            loss = job_loss[g, _at(min(job_weeks[i], last))]
            if in_work_support[holder] and job_weeks[i] < in_work_support_weeks:
                loss *= service_job_loss[holder]
            if u_loss < loss:
                status[i] = searching_status if s == in_work_status else left_status
                support[i] = 0
                job_weeks[i] = 0
                milestone_weeks[i] = 0
            else:
                job_weeks[i] += 1
                milestone_weeks[i] += 1
                tenure = job_weeks[i]
                for m in range(sustained_weeks.shape[0]):
                    if tenure == sustained_weeks[m]:
                        sustained[m] += 1
                paid = milestones_paid[i]
                if paid < milestones[g] and milestone_weeks[i] >= milestone_gap[
                        g, _at(min(paid, gap_last))] and (not within_programme or paid > 0
                                                     or s == in_work_status):
                    earned[n_earned] = j
                    n_earned += 1
                if s == after_status and tenure >= follow_up_weeks:
                    follow[n_follow] = j
                    n_follow += 1
        elif k < searching.shape[0] and searching[_at(k)] == j:  # looks for work
            true = (numba.float64(ready_hazard[i])  # as `_hazards` takes it
                    * barrier_factor[_at(n_barriers[i]), _at(popcount[_at(barriers[i]
                                                                         & mitigated[i])])]
                    * vacancy_factor[_at(locality[i])] * services[_at(contract_holder[i])])
            if u_find < true * support_multiplier[_at(support[i])]:
                status[i] = in_work_status
                job_weeks[i] = 0
                milestone_weeks[i] = 0
                if job_starts[i] == 0:
                    first_start_week[i] = week
                    first += 1
                job_starts[i] += 1
                found += 1
            k += 1
        # The same claimant without the programme, on the same numbers.
        if j < cf_lo or cf_outcome[i] or cut_off[i]:
            continue
        window = referral_week[i] + programme_weeks > week
        if cf_in_work[i]:
            if not (window or extended):
                continue
            if u_loss < job_loss[_at(group[i]), _at(min(cf_job_weeks[i], last))]:
                cf_in_work[i] = False
                cf_job_weeks[i] = 0
                continue
            cf_job_weeks[i] += 1
            if cf_job_weeks[i] >= first_outcome_weeks[_at(group[i])]:
                cf_outcome[i] = True
                cf_outcome_week[i] = week
                outcomes += 1
                if attach_week[i] >= 0:
                    attached += 1
        elif window:
            h = (numba.float64(ready_hazard[i]) * barrier_factor[_at(n_barriers[i]), 0]
                 * vacancy_factor[_at(locality[i])])
            if u_find < h:
                cf_in_work[i] = True
                cf_job_weeks[i] = 0
                if cf_first_start[i] < 0:
                    cf_first_start[i] = week
    return n_earned, n_follow, found, first, outcomes, attached


@numba.njit(cache=True, nogil=True)
def milestone_payments(week, ids, k, columns, milestone_amount, need_multiplier,
                       programme_weeks, amount, holder, case_holder, outcome, treated,
                       earned_group, earned_two_years, jo_group, jo_class, year_outcomes):
    """`employment._pay_milestones`' arithmetic and counts for claimants `ids` (due
    milestone `k` each), claimant by claimant in their order: each one's amount, contract
    and case holder, whether it is a job outcome and treated by a specialist (into the
    arrays of that name); the £ earned by group (into `earned_group`, zero, summed from
    zero in order as `np.bincount` sums), by group and referral week within the
    programme's weeks (`earned_two_years`, added in order as `np.add.at` adds); a job
    outcome's week set and counted (`jo_group`, `jo_class`, `year_outcomes`), and every
    claimant's milestones paid counted up. The bookings stay with the caller."""
    (group, barrier_class, contract_holder, case_holder_of, referral_week, job_outcome_week,
     treated_by, milestones_paid) = columns
    for n in range(ids.shape[0]):
        i = _at(ids[n])
        g = _at(group[i])
        cls = _at(barrier_class[i])
        a = milestone_amount[g, _at(k[n])] * need_multiplier[cls]
        amount[n] = a
        h = numba.int64(contract_holder[i])
        holder[n] = h
        case_holder[n] = case_holder_of[i]
        earned_group[g] += a
        if week - numba.int64(referral_week[i]) < programme_weeks:
            earned_two_years[g, _at(referral_week[i])] += a
        first = job_outcome_week[i] < 0  # the first payment is the job outcome
        outcome[n] = first
        treated[n] = first and treated_by[i] >= 0
        if first:
            job_outcome_week[i] = week
            jo_group[g] += 1
            jo_class[cls] += 1
            year_outcomes[_at(h), g] += 1
        milestones_paid[i] += 1


@numba.njit(cache=True, nogil=True)
def claimant_census(lo, hi, status, case_holder, active, weeks_on_programme, group,
                    first_outcome_weeks, within_programme, programme_weeks, support,
                    episode_provider, episode_end):
    """Claimants lo..hi-1 in one pass: by status (index 6: a status out of range), and
    then: on programme without an active case holder; caseload (searching or in work);
    searching; searching while an outcome can be earned; of those parked (minimal support,
    no specialist); waiting for a specialist. Statuses: `agents.claimant`'s numbers.

    Each count adds a test's truth, with no branch (statuses vary at random from one
    claimant to the next: in a busy week the mispredicted branches took half the pass)."""
    # A searching claimant can still earn an outcome below its group's limit
    limit = np.empty(first_outcome_weeks.shape[0], np.int64)
    for g in range(limit.shape[0]):
        limit[g] = programme_weeks - first_outcome_weeks[g] * within_programme
    n0 = n1 = n2 = n3 = n4 = n5 = orphans = earnable = parked = waiting = 0
    for j in range(lo, hi):
        i = _at(j)
        s = status[i]
        n0 += s == 0
        n1 += s == 1
        n2 += s == 2
        n3 += s == 3
        n4 += s == 4
        n5 += s == 5
        with_specialist = episode_provider[i] >= 0
        waiting += with_specialist & (episode_end[i] < 0)
        h = case_holder[i]  # searching, in work, in work after: an active case holder
        orphans += (s >= 2) & (s <= 4) & ((h < 0) | (not active[_at(max(h, 0))]))
        can_earn = (s == 2) & (weeks_on_programme[i] < limit[_at(group[i])])
        earnable += can_earn
        parked += can_earn & (support[i] == 0) & (not with_specialist)
    counts = np.zeros(13, np.int64)
    counts[0], counts[1], counts[2], counts[3], counts[4], counts[5] = n0, n1, n2, n3, n4, n5
    counts[6] = (hi - lo) - (n0 + n1 + n2 + n3 + n4 + n5)
    counts[7], counts[8], counts[9] = orphans, n2 + n3, n2
    counts[10], counts[11], counts[12] = earnable, parked, waiting
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
    for j in range(lo, hi):
        i = _at(j)
        s = status[i]
        if s != searching_status and s != in_work_status:
            continue
        weeks_on_programme[i] += 1
        weeks = weeks_on_programme[i]
        if bill and weeks % fee_period == 0 and weeks // fee_period <= service_periods:
            billed_out[n_billed] = j
            n_billed += 1
        if weeks >= programme_weeks:
            ending_out[n_ending] = j
            n_ending += 1
    return n_billed, n_ending

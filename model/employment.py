"""Finding work, keeping it, and the payments that follow; the same people without the programme.

Each week, for the claimants in play:

1. jobs end with a weekly hazard (higher in the first 26 weeks);
2. those still in work add a week; a claimant who reaches the group's
   threshold (13 or 26 continuous weeks) while on programme earns a **job
   outcome**, and each further 4 continuous weeks a **sustainment** payment,
   up to the group's maximum; a break in work restarts the count;
3. searching claimants find work with their weekly hazard: their readiness,
   barriers (less any a specialist has treated), local vacancies, any key
   worker or employer engagement their contract holder buys, and the support
   they got this week (in-work support, where bought, lowers the job-loss hazard);
4. after 104 weeks on programme claimants return to Jobcentre Plus, except
   those in work with sustainment payments still to earn.

Alongside, every referred claimant's **no-programme** self is run on the same
random numbers with the hazard they would have had with no support, no
specialist and no bought services, so deadweight and additional outcomes are
measured, not assumed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, LEFT, SEARCHING

from .accounts import OUTCOME, SERVICE_FEE, SPECIALIST_OUTCOME
from .integration_services import in_work_supported
from .payment_rules import PROGRAMME_WEEKS, SERVICE_FEE_PERIOD, pay_down_the_chain
from .support_decisions import no_programme_hazard

if TYPE_CHECKING:
    from .model import CommissioningModel


def _job_loss(p: dict, job_weeks: np.ndarray) -> np.ndarray:
    return np.where(job_weeks < 26, p["job_loss_hazard_early"], p["job_loss_hazard_late"])


def work_and_search(model: CommissioningModel, week: int, lo: int, hi: int,
                    searching: np.ndarray, true_hazard: np.ndarray) -> None:
    """Jobs ending, milestones earned, jobs found, and the no-programme world.

    `searching` are this week's searching claimants and `true_hazard` their
    hazard before support.
    """
    c, p, pay = model.claimants, model.p, model.payments
    u_find = model.streams.weekly_uniform("job_finding", week, lo, hi)
    u_loss = model.streams.weekly_uniform("job_loss", week, lo, hi)
    status = c.status[lo:hi]

    # 1-2. Claimants in work: keep the job or lose it; count towards milestones.
    working = np.flatnonzero((status == IN_WORK) | (status == IN_WORK_AFTER)) + lo
    loss = _job_loss(p, c.job_weeks[working])
    supported = in_work_supported(model, working)
    loss[supported] *= model.service_job_loss[c.contract_holder[working[supported]]]
    lost = u_loss[working - lo] < loss
    gone = working[lost]
    c.status[gone] = np.where(c.status[gone] == IN_WORK, SEARCHING, LEFT)
    c.support[gone] = 0  # support is decided afresh next week
    c.job_weeks[gone] = 0
    c.milestone_weeks[gone] = 0
    kept = working[~lost]
    c.job_weeks[kept] += 1
    c.milestone_weeks[kept] += 1
    g = c.group[kept]
    k = c.milestones_paid[kept]
    due = (k < pay.milestones[g]) & (c.milestone_weeks[kept] >= pay.milestone_gap[g, np.minimum(
        k, pay.milestone_gap.shape[1] - 1)])
    due &= (k > 0) | (c.status[kept] == IN_WORK)  # a job outcome must come on programme
    earned = kept[due]
    if len(earned):
        _pay_milestones(model, week, earned)

    # 3. Searching claimants find work.
    h = true_hazard * model.support_multiplier[c.support[searching]]
    found = searching[u_find[searching - lo] < h]
    c.status[found] = IN_WORK
    c.job_weeks[found] = 0
    c.milestone_weeks[found] = 0
    model.tally.ever_started += int((c.job_starts[found] == 0).sum())
    c.job_starts[found] += 1
    model.tally.job_starts += len(found)

    # The same people without the programme, within 104 weeks of referral.
    # (as with the programme, a job lost this week cannot be replaced until next week)
    in_window = ((c.referral_week[lo:hi] + PROGRAMME_WEEKS > week) & ~c.cf_outcome[lo:hi]
                 & ~c.cut_off[lo:hi])
    cf_work = np.flatnonzero(in_window & c.cf_in_work[lo:hi]) + lo
    cf_search = np.flatnonzero(in_window & ~c.cf_in_work[lo:hi]) + lo
    cf_lost = u_loss[cf_work - lo] < _job_loss(p, c.cf_job_weeks[cf_work])
    c.cf_in_work[cf_work[cf_lost]] = False
    c.cf_job_weeks[cf_work[cf_lost]] = 0
    cf_kept = cf_work[~cf_lost]
    c.cf_job_weeks[cf_kept] += 1
    reached = cf_kept[c.cf_job_weeks[cf_kept] >= pay.job_outcome_weeks[c.group[cf_kept]]]
    c.cf_outcome[reached] = True
    model.tally.cf_outcomes += len(reached)
    model.tally.cf_attached += int((c.attach_week[reached] >= 0).sum())
    cf_found = cf_search[u_find[cf_search - lo] < no_programme_hazard(model, cf_search)]
    c.cf_in_work[cf_found] = True
    c.cf_job_weeks[cf_found] = 0


def _pay_milestones(model: CommissioningModel, week: int, ids: np.ndarray) -> None:
    """Book job outcome and sustainment payments down the chain."""
    c, p, pay, acc = model.claimants, model.p, model.payments, model.accounts
    g = c.group[ids]
    k = c.milestones_paid[ids].astype(np.int64)
    amount = pay.milestone_amount[g, k]
    pay_down_the_chain(model, week, ids, amount, OUTCOME, model.outcome_pass_through)
    holder = c.contract_holder[ids].astype(np.int64)
    outcome = k == 0
    if outcome.any():
        jo = ids[outcome]
        c.job_outcome_week[jo] = week
        c.employment_outcome[jo] = True
        model.tally.jo_group += np.bincount(g[outcome], minlength=len(model.tally.jo_group))
        model.tally.jo_class += np.bincount(c.barrier_class[jo], minlength=3)
        np.add.at(model.year_outcomes, (holder[outcome], g[outcome]), 1)
        # The specialist who treated the claimant gets its share, as the case holder does.
        treated = outcome & (c.treated_by[ids] >= 0)
        h = holder[treated]
        acc.book(week + p["claim_lag_weeks"] + model.payment_lag[h], h,
                 c.treated_by[ids[treated]], amount[treated] * model.specialist_outcome_share[h],
                 SPECIALIST_OUTCOME)
    c.milestones_paid[ids] += 1
    c.milestone_weeks[ids] = 0
    finished = (c.milestones_paid[ids] >= pay.milestones[g]) & (c.status[ids] == IN_WORK_AFTER)
    c.status[ids[finished]] = LEFT  # nothing more to earn: no longer followed


def programme_clock(model: CommissioningModel, week: int, lo: int, hi: int) -> None:
    """Count weeks on programme, pay service fees, and end the programme at 104 weeks."""
    c, pay = model.claimants, model.payments
    status = c.status[lo:hi]
    on = np.flatnonzero((status == SEARCHING) | (status == IN_WORK)) + lo
    c.weeks_on_programme[on] += 1
    weeks = c.weeks_on_programme[on]

    if pay.fee_share > 0:
        periods = weeks // SERVICE_FEE_PERIOD
        billed = on[(weeks % SERVICE_FEE_PERIOD == 0) & (periods <= pay.service_periods)]
        if len(billed):
            _pay_service_fees(model, week, billed)

    ending = on[weeks >= PROGRAMME_WEEKS]
    if len(ending):
        g = c.group[ending]
        more = (c.status[ending] == IN_WORK) & (c.milestones_paid[ending] > 0) & (
            c.milestones_paid[ending] < pay.milestones[g])
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

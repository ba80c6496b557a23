"""Key workers, employer engagement and in-work support: services a contract holder can buy.

The locality case (DOMAIN 1.2, 3.6) rests on what partnerships add: a key
worker who sequences support across health, skills, housing and debt, links
with local employers, and a year of in-work support (Working Well, Fair Start
Scotland). Here each is a service with a cost per claimant-week and an effect
that is a parameter (neutral by default: no published figure measures it).
Every contract holder can buy every service; the regimes differ only in how
their contract says the holder decides (`integration_services`):

- **commissioned**: the contract pays for the service for every claimant (the
  devolved programmes' design), whether or not it pays its way;
- **expected value**: the holder buys a service for its caseload when the extra
  payments it expects to keep this week cover what the service costs this week,
  reviewed every quarter. A prime keeps only its management share of what a
  subcontractor's claimant earns, so it weighs those claimants' gains at that share.

Key workers and employer engagement raise the weekly chance of finding work;
in-work support lowers the weekly chance of losing a job for its first weeks.
The holder pays; the cost counts as support spent on the claimant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER

from .accounts import SERVICES
from .claimant_kernels import ids_between, searching_tables
from .job_retention import hazard_at
from .support_decisions import PART, Prospects, hazard, seen_hazard

if TYPE_CHECKING:
    from .model import CommissioningModel

KEY_WORKER, EMPLOYER_ENGAGEMENT, IN_WORK_SUPPORT = range(3)
SERVICE_NAMES = ("key_worker", "employer_engagement", "in_work_support")
REVIEW_WEEKS = 13  # an expected-value buyer reconsiders each quarter


def set_up(model: CommissioningModel) -> None:
    """Which organisation buys which service (rows: organisations; only holders buy)."""
    p = model.p
    n = len(model.orgs)
    model.buys = np.zeros((n, len(SERVICE_NAMES)), bool)
    model.commissioned = np.zeros(n, bool)
    for h in model.holders:
        model.commissioned[h.index] = h.integration_services == "commissioned"
    model.buys[model.commissioned] = True
    model.service_cost = np.array([p["key_worker_cost"], p["employer_engagement_cost"],
                                   p["in_work_support_cost"]])
    _update_effects(model)


def _update_effects(model: CommissioningModel) -> None:
    p = model.p
    effect = np.array([p["key_worker_effect"], p["employer_engagement_effect"]])
    # Job-finding multiplier and job-loss multiplier of each organisation's claimants.
    model.service_hazard = np.prod(np.where(model.buys[:, :2], effect, 1.0), axis=1)
    model.service_job_loss = np.where(model.buys[:, IN_WORK_SUPPORT],
                                      p["in_work_support_effect"], 1.0)


def in_work_supported(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """Which of these claimants in work have in-work support this week."""
    c = model.claimants
    return (model.buys[c.contract_holder[ids], IN_WORK_SUPPORT]
            & (c.job_weeks[ids] < model.p["in_work_support_weeks"]))


def review(model: CommissioningModel, week: int, searching: np.ndarray) -> None:
    """Expected-value buyers decide, each quarter, which services pay their way, judging
    the searching claimants by their hazard as seen (`seen_hazard`, as the week's
    searching pass took it: nothing it reads has changed since)."""
    if week % REVIEW_WEEKS:
        return
    deciders = [h.index for h in model.holders if h.active and not model.commissioned[h.index]
                and not model.decisions.decides_services(h.index)]  # a player decides
    if not deciders:
        return
    c, p = model.claimants, model.p
    n = len(model.orgs)
    # Per contract holder, summed claimant by claimant in id order as np.bincount sums
    # (np.add.at adds in the same order), a part of the claimants at a time: at national
    # scale the whole caseload's arrays were a hundred megabytes at once.
    gain_per_effect, keep_gain, in_work = np.zeros(n), np.zeros(n), np.zeros(n)
    searchers = np.zeros(n, np.int64)
    if model.fused:  # the same sums in one numba pass over each set of claimants
        from ._fused_numba import review_sums

        pay = model.payments
        working = (c.status, c.support, c.milestones_paid, pay.amount_left,
                   pay.need_multiplier, pay.milestones, c.job_outcome_week, c.job_weeks,
                   model.job_loss, float(p["in_work_support_weeks"]), IN_WORK, IN_WORK_AFTER)
        review_sums(searching, model._lo, model._hi, searching_tables(model), working,
                    gain_per_effect, searchers, keep_gain, in_work)
    else:
        _review_sums(model, searching, gain_per_effect, searchers, keep_gain, in_work)
    effects = (p["key_worker_effect"], p["employer_engagement_effect"])
    for d in deciders:
        hurdle = 1.0 + model.rationing_hurdle[d]
        for s, effect in enumerate(effects):
            gain = (effect - 1.0) * gain_per_effect[d]
            model.buys[d, s] = searchers[d] > 0 and gain >= hurdle * model.service_cost[s] * \
                searchers[d]
        gain = (1.0 - p["in_work_support_effect"]) * keep_gain[d]
        model.buys[d, IN_WORK_SUPPORT] = in_work[d] > 0 and gain >= hurdle * \
            model.service_cost[IN_WORK_SUPPORT] * in_work[d]
    _update_effects(model)


def _review_sums(model: CommissioningModel, searching: np.ndarray, gain_per_effect: np.ndarray,
                 searchers: np.ndarray, keep_gain: np.ndarray, in_work: np.ndarray) -> None:
    """`review`'s sums per contract holder in numpy: a part of the claimants at a time."""
    c, p = model.claimants, model.p
    n = len(model.orgs)
    for start in range(0, len(searching), PART):
        ids = searching[start:start + PART]
        h = seen_hazard(model, ids, hazard(model, ids))
        holder = c.contract_holder[ids].astype(np.int64)
        # Searching claimants: a week of a hazard service changes the chance of a start
        # this week by (effect - 1) * h; a start becomes an outcome if the job lasts.
        pr = Prospects(model, ids, h)
        pr_keep = pr.keep_job * (pr.window > 0)
        mult = model.support_multiplier[c.support[ids]]
        np.add.at(gain_per_effect, holder, h * mult * pr_keep * _kept_share(model, ids, holder))
        searchers += np.bincount(holder, minlength=n)
    # Claimants in work, before their outcome: a week of in-work support changes the
    # chance of losing the job this week by (1 - effect) * job-loss hazard.
    working = ids_between(model, c.status, model._lo, model._hi, IN_WORK, IN_WORK_AFTER)
    for start in range(0, len(working), PART):
        ids = working[start:start + PART]
        ids = ids[(c.status[ids] == IN_WORK) | model.payments.still_earning(c, ids)]
        w_holder = c.contract_holder[ids].astype(np.int64)
        supported = c.job_weeks[ids] < p["in_work_support_weeks"]
        loss = hazard_at(model.job_loss, c.group[ids], c.job_weeks[ids])
        np.add.at(keep_gain, w_holder, loss * _kept_share(model, ids, w_holder) * supported)
        np.add.at(in_work, w_holder, supported)


def _kept_share(model: CommissioningModel, ids: np.ndarray, holder: np.ndarray) -> np.ndarray:
    """£ of outcome payments still to come that the contract holder would keep, per claimant:
    the whole expected stream before a job outcome (or a first stage), the payments left
    after."""
    c, pay = model.claimants, model.payments
    in_house = c.case_holder[ids] == holder
    share = np.where(in_house, 1.0, 1.0 - model.outcome_pass_through[holder])
    g, k = c.group[ids], c.milestones_paid[ids].astype(np.int64)
    left = np.where(k == 0, model.outcome_stream(ids),
                    pay.amount_left[g, k] * pay.need_multiplier[c.barrier_class[ids]])
    return share * left


def charge(model: CommissioningModel, searching: np.ndarray, lo: int, hi: int) -> None:
    """This week's cost of the services bought, charged to each claimant's contract holder."""
    c = model.claimants
    if not model.buys.any():
        return
    holder = c.contract_holder[searching]
    per_week = (model.buys[holder, KEY_WORKER] * model.service_cost[KEY_WORKER]
                + model.buys[holder, EMPLOYER_ENGAGEMENT] * model.service_cost[
                    EMPLOYER_ENGAGEMENT])
    working = ids_between(model, c.status, lo, hi, IN_WORK, IN_WORK_AFTER)
    working = working[in_work_supported(model, working)]
    ids = np.concatenate([searching, working])
    cost = np.concatenate([per_week, np.full(len(working), model.service_cost[IN_WORK_SUPPORT])])
    paid = cost > 0
    if paid.any():
        model.accounts.charge(c.contract_holder[ids[paid]], cost[paid], SERVICES)
        model.add_support_spend(ids[paid], cost[paid])

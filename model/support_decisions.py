"""How a provider decides what support each claimant gets: where parking comes from.

Every case-holding provider uses the same rule, whatever the regime. For each
claimant it holds it compares three levels of support (minimal contact,
light, intensive) by expected net value:

    value(s) = P(job outcome | s) * V  -  cost(s) * expected weeks of support

where P comes from the provider's own estimate of the claimant's weekly chance
of work (barriers, group, local vacancies, and part of their unobserved
readiness), the weeks left in which a job can still reach the outcome
threshold, and the chance the job lasts that long; V is what a job outcome is
worth *to this provider*: its share of the outcome and sustainment payments
(after the contract holder's cut and any blending), plus any mission value.

Nothing here looks at the regime. Creaming and parking emerge where V is small
relative to cost for claimants with poor prospects; they vanish when prices
cover costs. A provider short of cash demands a higher return on each pound
of discretionary spending (its rationing hurdle), so support falls as cash runs out.

The same value logic prices a specialist episode (worth buying when the
gain from treating one barrier exceeds its fee) and a prime's choice of which
claimants to keep in house.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import FIRST_BIT, POPCOUNT

if TYPE_CHECKING:
    from .model import CommissioningModel

MINIMAL, LIGHT, INTENSIVE = 0, 1, 2
#: Claimants a pass takes at a time where it would otherwise make arrays as long as the
#: caseload (tens of megabytes at national scale); element by element, or summed in the
#: caseload's order, the result is the same.
PART = 16_384


def support_multipliers(p: dict) -> np.ndarray:
    """Hazard multiplier of each support level, after any effort lost to service fees."""
    effort = 1.0 - p["fee_effort_loss"] * p["service_fee_share"]
    raw = np.array([1.0, p["light_support_effect"], p["intensive_support_effect"]])
    return 1.0 + (raw - 1.0) * effort


def support_costs(p: dict) -> np.ndarray:
    return np.array([p["minimal_support_cost"], p["light_support_cost"],
                     p["intensive_support_cost"]])


def barrier_factors(p: dict) -> np.ndarray:
    """`barrier_penalty ** (barriers - reduction * treated)` for every count of barriers
    and of treated barriers: a table [barriers, treated], so the weekly hazards gather a
    power instead of computing one per claimant (the same numbers to the last bit)."""
    n = np.arange(9, dtype=np.int8)
    return p["barrier_penalty"] ** (n[:, None] - p["specialist_barrier_reduction"] * n[None, :])


def seen_factors(p: dict, readiness: np.ndarray) -> np.ndarray:
    """How far each claimant's hazard as providers see it differs from the true one: the
    part of their readiness providers cannot see (fixed per claimant, computed once)."""
    hidden = (p["assessment_accuracy"] - 1.0) * readiness
    return np.exp(hidden)


def hazard(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """Each claimant's true weekly job-finding hazard this week, before support."""
    c = model.claimants
    n_treated = POPCOUNT[c.barriers[ids] & c.mitigated[ids]]
    penalty = model.barrier_factor[c.n_barriers[ids], n_treated]
    services = model.service_hazard[c.contract_holder[ids]]  # key worker, employer links
    return c.ready_hazard[ids] * penalty * model.vacancy_factor[c.locality[ids]] * services


def seen_hazard(model: CommissioningModel, ids: np.ndarray, true: np.ndarray) -> np.ndarray:
    """The hazard as a provider judges it: part of the readiness it cannot see, and optimism."""
    return true * model.seen_factor[ids] * model.p["provider_optimism"]


def no_programme_hazard(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """The same claimant's hazard with no programme at all (the counterfactual)."""
    c = model.claimants
    return (c.ready_hazard[ids] * model.barrier_factor[c.n_barriers[ids], 0]
            * model.vacancy_factor[c.locality[ids]])


def _p_start(h: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Chance of starting work within `weeks` at weekly hazard `h` (continuous time)."""
    return -np.expm1(-h * weeks)


def _expected_weeks(h: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Expected weeks of searching (and of support) before work or the end of `weeks`."""
    h = np.maximum(h, 1e-12)
    return np.minimum(_p_start(h, weeks) / h, weeks)


class Prospects:
    """What a provider expects of a set of claimants this week.

    `seen` is the provider's estimate of each claimant's weekly hazard (from
    `seen_hazard`); it is computed here if not given.
    """

    def __init__(self, model: CommissioningModel, ids: np.ndarray,
                 seen: np.ndarray | None = None, weeks_ahead: int = 0):
        c = model.claimants
        self.ids = ids
        self.h = seen if seen is not None else seen_hazard(model, ids, hazard(model, ids))
        g = c.group[ids]
        pay = model.payments
        threshold = pay.first_outcome_weeks[g]
        left = model.programme_weeks - c.weeks_on_programme[ids].astype(np.int32) - weeks_ahead
        self.remaining = np.maximum(left, 0)  # weeks on programme still to pay for
        # weeks in which a start can still count (to reach the outcome on programme, or
        # start on it where the outcome may come after)
        self.window = np.maximum(left - threshold * pay.within_programme, 0)
        survival = model.job_survival
        self.keep_job = survival[g, np.minimum(threshold, survival.shape[1] - 1)]
        self.group = g

    def p_outcome(self, multiplier: float | np.ndarray) -> np.ndarray:
        return _p_start(self.h * multiplier, self.window) * self.keep_job

    def weeks_of_support(self, multiplier: float | np.ndarray) -> np.ndarray:
        return _expected_weeks(self.h * multiplier, self.remaining)


def outcome_value(model: CommissioningModel, ids: np.ndarray, decider: np.ndarray) -> np.ndarray:
    """What a job outcome for each claimant is worth to the deciding organisation (£)."""
    c = model.claimants
    holder = c.contract_holder[ids]
    share = np.where(decider == holder, 1.0, model.outcome_pass_through[holder])
    return share * model.outcome_stream(ids) + model.mission_value[decider]


def support_levels(model: CommissioningModel, ids: np.ndarray, seen: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The support level each searching claimant's case holder would choose by the rule,
    and its net value over minimal support (before a player's choice and budgets)."""
    decider = model.claimants.case_holder[ids]
    pr = Prospects(model, ids, seen)
    value = outcome_value(model, ids, decider)
    hurdle = model.rationing_hurdle[decider]
    mult, cost = model.support_multiplier, model.support_cost
    base_gain = pr.p_outcome(mult[MINIMAL]) * value
    base_cost = cost[MINIMAL] * pr.weeks_of_support(mult[MINIMAL])
    best = np.zeros(len(ids))
    level = np.zeros(len(ids), np.int8)
    for s in (LIGHT, INTENSIVE):
        extra_gain = pr.p_outcome(mult[s]) * value - base_gain
        extra_cost = cost[s] * pr.weeks_of_support(mult[s]) - base_cost
        net = extra_gain - extra_cost
        ok = (extra_gain >= (1.0 + hurdle) * extra_cost) & (net > best)
        level[ok], best[ok] = s, net[ok]
    return level, best


def choose_support(model: CommissioningModel, ids: np.ndarray, seen: np.ndarray | None,
                   levels: tuple[np.ndarray, np.ndarray] | None = None,
                   wanted: np.ndarray | None = None) -> np.ndarray:
    """Support level for each searching claimant, chosen by their case holder.

    `levels` are the rule's levels and net values if already computed (the fused
    weekly pass of `claimant_kernels` computes them with the hazards; `seen` is then
    not read); `wanted`, `support_wanted` of the rule's levels, if already added up.
    """
    level, best = levels if levels is not None else support_levels(model, ids, seen)
    decider = None
    if model.decisions.sets_support:  # a player's choice
        decider = model.claimants.case_holder[ids]
        level = model.decisions.support(ids, decider, level)
        wanted = None  # of other levels
    if wanted is None:
        wanted = support_wanted(model, ids, level)
    return _within_budget(model, ids, decider, level, best, wanted)


def support_wanted(model: CommissioningModel, ids: np.ndarray, level: np.ndarray
                   ) -> np.ndarray:
    """What each case holder's chosen levels cost this week over minimal support, added
    claimant by claimant in order."""
    cost, case_holder = model.support_cost, model.claimants.case_holder
    wanted = np.zeros(len(model.orgs))
    if model.fused:  # one pass reading the case holders, the same sums
        from ._fused_numba import support_wanted as kernel

        kernel(ids, case_holder, level, cost, wanted)
        return wanted
    for start in range(0, len(level), PART):  # np.add.at sums in np.bincount's order
        part = slice(start, start + PART)
        np.add.at(wanted, case_holder[ids[part]], cost[level[part]] - cost[MINIMAL])
    return wanted


def _within_budget(model: CommissioningModel, ids: np.ndarray, decider: np.ndarray | None,
                   level: np.ndarray, net: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Cut support where a provider cannot pay for it this week, least valuable first.

    Discretionary spending may not take a provider's free cash (cash less what it
    already owes) below its overdraft limit plus its buffer: that margin is kept
    for costs it cannot avoid. `decider`: the claimants' case holders, if known;
    `wanted`: `support_wanted` of these levels.
    """
    cost, case_holder = model.support_cost, model.claimants.case_holder
    over = np.flatnonzero(wanted > model.spending_headroom)
    if len(over) and decider is None:
        decider = case_holder[ids]
    for d in over:
        rows = np.flatnonzero((decider == d) & (level > MINIMAL))
        extra = cost[level[rows]] - cost[MINIMAL]
        by_value = np.argsort(-(net[rows] / np.maximum(extra, 1e-9)), kind="stable")
        affordable = np.cumsum(extra[by_value]) <= max(model.spending_headroom[d], 0.0)
        level[rows[by_value[~affordable]]] = MINIMAL
    return level


def next_barrier(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """The next untreated barrier that a specialist on the claimant's network can treat."""
    c = model.claimants
    reachable = model.reachable_barriers[c.contract_holder[ids], c.locality[ids]]
    return FIRST_BIT[c.barriers[ids] & ~c.mitigated[ids] & reachable]


def specialist_gain(model: CommissioningModel, ids: np.ndarray, decider: np.ndarray,
                    seen: np.ndarray) -> np.ndarray:
    """Expected value to the decider of treating one more barrier, before the fee (£)."""
    p = model.p
    pr = Prospects(model, ids, seen, weeks_ahead=p["specialist_episode_weeks"])
    lift = p["barrier_penalty"] ** (-p["specialist_barrier_reduction"])
    mult = model.support_multiplier[model.claimants.support[ids]]
    gain = pr.p_outcome(mult * lift) - pr.p_outcome(mult)
    return gain * outcome_value(model, ids, decider)


def keep_in_house_value(model: CommissioningModel, ids: np.ndarray) -> np.ndarray:
    """Expected payments from holding each new claimant in house (for a prime's choice;
    fused: `claimant_kernels.keep_in_house_value`)."""
    pr = Prospects(model, ids)
    return pr.p_outcome(model.support_multiplier[MINIMAL]) * model.outcome_stream(ids)

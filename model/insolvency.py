"""Running out of cash: providers that pass their overdraft limit exit.

An exit is recorded with its week. The exiting provider stops paying costs
and its unsettled payments are cancelled (its creditors and debtors keep the
money). Its claimants are not lost:

- a case holder's caseload is handed back to the contract holder (a prime's
  in-house team, or the partnership's own key workers);
- a specialist's running and queued episodes end untreated (the barrier can
  be referred again);
- a contract holder's contract, claimants and case holders pass to the
  surviving contract holder with most cash (another prime in the area, or a
  neighbouring partnership), and its claimants go on as before.

Only if no contract holder survives at all does the programme end early for
its claimants; they are then followed in neither world from that week (their
no-programme selves stop too), so the count of additional outcomes compares
like with like and is never made negative by bookkeeping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, LEFT, SEARCHING
from commissioning.agents.provider import HOLDER, SPECIALIST, ContractHolder

from .support_decisions import PART

if TYPE_CHECKING:
    from commissioning.agents.provider import Provider

    from .model import CommissioningModel


def check_solvency(model: CommissioningModel, week: int) -> None:
    """Exit every provider past its overdraft limit (holders last: they inherit)."""
    # Withdrawn organisations are still trading out their accounts: they can fail too.
    failing = [org for org in _below_limit(model) if model.accounts.active[org.index]
               and org.insolvent_week is None and org.is_insolvent()]
    failing.sort(key=lambda org: org.role == HOLDER)
    for org in failing:
        exit_provider(model, org, week)


def _below_limit(model: CommissioningModel) -> list[Provider]:
    """The providers whose cash is below their overdraft limit, in order: one array
    comparison (`is_insolvent`'s) instead of a method call per provider every week."""
    below = model.accounts.cash < -model.overdraft_limit
    return [o for o in model.providers if below[o.index]]


def exit_provider(model: CommissioningModel, org: Provider, week: int) -> None:
    """An insolvent provider leaves: its payments are cancelled, its work handed on."""
    org.exit(week)
    model.accounts.active[org.index] = False
    model.exits.append((week, org.name, org.kind))
    _hand_on(model, org)


HALF_YEAR = 26


def review_contracts(model: CommissioningModel, week: int) -> None:
    """Every half-year from the end of contract year 1, subcontractors whose contract lost
    them more than they tolerate leave it.

    The loss is what they spent over the half-year (costs, and payments they committed
    to others, such as specialist fees) less what they earned (paid, or booked to them),
    against their own size (a half-year of their operating cost at
    capacity): an organisation listed but hardly used, which has stood its staff down,
    loses little and stays on the list, as most of NCVO's unreferred charities did. A
    third-sector organisation tolerates a larger loss for its mission (it subsidises
    delivery from its reserves). One that leaves stops its costs and hands on its work,
    but is still paid what it is owed (DOMAIN C23's churn).
    """
    if week + 1 < 52 or (week + 1) % HALF_YEAR:
        return
    acc, p = model.accounts, model.p
    earned = acc.revenue + acc.receivable
    spent = acc.costs.sum(axis=1) + acc.booked_out.sum(axis=1)  # costs and payments it owes
    income, costs = earned - model.earned_mark, spent - model.spent_mark
    model.earned_mark, model.spent_mark = earned.copy(), spent.copy()
    for org in model.providers:
        if not org.active or not model.small_provider[org.index]:
            continue
        tolerance = p["third_sector_loss_tolerance" if org.third_sector else
                      "subcontractor_loss_tolerance"]
        i = org.index
        losing = costs[i] - income[i] > tolerance * HALF_YEAR * model.operating_cost[i]
        if model.decisions.leaves(i, losing):  # the rule's answer, or a player's
            withdraw(model, org, week)


def withdraw(model: CommissioningModel, org: Provider, week: int) -> None:
    """A provider leaves its contracts by choice: no new work, its work handed on."""
    org.withdrawn_week = week
    model.withdrawals.append((week, org.name, org.kind))
    model.staffed[org.index] = 0.0
    model.fixed_cost[org.index] = 0.0
    model.staffed_to_plan[org.index] = False
    _hand_on(model, org)


def _hand_on(model: CommissioningModel, org: Provider) -> None:
    c = model.claimants
    if org.role == SPECIALIST:
        mine = _claimants_of(c, c.episode_provider, org.index, followed=False)
        c.episode_provider[mine] = -1
        c.episode_barrier[mine] = -1
        c.episode_end[mine] = -1
        c.queued_at[mine] = -1
        model.in_episode[org.index] = 0
    elif org.role == HOLDER:
        _pass_contract(model, org)
    else:
        mine = _claimants_of(c, c.case_holder, org.index)
        c.case_holder[mine] = c.contract_holder[mine]
        end_programme(model, mine[~model.accounts.active[c.contract_holder[mine]]])
        if isinstance(org.contract_holder, ContractHolder) and org in \
                org.contract_holder.case_holders:
            org.contract_holder.case_holders.remove(org)
    model.refresh_networks()


def _claimants_of(c, column: np.ndarray, org: int, followed: bool = True) -> np.ndarray:
    """Ids of the claimants whose `column` is `org` (and, if `followed`, searching or in
    work), in order; found a part of the population at a time (whole-population masks
    were tens of megabytes at national scale)."""
    found = []
    for start in range(0, c.n, PART):
        part = slice(start, start + PART)
        hit = column[part] == org
        if followed:
            hit &= np.isin(c.status[part], (SEARCHING, IN_WORK, IN_WORK_AFTER))
        found.append(np.flatnonzero(hit) + start)
    return np.concatenate(found) if found else np.empty(0, np.int64)


def end_programme(model: CommissioningModel, ids: np.ndarray) -> None:
    """No contract holder is left: these claimants' programme ends now, in both worlds."""
    c = model.claimants
    c.status[ids] = LEFT
    c.cut_off[ids] = True


def _pass_contract(model: CommissioningModel, org: ContractHolder) -> None:
    c = model.claimants
    survivors = [h for h in model.holders if h.active and h is not org]
    mine = _claimants_of(c, c.contract_holder, org.index)
    if not survivors:
        end_programme(model, mine)
        return
    heir = max(survivors, key=lambda h: (h.cash, -h.index))
    c.case_holder[mine[c.case_holder[mine] == org.index]] = heir.index
    c.contract_holder[mine] = heir.index
    # Future referrals and the supply chain move with the contract.
    model.holder_of_locality[model.holder_of_locality == org.index] = heir.index
    row = {h: i for i, h in enumerate(model.holder_index)}
    model.market_shares[row[heir.index]] += model.market_shares[row[org.index]]
    model.market_shares[row[org.index]] = 0.0
    for sub in org.case_holders:
        if sub is not org and sub.active and sub not in heir.case_holders:
            sub.contract_holder = heir
            heir.case_holders.append(sub)
    for spec in org.specialists:
        if spec not in heir.specialists:
            heir.specialists.append(spec)

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
  neighbouring partnership); if none survives, its claimants leave the programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, LEFT, SEARCHING
from commissioning.agents.provider import HOLDER, SPECIALIST, ContractHolder

if TYPE_CHECKING:
    from commissioning.agents.provider import Provider

    from .model import CommissioningModel


def check_solvency(model: CommissioningModel, week: int) -> None:
    """Exit every provider past its overdraft limit (holders last: they inherit)."""
    failing = [org for org in model.providers if org.active and org.is_insolvent()]
    failing.sort(key=lambda org: org.role == HOLDER)
    for org in failing:
        exit_provider(model, org, week)


def exit_provider(model: CommissioningModel, org: Provider, week: int) -> None:
    c = model.claimants
    org.exit(week)
    model.accounts.active[org.index] = False
    model.exits.append((week, org.name, org.kind))
    followed = np.isin(c.status, (SEARCHING, IN_WORK, IN_WORK_AFTER))

    if org.role == SPECIALIST:
        mine = np.flatnonzero(c.episode_provider == org.index)
        c.episode_provider[mine] = -1
        c.episode_barrier[mine] = -1
        c.episode_end[mine] = -1
        c.queued_at[mine] = -1
        model.in_episode[org.index] = 0
    elif org.role == HOLDER:
        _pass_contract(model, org, followed)
    else:
        mine = np.flatnonzero(followed & (c.case_holder == org.index))
        c.case_holder[mine] = c.contract_holder[mine]
        orphaned = mine[~model.accounts.active[c.contract_holder[mine]]]
        c.status[orphaned] = LEFT  # no contract holder left to take them
        if isinstance(org.contract_holder, ContractHolder) and org in \
                org.contract_holder.case_holders:
            org.contract_holder.case_holders.remove(org)
    model.refresh_networks()


def _pass_contract(model: CommissioningModel, org: ContractHolder, followed: np.ndarray) -> None:
    c = model.claimants
    survivors = [h for h in model.holders if h.active and h is not org]
    mine = followed & (c.contract_holder == org.index)
    if not survivors:
        c.status[mine] = LEFT
        return
    heir = max(survivors, key=lambda h: (h.cash, -h.index))
    held_in_house = mine & (c.case_holder == org.index)
    c.case_holder[held_in_house] = heir.index
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

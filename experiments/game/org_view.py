"""What an organisation sees at the start of a turn: its money, its claimants, its work.

Built for every role once a turn has run (under the room's lock), and then only read:
a pupil's screen shows its organisation's view without touching the model, so pupils'
pages never wait for a turn to finish and never see a week half-run. "This quarter"
is the turn just played.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commissioning.agents.claimant import IN_WORK, SEARCHING
from commissioning.agents.provider import CASE_HOLDER, HOLDER, SPECIALIST
from commissioning.model import CommissioningModel

from .roles import Role
from .words import money, plural

CLASSES = ("0-1 barriers", "2 barriers", "3+ barriers")


class Marks:
    """Running totals at the start of a turn, so a view can say what happened in it."""

    def __init__(self, model: CommissioningModel):
        acc = model.accounts
        self.week = model.week
        self.revenue = acc.revenue.copy()
        self.costs = acc.costs.sum(axis=1)
        self.received = model.cases_received.copy()
        self.episodes = model.episodes_started.copy()
        self.referred_in = model.referrals_matrix.sum(axis=0)
        self.passed_on = model.referrals_matrix.sum(axis=1) - model.referrals_matrix[
            np.arange(len(model.orgs)), np.arange(len(model.orgs))]
        self.paid = acc.commissioner_paid
        self.referrals = model.tally.referrals
        self.job_outcomes = int(model.tally.jo_group.sum())


@dataclass(frozen=True)
class ClaimantRow:
    """A case holder's claimants with some barriers: how many, and how they are helped."""

    label: str
    held: int
    parked: int
    light: int
    intensive: int
    with_specialist: int
    in_work: int


@dataclass(frozen=True)
class OrgView:
    """One organisation's screen for one turn."""

    role: Role
    week: int
    active: bool
    status: str
    cash: float
    facts: tuple[tuple[str, str, str], ...]  # (what, value, a sentence more)
    claimants: tuple[ClaimantRow, ...] = field(default=())


def _claimant_table(model: CommissioningModel) -> np.ndarray:
    """[organisation, barrier class, (held, parked, light, intensive, specialist, in work)]."""
    c = model.claimants
    lo, hi = model._lo, model._hi
    ids = np.arange(lo, hi)
    status = c.status[lo:hi]
    on = (status == SEARCHING) | (status == IN_WORK)
    ids, status = ids[on], status[on]
    n = len(model.orgs)
    key = c.case_holder[ids].astype(np.int64) * 3 + c.barrier_class[ids]
    searching = status == SEARCHING
    specialist = c.episode_provider[ids] >= 0
    columns = (np.ones(len(ids), bool), searching & (c.support[ids] == 0) & ~specialist,
               searching & (c.support[ids] == 1), searching & (c.support[ids] == 2),
               searching & specialist, status == IN_WORK)
    out = np.zeros((n * 3, len(columns)), np.int64)
    for k, column in enumerate(columns):
        out[:, k] = np.bincount(key[column], minlength=n * 3)
    return out.reshape(n, 3, len(columns))


def views(model: CommissioningModel, roles: list[Role], marks: Marks,
          fate: dict[int, str]) -> dict[int, OrgView]:
    """Every role's view now ("this quarter": since `marks`)."""
    acc = model.accounts
    table = _claimant_table(model)
    outcomes = np.bincount(model.claimants.case_holder[model.claimants.job_outcome_week >= 0]
                           .astype(np.int64), minlength=len(model.orgs))
    out = {}
    for role in roles:
        i = role.index
        org = model.orgs[i]
        if i == 0:
            out[i] = _commissioner(model, role, marks)
            continue
        active = org.active
        status = "Delivering" if active else fate.get(i, "Gone")
        room = org.cash + org.overdraft_limit
        weeks = int(room / max(org.operating_cost, 1e-9))
        facts = [
            ("Cash", money(org.cash), "below zero is your overdraft"),
            ("Before you go bust", money(room), f"about {plural(weeks, 'week')} of running "
             f"costs; your overdraft limit is {money(org.overdraft_limit)}"),
            ("Paid to you this quarter", money(acc.revenue[i] - marks.revenue[i]), ""),
            ("Spent this quarter", money(acc.costs[i].sum() - marks.costs[i]), ""),
            ("Owed to you", money(acc.receivable[i]), "earned, still to be paid"),
            ("You owe others", money(acc.payable[i]), ""),
        ]
        rows: tuple[ClaimantRow, ...] = ()
        if org.role == HOLDER:
            from_commissioner = model.referrals_matrix[0, i]
            facts.append(("Claimants referred to you so far", f"{int(from_commissioner):,}",
                          ""))
            passed = model.referrals_matrix[i].sum() - model.referrals_matrix[i, i]
            facts.append(("Passed to your case holders this quarter",
                          f"{int(passed - marks.passed_on[i]):,}", ""))
        if org.role == CASE_HOLDER or (org.role == HOLDER and org.capacity > 0):
            facts.append(("New claimants this quarter",
                          f"{int(model.cases_received[i] - marks.received[i]):,}", ""))
            facts.append(("Job outcomes so far", f"{int(outcomes[i]):,}",
                          "claimants of yours who kept a job long enough to be paid for"))
            rows = tuple(ClaimantRow(CLASSES[k], *map(int, table[i, k])) for k in range(3))
        if org.role == SPECIALIST:
            waiting = int(((model.claimants.episode_provider == i)
                           & (model.claimants.episode_end < 0)).sum())
            facts.append(("Places staffed", f"{model.staffed[i]:.1f}",
                          f"of {model.capacity[i]:.1f} contracted"))
            facts.append(("In treatment now / waiting", f"{int(model.in_episode[i])} / {waiting}",
                          ""))
            facts.append(("Referrals to you this quarter",
                          f"{int(model.referrals_matrix[:, i].sum() - marks.referred_in[i]):,}",
                          ""))
            facts.append(("Episodes started this quarter",
                          f"{int(model.episodes_started[i] - marks.episodes[i])}",
                          f"{int(model.episodes_started[i])} so far"))
        out[i] = OrgView(role, model.week, active, status, org.cash, tuple(facts), rows)
    return out


def _commissioner(model: CommissioningModel, role: Role, marks: Marks) -> OrgView:
    acc, t = model.accounts, model.tally
    jo = int(t.jo_group.sum())
    facts = (
        ("Paid so far", money(acc.commissioner_paid), ""),
        ("Paid this quarter", money(acc.commissioner_paid - marks.paid), ""),
        ("Claimants referred so far", f"{t.referrals:,}", f"of {model.claimants.n:,}"),
        ("Job outcomes so far", f"{jo:,}", f"{jo - marks.job_outcomes:,} this quarter"),
        ("Cost per job outcome so far", money(acc.commissioner_paid / jo) if jo else "–", ""),
        ("Providers gone bust / left their contracts",
         f"{len(model.exits)} / {len(model.withdrawals)}", ""),
    )
    return OrgView(role, model.week, True, "Paying for the programme", 0.0, facts)

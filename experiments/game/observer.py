"""Watching a run week by week: what a class should hear about, and each claimant's story.

The game steps its model one week at a time through `Observer.step`, which notes:

- **events** for the teacher's log: an organisation running out of cash or leaving its
  contract, and where its claimants went ("L1 end-to-end 1, a charity, ran out of cash
  in week 40; its 23 claimants passed to Prime A"), the first job outcome, a new
  contract year;
- for every claimant, the first week they started a job, and the first week their
  **no-programme self** found work (the model runs that world alongside, on the same
  random numbers, but keeps no week): the debrief's stories need both.

The replays of the debrief are stepped through an Observer too, so every run's stories
are told the same way. Observing reads the model; it never changes it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from commissioning.agents.claimant import IN_WORK, IN_WORK_AFTER, SEARCHING
from commissioning.agents.provider import HOLDER, SPECIALIST
from commissioning.model import CommissioningModel

from .words import plural

FOLLOWED = (SEARCHING, IN_WORK, IN_WORK_AFTER)


@dataclass(frozen=True)
class Event:
    """Something that happened, for the class's log."""

    week: int
    text: str
    kind: str = "news"  # news | bust | left | decision | turn


def _who(org) -> str:
    return f"{org.name}, a charity," if getattr(org, "third_sector", False) else org.name


class Observer:
    """Steps a model a week at a time and keeps what the game tells about it."""

    def __init__(self, model: CommissioningModel):
        n = model.claimants.n
        self.cf_found_week = np.full(n, -1, np.int32)
        self.first_start_week = np.full(n, -1, np.int32)
        self.events: list[Event] = []
        self.fate: dict[int, str] = {}  # organisation row -> what became of it
        self._first_outcome = False

    def step(self, model: CommissioningModel) -> None:
        """Run one week of the model and note what happened in it."""
        c = model.claimants
        week = model.week  # the week about to run (weeks done so far)
        case_holder, contract_holder = c.case_holder.copy(), c.contract_holder.copy()
        episode = c.episode_provider.copy()
        exits, withdrawals = len(model.exits), len(model.withdrawals)
        model.step()
        lo, hi = model._lo, model._hi
        found = np.flatnonzero(c.cf_in_work[lo:hi] & (self.cf_found_week[lo:hi] < 0)) + lo
        self.cf_found_week[found] = week
        started = np.flatnonzero((c.job_starts[lo:hi] > 0) & (self.first_start_week[lo:hi] < 0))
        self.first_start_week[started + lo] = week
        if not self._first_outcome and model.tally.jo_group.sum() > 0:
            self._first_outcome = True
            self.events.append(Event(week, f"Week {week}: the first job outcome. Someone has "
                                     "kept a job long enough for it to be paid for."))
        for k, (_, name, _) in enumerate(model.exits[exits:] + model.withdrawals[withdrawals:]):
            left = k >= len(model.exits) - exits
            org = model.orgs[model.decisions.by_name[name]]
            text = self._hand_on(model, org, case_holder, contract_holder, episode)
            what = "left its contract" if left else "ran out of cash"
            fate = f"{what.capitalize()} in week {week}"
            self.fate[org.index] = fate + (f"; {text}" if text else "")
            self.events.append(Event(week, f"Week {week}: {_who(org)} {what}"
                                     + (f"; {text}." if text else "."),
                                     "left" if left else "bust"))
        if (week + 1) % 52 == 0 and week + 1 < model.p["weeks"]:
            self.events.append(Event(week + 1, f"Week {week + 1}: contract year "
                                     f"{(week + 1) // 52 + 1} begins."))

    @staticmethod
    def _hand_on(model: CommissioningModel, org, case_holder: np.ndarray,
                 contract_holder: np.ndarray, episode: np.ndarray) -> str:
        """Where an organisation's claimants went when it left."""
        c = model.claimants
        if org.role == SPECIALIST:
            waiting = int((episode == org.index).sum())
            return (f"{plural(waiting, 'person')} waiting or in treatment lost their place"
                    .replace("persons", "people") if waiting else "")
        followed = np.isin(c.status, FOLLOWED)
        column = contract_holder if org.role == HOLDER else case_holder
        ids = np.flatnonzero((column == org.index) & followed)
        if not len(ids):
            return ""
        now = c.contract_holder[ids] if org.role == HOLDER else c.case_holder[ids]
        to = Counter(model.orgs[int(i)].name for i in now if i >= 0)
        where = " and ".join(name for name, _ in to.most_common(2))
        what = "contract and claimants" if org.role == HOLDER else "claimants"
        return f"its {plural(len(ids), 'claimant')} passed to {where}" if org.role != HOLDER \
            else f"its {what} ({len(ids)}) passed to {where}"

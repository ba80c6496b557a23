"""Roles: the model's organisations, as a class can play them.

Every organisation that holds a contract is a role: the commissioner, the contract
holders (primes, or partnerships), the case holders (tier-1 subcontractors, large
providers, local providers) and the specialists on some contract holder's list. A
specialist on no list (named in a bid, never used) has nothing to decide and is no role.

Roles are given out in an order that makes a small class see the story first: a
contract holder, then a charity it pays, then the commissioner, a charity specialist,
another case holder, another specialist, and round again. With two pupils, one is
Prime A and the other a charity whose money comes through Prime A.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import zip_longest

from commissioning.agents.provider import CASE_HOLDER, HOLDER, SPECIALIST
from commissioning.model import CommissioningModel
from commissioning.model.parameters import BARRIERS


@dataclass(frozen=True)
class Role:
    """One organisation a pupil can play."""

    index: int  # the organisation's row in the model
    name: str  # the model's name: "Prime A", "L1 end-to-end 1", "commissioner"
    kind: str  # what it is, in plain words: "prime contractor", "charity, tier 1", ...
    about: str  # one sentence: what it does and how it is paid

    @property
    def title(self) -> str:
        """"Prime A (prime contractor)"; the commissioner is just that."""
        return f"The {self.kind}" if self.index == 0 else f"{self.name} ({self.kind})"


def describe(model: CommissioningModel, index: int) -> tuple[str, str]:
    """An organisation's kind and what it does, in plain words."""
    org = model.orgs[index]
    two_tier = model.p["regime"] == "two_tier"
    if index == 0:
        return ("commissioner (DWP)" if two_tier else "commissioner (the devolved body)",
                "You pay for the programme: attachment fees when people start, and job "
                "outcome fees when their jobs last. You set the prices each contract year.")
    role, charity = org.role, getattr(org, "third_sector", False)
    if role == HOLDER:
        if org.kind == "prime":
            return ("prime contractor", "You hold the contract for the whole area, keep some "
                    "claimants in your own team and pass the rest to subcontractors, keeping "
                    "a management fee of what DWP pays for them.")
        return ("local partnership", f"You hold the contract for locality {org.locality + 1}, "
                "send each claimant to a local provider and pay specialists for the help "
                "their barriers need, within your budget.")
    if role == CASE_HOLDER:
        if org.kind == "large_provider":
            return ("large provider", "You hold claimants' cases for the local partnerships, "
                    "paid a share of what they are paid for your claimants.")
        payer = org.contract_holder.name if org.contract_holder is not None else "—"
        kind = ("charity, tier-1 subcontractor" if charity else "tier-1 subcontractor") \
            if two_tier else ("local charity" if charity else "local provider")
        return (kind, f"You hold claimants' cases in locality {org.locality + 1} and choose "
                f"how much support each gets; {payer} passes you a share of what it is paid "
                "for them, weeks later.")
    barrier = BARRIERS[org.barrier]
    kind = f"charity, {barrier} specialist" if charity else f"{barrier} specialist"
    return (kind, f"You help people in locality {org.locality + 1} with {barrier} problems in "
            "8-week episodes, paid a fee for each episode; your staff cost money every week, "
            "busy or not.")


def roles_for(model: CommissioningModel) -> list[Role]:
    """Every playable organisation, in the order roles are given out."""
    holders = [h.index for h in model.holders]
    holder_rank = {h: k for k, h in enumerate(holders)}

    def payer_rank(o) -> int:
        h = getattr(o, "contract_holder", None)
        return holder_rank.get(h.index, len(holders)) if h is not None else len(holders)

    case = [o for o in model.providers if o.role == CASE_HOLDER]
    specs = [o for o in model.providers if o.role == SPECIALIST and model.contracted[o.index]]
    groups = [
        holders,
        [o.index for o in sorted((o for o in case if o.third_sector),
                                 key=lambda o: (payer_rank(o), o.index))],
        [0],
        [o.index for o in specs if o.third_sector],
        [o.index for o in sorted((o for o in case if not o.third_sector),
                                 key=lambda o: (payer_rank(o), o.index))],
        [o.index for o in specs if not o.third_sector],
    ]
    order = [i for layer in zip_longest(*groups) for i in layer if i is not None]
    out = []
    for i in order:
        kind, about = describe(model, i)
        out.append(Role(i, model.orgs[i].name if i else "commissioner", kind, about))
    return out

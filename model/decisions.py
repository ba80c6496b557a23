"""Decisions taken in place of an organisation's own rule: what the Commissioning Game plays.

Every organisation in the model decides by a rule: a case holder chooses support by
expected value, a specialist takes work below cost only as far as its mission and cash
carry it, a prime's management share is its contract's, and so on. A player (or a
scenario file's `[[decisions]]`) can take one of those decisions instead, for one
organisation, from a given week. This module is the one place that happens: a table of
decisions taken, and the hooks the weekly processes consult. A decision not taken leaves
the rule in charge; with none taken every hook hands back what the rule chose, so a run
is bit-identical to one without this module.

The decision points, by who takes them (values in the model's own units):

- the commissioner: `outcome_price` and `attachment_price`, multiples of the scenario's
  prices paid from the week decided (a new contract year's prices);
- a contract holder (a prime or a partnership): `outcome_pass_through` (one minus its
  management fee), `attachment_pass_through`, `specialist_fee` (£ an episode),
  `referral_rule`, `in_house_selection`, `case_holder_shares` (how many claimants each
  of its case holders gets, relative to its places), `key_worker`,
  `employer_engagement`, `in_work_support` (whether it buys them), and
  `specialist_referrals` when it refers by assessed need;
- a case holder (tier 1, a large provider, a prime's in-house team): `support_easy`,
  `support_middle`, `support_hard` (support for claimants with 0-1, 2, 3+ barriers),
  `specialist_referrals` when its contract holder leaves that to case holders, and
  `contract` (stay or leave at the half-yearly review);
- a specialist: `accept_referrals`, `staffed_share` (places staffed, as a share of
  those contracted) and `contract`.

Every decision also takes the value "rule": back to the organisation's own rule. What
is physical stays: a provider short of cash still cannot pay for support or episodes
(they are cut as the rule's are), and an organisation that has gone takes no decision.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from commissioning.agents.provider import CASE_HOLDER, HOLDER, SPECIALIST

from .parameters import IN_HOUSE_SELECTION, REFERRAL_RULES, Param
from .scenario import ScenarioError, check_value

if TYPE_CHECKING:
    from .model import CommissioningModel

RULE = "rule"
SUPPORT_LEVELS = ("minimal", "light", "intensive")  # the support_decisions levels, in order
REFERRAL_CHOICES = ("everyone", "three_or_more_barriers", "nobody")
ACCEPT_CHOICES = ("all", "paying", "none")
CONTRACT_CHOICES = ("stay", "leave")
SERVICES = ("key_worker", "employer_engagement", "in_work_support")
MAX_SHARE_WEIGHT = 10.0

# Who can take a decision (see `takes`).
BY_COMMISSIONER, BY_HOLDER, BY_CASE_HOLDER, BY_SPECIALIST, BY_SMALL, BY_REFERRER = (
    "commissioner", "contract holder", "case holder", "specialist", "small provider",
    "referrer")
_G = "the Commissioning Game (issue 17)"


def _decision(name: str, unit: str, doc: str, kind: str = "float", low: float = -math.inf,
              high: float = math.inf, choices: tuple[str, ...] = ()) -> Param:
    return Param(name, "decisions", RULE, unit, doc, _G, kind, low, high, choices)


#: Every decision, checked like a scenario value (`check_value`), and who takes it.
DECISIONS: dict[str, tuple[Param, str]] = {
    "outcome_price": (_decision(
        "outcome_price", "multiple of the scenario's prices",
        "Job outcome and sustainment fees paid from this week on.", low=0.0, high=5.0),
        BY_COMMISSIONER),
    "attachment_price": (_decision(
        "attachment_price", "multiple of the scenario's prices",
        "Attachment (and service) fees paid from this week on.", low=0.0, high=5.0),
        BY_COMMISSIONER),
    "outcome_pass_through": (_decision(
        "outcome_pass_through", "share", "Share of outcome payments passed to the case "
        "holder (one minus the management fee).", low=0.0, high=1.0), BY_HOLDER),
    "attachment_pass_through": (_decision(
        "attachment_pass_through", "share", "Share of attachment and service fees passed "
        "to the case holder.", low=0.0, high=1.0), BY_HOLDER),
    "specialist_fee": (_decision(
        "specialist_fee", "£ per episode", "What the holder's chain pays a specialist for "
        "an episode.", low=0.0, high=100_000.0), BY_HOLDER),
    "referral_rule": (_decision(
        "referral_rule", "-", "Who buys specialist episodes: case holders by expected "
        "value, or the holder by assessed need.", "choice", choices=REFERRAL_RULES), BY_HOLDER),
    "in_house_selection": (_decision(
        "in_house_selection", "-", "Which new claimants a prime keeps in house.", "choice",
        choices=IN_HOUSE_SELECTION), BY_HOLDER),
    "case_holder_shares": (_decision(
        "case_holder_shares", "weight", "New claimants sent to each case holder, relative "
        "to its places (1 as planned, 0 none).", low=0.0, high=MAX_SHARE_WEIGHT), BY_HOLDER),
    **{name: (_decision(name, "-", f"Whether the holder buys {name.replace('_', ' ')} for "
                        "its claimants.", "bool"), BY_HOLDER) for name in SERVICES},
    "specialist_referrals": (_decision(
        "specialist_referrals", "-", "Which claimants with an untreated barrier are "
        "referred to a specialist (within what the payer can pay).", "choice",
        choices=REFERRAL_CHOICES), BY_REFERRER),
    **{f"support_{who}": (_decision(
        f"support_{who}", "-", f"Support for claimants with {bars} barriers.", "choice",
        choices=SUPPORT_LEVELS), BY_CASE_HOLDER)
       for who, bars in (("easy", "0-1"), ("middle", "2"), ("hard", "3 or more"))},
    "accept_referrals": (_decision(
        "accept_referrals", "-", "Which referrals a specialist takes: all, those whose "
        "income covers the episode's variable cost, or none.", "choice",
        choices=ACCEPT_CHOICES), BY_SPECIALIST),
    "staffed_share": (_decision(
        "staffed_share", "share", "Places staffed, as a share of those contracted (staff "
        "follow over the adjustment weeks).", low=0.0, high=1.0), BY_SPECIALIST),
    "contract": (_decision(
        "contract", "-", "At the half-yearly contract review: stay whatever the loss, or "
        "leave.", "choice", choices=CONTRACT_CHOICES), BY_SMALL),
}


@dataclass(frozen=True)
class Decision:
    """One decision: from `week` on, `organisation` decides `name` = `value`."""

    week: int
    organisation: str
    name: str
    value: Any
    where: str = field(default="", compare=False)  # for messages: file and entry


def check_decision(name: str, value: Any, source: str, key: str) -> Any:
    """A decision's value checked like a scenario value (raises ScenarioError)."""
    if name not in DECISIONS:
        raise ScenarioError(source, key, "a decision: " + ", ".join(DECISIONS))
    if value == RULE:
        return RULE
    param = DECISIONS[name][0]
    if name == "case_holder_shares":
        if not isinstance(value, dict) or not value:
            raise ScenarioError(source, key, "a table of case holders' names and weights "
                                f"from 0 to {MAX_SHARE_WEIGHT:g}", value)
        out = {}
        for org, weight in value.items():
            out[str(org)] = check_value(Param(name, "decisions", 1.0, "weight", "", _G,
                                              "float", 0.0, MAX_SHARE_WEIGHT),
                                        weight, source, f"{key}.{org}")
        return out
    return check_value(param, value, source, key)


def check_schedule(raw: Any, source: str) -> tuple[Decision, ...]:
    """A scenario file's `[[decisions]]`: tables of week, organisation and decisions."""
    if not isinstance(raw, list):
        raise ScenarioError(source, "decisions", "[[decisions]] tables: week, organisation "
                            "and the decisions taken", raw)
    out = []
    for k, entry in enumerate(raw):
        where = f"decisions[{k}]"
        if not isinstance(entry, dict):
            raise ScenarioError(source, where, "a table (week, organisation, decisions)", entry)
        week, org = entry.get("week"), entry.get("organisation")
        if isinstance(week, bool) or not isinstance(week, int) or not 0 <= week <= 2000:
            raise ScenarioError(source, f"{where}.week", "a whole number of weeks from 0 "
                                "to 2,000", week)
        if not isinstance(org, str) or not org:
            raise ScenarioError(source, f"{where}.organisation", "an organisation's name", org)
        names = [n for n in entry if n not in ("week", "organisation")]
        if not names:
            raise ScenarioError(source, where, "at least one decision: " + ", ".join(DECISIONS))
        for name in names:
            value = check_decision(name, entry[name], source, f"{where}.{name}")
            out.append(Decision(week, org, name, value, f"{source}: {where}.{name}"))
    return tuple(out)


def takes(model: CommissioningModel, index: int, name: str) -> bool:
    """Whether organisation `index` takes decision `name` (in this model, now)."""
    org = model.orgs[index]
    who = DECISIONS[name][1]
    role = getattr(org, "role", None)
    holds_cases = role == CASE_HOLDER or (role == HOLDER and org.capacity > 0)
    if who == BY_COMMISSIONER:
        return index == 0
    if who == BY_HOLDER:
        if name == "in_house_selection":
            return role == HOLDER and org.capacity > 0
        return role == HOLDER
    if who == BY_CASE_HOLDER:
        return holds_cases
    if who == BY_SPECIALIST:
        return role == SPECIALIST
    if who == BY_SMALL:
        return bool(model.small_provider[index])
    # BY_REFERRER: whoever decides specialist referrals for some claimants.
    if role == HOLDER and model.need_rule[index]:
        return True
    holders = [org.contract_holder] if role == CASE_HOLDER else [org] if role == HOLDER else []
    return holds_cases and any(h is not None and not model.need_rule[h.index]
                               for h in holders)


class Decisions:
    """The decisions taken in one model, and the hooks its weekly processes consult."""

    def __init__(self, model: CommissioningModel, schedule: Iterable[Decision] = ()):
        self.model = model
        self.pending: list[Decision] = []  # in the order given; applied when due
        self.applied: list[Decision] = []  # what was applied, when (for a scenario file)
        self.by_name = {o.name: o.index for o in model.orgs}
        self._original: dict[tuple[int, str], Any] = {}
        # Hook tables: None until a decision of that kind is taken (the rule's fast path).
        self._support: np.ndarray | None = None  # [org, barrier class] level, -1 rule
        self._referrals: np.ndarray | None = None  # [org] 0 rule, 1.. REFERRAL_CHOICES
        self._accept: np.ndarray | None = None  # [org] 0 rule, 1.. ACCEPT_CHOICES
        self._staffed: dict[int, float] = {}
        self._contract: dict[int, str] = {}
        self._shares: dict[int, dict[int, float]] = {}  # holder -> case holder -> weight
        self._services: dict[int, set[str]] = {}  # holder -> services it decides
        self._prices = {"outcome_price": 1.0, "attachment_price": 1.0}
        for d in schedule:
            self.schedule(d)

    # --- taking decisions -----------------------------------------------------------

    def schedule(self, decision: Decision) -> None:
        """Check a decision against this model and keep it until its week comes.

        Raises ScenarioError for an unknown organisation, or a decision this
        organisation does not take.
        """
        index = self.resolve(decision)
        if decision.name == "case_holder_shares" and decision.value != RULE:
            options = {o.name for o in self.model.orgs[index].case_holders}
            for name in decision.value:
                if name not in options:
                    raise ScenarioError(*self._where(decision), "a case holder of "
                                        f"{decision.organisation}: " + ", ".join(sorted(options)),
                                        name)
        self.pending.append(decision)

    def resolve(self, decision: Decision) -> int:
        """The organisation's row; raises ScenarioError if it cannot take this decision."""
        index = self.by_name.get(decision.organisation)
        source, key = self._where(decision)
        if index is None:
            raise ScenarioError(source, key.rpartition(".")[0] + ".organisation" if "." in key
                                else "organisation", "an organisation of this scenario, e.g. "
                                + ", ".join(list(self.by_name)[1:4]), decision.organisation)
        if not takes(self.model, index, decision.name):
            raise ScenarioError(source, key, f"a decision {decision.organisation} takes "
                                f"({decision.name} is a {DECISIONS[decision.name][1]}'s)")
        return index

    @staticmethod
    def _where(decision: Decision) -> tuple[str, str]:
        source, _, key = (decision.where or "decision: " + decision.name).partition(": ")
        return source, key or decision.name

    def start_week(self, week: int) -> None:
        """Apply the decisions due by this week (called first thing in a week)."""
        if not self.pending:
            return
        due = [d for d in self.pending if d.week <= week]
        if not due:
            return
        self.pending = [d for d in self.pending if d.week > week]
        for d in due:
            index = self.by_name[d.organisation]
            if index and not self.model.orgs[index].active:
                continue  # gone: it decides nothing any more
            self._apply(index, d.name, d.value)
            self.applied.append(Decision(week, d.organisation, d.name, d.value))

    def current(self, index: int, name: str) -> Any:
        """The value a decision has now: the decision taken, else the rule's ("rule")."""
        for d in reversed(self.applied):
            if d.name == name and self.by_name[d.organisation] == index:
                return d.value
        return RULE

    def _keep_original(self, index: int, name: str, value: Any) -> Any:
        return self._original.setdefault((index, name), value)

    def _apply(self, i: int, name: str, value: Any) -> None:
        m = self.model
        org = m.orgs[i]
        rule = value == RULE
        if name in self._prices:
            self._prices[name] = 1.0 if rule else float(value)
            self._set_prices()
        elif name in ("outcome_pass_through", "attachment_pass_through", "specialist_fee"):
            array = getattr(m, name)
            original = self._keep_original(i, name, float(array[i]))
            array[i] = original if rule else float(value)
        elif name == "referral_rule":
            need = org.decides_specialist_referrals() if rule else value == "assessed_need"
            m.need_rule[i] = need
            m.assessment_cost[i] = m.p["assessment_cost"] if need else 0.0
        elif name == "in_house_selection":
            original = self._keep_original(i, name, org.in_house_selection)
            org.in_house_selection = original if rule else value
        elif name == "case_holder_shares":
            if rule:
                self._shares.pop(i, None)
            else:
                self._shares[i] = {self.by_name[n]: float(w) for n, w in value.items()}
            m._case_options.clear()
        elif name in SERVICES:
            self._set_service(i, name, None if rule else bool(value))
        elif name == "specialist_referrals":
            self._referrals = self._table(self._referrals, i, REFERRAL_CHOICES, value)
        elif name == "accept_referrals":
            self._accept = self._table(self._accept, i, ACCEPT_CHOICES, value)
        elif name.startswith("support_"):
            if self._support is None:
                self._support = np.full((len(m.orgs), 3), -1, np.int8)
            cls = ("support_easy", "support_middle", "support_hard").index(name)
            self._support[i, cls] = -1 if rule else SUPPORT_LEVELS.index(value)
            if (self._support < 0).all():
                self._support = None
        elif name == "staffed_share":
            if rule:
                self._staffed.pop(i, None)
            else:
                self._staffed[i] = float(value)
        elif name == "contract":
            if rule:
                self._contract.pop(i, None)
            else:
                self._contract[i] = value
        else:  # pragma: no cover - DECISIONS and this list are kept together
            raise AssertionError(name)

    def _table(self, table: np.ndarray | None, i: int, choices: tuple[str, ...],
               value: Any) -> np.ndarray | None:
        if table is None:
            table = np.zeros(len(self.model.orgs), np.int8)
        table[i] = 0 if value == RULE else choices.index(value) + 1
        return table if table.any() else None

    def _set_prices(self) -> None:
        """The commissioner's prices as multiples of the scenario's, for payments from now."""
        from .payment_rules import PaymentSchedule

        m = self.model
        out, attach = self._prices["outcome_price"], self._prices["attachment_price"]
        m.payments = PaymentSchedule(m.p, m._forecast_mix(), outcome_scale=out,
                                     attachment_scale=attach)
        m.outcome_stream_value = m.payments.outcome_stream_value(m.job_survival)

    def _set_service(self, i: int, name: str, buys: bool | None) -> None:
        from .integration_services import _update_effects

        m = self.model
        s = SERVICES.index(name)
        taken = self._services.setdefault(i, set())
        if buys is None:
            taken.discard(name)
            if m.commissioned[i]:
                m.buys[i, s] = True  # the contract commissions it: back to the rule's
        else:
            taken.add(name)
            m.buys[i, s] = buys
        if not taken:
            self._services.pop(i)
        _update_effects(m)

    # --- hooks: each returns the rule's choice where no decision was taken ----------

    @property
    def sets_support(self) -> bool:
        """Whether a player has chosen a support level anywhere (`support` reads it)."""
        return self._support is not None

    def support(self, ids: np.ndarray, decider: np.ndarray, level: np.ndarray) -> np.ndarray:
        """Support levels: a case holder's chosen level by barrier class, else the rule's."""
        if self._support is None:
            return level
        chosen = self._support[decider, self.model.claimants.barrier_class[ids]]
        return np.where(chosen >= 0, chosen, level).astype(level.dtype)

    @property
    def sets_referrals(self) -> bool:
        """Whether a player has chosen whom to refer to specialists anywhere (the fused
        searching pass then keeps every candidate: `_fused_numba._in_question`)."""
        return self._referrals is not None

    def specialist_referrals(self, ids: np.ndarray, decider: np.ndarray,
                             chosen: np.ndarray) -> np.ndarray:
        """Which of these claimants the decider refers to a specialist."""
        if self._referrals is None:
            return chosen
        code = self._referrals[decider]
        hard = self.model.claimants.barrier_class[ids] == 2
        return np.where(code == 1, True, np.where(code == 2, hard, np.where(
            code == 3, False, chosen)))

    def accepted(self, provider: np.ndarray, ok: np.ndarray, paying: np.ndarray) -> np.ndarray:
        """Which referrals each specialist takes."""
        if self._accept is None:
            return ok
        code = self._accept[provider]
        return np.where(code == 1, True, np.where(code == 2, paying, np.where(
            code == 3, False, ok)))

    def staffing_target(self, target: np.ndarray) -> np.ndarray:
        """Places each specialist moves its staff towards."""
        if not self._staffed:
            return target
        for i, share in self._staffed.items():
            if self.model.orgs[i].active:
                target[i] = share * self.model.capacity[i]
        return target

    def leaves(self, index: int, losing: bool) -> bool:
        """Whether a small provider leaves its contract at this review."""
        choice = self._contract.get(index)
        return losing if choice is None else choice == "leave"

    def decides_services(self, index: int) -> bool:
        """Whether a holder has taken its integration services out of the rule's hands."""
        return index in self._services

    def case_holder_weights(self, holder: int, orgs: list[int], weights: list[float]
                            ) -> tuple[list[int], list[float]]:
        """Case holders a contract holder sends new claimants to, and their weights."""
        shares = self._shares.get(holder)
        if not shares:
            return orgs, weights
        weighted = [(o, w * shares.get(o, 1.0)) for o, w in zip(orgs, weights, strict=True)]
        kept = [(o, w) for o, w in weighted if w > 0]
        return [o for o, _ in kept], [w for _, w in kept]


def as_table(decisions: Sequence[Decision]) -> list[dict[str, Any]]:
    """Decisions as `[[decisions]]` tables: one per week and organisation, in order."""
    tables: dict[tuple[int, str], dict[str, Any]] = {}
    for d in decisions:
        entry = tables.setdefault((d.week, d.organisation),
                                  {"week": d.week, "organisation": d.organisation})
        entry[d.name] = d.value
    return list(tables.values())

"""What a pupil decides for their organisation: the model's decision points, in plain words.

Each `Choice` is one of an organisation's real decision points (`model/decisions.py`)
as a pupil sees it: a label, the value now, the range or the options, and a sentence
on what it costs and what it can earn, from the organisation's own numbers this week.
Numbers are typed (a management fee in per cent, a price in pounds) and checked like a
scenario value; options are picked from a list. `check_form` turns a submitted form
into the model's decisions, or raises `DecisionError` with one sentence for the pupil's
screen. A form is plain data (text in, decisions out): nothing typed is ever run.

A choice left as it was decides nothing new, so a pupil who does not decide keeps last
turn's choices, and one who never decides leaves the organisation's rule in charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from commissioning.agents.claimant import IN_WORK, SEARCHING
from commissioning.agents.provider import CASE_HOLDER, HOLDER, SPECIALIST
from commissioning.model import CommissioningModel
from commissioning.model.decisions import RULE, SERVICES, Decision, takes
from commissioning.model.parameters import BARRIERS, Param
from commissioning.model.scenario import ScenarioError, check_value

from .roles import Role
from .words import money, plural

MAX_TEXT = 40  # characters of a typed value kept (and quoted back in a message)
SHARE_PREFIX = "share:"
SHARES = (("0", "none"), ("0.5", "half as many"), ("1", "as planned"), ("2", "twice as many"))
STAFFING = ("0", "25", "50", "75", "100")


class DecisionError(ScenarioError):
    """A decision a pupil cannot take: which one, what was expected, what was typed."""

    def __init__(self, label: str, expected: str, got: Any = None):
        super().__init__(label, "", expected, got)


@dataclass(frozen=True)
class Choice:
    """One decision on a pupil's screen."""

    key: str  # the form's key
    label: str
    value: str  # as the form shows it now
    help: str  # what it costs and what it can earn
    kind: str = "options"  # options | number
    unit: str = ""  # numbers: "%" or "£"
    low: float = 0.0
    high: float = 0.0
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    open: bool = True  # can be changed this turn
    why_closed: str = ""

    def expected(self) -> str:
        if self.kind == "number":
            return f"a number from {_fmt(self.low)} to {_fmt(self.high)} ({self.unit})"
        return "one of: " + ", ".join(label for _, label in self.options)


def _fmt(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".").replace(",", "")


# --- the numbers a choice is explained with --------------------------------------


class Context:
    """An organisation's numbers this week, for the sentences under its choices."""

    def __init__(self, model: CommissioningModel, index: int):
        self.model, self.index = model, index
        self.org = model.orgs[index]
        c = model.claimants
        lo, hi = model._lo, model._hi
        ids = np.arange(lo, hi)
        mine = ids[(c.case_holder[lo:hi] == index) & np.isin(c.status[lo:hi],
                                                              (SEARCHING, IN_WORK))]
        self.held = np.bincount(c.barrier_class[mine], minlength=3)
        searching = mine[c.status[mine] == SEARCHING]
        self.searching = np.bincount(c.barrier_class[searching], minlength=3)
        # Claimants with a barrier a specialist could still treat: those it holds, or (a
        # contract holder deciding by need) every claimant on its contract.
        whose = c.contract_holder if model.need_rule[index] else c.case_holder
        looking = ids[(whose[lo:hi] == index) & (c.status[lo:hi] == SEARCHING)]
        self.untreated = int(((c.barriers[looking] & ~c.mitigated[looking]) > 0).sum())
        g = c.group[mine] if len(mine) else np.array([1])
        holder = getattr(self.org, "contract_holder", None)
        share = 1.0 if holder is None or holder is self.org else \
            float(model.outcome_pass_through[holder.index])
        self.outcome_value = float(np.mean(model.outcome_stream_value[g])) * share
        self.payer = holder


def _support_help(ctx: Context, cls: int) -> str:
    m = ctx.model
    cost = m.support_cost
    effect = m.support_multiplier
    who = ("0-1 barriers", "2 barriers", "3 or more barriers")[cls]
    n = int(ctx.searching[cls])
    text = (f"You hold {plural(n, 'claimant')} with {who} looking for work. Support a week "
            f"costs {money(cost[0])} minimal, {money(cost[1])} light, {money(cost[2])} "
            f"intensive; light makes a job {effect[1]:.1f} times as likely each week, "
            f"intensive {effect[2]:.1f} times. A job outcome earns you about "
            f"{money(ctx.outcome_value)}")
    if n:
        text += f"; intensive support for all {n} costs {money(n * cost[2])} a week"
    return text + ". 'Case by case' weighs the two for each person, as the model does."


def _holder_help(ctx: Context, key: str) -> str:
    m, i = ctx.model, ctx.index
    p = m.p
    value = float(np.mean(m.outcome_stream_value))
    others = [o for o in ctx.org.case_holders if o is not ctx.org and o.active]
    who = "subcontractors" if ctx.org.kind == "prime" else "partners"
    if key == "management_fee":
        fee = 1.0 - m.outcome_pass_through[i]
        thin = sum(o.cash < 8 * o.operating_cost for o in others)
        return (f"You keep this share of every job outcome and sustainment payment for "
                f"claimants your {who} hold, and pass them the rest "
                f"{plural(int(m.payment_lag[i]), 'week')} after you are paid. A job outcome "
                f"brings about {money(value)} in all: at {_fmt(100 * fee)}% you keep "
                f"{money(fee * value)}. A higher fee leaves them less cash: "
                f"{thin} of your {plural(len(others), who[:-1])} have less than 8 weeks of "
                "running costs in hand.")
    if key == "attachment_passed":
        fee = float(np.mean(m.payments.attachment(m.week // 52 + 1)))
        return (f"The commissioner pays about {money(fee)} when a claimant starts (less each "
                f"contract year). You pass this share to whoever holds the case; it is their "
                f"money for the first months, before any job outcome.")
    if key == "specialist_price":
        cost = p["specialist_episode_cost"]
        variable = cost * (1 - p["specialist_fixed_share"])
        payer = "you pay it" if m.need_rule[i] else "your case holders pay it when they refer"
        return (f"What a specialist is paid for one {p['specialist_episode_weeks']}-week "
                f"episode ({payer}). An episode costs a specialist {money(cost)}, of which "
                f"{money(variable)} is staff time it would not otherwise spend: below that, "
                "specialists without a charity's mission turn the work down.")
    if key == "referral_rule":
        return (f"Case by case: each case holder buys a specialist's help when it expects "
                "that to pay. By need: you assess every new claimant "
                f"({money(p['assessment_cost'])} each) and pay for the episodes their "
                "barriers need, within your budget.")
    if key == "in_house_selection":
        return ("Which new claimants your own team keeps: those you expect to earn most from "
                f"(the rest go to your {who}), or a fair mix.")
    if key.startswith(SHARE_PREFIX):
        org = m.orgs[m.decisions.by_name[key[len(SHARE_PREFIX):]]]
        held = int(m.caseloads()[org.index])
        if org is ctx.org:
            return f"Your own team: {plural(held, 'claimant')} now."
        cash = org.cash / max(org.operating_cost, 1e-9)
        sector = ", a charity" if org.third_sector else ""
        return (f"{plural(held, 'claimant')} now{sector}; cash for {cash:.0f} weeks of "
                "running costs.")
    service = SERVICES.index(key)
    cost = m.service_cost[service]
    effect = (p["key_worker_effect"], p["employer_engagement_effect"],
              p["in_work_support_effect"])[service]
    per = "a claimant in work" if key == "in_work_support" else "a claimant looking for work"
    what = ("job loss" if key == "in_work_support" else "the chance of a job")
    rule = "for everyone (your contract commissions it)" if m.commissioned[i] else \
        "when the payments it brings cover its cost, reviewed each quarter"
    return (f"Costs {money(cost)} a week for {per}. Its effect on {what}: x{effect:g} "
            f"(1 means no effect: no published figure measures it). The rule buys it {rule}.")


# --- the choices of each kind of organisation -------------------------------------


def _options_choice(key: str, label: str, value: Any, options: tuple[tuple[str, str], ...],
                    help_: str) -> Choice:
    return Choice(key, label, str(value), help_, options=options)


def choices_for(model: CommissioningModel, role: Role) -> list[Choice]:
    """The choices an organisation has this week, with their values now."""
    i, m = role.index, model
    org = m.orgs[i]
    if i and not org.active:
        return []
    ctx = Context(m, i)
    current = m.decisions.current
    out: list[Choice] = []
    if i == 0:
        week = m.week
        open_ = week % 52 == 0 and week < m.p["weeks"]
        next_year = (week // 52 + 1) * 52
        why = f"Prices change at the start of a contract year: next in week {next_year}."
        jsa = m.p["job_outcome_fee"]["jsa_25_plus"] * (1 - m.p["bid_discount"])
        for key, label, name, about in (
                ("outcome_price", "Job outcome fees, as % of the contract's prices",
                 "outcome_price", f"The contract's job outcome fee for a JSA claimant aged 25 "
                 f"or over is {money(jsa)}, with sustainment payments after. Higher prices "
                 "make support pay for providers, but much of what you pay buys jobs that "
                 "would have happened anyway."),
                ("attachment_price", "Attachment fees, as % of the contract's prices",
                 "attachment_price", "Paid when a claimant starts: providers' money for the "
                 "first months, before any job lasts long enough to earn an outcome fee.")):
            now = current(0, name)
            value = 100.0 if now == RULE else 100 * float(now)
            out.append(Choice(key, label, _fmt(value), about, "number", "%", 0, 300,
                              open=open_, why_closed=why))
        return out
    if org.role == HOLDER:
        pct = 100 * (1 - m.outcome_pass_through[i])
        label = ("Management fee: share of job outcome payments you keep" if org.kind == "prime"
                 else "Share of job outcome payments you keep")
        out.append(Choice("management_fee", label, _fmt(pct), _holder_help(ctx, "management_fee"),
                          "number", "%", 0, 100))
        out.append(Choice("attachment_passed", "Share of attachment fees you pass on",
                          _fmt(100 * m.attachment_pass_through[i]),
                          _holder_help(ctx, "attachment_passed"), "number", "%", 0, 100))
        out.append(Choice("specialist_price", "Price you pay a specialist for an episode",
                          _fmt(m.specialist_fee[i]), _holder_help(ctx, "specialist_price"),
                          "number", "£", 0, 5000))
        rule = "assessed_need" if m.need_rule[i] else "expected_value"
        out.append(_options_choice(
            "referral_rule", "Who decides who sees a specialist", rule,
            (("expected_value", "case holders, when it pays"),
             ("assessed_need", "you, by assessed need")), _holder_help(ctx, "referral_rule")))
        if takes(m, i, "in_house_selection"):
            out.append(_options_choice(
                "in_house_selection", "Which new claimants your own team keeps",
                org.in_house_selection, (("expected_value", "those likely to earn most"),
                                         ("random", "a fair mix")),
                _holder_help(ctx, "in_house_selection")))
        shares = current(i, "case_holder_shares")
        for case in org.case_holders:
            if not case.active or (case is org and org.capacity <= 0):
                continue
            weight = 1.0 if shares == RULE else shares.get(case.name, 1.0)
            label = ("New claimants for your own team" if case is org else
                     f"New claimants for {case.name}")
            out.append(_options_choice(SHARE_PREFIX + case.name, label, _fmt(weight), SHARES,
                                       _holder_help(ctx, SHARE_PREFIX + case.name)))
        for key in SERVICES:
            now = current(i, key)
            value = RULE if now == RULE else ("yes" if now else "no")
            label = {"key_worker": "Key workers", "employer_engagement": "Employer engagement",
                     "in_work_support": "In-work support"}[key]
            out.append(_options_choice(key, f"Buy {label.lower()}", value,
                                       ((RULE, "as the contract's rule decides"),
                                        ("yes", "buy"), ("no", "do not buy")),
                                       _holder_help(ctx, key)))
    if takes(m, i, "specialist_referrals"):
        held = (f"{plural(ctx.untreated, 'claimant')} on your contract" if m.need_rule[i] else
                f"{plural(ctx.untreated, 'claimant')} you hold")
        out.append(_options_choice(
            "specialist_referrals", "Who you refer to a specialist",
            current(i, "specialist_referrals"),
            ((RULE, "case by case (the model's rule)"), ("everyone", "everyone who needs one"),
             ("three_or_more_barriers", "only people with 3+ barriers"),
             ("nobody", "nobody")),
            f"{held[0].upper() + held[1:]} have a barrier a specialist could treat; an "
            f"episode costs {money(float(m.specialist_fee[(org.contract_holder or org).index]))}"
            " and makes a job about "
            f"{m.p['barrier_penalty'] ** (-m.p['specialist_barrier_reduction']):.1f} times as "
            "likely each week. Those referred wait for a free place, and are taken only while "
            "the payer has the cash."))
    if takes(m, i, "support_hard") and (org.role == CASE_HOLDER or org.capacity > 0):
        for cls, (key, label) in enumerate((("support_easy", "Support for people with 0-1 "
                                             "barriers"),
                                            ("support_middle", "Support for people with 2 "
                                             "barriers"),
                                            ("support_hard", "Support for people with 3+ "
                                             "barriers"))):
            out.append(_options_choice(key, label, current(i, key),
                                       ((RULE, "case by case (the model's rule)"),
                                        ("minimal", "minimal (parked)"), ("light", "light"),
                                        ("intensive", "intensive")),
                                       _support_help(ctx, cls)))
    if org.role == SPECIALIST:
        p = m.p
        cost = p["specialist_episode_cost"]
        variable = cost * (1 - p["specialist_fixed_share"])
        fees = sorted({float(m.specialist_fee[h.index]) for h in m.holders
                       if org in h.specialists})
        out.append(_options_choice(
            "accept_referrals", "Which referrals you take", current(i, "accept_referrals"),
            ((RULE, "the model's rule (below cost only as far as a mission and cash carry "
                    "it)"),
             ("all", "all of them"), ("paying", "only those that pay their way"),
             ("none", "none")),
            f"An episode takes {money(variable)} of staff time beyond the places you staff "
            f"anyway; you are paid {' or '.join(money(f) for f in fees) or '—'} for it"
            + (", plus a share of the job outcome fee if the person gets a lasting job"
               if any(m.specialist_outcome_share[h.index] > 0 for h in m.holders) else "")
            + f". Your {BARRIERS[org.barrier]} help makes a job more likely for each person "
            "you treat."))
        staffed = m.decisions.current(i, "staffed_share")
        weekly = p["specialist_fixed_share"] * cost / p["specialist_episode_weeks"]
        out.append(_options_choice(
            "staffed_share", "Places you keep staffed", RULE if staffed == RULE else
            _fmt(100 * staffed), ((RULE, "follow the work you are sent (the model's rule)"),
                                  *((s, f"{s}% of your contracted places") for s in STAFFING)),
            f"A staffed place costs {money(weekly)} a week, busy or not. You have "
            f"{m.staffed[i]:.1f} of {m.capacity[i]:.1f} contracted places staffed, "
            f"{int(m.in_episode[i])} people in treatment and "
            f"{int(((m.claimants.episode_provider == i) & (m.claimants.episode_end < 0)).sum())}"
            " waiting. Staff join or leave over a quarter."))
    if takes(m, i, "contract"):
        acc = m.accounts
        earned = acc.revenue[i] + acc.receivable[i] - m.earned_mark[i]
        spent = acc.costs[i].sum() + acc.booked_out[i].sum() - m.spent_mark[i]
        week = m.week
        review = max(51, week + (25 - week) % 26)
        out.append(_options_choice(
            "contract", "At the next contract review", current(i, "contract"),
            ((RULE, "leave if losing more than you can bear (the model's rule)"),
             ("stay", "stay, whatever it costs"), ("leave", "leave the contract")),
            f"Reviews come every half-year from the end of the first contract year (next: "
            f"the end of week {review + 1}). Since the last one you earned {money(earned)} "
            f"and spent {money(spent)}. Leaving stops your costs; "
            + ("people waiting for you lose their place." if org.role == SPECIALIST else
               "your claimants are handed on.")))
    return out


# --- a submitted form, as the model's decisions -------------------------------------


def _number(choice: Choice, text: Any) -> float:
    raw = str(text).strip()[:MAX_TEXT]
    cleaned = raw.replace("%", "").replace("£", "").replace(",", "").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise DecisionError(choice.label, choice.expected(), raw) from None
    param = Param(choice.key, "game", 0.0, choice.unit, "", "", "float", choice.low,
                  choice.high)
    try:
        return float(check_value(param, value, choice.label, ""))
    except ScenarioError:
        raise DecisionError(choice.label, choice.expected(), raw) from None


def _option(choice: Choice, value: Any) -> str:
    text = str(value)[:MAX_TEXT]
    if text not in {v for v, _ in choice.options}:
        raise DecisionError(choice.label, choice.expected(), text)
    return text


def check_form(model: CommissioningModel, role: Role, form: dict[str, Any]) -> list[Decision]:
    """The model's decisions a submitted form takes (only what changed), or DecisionError."""
    choices = {c.key: c for c in choices_for(model, role)}
    if not choices:
        raise DecisionError(role.name, "an organisation still delivering (it has gone)")
    unknown = [k for k in form if k not in choices]
    if unknown:
        raise DecisionError(str(unknown[0])[:MAX_TEXT], "a decision of "
                            f"{role.name}: " + ", ".join(c.label for c in choices.values()))
    decisions: list[Decision] = []
    week, name, i = model.week, role.name, role.index

    def take(decision: str, value: Any) -> None:
        decisions.append(Decision(week, name, decision, value))

    shares: dict[str, float] = {}
    for key, raw in form.items():
        choice = choices[key]
        if choice.kind == "number":
            value = _number(choice, raw)
            if math.isclose(value, float(choice.value), rel_tol=0, abs_tol=1e-9):
                continue
            if not choice.open:
                raise DecisionError(choice.label, choice.why_closed)
            if key == "management_fee":
                take("outcome_pass_through", 1.0 - value / 100)
            elif key == "attachment_passed":
                take("attachment_pass_through", value / 100)
            elif key == "specialist_price":
                take("specialist_fee", value)
            else:
                take(key, value / 100)
            continue
        value = _option(choice, raw)
        if key.startswith(SHARE_PREFIX):
            shares[key[len(SHARE_PREFIX):]] = float(value)
            continue
        if value == choice.value:
            continue
        if key in SERVICES:
            take(key, RULE if value == RULE else value == "yes")
        elif key == "staffed_share":
            take(key, RULE if value == RULE else float(value) / 100)
        else:
            take(key, value)
    if shares:
        now = model.decisions.current(i, "case_holder_shares")
        # Case holders that have gone since are no longer anyone's to weigh.
        before = {} if now == RULE else {k: w for k, w in now.items()
                                         if SHARE_PREFIX + k in choices}
        after = {**before, **shares}
        if any(after.get(k, 1.0) != before.get(k, 1.0) for k in after):
            take("case_holder_shares", RULE if all(w == 1.0 for w in after.values())
                 else after)
    return decisions


def describe_decision(model: CommissioningModel, decision: Decision) -> str:
    """A decision in a class's words, for the event log: "management fee 40%"."""
    v = decision.value
    if v == RULE:
        return f"{decision.name.replace('_', ' ')}: back to the model's rule"
    words = {
        "outcome_pass_through": lambda: f"management fee {_fmt(100 * (1 - v))}%",
        "attachment_pass_through": lambda: f"passes on {_fmt(100 * v)}% of attachment fees",
        "specialist_fee": lambda: f"pays specialists {money(v)} an episode",
        "outcome_price": lambda: f"job outcome fees at {_fmt(100 * v)}% of the contract's",
        "attachment_price": lambda: f"attachment fees at {_fmt(100 * v)}% of the contract's",
        "staffed_share": lambda: f"keeps {_fmt(100 * v)}% of its places staffed",
        "case_holder_shares": lambda: "new claimants: " + ", ".join(
            f"{k} {dict(SHARES).get(_fmt(w), _fmt(w))}" for k, w in v.items()),
    }
    if decision.name in words:
        return words[decision.name]()
    if decision.name in SERVICES:
        return f"{'buys' if v else 'stops buying'} {decision.name.replace('_', ' ')}"
    return f"{decision.name.replace('_', ' ')}: {str(v).replace('_', ' ')}"

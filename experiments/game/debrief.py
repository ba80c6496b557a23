"""The debrief: what a class's decisions did, against the model's own play, on the same people.

Every number compares runs with the same claimants, labour markets and random numbers
(common random numbers), so a difference between two columns is the decisions' doing,
not luck. The no-programme column is the same people again, with no programme at all
(the model runs that world alongside every run).

What the debrief says:

- a headline: job outcomes and charities against the model's own play of the class's
  scenario, and against the other design and no programme;
- a table, one column per run;
- stories of single claimants whose fate the decisions changed, or who would have found
  work anyway;
- each prediction against the results;
- each organisation a pupil played: its money at the end, against the model's play.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commissioning.model import CommissioningModel
from commissioning.model.parameters import BARRIERS, PAYMENT_GROUPS

from .predictions import Question, result
from .replays import RunRecord
from .roles import Role
from .words import money, pct, plural

NO_PROGRAMME = "No programme"
GROUP_WORDS = {"jsa_18_24": "JSA, aged 18-24", "jsa_25_plus": "JSA, aged 25+",
               "jsa_early_access": "JSA, early access", "jsa_ex_ib": "JSA, ex-incapacity",
               "esa_volunteers": "ESA, volunteer", "esa_new": "ESA, new claimant",
               "esa_ex_ib": "ESA, ex-incapacity", "ib_is_volunteers": "IB/IS, volunteer",
               "jsa_prison_leavers": "JSA, prison leaver"}


@dataclass(frozen=True)
class PredictionResult:
    question: Question
    answers: tuple[int, ...]
    yours: float  # the class's run
    model: float  # the model's own play of the same scenario


@dataclass
class Debrief:
    """Everything the debrief screen, the summary and the lesson check show."""

    title: str
    claimants: int
    seed: int
    weeks: int
    columns: tuple[str, ...]
    rows: list[tuple[str, tuple[str, ...]]]
    headline: list[str]
    stories: list[str]
    predictions: list[PredictionResult]
    organisations: list[tuple[str, str, str, str]]  # role, players, yours, the model's
    records: dict[str, RunRecord] = field(default_factory=dict)
    own: str = ""  # the label of the model's play of the class's own scenario

    def series(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Job outcomes so far, week by week, per run and with no programme."""
        out = {}
        for label, rec in self.records.items():
            w = rec.weekly
            out[label] = (w.index.to_numpy(), w["job_outcomes"].to_numpy(float))
        w = self.records[self.own].weekly
        out[NO_PROGRAMME] = (w.index.to_numpy(), (w["no_programme_outcome_rate"].fillna(0)
                                                  * w["referrals"]).to_numpy(float))
        return out


def _row(label: str, cells: list[str]) -> tuple[str, tuple[str, ...]]:
    return label, tuple(cells)


def _table(records: list[RunRecord], own: RunRecord) -> list[tuple[str, tuple[str, ...]]]:
    m = [r.metrics for r in records]
    o = own.metrics
    anyway = o["no_programme_outcome_rate"] * o["referrals"]
    rows = [
        _row("People referred", [f"{x['referrals']:,}" for x in m] + [f"{o['referrals']:,}"]),
        _row("People in a lasting job (job outcomes)",
             [f"{x['job_outcomes']:,}" for x in m] + [f"{anyway:,.0f}"]),
        _row("... who would not have found one with no programme",
             [f"{x['additional_job_outcomes']:,}" for x in m] + ["–"]),
        _row("Job outcomes, 0-1 barriers / 3+ barriers",
             [f"{pct(x['job_outcome_rate_low_barrier'])} / "
              f"{pct(x['job_outcome_rate_high_barrier'])}" for x in m] + ["–"]),
        _row("Weeks looking for work spent parked", [pct(x["parked_share"]) for x in m] + ["–"]),
        _row("Providers that ran out of cash (charities)",
             [f"{x['providers_insolvent']:,} ({x['third_sector_insolvent']:,})" for x in m]
             + ["–"]),
        _row("Providers that left their contracts",
             [f"{x['providers_withdrawn']:,}" for x in m] + ["–"]),
        _row("Paid by the commissioner", [money(x["total_spend"]) for x in m] + ["£0"]),
        _row("Paid per extra lasting job", [money(x["cost_per_additional_job_outcome"])
                                            for x in m] + ["–"]),
    ]
    return rows


def _headline(yours: RunRecord, own: RunRecord, others: list[RunRecord]) -> list[str]:
    y, o = yours.metrics, own.metrics
    who = own.label.replace("The model, ", "the model's own ")
    diff = int(y["job_outcomes"] - o["job_outcomes"])
    bust = int(y["third_sector_insolvent"] - o["third_sector_insolvent"])
    lines = []
    if diff:
        people = "person" if abs(diff) == 1 else "people"
        more = "more" if diff > 0 else "fewer"
        lines.append(f"Your decisions got {abs(diff):,} {more} {people} into a lasting job "
                     f"than {who} play would have.")
    else:
        lines.append(f"Your decisions got as many people into a lasting job as {who} play "
                     "would have.")
    if bust > 0:
        lines.append(f"They cost {plural(bust, 'charity')}: that many more ran out of cash.")
    elif bust < 0:
        lines.append(f"They saved {plural(-bust, 'charity')} that ran out of cash in the "
                     "model's play.")
    else:
        lines.append("As many charities ran out of cash as in the model's play "
                     f"({int(y['third_sector_insolvent'])}).")
    spend = y["total_spend"] - o["total_spend"]
    lines.append(f"The commissioner paid {money(abs(spend))} "
                 f"{'more' if spend >= 0 else 'less'} ({money(y['total_spend'])} in all).")
    for other in others:
        lines.append(f"{other.label.replace('The model, ', 'The model under ')} got "
                     f"{other.metrics['job_outcomes']:,} people into a lasting job, with "
                     f"{other.metrics['third_sector_insolvent']} charities running out of cash.")
    anyway = o["no_programme_outcome_rate"] * o["referrals"]
    lines.append(f"With no programme at all, {anyway:,.0f} of the same people would have found "
                 "a lasting job anyway.")
    return lines


def _claimant_words(model: CommissioningModel, i: int) -> str:
    c = model.claimants
    bars = [b for k, b in enumerate(BARRIERS) if int(c.barriers[i]) >> k & 1]
    group = GROUP_WORDS[PAYMENT_GROUPS[int(c.group[i])]]
    return (f"Claimant {i} ({group}, {plural(len(bars), 'barrier')}"
            + (f": {', '.join(bars)}" if bars else "") + f"; referred in week "
            f"{int(c.referral_week[i])})")


def _fate(rec: RunRecord, i: int) -> str:
    if rec.job_outcome_week[i] >= 0:
        return f"a lasting job (job outcome in week {int(rec.job_outcome_week[i])})"
    if rec.first_start_week[i] >= 0:
        return (f"started a job in week {int(rec.first_start_week[i])} that did not last long "
                "enough for a job outcome")
    return (f"no lasting job (parked {int(rec.weeks_parked[i])} of "
            f"{int(rec.weeks_searching[i])} weeks looking for work)")


def _stories(model: CommissioningModel, yours: RunRecord, own: RunRecord) -> list[str]:
    """A few claimants whose fate shows what the decisions did (lowest number first)."""
    c = model.claimants
    attached = c.attach_week >= 0
    mine, theirs = yours.job_outcome_week >= 0, own.job_outcome_week >= 0
    anyway = own.cf_found_week >= 0
    picks = []
    for wanted in (mine & ~theirs & ~anyway, ~mine & theirs, mine & anyway):
        ids = np.flatnonzero(wanted & attached)
        if len(ids):
            hardest = ids[np.argsort(-c.n_barriers[ids], kind="stable")][0]
            picks.append(int(hardest))
    who = own.label.replace("The model, ", "the model's own ")
    out = []
    for i in picks:
        no_programme = (f"found work in week {int(own.cf_found_week[i])} anyway"
                        if own.cf_found_week[i] >= 0 else "found no work")
        out.append(f"{_claimant_words(model, i)}: with your decisions, {_fate(yours, i)}; in "
                   f"{who} play, {_fate(own, i)}; with no programme, {no_programme}.")
    return out


def build(model: CommissioningModel, yours: RunRecord, comparisons: list[RunRecord],
          own_label: str, roles: list[Role], players: dict[int, list[str]],
          answers: dict[str, list[int]], questions: tuple[Question, ...], title: str
          ) -> Debrief:
    """The debrief of a finished game."""
    own = next(r for r in comparisons if r.label == own_label)
    records = [yours, *comparisons]
    columns = (*[r.label for r in records], NO_PROGRAMME)
    predictions = [PredictionResult(q, tuple(answers.get(q.key, [])),
                                    result(q.key, yours.metrics), result(q.key, own.metrics))
                   for q in questions]
    organisations = []
    for role in roles:
        names = players.get(role.index)
        if not names or role.index == 0:
            continue
        organisations.append((
            role.title, ", ".join(names),
            yours.fate.get(role.index, f"ended with {money(yours.net_position[role.index])}"),
            own.fate.get(role.index, f"ended with {money(own.net_position[role.index])}")))
    return Debrief(title, model.claimants.n, int(model.p["seed"]), int(model.p["weeks"]),
                   columns, _table(records, own),
                   _headline(yours, own, [r for r in comparisons if r is not own]),
                   _stories(model, yours, own), predictions, organisations,
                   {r.label: r for r in records}, own_label)

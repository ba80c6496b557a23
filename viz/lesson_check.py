"""What the lesson says a class will see, checked against the model as it is now.

The lesson plan (`docs/teaching.md`) tells a teacher what students should
notice in each guided experiment. Those sentences are only true while the
model makes them true, and the model's defaults move whenever it is
calibrated again. So here:

- `measure()` runs every experiment's settings, exactly as its button on the
  Lesson page loads them (`Experiment.build`), to the weeks the lesson names;
- `CLAIMS` are the lesson's statements about what students will see, each a
  test on those measurements (directions and rough sizes, not exact values);
- `blocks()` writes the numbers the lesson plan quotes; they sit in
  `docs/teaching.md` between `<!-- run:NAME -->` and `<!-- /run -->` lines,
  and `fill` puts fresh ones there.

The app's tests check that every claim holds and that the plan's numbers are
the ones the model gives now. After a recalibration:

    python -m commissioning.viz.lesson_check                          # which claims hold
    python -m commissioning.viz.lesson_check --write docs/teaching.md  # refresh the numbers

and reword any statement whose claim no longer holds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from commissioning.experiments.lesson_blocks import MarkedBlocks, check_lesson

from .compare_page import comparison_rows
from .lesson_material import experiments, glossary_text
from .measures import (
    MEASURE,
    extra_cost_per_extra_job,
    extra_jobs,
    first_week,
    money,
    routes_to_specialists,
    share,
    with_programme,
)
from .runs import Runs
from .settings import FOLLOWED_AT_FIRST as FOLLOWED
from .settings import Settings
from .state import settings_for
from .timeline import STORY_FIELDS, Timeline

Measurements = dict[str, float]


def _run(settings: tuple[Settings, ...], weeks: int) -> Runs:
    """The runs of an experiment's settings, to `weeks` (as its button loads them)."""
    runs = Runs(settings)
    runs.go_to(weeks)
    if runs.error:
        raise RuntimeError(runs.error)
    return runs


def measure() -> Measurements:
    """Every number the lesson's statements rest on, from runs of the experiments' settings."""
    found = {e.number: e for e in experiments()}
    built: dict[int, tuple[Settings, ...]] = {n: e.build(settings_for) for n, e in found.items()}
    out: Measurements = {}

    # 1 and 2: the Work Programme as it is (the same settings: one run serves both).
    t = _run(built[1], 156).timelines[0]
    used, total = routes_to_specialists(t, 52)
    story = dict(zip(STORY_FIELDS, t.story(FOLLOWED, 52), strict=True))
    out.update({
        "e1.first_job_outcome_week": first_week(t, "job_outcomes", 156),
        "e1.first_outcome_payment_week": first_week(t, "paid_outcome", 156),
        "e1.paid_52": t.at("total_spend", 52),
        "e1.attachment_52": t.at("paid_attachment", 52),
        "e1.routes_used_52": used, "e1.routes_52": total,
        "e1.followed_barriers": len(t.claimant(FOLLOWED).barriers),
        "e1.followed_parked_52": story["weeks_parked"],
        "e1.followed_searching_52": story["weeks_searching"],
    })
    runs2 = _run(built[2], 156)
    t2 = runs2.timelines[0]
    out.update(_outcomes("e2", t2, 156))
    out["e2.first_bust_week"] = first_week(t2, "providers_insolvent", 156)

    # 3: the job outcome fee doubled, against experiment 2 (as "Against the run before").
    t3 = _run(built[3], 156).timelines[0]
    out.update(_outcomes("e3", t3, 156))
    out["e3.extra_jobs"] = extra_jobs(t3, 156) - extra_jobs(t2, 156)
    out["e3.extra_spend"] = out["e3.spend"] - out["e2.spend"]
    out["e3.cost_per_extra_job"] = extra_cost_per_extra_job(t2, t3, 156)

    # 4: no attachment fee, then also thin charity reserves.
    t4 = _run(built[4], 156).timelines[0]
    out.update(_outcomes("e4", t4, 156))
    out["e4.first_subcontractor_bust_week"] = first_week(t4, "insolvent_subcontractor", 156)
    out["e4.first_charity_bust_week"] = first_week(t4, "insolvent_third_sector", 156)
    out["e4.first_bust_week"] = first_week(t4, "providers_insolvent", 156)
    thin = tuple(s.changed(third_sector_reserves=4) for s in built[4])
    t4r = _run(thin, 156).timelines[0]
    out["e4r.first_bust_week"] = first_week(t4r, "providers_insolvent", 156)
    out["e4r.charities_bust"] = t4r.at("insolvent_third_sector", 156)
    out["e4.charities"] = sum(o.kind == "third_sector" for o in t4r.model.providers)

    # 5 and 6: the two regimes, without and with a recession, to the end.
    for number in (5, 6):
        runs = _run(built[number], 260)
        for t, side in zip(runs.timelines, "ab", strict=True):
            name = f"e{number}{side}"
            out.update(_outcomes(name, t, 260))
            out[f"{name}.routes_used"], out[f"{name}.routes"] = routes_to_specialists(t, 260)
        if number == 5:
            out["e5.table"] = comparison_rows(runs, 260)  # type: ignore[assignment]
    return out


def _outcomes(name: str, t: Timeline, week: int) -> Measurements:
    keys = {"rate": "job_outcome_rate", "low": "job_outcome_rate_low_barrier",
            "high": "job_outcome_rate_high_barrier", "parked": "parked_share",
            "no_programme": "no_programme_outcome_rate",
            "additional_rate": "additional_job_outcome_rate", "spend": "total_spend",
            "cost_per_job_outcome": "cost_per_job_outcome", "busts": "providers_insolvent",
            "charities_bust": "insolvent_third_sector",
            "subcontractors_bust": "insolvent_subcontractor",
            "charity_share": "third_sector_share_of_spend", "referrals": "referrals",
            "job_outcomes": "job_outcomes", "paid_outcome": "paid_outcome",
            "paid_service_fee": "paid_service_fee", "paid_attachment": "paid_attachment"}
    out = {f"{name}.{short}": t.at(key, week) for short, key in keys.items()}
    out[f"{name}.paid_specialists"] = MEASURE["specialists"].value(t, week)
    out[f"{name}.with_programme"] = with_programme(t, week)
    return out


#: The lesson plan's statements about what students will see, each with its test.
CLAIMS: tuple[tuple[str, Callable[[Measurements], bool]], ...] = (
    ("1: the first job outcome comes months in (a job must last 13 or 26 weeks) and is "
     "paid later still",
     lambda o: o["e1.first_job_outcome_week"] >= 13
     and o["e1.first_outcome_payment_week"] > o["e1.first_job_outcome_week"]),
    ("1: most of the first year's money is attachment fees",
     lambda o: o["e1.attachment_52"] > 0.5 * o["e1.paid_52"]),
    ("1: after a year some routes to specialists have never been used",
     lambda o: o["e1.routes_used_52"] < o["e1.routes_52"]),
    ("1: the claimant followed at first, who has barriers to work, is parked most weeks",
     lambda o: o["e1.followed_barriers"] > 0
     and o["e1.followed_parked_52"] > 0.5 * o["e1.followed_searching_52"]),
    ("2: claimants with 3+ barriers reach less than half the job outcome rate of those "
     "with 0-1",
     lambda o: o["e2.high"] < 0.5 * o["e2.low"]),
    ("2: about half of the weeks spent looking for work were parked (40-60%)",
     lambda o: 0.4 < o["e2.parked"] < 0.6),
    ("3: doubling the job outcome fee parks fewer people and costs the commissioner more",
     lambda o: o["e3.parked"] < o["e2.parked"] and o["e3.spend"] > o["e2.spend"]),
    ("3: each extra job bought by the higher fee costs several times the average cost "
     "per job outcome",
     lambda o: o["e3.extra_jobs"] > 0
     and o["e3.cost_per_extra_job"] > 3 * o["e2.cost_per_job_outcome"]),
    ("3: job outcomes for claimants with 3+ barriers rise by less than two points",
     lambda o: o["e2.high"] <= o["e3.high"] < o["e2.high"] + 0.02),
    ("4: with no attachment fee more providers go bust, sooner",
     lambda o: o["e4.busts"] > o["e2.busts"] and o["e4.first_bust_week"] < o["e2.first_bust_week"]),
    ("4: yet the job outcome rate moves by less than a point",
     lambda o: abs(o["e4.rate"] - o["e2.rate"]) < 0.01),
    ("4: charities are the first to go",
     lambda o: not math.isnan(o["e4.first_charity_bust_week"])  # a charity goes, and no other
     and not o["e4.first_subcontractor_bust_week"] < o["e4.first_charity_bust_week"]),  # sooner
    ("4: with 4 weeks of charity reserves the first goes bust sooner, and more charities go",
     lambda o: o["e4r.first_bust_week"] < o["e4.first_bust_week"]
     and o["e4r.charities_bust"] > o["e4.charities_bust"]),
    ("5: for about the same money (within 10%), payment by results gets more people into "
     "lasting work than locality commissioning",
     lambda o: o["e5a.rate"] > o["e5b.rate"]
     and abs(o["e5b.spend"] - o["e5a.spend"]) < 0.1 * o["e5a.spend"]),
    ("5: locality commissioning parks more",
     lambda o: o["e5b.parked"] > o["e5a.parked"]),
    ("5: locality commissioning pays specialists several times as much",
     lambda o: o["e5b.paid_specialists"] > 3 * o["e5a.paid_specialists"]),
    ("5: claimants with 3+ barriers fare about the same under both (within a point)",
     lambda o: abs(o["e5a.high"] - o["e5b.high"]) < 0.01),
    ("5: more providers go bust under two-tier payment by results",
     lambda o: o["e5a.busts"] > o["e5b.busts"]),
    ("5: most job outcomes would have happened without the programme",
     lambda o: all(o[f"e5{s}.no_programme"] > 0.5 * o[f"e5{s}.rate"] for s in "ab")),
    ("6: a recession lowers job outcomes under both regimes",
     lambda o: o["e6a.rate"] < o["e5a.rate"] and o["e6b.rate"] < o["e5b.rate"]),
    ("6: and parks more people under both",
     lambda o: o["e6a.parked"] > o["e5a.parked"] and o["e6b.parked"] > o["e5b.parked"]),
    ("6: outcome payments fall with the jobs, while the service fees are paid all the same",
     lambda o: o["e6a.paid_outcome"] < o["e5a.paid_outcome"]
     and o["e6b.paid_outcome"] < o["e5b.paid_outcome"]
     and o["e6b.paid_service_fee"] == o["e5b.paid_service_fee"] > 0),
)


#: The rows of the Compare table the lesson plan quotes for experiment 5, in its order.
E5_ROWS = ("job_outcome_rate", "low", "high", "parked", "routes", "specialists",
           "charity_share", "busts", "spend", "with", "without", "added")


def failed_claims(o: Measurements) -> list[str]:
    """The statements the model does not bear out now."""
    return [text for text, holds in CLAIMS if not holds(o)]


def _pct(x: float) -> str:
    return share(x)


def _money(x: float) -> str:
    return money(x)


def _week(x: float) -> str:
    return "never" if x != x else f"week {x:.0f}"


def blocks(o: Measurements) -> dict[str, str]:
    """The numbers the lesson plan quotes, by marker name, as Markdown."""
    regimes = ("two-tier", "locality")
    _, *rows = o["e5.table"]  # the Compare page's own table at week 260
    shown = {row[0]: row for row in rows}
    table5 = ["| at week 260 | two-tier | locality |", "|---|---|---|"]
    for key in E5_ROWS:
        name, a, b = shown[MEASURE[key].name][:3]
        table5.append(f"| {name} | {a} | {b} |")
    return {
        "e1": (f"In our run the first job outcome comes in {_week(o['e1.first_job_outcome_week'])}"
               f" and is first paid in {_week(o['e1.first_outcome_payment_week'])}; by week 52 "
               f"the commissioner has paid {_money(o['e1.paid_52'])}, of which "
               f"{_money(o['e1.attachment_52'])} attachment fees; "
               f"{o['e1.routes_used_52']:.0f} of the {o['e1.routes_52']:.0f} routes to a "
               f"specialist have been used. Claimant {FOLLOWED} (followed at first) has "
               f"{o['e1.followed_barriers']:.0f} barrier(s) to work and by week 52 was parked "
               f"{o['e1.followed_parked_52']:.0f} of {o['e1.followed_searching_52']:.0f} weeks "
               "looking for work."),
        "e2": (f"In our run, at week 156: job outcomes {_pct(o['e2.low'])} for claimants with "
               f"0-1 barriers against {_pct(o['e2.high'])} for those with 3 or more; "
               f"{_pct(o['e2.parked'])} of all weeks spent looking for work were parked. "
               f"Lasting jobs: {_pct(o['e2.with_programme'])} of everyone referred with the "
               f"programme, {_pct(o['e2.no_programme'])} for the same people with no programme: "
               f"added by the programme, {100 * o['e2.additional_rate']:+.1f} points."),
        "e3": (f"In our run, at week 156, against experiment 2: parked weeks "
               f"{_pct(o['e2.parked'])} to {_pct(o['e3.parked'])}; job outcomes for 3+ barriers "
               f"{_pct(o['e2.high'])} to {_pct(o['e3.high'])}; the commissioner pays "
               f"{_money(o['e3.extra_spend'])} more for {o['e3.extra_jobs']:.0f} more lasting "
               f"jobs added by the programme, about {_money(o['e3.cost_per_extra_job'])} each "
               f"(*Against the run before*), against {_money(o['e2.cost_per_job_outcome'])} per "
               "job outcome on average."),
        "e4": (f"In our run the first provider goes bust in {_week(o['e4.first_bust_week'])} "
               f"(a charity; in experiment 2, {_week(o['e2.first_bust_week'])}); by week 156 "
               f"{o['e4.busts']:.0f} providers have gone ({o['e4.charities_bust']:.0f} of them "
               f"charities), against {o['e2.busts']:.0f} in experiment 2, while the job "
               f"outcome rate is {_pct(o['e4.rate'])} against {_pct(o['e2.rate'])}. With "
               f"charities' reserves at 4 weeks the first goes in "
               f"{_week(o['e4r.first_bust_week'])}, and {o['e4r.charities_bust']:.0f} of the "
               f"{o['e4.charities']:.0f} charities have gone by week 156."),
        "e5": "In our run:\n\n" + "\n".join(table5),
        "e6": ("In our run, at week 260 against experiment 5: job outcomes "
               + "; ".join(f"{r} {_pct(o[f'e5{s}.rate'])} to {_pct(o[f'e6{s}.rate'])}"
                           for r, s in zip(regimes, "ab", strict=True))
               + f"; outcome payments down {_money(o['e5a.paid_outcome'] - o['e6a.paid_outcome'])}"
               f" (two-tier) and {_money(o['e5b.paid_outcome'] - o['e6b.paid_outcome'])} "
               f"(locality), while locality's service fees stay at "
               f"{_money(o['e6b.paid_service_fee'])}."),
        "glossary": glossary_text().strip(),
    }


BLOCKS = MarkedBlocks("run")
fill = BLOCKS.fill
marked_names = BLOCKS.names


def main(argv: list[str] | None = None) -> int:
    return check_lesson(argv, __doc__.splitlines()[0], BLOCKS, CLAIMS, measure,
                        failed_claims, blocks)


if __name__ == "__main__":
    sys.exit(main())

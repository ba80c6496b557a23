"""Do parameters fitted on the Work Programme transfer? The devolved programmes' own figures.

Each real-programme scenario (`fair_start_scotland`, `work_and_health_programme`,
`working_well_pilot`) inherits every shared parameter from the fitted Work Programme
baseline and changes only what the programme changed. None is tuned to its outcomes:
this module runs each with replicates and sets the model's figure beside every
management-information figure DOMAIN section 5 gives for that programme, read the
same way from the run (same dates on the scenario's calendar, same denominators),
with the caveat that applies (DOMAIN 5.5: other cohorts, other definitions, no
counterfactual). A miss is reported, never fixed by retuning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from commissioning.model.parameters import PAYMENT_GROUPS

from .comparison import mean_interval

if TYPE_CHECKING:
    from commissioning.model.model import CommissioningModel
    from commissioning.model.scenario import Scenario

PROGRAMMES = ("fair_start_scotland", "work_and_health_programme", "working_well_pilot")
TITLES = {"fair_start_scotland": "Fair Start Scotland",
          "work_and_health_programme": "Work and Health Programme",
          "working_well_pilot": "Working Well pilot"}

#: DOMAIN 5.5, in short: why no figure here is a like-for-like test.
CAVEAT_COHORTS = "cohorts differ: voluntary, health-related, tight 2018-19 labour market"
CAVEAT_DEFINITIONS = "outcome definitions differ (earnings threshold, windows, 13/26/52 weeks)"
CAVEAT_NO_COUNTERFACTUAL = "management information without a counterfactual"


@dataclass(frozen=True)
class Figure:
    """One published figure of a programme and how to read the same quantity from a run."""

    programme: str  # scenario file stem
    label: str
    published: float  # as a share
    shown: str  # the figure as published, in words
    source: str
    caveat: str
    read: Callable[[CommissioningModel], float]


def _share(top: np.ndarray, bottom: np.ndarray) -> float:
    n = int(np.count_nonzero(bottom))
    return float(np.count_nonzero(top & bottom)) / n if n else float("nan")


def _referred_by(m: CommissioningModel, month: str) -> np.ndarray:
    c = m.claimants
    return (c.status != 0) & (c.referral_week <= m.calendar.week_of_month_end(month))


def _started(c) -> np.ndarray:
    return c.attach_week >= 0


def starts_per_referral(month: str | None = None) -> Callable:
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        referred = (c.status != 0) if month is None else _referred_by(m, month)
        return _share(_started(c), referred)
    return read


def outcomes_per_start(month: str) -> Callable:
    """Job outcomes by the end of `month` per start by then (a flow ratio to date)."""
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        end = m.calendar.week_of_month_end(month)
        started = _started(c) & (c.attach_week <= end)
        outcome = (c.job_outcome_week >= 0) & (c.job_outcome_week <= end)
        return _share(outcome, started)
    return read


def early_starters_with_outcome(started_by: str, seen_by: str) -> Callable:
    """Of those who started by `started_by`, the share with a job outcome by `seen_by`."""
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        started = _started(c) & (c.attach_week <= m.calendar.week_of_month_end(started_by))
        end = m.calendar.week_of_month_end(seen_by)
        return _share((c.job_outcome_week >= 0) & (c.job_outcome_week <= end), started)
    return read


def share_of_starts_in(groups: tuple[str, ...], month: str | None = None) -> Callable:
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        started = _started(c)
        if month is not None:
            started &= c.attach_week <= m.calendar.week_of_month_end(month)
        mine = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in groups])
        return _share(mine, started)
    return read


def need_group_share(need: int) -> Callable:
    """Share of participants in a need group (0-1, 2, 3+ barriers: Core, Advanced, Intense)."""
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        return _share(c.barrier_class == need, _started(c))
    return read


def into_work_on_programme(m: CommissioningModel) -> float:
    """Participants with a job start during their weeks on programme."""
    c = m.claimants
    started = _started(c)
    into_work = (c.first_start_week >= 0) & (c.first_start_week < c.attach_week
                                             + m.programme_weeks)
    return _share(into_work, started)


def started_work_within(weeks: int, world: str) -> Callable:
    """Participants with a job start within `weeks` of referral, with the programme or in
    the no-programme world of the same people (the model's matched comparison)."""
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        first = c.first_start_week if world == "programme" else c.cf_first_start
        return _share((first >= 0) & (first < c.referral_week + weeks), _started(c))
    return read


def in_work_13_weeks_within(weeks: int, world: str) -> Callable:
    """Participants reaching 13 weeks in work (ESA's job outcome) within `weeks` of referral."""
    def read(m: CommissioningModel) -> float:
        c = m.claimants
        reached = c.job_outcome_week if world == "programme" else c.cf_outcome_week
        return _share((reached >= 0) & (reached < c.referral_week + weeks), _started(c))
    return read


DISABILITY = ("jsa_ex_ib", "esa_volunteers", "esa_new", "esa_ex_ib", "ib_is_volunteers")
TAKE_UP_SET = ("take-up is an input set from the business case (70%); only the selection "
               "by barriers can move it")

FIGURES: tuple[Figure, ...] = (
    Figure("fair_start_scotland", "starts per referral", 0.67, "67% (business case 70%)",
           "[S35]", TAKE_UP_SET, starts_per_referral()),
    Figure("fair_start_scotland", "participants in the Core need group", 0.41, "41%",
           "[S35]", "need groups are FSS's assessment, the model's are 0-1 barriers; the "
           "referral mix is assumed; " + CAVEAT_COHORTS, need_group_share(0)),
    Figure("fair_start_scotland", "participants in the Advanced need group", 0.33, "33%",
           "[S35]", "the model's: 2 barriers; as above", need_group_share(1)),
    Figure("fair_start_scotland", "participants in the Intense need group", 0.24, "24%",
           "[S35]", "the model's: 3 or more barriers; as above", need_group_share(2)),
    Figure("work_and_health_programme", "starts per referral to February 2020", 0.62,
           "62% (103,300 of 166,160; DWP: 75% of those referred)", "[S36]",
           "real starts lag referral by weeks (the model's attach at referral); voluntary "
           "take-up set from FSS's business case (70%)",
           starts_per_referral("2020-02")),
    Figure("work_and_health_programme", "job outcomes per start to February 2020", 0.133,
           "13.3% (13,710 of 103,300)", "[S36]",
           "a flow ratio to date (recent starts cannot have an outcome yet), read the same "
           "way; the earnings threshold is taken as 26 weeks in work; "
           + CAVEAT_NO_COUNTERFACTUAL, outcomes_per_start("2020-02")),
    Figure("work_and_health_programme", "starts from the disability group", 0.72, "72%",
           "[S36]", "not independent: the referral mix is set from GM's design (75% "
           "disability [S34]); tests only voluntary against mandated take-up",
           share_of_starts_in(DISABILITY, "2020-02")),
    Figure("work_and_health_programme",
           "starters to August 2018 with a job outcome by February 2019", 0.12,
           "12% (88% had none)", "[S36]", CAVEAT_DEFINITIONS,
           early_starters_with_outcome("2018-08", "2019-02")),
    Figure("working_well_pilot", "participants into work (target 20%)", 0.20,
           "target 20%; over 4,000 of 20,000 engaged by December 2018", "[S34]",
           "a target, and an outturn across the pilot and its wider expansion; the model: a "
           "job start during the two years", into_work_on_programme),
    Figure("working_well_pilot", "started work: participants (early figures)", 0.047,
           "4.7%", "[S33]", "horizon of the early figures not in DOMAIN: the model reads "
           "12 months from referral", started_work_within(52, "programme")),
    Figure("working_well_pilot", "started work: matched comparison (early figures)", 0.047,
           "4.7%", "[S33]", "the model's comparison is the same people with no programme; "
           "the real one had Jobcentre Plus support (88 minutes a year)",
           started_work_within(52, "no programme")),
    Figure("working_well_pilot", "off benefit 13+ weeks: participants", 0.081, "8.1%",
           "[S33]", "off benefit is not in work: the model reads 13 weeks in work within 12 "
           "months of referral", in_work_13_weeks_within(52, "programme")),
    Figure("working_well_pilot", "off benefit 13+ weeks: matched comparison", 0.098, "9.8%",
           "[S33]", "as above, in the no-programme world",
           in_work_13_weeks_within(52, "no programme")),
)


def run_figures(task: tuple[dict[str, Any], str]) -> list[float]:
    """Run one programme scenario and read its figures (a worker function: picklable)."""
    from commissioning.model.model import CommissioningModel  # workers import lazily

    params, programme = task
    model = CommissioningModel(**params)
    model.run_model()
    return [f.read(model) for f in FIGURES if f.programme == programme]


@dataclass
class Row:
    figure: Figure
    values: list[float]

    @property
    def interval(self) -> tuple[float, float, float]:
        return mean_interval(np.array(self.values))


def plausibility(scenarios: dict[str, Scenario], replicates: int, seed: int = 1,
                 workers: int = 1, progress: Callable[[int, int], None] | None = None,
                 scheduler: str | None = None) -> list[Row]:
    """Every figure of every programme in `scenarios` (stem -> scenario), over replicates;
    the runs go where `workers` and `scheduler` say (`executor.open_executor`)."""
    from .executor import open_executor, run_all

    tasks = [({**sc.params, "seed": seed + r}, name)
             for name, sc in scenarios.items() for r in range(replicates)]
    with open_executor(workers, scheduler) as pool:
        results: list[list[float]] = run_all(pool, run_figures, tasks, progress)
    rows = []
    for name in scenarios:
        mine = [f for f in FIGURES if f.programme == name]
        runs = [res for (_, n), res in zip(tasks, results, strict=True) if n == name]
        rows += [Row(f, [run[k] for run in runs]) for k, f in enumerate(mine)]
    return rows


def _pct(x: float) -> str:
    return "n/a" if np.isnan(x) else f"{100 * x:.1f}%"


def model_cell(row: Row) -> str:
    mean, low, high = row.interval
    if np.isnan(low):
        return _pct(mean)
    return f"{_pct(mean)} [{_pct(low)}, {_pct(high)}]"


def difference(row: Row) -> str:
    mean = row.interval[0]
    return "n/a" if np.isnan(mean) else f"{100 * (mean - row.figure.published):+.1f}pp"


def console_table(rows: list[Row]) -> str:
    """One line per figure: programme, figure, published, model mean [95% interval],
    model minus published, caveat."""
    lines = [f"{'programme':<26} {'figure':<60} {'published':>9} "
             f"{'model mean [95% interval]':>27} {'model-pub':>9}  caveat (DOMAIN 5.5)"]
    for r in rows:
        f = r.figure
        lines.append(f"{TITLES[f.programme]:<26} {f.label[:60]:<60} {_pct(f.published):>9} "
                     f"{model_cell(r):>27} {difference(r):>9}  {f.caveat}")
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| Programme | Figure | Published | Source | Model mean [95% interval] | "
             "Model - published | Caveat |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        f = r.figure
        lines.append(f"| {TITLES[f.programme]} | {f.label} | {f.shown} | {f.source} | "
                     f"{model_cell(r)} | {difference(r)} | {f.caveat} |")
    return "\n".join(lines)

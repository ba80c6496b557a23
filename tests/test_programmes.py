"""Real programmes (issue 13): the calendar, the referral flow and mix over time, job loss by
tenure, the programmes' payment rules on hand-made claimant histories, the new metrics, and
`commissioning plausibility` on small sizes."""

from __future__ import annotations

import numpy as np
import pytest

from commissioning.agents.claimant import ClaimantPopulation
from commissioning.cli.main import main
from commissioning.experiments.plausibility import FIGURES, PROGRAMMES
from commissioning.model import PAYMENT_GROUPS, CommissioningModel
from commissioning.model.accounts import COMMISSIONER, OUTCOME, SERVICE_FEE
from commissioning.model.calendar import Calendar
from commissioning.model.job_retention import loss_table, survival_table
from commissioning.model.parameters import defaults
from commissioning.model.random_streams import RandomStreams
from commissioning.model.scenario import load_scenario

from .conftest import run

ESA = [k for k, g in enumerate(PAYMENT_GROUPS) if g.startswith("esa")]


# --- the calendar -----------------------------------------------------------------------


def test_weeks_map_to_dates_from_the_start_month():
    cal = Calendar(2011, 6)
    assert str(cal.date(0)) == "2011-06-01"
    assert str(cal.date(52)) == "2012-05-30"
    assert cal.week_of_month_end("2011-06") == 4  # 29 June is the last week's first day
    lo, hi = cal.weeks_of_month("2012-06")
    assert all(cal.date(w).month == 6 and cal.date(w).year == 2012 for w in range(lo, hi))
    assert cal.date(lo - 1).month == 5 and cal.date(hi).month == 7
    assert list(cal.years(np.array([0, 30, 31]))) == [2011, 2011, 2012]  # 28 Dec, 4 Jan


def test_a_path_is_linear_between_its_points_and_flat_outside():
    cal = Calendar(2011, 6)
    values = cal.path([["2011-08", 1.0], ["2011-10", 3.0]], 30)
    at_aug, at_oct = cal.week("2011-08"), cal.week("2011-10")
    assert values[0] == 1.0 and values[-1] == 3.0
    mid = round((at_aug + at_oct) / 2)
    assert values[mid] == pytest.approx(1.0 + 2.0 * (mid - at_aug) / (at_oct - at_aug))


# --- the referral period and mix over time ------------------------------------------------


def population(n: int = 200_000, **changes) -> ClaimantPopulation:
    p = {**defaults(), "claimants": n, **changes}
    return ClaimantPopulation(p, RandomStreams(3).generator("population"))


def in_month(pop, cal: Calendar, *months: str) -> np.ndarray:
    mask = np.zeros(pop.n, bool)
    for month in months:
        lo, hi = cal.weeks_of_month(month)
        mask |= (pop.referral_week >= lo) & (pop.referral_week < hi)
    return mask


def test_referrals_arrive_over_the_referral_period_along_the_flow():
    pop = population()
    cal = Calendar(2011, 6)
    p = defaults()
    assert pop.referral_week.min() == 0 and pop.referral_week.max() == p["referral_weeks"] - 1
    assert np.all(np.diff(pop.referral_week) >= 0)  # ids follow referral order
    per_week = np.bincount(pop.referral_week)
    # The stock early, then a 32% fall from the end of 2012 to December 2013 [S53].
    dec_2012 = per_week[slice(*cal.weeks_of_month("2012-12"))].mean()
    dec_2013 = per_week[slice(*cal.weeks_of_month("2013-12"))].mean()
    assert dec_2013 / dec_2012 == pytest.approx(26 / 38, rel=0.05)
    assert per_week[:50].mean() > 3 * per_week[-50:].mean()
    # A flow twice as high in the second half puts twice as many referrals there.
    flat = population(50_000, referral_weeks=104, referral_path=[["2011-06", 1.0]])
    rising = population(50_000, referral_weeks=104,
                        referral_path=[["2011-06", 1.0], ["2012-05", 1.0], ["2012-06", 2.0]])
    assert (flat.referral_week >= 56).mean() == pytest.approx(0.46, abs=0.02)
    assert (rising.referral_week >= 56).mean() > 0.6


def test_the_esa_share_follows_its_path_with_a_step_in_autumn_2012():
    pop = population()
    cal = Calendar(2011, 6)
    esa = np.isin(pop.group, ESA)
    first_months = in_month(pop, cal, "2011-06", "2011-07", "2011-08", "2011-09", "2011-10")
    assert esa[first_months].mean() == pytest.approx(0.055, abs=0.01)  # [S27]
    to_july_2012 = pop.referral_week <= cal.week_of_month_end("2012-07")
    assert esa[to_july_2012].mean() == pytest.approx(0.09, abs=0.01)  # [S12]
    before = esa[in_month(pop, cal, "2012-09", "2012-10")].mean()
    after = esa[in_month(pop, cal, "2012-11", "2012-12")].mean()
    assert after > before + 0.05  # the prognosis widening [S17]
    in_2013 = cal.years(pop.referral_week) == 2013
    assert esa[in_2013].mean() == pytest.approx(0.30, abs=0.02)  # nearly one in three [S29]


def test_shares_within_the_esa_groups_keep_the_referral_mix():
    pop = population()
    p = defaults()
    esa = np.isin(pop.group, ESA)
    counts = np.bincount(pop.group[esa], minlength=len(PAYMENT_GROUPS))[ESA]
    wanted = np.array([p["referral_share"][PAYMENT_GROUPS[k]] for k in ESA])
    assert counts / counts.sum() == pytest.approx(wanted / wanted.sum(), abs=0.01)


def test_a_cohort_selected_by_earlier_search_is_less_ready():
    fresh = population(20_000, prior_search_weeks=0)
    searched = population(20_000, prior_search_weeks=104)
    assert len(searched.group) == 20_000
    assert searched.ready_hazard.mean() < 0.9 * fresh.ready_hazard.mean()
    assert searched.n_barriers.mean() > fresh.n_barriers.mean()


def test_voluntary_take_up_selects_the_more_ready_and_keeps_the_groups_rate():
    base = {"attachment_rate": 0.7}
    neutral = run(seed=2, **base)
    selective = run(seed=2, take_up_barrier_gradient=0.1, **base)
    for model in (neutral, selective):
        assert model.tally.attachments / model.tally.referrals == pytest.approx(0.7, abs=0.03)

    def barriers_of_starters(model) -> float:
        c = model.claimants
        return float(c.n_barriers[c.attach_week >= 0].mean())

    assert barriers_of_starters(selective) < barriers_of_starters(neutral) - 0.1


# --- job loss by tenure -----------------------------------------------------------------


def test_job_loss_falls_with_tenure_when_early_is_above_late_and_differs_by_group():
    p = {**defaults(), "job_loss_hazard_early": 0.04, "job_loss_hazard_late": 0.006,
         "job_loss_tenure_weeks": 10.0,
         "job_loss_multiplier": {**defaults()["job_loss_multiplier"], "esa_new": 1.5}}
    table = loss_table(p)
    jsa, esa_new = PAYMENT_GROUPS.index("jsa_25_plus"), PAYMENT_GROUPS.index("esa_new")
    assert table[jsa, 0] == pytest.approx(0.04)
    assert np.all(np.diff(table[jsa]) <= 0) and table[jsa, 10] < table[jsa, 0]
    assert table[jsa, -1] == pytest.approx(0.006, rel=1e-6)
    assert table[jsa, 10] == pytest.approx(0.006 + 0.034 / np.e)
    assert table[esa_new] == pytest.approx(1.5 * table[jsa])
    rising = loss_table({**p, "job_loss_hazard_early": 0.001})
    assert np.all(np.diff(rising[jsa]) >= 0)  # the direction the parameters say
    survival = survival_table(table)
    assert survival[jsa, 0] == 1.0
    assert survival[jsa, 2] == pytest.approx((1 - table[jsa, 0]) * (1 - table[jsa, 1]))


def conditional_survival(model) -> tuple[float, float]:
    m = model.metrics()
    s13, s26 = m["job_starts_sustained_13_weeks"], m["job_starts_sustained_26_weeks"]
    return s13, s26 / s13


def test_in_a_run_jobs_that_have_lasted_last_longer_when_the_hazard_falls():
    falling = run(seed=4, job_loss_hazard_early=0.08, job_loss_hazard_late=0.005,
                  job_loss_tenure_weeks=4.0)
    rising = run(seed=4, job_loss_hazard_early=0.0, job_loss_hazard_late=0.03,
                 job_loss_tenure_weeks=4.0)
    first, then = conditional_survival(falling)
    assert then > first + 0.1  # weeks 13-26 kept more often than weeks 0-13
    first, then = conditional_survival(rising)
    assert then < first


def test_in_work_support_lowers_job_loss():
    kept = {"scenario": "locality", "seed": 5}  # commissions in-work support for everyone
    none = run(**kept)
    halved = run(**kept, in_work_support_effect=0.5)
    assert (halved.metrics()["job_starts_sustained_26_weeks"]
            > none.metrics()["job_starts_sustained_26_weeks"] + 0.05)


# --- payment rules on hand-made claimant histories ----------------------------------------


class Scripted:
    """One claimant, attached in week 0, whose job starts and ends in the weeks given."""

    def __init__(self, starts: set[int], ends: set[int], weeks: int = 120, **params):
        self.starts, self.ends = starts, ends
        self.model = CommissioningModel(**{
            "claimants": 1, "referral_weeks": 1, "weeks": weeks, "attachment_rate": 1.0,
            "bid_discount": 0.0, "attachment_fee": 0, "job_outcome_fee": 1000,
            "service_fee_share": 0.0, "seed": 1,
            "overdraft_weeks": float("inf"), **params})  # no one fails: one claimant pays little
        self.booked: list[tuple[int, int, float]] = []  # (due week, kind, £) to the holder
        streams, book = self.model.streams, self.model.accounts.book
        original = streams.weekly_uniform

        def uniform(name, week, lo, hi):
            if name == "job_finding":
                return np.full(hi - lo, 0.0 if week in self.starts else 1.0)
            if name == "job_loss":
                return np.full(hi - lo, 0.0 if week in self.ends else 1.0)
            return original(name, week, lo, hi)

        def record(due, payer, payee, amount, kind):
            if np.all(np.atleast_1d(payer) == COMMISSIONER):
                for d, a in zip(np.broadcast_to(np.atleast_1d(due), np.shape(np.atleast_1d(
                        amount))), np.atleast_1d(amount), strict=True):
                    self.booked.append((int(d), kind, float(a)))
            book(due, payer, payee, amount, kind)

        streams.weekly_uniform = uniform
        self.model.accounts.book = record
        self.model.run_model()

    def paid(self, kind: int = OUTCOME) -> list[tuple[int, float]]:
        lag = self.model.p["claim_lag_weeks"]
        return [(d - lag, round(a, 6)) for d, k, a in self.booked if k == kind]

    @property
    def need(self) -> float:
        c = self.model.claimants
        return self.model.p["need_price_multiplier"][int(c.barrier_class[0])]


FSS_RULES = {"outcome_schedule": "staged", "staged_outcome_weeks": [13, 26, 52],
             "staged_outcome_windows": [16, 30, 60], "staged_outcome_shares": [0.5, 0.25, 0.25],
             "outcome_within_programme": False, "need_price_multiplier": [1.0, 1.5, 2.0],
             "programme_weeks": 78}


def test_staged_payments_fall_due_at_13_26_and_52_weeks_in_work():
    # Starts in week 5; in work from week 6 on: 13 weeks reached in week 18, 26 in 31, 52 in 57.
    s = Scripted({5}, set(), **FSS_RULES)
    need = s.need
    assert s.paid() == [(18, 500 * need), (31, 250 * need), (57, 250 * need)]
    assert s.model.claimants.job_outcome_week[0] == 18


def test_staged_weeks_add_up_across_a_break_within_the_window():
    # In work weeks 6-15 (10 weeks), the job ends in week 16, a new one starts in week 17:
    # weeks 18, 19, 20 bring the total to 13 in week 20, 15 weeks after the first start.
    s = Scripted({5, 17}, {16}, **FSS_RULES)
    assert s.paid()[0] == (20, 500 * s.need)


def test_a_stage_missed_in_its_window_is_lost_and_the_next_is_still_paid():
    # The second job starts two weeks later: 13 weeks would come in week 22, 17 weeks after
    # the first start, outside the 13-within-16 window; 26 come in week 35, 30 weeks after
    # (inside 26-within-30), and 52 in week 61 (inside 52-within-60).
    s = Scripted({5, 19}, {16}, **FSS_RULES)
    need = s.need
    assert s.paid() == [(35, 250 * need), (61, 250 * need)]
    assert s.model.claimants.job_outcome_week[0] == 35  # the first payment is the outcome
    one_week_sooner = Scripted({5, 18}, {16}, **FSS_RULES)  # 13 weeks in week 21: inside
    assert one_week_sooner.paid()[0] == (21, 500 * one_week_sooner.need)


def test_without_windows_the_earnings_threshold_is_reached_whenever_the_weeks_add_up():
    whp = {**FSS_RULES, "staged_outcome_weeks": [26], "staged_outcome_windows": [0],
           "staged_outcome_shares": [1.0], "need_price_multiplier": [1.0, 1.0, 1.0]}
    s = Scripted({5, 40}, {16}, **whp)  # 10 weeks, a long gap, then 16 more: week 56
    assert s.paid() == [(56, 1000.0)]


def test_the_work_programme_pays_a_job_outcome_then_sustainment_and_a_break_restarts():
    group = {g: 1.0 if g == "jsa_25_plus" else 0.0 for g in PAYMENT_GROUPS}
    wp = {"referral_share": group, "esa_share_path": [["2011-06", 0.0]]}
    # 20 weeks in work, a break, then a job from week 30: 26 continuous weeks in week 56.
    s = Scripted({3, 30}, {24}, weeks=90, **wp)
    fee = s.model.p["sustainment_fee"]["jsa_25_plus"]
    assert s.paid() == [(56, 1000.0), (60, fee), (64, fee), (68, fee), (72, fee), (76, fee),
                        (80, fee), (84, fee), (88, fee)]


def test_a_work_programme_outcome_must_come_on_programme():
    group = {g: 1.0 if g == "jsa_25_plus" else 0.0 for g in PAYMENT_GROUPS}
    wp = {"referral_share": group, "esa_share_path": [["2011-06", 0.0]]}
    late = Scripted({90}, set(), weeks=140, **wp)  # 26 weeks would come at week 116 > 104
    assert late.paid() == []
    after = Scripted({90}, set(), weeks=140, outcome_within_programme=False, **wp)
    assert after.paid()[0] == (116, 1000.0)


def test_the_delivery_fee_is_paid_monthly_in_arrears_for_its_months():
    fee = {**FSS_RULES, "service_fee_share": 0.3, "service_fee_weeks": 16,
           "expected_job_outcome_rate": 0.25, "expected_sustainment_share": 0.5}
    s = Scripted(set(), set(), **fee)  # never in work: the fee alone
    pay = s.model.payments
    g = int(s.model.claimants.group[0])
    per_period = 0.3 * pay.expected_value(1)[g] / 4
    # every 4 weeks on programme, after the 4 weeks (week 0 is the first on programme)
    assert s.paid(SERVICE_FEE) == [(w, round(per_period, 6)) for w in (3, 7, 11, 15)]
    # expected value: list price x (first stage + half the later ones) x expected rate
    mix_need = pay.group_need[g]
    assert pay.expected_value(1)[g] == pytest.approx(0.25 * 1000 * (0.5 + 0.5 * 0.5) * mix_need)


def test_a_budget_per_participant_sets_the_expected_value_of_a_participant():
    model = CommissioningModel(scenario="fair_start_scotland", claimants=3000, weeks=2)
    mix = model._forecast_mix()
    per_group = mix.sum(axis=1) / mix.sum()
    assert float(per_group @ model.payments.expected_value(1)) == pytest.approx(2530)


# --- the new metrics ------------------------------------------------------------------


def test_sustained_shares_count_only_starts_observed_long_enough():
    model = run(seed=8, job_loss_hazard_early=0.0, job_loss_hazard_late=0.0)
    m = model.metrics()
    for w in (13, 26, 52):
        assert m[f"job_starts_sustained_{w}_weeks"] == 1.0  # no job is ever lost
    weekly = model.datacollector.get_model_vars_dataframe()
    first = int(np.flatnonzero(model.tally.starts_by_week)[0])
    # row w + 1 is week w: a start in week `first` is seen for 52 weeks from week first + 52
    assert np.isnan(weekly["job_starts_sustained_52_weeks"].iloc[first + 52])
    assert weekly["job_starts_sustained_52_weeks"].iloc[first + 53] == 1.0
    always = run(seed=8, job_loss_hazard_early=1.0, job_loss_hazard_late=1.0).metrics()
    assert always["job_starts_sustained_13_weeks"] == 0.0


def test_outcome_rates_by_referral_year_are_the_cohorts_rates():
    model = run(seed=9)
    by_year = model.metrics_by_year()["job_outcome_rate_by_referral_year"]
    c = model.claimants
    years = model.calendar.years(c.referral_week)
    assert set(by_year) == {"2011", "2012"}
    for year, rate in by_year.items():
        mine = years == int(year)
        assert rate == pytest.approx(c.employment_outcome[mine].mean())
    weights = [np.sum(years == int(y)) for y in by_year]
    assert np.average(list(by_year.values()), weights=weights) == pytest.approx(
        model.metrics()["job_outcome_rate"])


# --- the programmes as scenarios --------------------------------------------------------


@pytest.mark.parametrize("name", PROGRAMMES)
def test_each_programme_runs_on_its_own_calendar(name):
    model = run(scenario=name, seed=1, claimants=800, weeks=120, referral_weeks=40)
    sc = load_scenario(name)
    assert str(model.calendar.date(0)) == f"{sc.params['start_year']}-" \
        f"{sc.params['start_month']:02d}-01"
    assert model.tally.referrals == 800
    assert model.metrics()["job_outcomes"] > 0


def test_plausibility_runs_on_small_sizes_and_writes_the_doc_only_when_asked(capsys, tmp_path):
    small = ["--set", "area.claimants=400", "--set", "run.weeks=150",
             "--set", "area.referral_weeks=60"]
    assert main(["plausibility", "--replicates", "2", *small]) == 0
    out = capsys.readouterr().out.splitlines()
    table = out[out.index(next(line for line in out if line.startswith("programme"))) + 1:]
    assert len(table) == len(FIGURES)
    for figure, line in zip(FIGURES, table, strict=True):
        assert figure.label[:40] in line and "%" in line
    doc = tmp_path / "programmes.md"
    assert not doc.exists()
    assert main(["plausibility", "working_well_pilot", "--replicates", "1", "--doc", str(doc),
                 *small]) == 0
    text = doc.read_text()
    assert "| Working Well pilot | participants into work (target 20%)" in text
    assert "Fair Start Scotland |" not in text


def test_plausibility_refuses_a_doc_it_cannot_write_before_running(capsys, tmp_path):
    assert main(["plausibility", "--doc", str(tmp_path / "missing" / "x.md")]) == 2
    assert "--doc" in capsys.readouterr().err
    assert main(["plausibility", "two_tier"]) == 2  # not a real-programme scenario

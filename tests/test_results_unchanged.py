"""The same seed gives the same results as the stored reference (speed work changes none).

A failure here means a change altered what the model computes. If that was the
intent (a model change, not an optimisation), regenerate the reference and commit
it with the change: `python -m tests.reference_metrics --write`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from commissioning.model import claimant_kernels
from commissioning.model.claimant_kernels import ENVIRONMENT, use_numba
from commissioning.model.integration_services import REVIEW_WEEKS
from commissioning.model.scenario import ScenarioError, packaged_scenarios

from .reference_metrics import CASES, REFERENCE, REGENERATE, case_results, differences


@pytest.fixture(scope="module")
def stored() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.mark.parametrize("kernels", ["numpy", "numba"])
@pytest.mark.parametrize("name,scenario,seed,claimants", CASES, ids=[c[0] for c in CASES])
def test_results_unchanged(stored, name, scenario, seed, claimants, kernels, monkeypatch):
    """Both ways of computing the searching claimants' week (`claimant_kernels`): the
    numpy passes and the fused numba loops give the stored results."""
    if kernels == "numba":
        pytest.importorskip("numba")
    monkeypatch.setenv(ENVIRONMENT, kernels)
    case = stored[name]
    assert (case["scenario"], case["seed"], case["claimants"]) == (scenario, seed, claimants), (
        f"the reference case {name} was stored for other settings; run `{REGENERATE}`")
    assert use_numba(claimants) == (kernels == "numba")
    diff = differences(case["results"], case_results(scenario, seed, claimants))
    assert not diff, (
        f"{name} (seed {seed}, {claimants} claimants) differs from {REFERENCE.name} in "
        f"{len(diff)} values, e.g.:\n  " + "\n  ".join(diff[:8]) +
        f"\nIf the model change is intended, regenerate the reference: `{REGENERATE}`")


def test_comparison_catches_a_change(stored):
    """The comparison itself: a value moved by more than 1e-12 (relative) is reported,
    one moved within it is not, and NaN matches NaN."""
    results = json.loads(json.dumps(stored["two_tier"]["results"]))
    rate = results["metrics"]["job_outcome_rate"]
    results["metrics"]["job_outcome_rate"] = rate * (1 + 1e-13)
    assert not differences(stored["two_tier"]["results"], results)
    results["metrics"]["job_outcome_rate"] = rate * (1 + 1e-11)
    assert differences(stored["two_tier"]["results"], results) == [
        f".metrics.job_outcome_rate: expected {rate!r}, got {rate * (1 + 1e-11)!r}"]
    results["metrics"]["job_outcome_rate"] = rate
    results["metrics"]["referrals"] += 1
    assert len(differences(stored["two_tier"]["results"], results)) == 1
    assert not differences({"x": "nan"}, {"x": "nan"})
    assert differences({"x": "nan"}, {"x": 0.1})


@pytest.mark.parametrize("expm1_from", ["compiled loop", "Python"])
def test_fused_blocks_give_the_same_results(stored, monkeypatch, expm1_from):
    """Where numpy's expm1 is not the C library's, the fused support pass takes claimants
    in blocks with numpy's expm1 between two loops, called from a compiled loop over the
    blocks (`_numpy_loops`) or, where numpy's loop is not found, from Python: each way,
    in many small blocks, gives the stored results too."""
    pytest.importorskip("numba")
    from commissioning.model import _numpy_loops, claimant_kernels

    monkeypatch.setenv(ENVIRONMENT, "numba")
    monkeypatch.setattr(claimant_kernels, "libm_expm1_is_numpys", lambda: False)
    monkeypatch.setattr(claimant_kernels, "BLOCK", 37)
    if expm1_from == "Python":
        monkeypatch.setattr(_numpy_loops, "expm1_loop", lambda: None)
    else:
        assert _numpy_loops.expm1_loop() is not None, "numpy's expm1 loop not found"
    name, scenario, seed, claimants = CASES[0]
    assert not differences(stored[name]["results"], case_results(scenario, seed, claimants))


SHIPPED = sorted(p.stem for p in packaged_scenarios().glob("*.toml"))


@pytest.mark.parametrize("scenario", SHIPPED)
def test_both_kernels_agree_on_every_shipped_scenario(scenario, monkeypatch):
    """Dask workers and the Spread worker run small models with numba
    (`claimant_kernels.expect_many_runs`), a single run of the same size uses numpy: for
    a run's numbers not to depend on where it ran, the two must agree in every
    programme, not only the stored cases'."""
    pytest.importorskip("numba")
    results = {}
    for kernels in ("numpy", "numba"):
        monkeypatch.setenv(ENVIRONMENT, kernels)
        results[kernels] = case_results(scenario, 11, 500)
    diff = differences(results["numpy"], results["numba"])
    assert not diff, f"{scenario}: numba differs from numpy in {len(diff)} values, e.g. " \
                     + "; ".join(diff[:5])


def test_both_kernels_agree_when_a_review_changes_the_services_bought(monkeypatch):
    """A quarterly review that buys a key worker changes job finding from the next week:
    the fused pass, which takes the searching claimants' hazard twice in a week (for the
    support rule, then for finding work), must use the same services both times."""
    pytest.importorskip("numba")
    from commissioning.model import CommissioningModel

    effects = {"key_worker_effect": 1.5, "employer_engagement_effect": 1.3}
    model, changed = CommissioningModel(scenario="two_tier", seed=4, claimants=3000,
                                        **effects), []
    while model.running:  # the case tests something only if a review changes them
        before = model.service_hazard.copy()
        model.step()
        if not np.array_equal(before, model.service_hazard):
            changed.append(model.steps - 1)
    assert changed and all(week % REVIEW_WEEKS == 0 for week in changed)
    results = {}
    for kernels in ("numpy", "numba"):
        monkeypatch.setenv(ENVIRONMENT, kernels)
        results[kernels] = case_results("two_tier", 4, 3000, **effects)
    diff = differences(results["numpy"], results["numba"])
    assert not diff, f"numba differs from numpy in {len(diff)} values, e.g. " + "; ".join(diff[:5])


def test_kernel_choice(monkeypatch):
    """`auto` uses numba only for large runs, or for any run among many; a misspelt
    choice is one clear error."""
    pytest.importorskip("numba")
    monkeypatch.setenv(ENVIRONMENT, "auto")
    assert not use_numba(1500) and use_numba(1_800_000)
    monkeypatch.setattr(claimant_kernels, "_many_runs", False)  # put back after the test
    claimant_kernels.expect_many_runs()
    assert use_numba(1500) and use_numba(300)
    monkeypatch.setenv(ENVIRONMENT, "numpy")
    assert not use_numba(1_800_000)
    monkeypatch.setenv(ENVIRONMENT, "nmuba")
    with pytest.raises(ScenarioError, match="COMMISSIONING_KERNELS: expected one of auto, "
                       "numba, numpy, got 'nmuba'"):
        use_numba(1500)


def test_a_misspelt_kernel_choice_is_one_line_from_the_command(monkeypatch, capsys):
    from commissioning.cli.main import main

    monkeypatch.setenv(ENVIRONMENT, "fast")
    assert main(["run", "--set", "area.claimants=300", "--set", "run.weeks=3"]) == 2
    err = capsys.readouterr().err
    assert "COMMISSIONING_KERNELS" in err and "Traceback" not in err


def test_both_kernels_agree_past_127_organisations(monkeypatch):
    """Past 127 organisations the columns that name one are int16: a fused pass handing
    them on in anything narrower would name the wrong organisation (60 localities give
    two-tier about 330, and specialist referrals decided by case holders numbered past
    127)."""
    pytest.importorskip("numba")
    runs = {}
    for kernels in ("numpy", "numba"):
        monkeypatch.setenv(ENVIRONMENT, kernels)
        model = _finished_run("two_tier", localities=60, claimants=6000, seed=3,
                                       weeks=80)
        assert model.claimants.case_holder.dtype == np.int16
        assert model.fused == (kernels == "numba")
        runs[kernels] = model
    a, b = runs["numpy"], runs["numba"]
    assert int(a.claimants.case_holder.max()) > 127  # the case this test is about
    assert np.array_equal(a.referrals_matrix, b.referrals_matrix)
    assert np.array_equal(a.claimants.episode_payer, b.claimants.episode_payer)
    assert a.accounts.cash.tobytes() == b.accounts.cash.tobytes()


def _finished_run(scenario: str, **settings):
    from commissioning.model import CommissioningModel

    model = CommissioningModel(scenario=scenario, **settings)
    model.run_model()
    return model


@pytest.mark.parametrize("scenario", ["two_tier", "work_and_health_programme"])
def test_both_kernels_leave_every_claimant_column_and_tally_the_same(monkeypatch, scenario):
    """What the metrics do not show must agree too: every claimant's columns, every
    running tally (the £ earned by group and referral week, which calibration reads) and
    the organisations' yearly counts, bit for bit, after a whole programme's weeks."""
    pytest.importorskip("numba")
    runs = {}
    for kernels in ("numpy", "numba"):
        monkeypatch.setenv(ENVIRONMENT, kernels)
        runs[kernels] = _finished_run(scenario, claimants=1500, seed=4)
    a, b = runs["numpy"], runs["numba"]
    assert b.fused and not a.fused
    columns = {k: v for k, v in vars(a.claimants).items() if isinstance(v, np.ndarray)}
    assert len(columns) > 30
    for name, column in columns.items():
        assert column.tobytes() == getattr(b.claimants, name).tobytes(), name
    tallies = {k: v for k, v in vars(a.tally).items() if isinstance(v, np.ndarray)}
    assert "earned_two_years" in tallies and a.tally.earned_two_years.any()
    for name, tally in tallies.items():
        assert tally.tobytes() == getattr(b.tally, name).tobytes(), name
    assert np.array_equal(a.year_referrals, b.year_referrals)
    assert a.accounts.cash.tobytes() == b.accounts.cash.tobytes()


def test_both_kernels_agree_when_players_decide_referrals_and_support(monkeypatch):
    """With a player deciding whom some case holders refer, every referral candidate stays
    in question (the fused searching pass leaves out those neither chosen by value nor
    by need only when no player decides): one refers everyone, another only the hard to
    help. A player's support levels are costed as chosen (not as the rule's levels,
    added up beforehand)."""
    pytest.importorskip("numba")
    from commissioning.model import CommissioningModel
    from commissioning.model.decisions import Decision, takes

    probe = CommissioningModel(scenario="two_tier", seed=6, claimants=3000)
    referrers = [o.name for o in probe.orgs if takes(probe, o.index, "specialist_referrals")]
    assert len(referrers) >= 2
    supporters = [o.name for o in probe.orgs if takes(probe, o.index, "support_hard")]
    decisions = [Decision(0, referrers[0], "specialist_referrals", "everyone"),
                 Decision(30, referrers[1], "specialist_referrals", "three_or_more_barriers"),
                 *(Decision(20, name, "support_hard", "intensive") for name in supporters)]
    runs = {}
    for kernels in ("numpy", "numba"):
        monkeypatch.setenv(ENVIRONMENT, kernels)
        runs[kernels] = _finished_run("two_tier", seed=6, claimants=3000, weeks=120,
                                      decisions=decisions)
    a, b = runs["numpy"], runs["numba"]
    assert b.fused and b.decisions.sets_referrals and b.decisions.sets_support
    assert a.metrics() == b.metrics()
    assert a.accounts.cash.tobytes() == b.accounts.cash.tobytes()
    assert np.array_equal(a.claimants.episode_provider, b.claimants.episode_provider)

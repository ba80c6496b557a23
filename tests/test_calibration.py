"""Calibration: the targets and their distance, check-fit, and adopt-fit; the shipped
two-tier baseline reproduces the required published figures. The fit itself (ABC-SMC,
resuming, the posterior) is tests/test_posterior.py's."""

import time

import pytest

from commissioning.experiments.calibration.check import check_fit, write_table
from commissioning.experiments.calibration.fitting import (
    FREE_PARAMETERS,
    apply,
    discrepancy,
    distance,
)
from commissioning.experiments.calibration.targets import DEADWEIGHT, PRIMARY, TARGETS
from commissioning.model.parameters import BY_NAME, defaults
from commissioning.model.scenario import load_scenario

from .interrupts import group_gone, press_ctrl_c, start_as_in_a_terminal


def test_targets_have_the_ids_of_domain_md():
    ids = {t.id for t in TARGETS}
    assert ids == {f"C{k}" for k in range(1, 26)} | {"N1", "N2"}
    assert [t.id for t in PRIMARY] == ["C1", "C2", "C3", "C4", "C5"]
    # DOMAIN 2.4 and 7: non-intervention JSA 25+ 15% (10-26%), ESA 11% (11-15%)
    assert [(t.id, t.figure, t.low, t.high) for t in DEADWEIGHT] == [
        ("N1", 0.15, 0.10, 0.26), ("N2", 0.11, 0.11, 0.15)]
    assert all(t.required for t in PRIMARY + DEADWEIGHT)
    assert len({t.key for t in TARGETS}) == len(TARGETS)
    for t in TARGETS:
        assert t.low <= t.figure <= t.high, t.id


def test_the_deadweight_lines_read_the_no_programme_world(two_tier_run):
    """N1 and N2 are the counterfactual's outcomes for their groups, not the programme's."""
    from commissioning.experiments.calibration.targets import read_targets
    from commissioning.model.parameters import PAYMENT_GROUPS

    values = dict(zip([t.id for t in TARGETS], read_targets(two_tier_run), strict=False))
    c = two_tier_run.claimants
    for tid, group in (("N1", "jsa_25_plus"), ("N2", "esa_new")):
        mine = c.group == PAYMENT_GROUPS.index(group)
        assert values[tid] == pytest.approx(c.cf_outcome[mine].mean())
        assert values[tid] != two_tier_run.metrics()[f"job_outcome_rate_{group}"]


def test_esa_funding_per_participant_is_what_each_was_owed_within_two_years(monkeypatch):
    """C25 reads the model's tally by payment group and referral week: the same as adding
    up, claimant by claimant, every payment the commissioner owed for them within their
    weeks on programme (recorded here as each is earned)."""
    import numpy as np

    from commissioning.experiments.calibration.targets import read_targets, week_of
    from commissioning.model import CommissioningModel, employment, referrals
    from commissioning.model.parameters import PAYMENT_GROUPS

    from .conftest import SMALL

    model = CommissioningModel(**{**SMALL, "weeks": 260, "referral_weeks": 200}, seed=4)
    owed = np.zeros(model.claimants.n)
    for module in (referrals, employment):
        def watched(m, week, ids, amount, *rest, _pay=module.pay_down_the_chain):
            within = week - m.claimants.referral_week[ids] < m.p["programme_weeks"]
            np.add.at(owed, ids[within], np.broadcast_to(amount, ids.shape)[within])
            return _pay(m, week, ids, amount, *rest)
        monkeypatch.setattr(module, "pay_down_the_chain", watched)
    model.run_model()
    c = model.claimants
    esa = np.isin(c.group, [PAYMENT_GROUPS.index(g) for g in ("esa_new", "esa_ex_ib",
                                                              "esa_volunteers")])
    esa &= (c.status != 0) & (c.referral_week <= week_of(model, "2014-12"))
    values = dict(zip([t.id for t in TARGETS], read_targets(model), strict=False))
    assert esa.sum() > 100 and owed[esa].sum() > 0
    assert values["C25"] == pytest.approx(owed[esa].mean(), rel=1e-12)


def test_distance_is_zero_inside_every_range_and_weighs_the_required_targets():
    inside = {t.key: (t.low + t.high) / 2 for t in TARGETS}
    assert distance(inside) == 0.0
    assert distance(inside, centre=0.05) == 0.0  # at the middle, no pull either
    c11 = next(t for t in TARGETS if t.id == "C11")
    n1 = DEADWEIGHT[0]
    off_c11 = {**inside, c11.key: c11.high + (c11.high - c11.low) / 2}
    off_n1 = {**inside, n1.key: n1.high + (n1.high - n1.low) / 2}
    assert distance(off_n1) == pytest.approx(5 * distance(off_c11))  # one half-width out each


def test_discrepancy_is_zero_inside_a_range_and_grows_outside():
    c2 = next(t for t in TARGETS if t.id == "C2")
    assert discrepancy(c2, c2.low) < 0.1 and discrepancy(c2, c2.high) < 0.1
    assert discrepancy(c2, c2.high + 0.01) < discrepancy(c2, c2.high + 0.05)
    assert discrepancy(c2, float("nan")) > 1
    assert discrepancy(c2, 10.0) < 10  # one unreachable target cannot dominate


def test_free_parameters_are_model_parameters_within_their_ranges():
    for fp in FREE_PARAMETERS:
        p = BY_NAME[fp.name]
        assert p.section == fp.key.split(".")[0]
        assert p.low <= fp.low < fp.high <= p.high
    moved = apply(defaults(), FREE_PARAMETERS[1:2], [0.02])
    ratio = 0.02 / defaults()["base_hazard"]["jsa_25_plus"]
    for g in FREE_PARAMETERS[1].linked:  # linked groups keep their relative level
        assert moved["base_hazard"][g] == pytest.approx(defaults()["base_hazard"][g] * ratio)


@pytest.mark.slow
def test_shipped_two_tier_reproduces_the_required_targets():
    params = load_scenario("two_tier").params
    table, _ = check_fit(params, replicates=10, workers=2)  # as docs/calibration.md
    required = table[table.required]  # C1-C5 and the deadweight lines N1-N2
    assert required.inside.all(), required[["id", "figure", "low", "high", "model_mean"]]


def test_fit_table_is_replaced_between_its_markers(tmp_path):
    doc = tmp_path / "calibration.md"
    doc.write_text("# Calibration\n\nintro\n")
    write_table(doc, "first table")
    write_table(doc, "second table")
    text = doc.read_text()
    assert text.count("second table") == 1 and "first table" not in text
    assert text.startswith("# Calibration\n\nintro")


def test_fitted_values_file_reads_back_as_written(tmp_path):
    from commissioning.experiments.calibration.adopt import fitted_values_text
    from commissioning.model.fitted_values import read_fit

    values = {"hazard_elasticity": 0.41, "base_hazard": dict(defaults()["base_hazard"])}
    header = 'Fitted on a "day".\nLine two \\ with a backslash and a tab\t.'
    path = tmp_path / "fitted_values.toml"
    path.write_text(fitted_values_text(values, "2026-12-02 10:00 UTC", "x.toml", header))
    fit = read_fit(path)
    assert fit["values"] == values
    assert (fit["fitted_on"], fit["origin"], fit["header"]) == (
        "2026-12-02 10:00 UTC", "x.toml", header)


def test_the_model_takes_its_fitted_defaults_from_the_data_file():
    from commissioning.model.fitted_values import FIT_FILE, read_fit

    assert FIT_FILE.suffix == ".toml"
    assert not FIT_FILE.with_suffix(".py").read_text().count("FITTED_VALUES = {")
    fitted = read_fit()["values"]
    base = defaults()
    assert fitted and all(base[k] == v for k, v in fitted.items())


def test_adopt_fit_refuses_a_file_that_calibrate_did_not_write(tmp_path, capsys):
    from commissioning.cli.main import main

    plain = tmp_path / "plain.toml"
    plain.write_text('[scenario]\nname = "mine"\n')
    assert main(["adopt-fit", str(plain)]) == 2
    err = capsys.readouterr().err
    assert "plain.toml" in err and "header" in err and "Traceback" not in err


def test_adopt_fit_refuses_a_fit_that_also_changed_other_parameters(tmp_path, capsys):
    from commissioning.cli.main import main

    fitted = tmp_path / "fitted.toml"
    fitted.write_text("# Two-tier baseline fitted by `commissioning calibrate` on 2026-12-02.\n"
                      '[scenario]\nname = "fitted"\ninherits = "two_tier.toml"\n'
                      "[payments]\nattachment_fee = 100\n")
    assert main(["adopt-fit", str(fitted)]) == 2
    err = capsys.readouterr().err
    assert "attachment_fee" in err and "not fitted" in err


def test_ctrl_c_stops_a_fit_on_dask_with_one_line_and_no_workers_left(tmp_path):
    """Ctrl-C reaches the command and its workers; no traceback, no stray process."""
    log = tmp_path / "calibrate.log"
    proc = start_as_in_a_terminal(
        ["calibrate", "--population", "400", "--budget", "2000", "--workers", "2",
         "--set", "area.claimants=300", "--set", "run.weeks=60",
         "--out", str(tmp_path / "fit")], log)
    try:
        deadline = time.monotonic() + 90
        while "generation 0:" not in log.read_text() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, log.read_text()  # still fitting: the interrupt means it
    finally:
        rc = press_ctrl_c(proc)
    printed = log.read_text()
    assert rc == 130, printed
    assert "Traceback" not in printed and "never retrieved" not in printed, printed
    assert printed.rstrip().endswith("interrupted"), printed
    assert "run the same command again to go on" in printed, printed
    assert group_gone(proc.pid), "worker processes outlived the interrupted fit"
    assert not (tmp_path / "fit" / "two_tier_fitted.toml").exists()  # nothing half-written
    assert not list((tmp_path / "fit").glob("**/.*.tmp"))


# --- check-fit and adopt-fit as a new user meets them ----------------------------------------

FAST = ["--set", "area.claimants=300", "--set", "run.weeks=160", "--set",
        "area.referral_weeks=56", "--replicates", "1", "--workers", "0"]


def test_check_fit_writes_files_only_when_asked_and_names_other_scenarios(
        tmp_path, capsys, monkeypatch):
    from commissioning.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()  # as in a checkout: nothing may be written here unasked
    assert main(["check-fit", "locality", *FAST]) == 0
    printed = capsys.readouterr().out
    assert "C1 " in printed and "inside" in printed
    # the deadweight lines are checked like every other target, and counted apart
    assert "N1   no-programme 2-yr job outcome rate, JSA 25+" in printed
    assert "N2   no-programme 2-yr job outcome rate, new ESA" in printed
    assert "deadweight N1-N2: " in printed and " of 2" in printed
    assert "note: the targets are the two-tier Work Programme's" in printed
    assert "is a locality scenario" in printed
    assert list(tmp_path.rglob("*")) == [tmp_path / "docs"]

    doc, figure = tmp_path / "fit.md", tmp_path / "figs" / "fit.png"
    assert main(["check-fit", "two_tier", *FAST, "--doc", str(doc), "--figure",
                 str(figure)]) == 0
    printed = capsys.readouterr().out
    assert "changes 3 parameters of the two-tier baseline" in printed  # the --set values
    text = doc.read_text()
    assert "| C1 (primary) |" in text and "this scenario changes 3 parameters" in text
    assert "| N1 (deadweight) |" in text and "| N2 (deadweight) |" in text
    assert figure.read_bytes().startswith(b"\x89PNG")


def test_check_fit_of_the_baseline_itself_has_no_note(capsys):
    from commissioning.experiments.calibration.check import not_the_baseline

    assert not_the_baseline(load_scenario("two_tier").params) == ""
    assert "locality" in not_the_baseline(load_scenario("locality").params)


def _fitted_file(path, name="fitted"):
    """A scenario file as `calibrate` writes it: the fitted values and the header."""
    from commissioning.experiments.calibration.fitted_file import FITTED_ON  # noqa: F401
    from commissioning.model.scenario_writer import render_scenario

    params = defaults()
    params["hazard_elasticity"] = 0.45
    path.write_text(render_scenario(params, name=name, header=(
        "Two-tier baseline fitted by `commissioning calibrate` on 2026-12-02 10:00 UTC.\n\n"
        "Fitted values:\n  labour_market.hazard_elasticity: 0.45")), encoding="utf-8")
    return path


def _checkout(root):
    """The files adopt-fit rewrites, in a stand-in checkout."""
    for folder in ("model", "scenarios", "docs"):
        (root / folder).mkdir(parents=True)
    (root / "docs" / "ODD.md").write_text("| Key | Default | Unit | Range | Source |\n")
    (root / "docs" / "calibration.md").write_text("# Calibration\n")
    (root / "scenarios" / "two_tier.toml").write_text("")
    return root


def test_adopt_fit_from_an_installed_copy_says_exactly_what_to_do(tmp_path, capsys,
                                                                  monkeypatch):
    from commissioning.cli.main import main
    from commissioning.experiments.calibration import adopt

    monkeypatch.setattr(adopt, "checkout_root", lambda: None)  # as after `pip install .`
    fitted = _fitted_file(tmp_path / "fit.toml")
    assert main(["adopt-fit", str(fitted)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "pip install -e ." in err and f"commissioning adopt-fit {fitted}" in err


def test_a_hostile_fit_file_name_never_becomes_code(tmp_path, capsys, monkeypatch):
    """Issue 19, item 7: the name is data in a TOML file, read back as the same string."""
    import subprocess
    import sys

    from commissioning.cli.main import main
    from commissioning.experiments.calibration import adopt
    from commissioning.model.fitted_values import read_fit

    root = _checkout(tmp_path / "checkout")
    regenerated: list = []
    monkeypatch.setattr(adopt, "checkout_root", lambda: root)
    monkeypatch.setattr(adopt, "regenerate", regenerated.append)
    name = 'fit"""; __import__("os").system("id > X"); """.toml'
    fitted = _fitted_file(tmp_path / name)
    monkeypatch.chdir(tmp_path)
    assert main(["adopt-fit", str(fitted)]) == 0, capsys.readouterr().err
    written = root / "model" / "fitted_values.toml"
    fit = read_fit(written)
    assert fit["origin"] == name
    assert fit["values"]["hazard_elasticity"] == 0.45
    assert regenerated == [root]
    # Reading it (as every import of the model does) runs nothing it holds.
    subprocess.run([sys.executable, "-c", "import pathlib, sys; from commissioning.model."
                    "fitted_values import read_fit; read_fit(pathlib.Path(sys.argv[1]))",
                    str(written)], cwd=tmp_path, check=True)
    assert not (tmp_path / "X").exists()
    assert not any(p.suffix == ".py" for p in (root / "model").iterdir())

"""The `commissioning` command: run, compare, validate, parameters.

Bad input gives exit status 2 and one line on stderr naming the file, the key
and what was expected -- never a Python traceback. Every model run here is
small (at most 1,200 claimants and 120 weeks).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from commissioning.cli.main import main
from commissioning.model import CommissioningModel
from commissioning.model.metrics import FINAL_KEYS
from commissioning.model.parameters import PARAMETERS, PAYMENT_GROUPS
from commissioning.model.scenario import packaged_scenarios

from .test_scenarios import BAD_FILES, UNREADABLE_FILES, write

SHIPPED = packaged_scenarios()
SHIPPED_FILES = sorted(SHIPPED.glob("*.toml"))
TWO_TIER = SHIPPED / "two_tier.toml"

#: The small run of the issue: 800 claimants referred over 40 weeks, 120 weeks.
SMALL_SET = ["--set", "area.claimants=800", "--set", "run.weeks=120",
             "--set", "area.referral_weeks=40"]
#: Smaller still, for runs whose numbers do not matter.
TINY_SET = ["--set", "area.claimants=300", "--set", "run.weeks=60",
            "--set", "area.referral_weeks=20"]

COMMANDS = ("validate", "run", "compare")


def cli(capsys, *argv: str | Path) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def command(name: str, scenario: Path, tmp_path: Path, *extra: str) -> list:
    """`name` applied to `scenario` (compare: as the second of two scenarios)."""
    if name == "compare":
        return ["compare", TWO_TIER, scenario, "--replicates", "1", "--out",
                tmp_path / "out", *extra]
    return [name, scenario, *extra]


def assert_bad_input(rc: int, out: str, err: str, *names: str) -> None:
    """Exit 2, one line on stderr naming everything in `names`, no traceback."""
    assert rc == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "expected" in lines[0]
    for name in names:
        assert name in lines[0]
    assert "ok" not in out.split()


def strict_json(text: str) -> dict:
    """JSON as the standard has it: NaN and Infinity are not numbers."""
    def reject(token: str):
        raise ValueError(f"not JSON: {token}")
    return json.loads(text, parse_constant=reject)


def run_json(capsys, *argv: str | Path) -> dict:
    rc, out, err = cli(capsys, "run", *argv, "--json")
    assert rc == 0, err
    return strict_json(out)


# --- bad input, in process ------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(("content", "key", "expected"), BAD_FILES)
def test_every_command_rejects_a_bad_file(capsys, tmp_path, name, content, key, expected):
    path = write(tmp_path / "bad.toml", content)
    rc, out, err = cli(capsys, *command(name, path, tmp_path))
    assert_bad_input(rc, out, err, str(path), f": {key}: ", expected)


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize(("content", "expected"), UNREADABLE_FILES)
def test_every_command_rejects_an_unreadable_file(capsys, tmp_path, name, content, expected):
    path = write(tmp_path / "bad.toml", content)
    rc, out, err = cli(capsys, *command(name, path, tmp_path))
    assert_bad_input(rc, out, err, str(path), expected)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_rejects_a_missing_file(capsys, tmp_path, name):
    path = tmp_path / "missing.toml"
    rc, out, err = cli(capsys, *command(name, path, tmp_path))
    assert_bad_input(rc, out, err, str(path), "no such file")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_rejects_a_directory(capsys, tmp_path, name):
    folder = tmp_path / "folder"
    folder.mkdir()
    rc, out, err = cli(capsys, *command(name, folder, tmp_path))
    assert_bad_input(rc, out, err, str(folder))


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_rejects_circular_inheritance(capsys, tmp_path, name):
    write(tmp_path / "a.toml", "[scenario]\ninherits = 'b.toml'\n")
    write(tmp_path / "b.toml", "[scenario]\ninherits = 'a.toml'\n")
    rc, out, err = cli(capsys, *command(name, tmp_path / "a.toml", tmp_path))
    assert_bad_input(rc, out, err, "scenario.inherits", "circular")


def test_validate_rejects_a_missing_file_named_like_a_shipped_one(capsys, tmp_path):
    path = tmp_path / "two_tier.toml"
    rc, out, err = cli(capsys, "validate", path)
    assert_bad_input(rc, out, err, str(path), "no such file")


@pytest.mark.parametrize("name", ["run", "compare"])
@pytest.mark.parametrize(("assignment", "key", "expected"), [
    ("area.claimants=many", "area.claimants", "whole number"),
    ("referral.attachment_rate=2", "referral.attachment_rate", "between 0 and 1"),
    ("area.nope=1", "area.nope", "a parameter of [area]"),
    ("nope.claimants=1", "nope.claimants", "a section"),
    ("payments.job_outcome_fee.jsa_99=5", "payments.job_outcome_fee.jsa_99", "payment group"),
    ("payments.job_outcome_fee.esa_new=-5", "payments.job_outcome_fee.esa_new", "between 0"),
    ("claimants.referral_share.esa_new=0.5", "claimants.referral_share", "sum to 1"),
    ("area.claimants", "area.claimants", "section.key=value"),
])
def test_run_and_compare_check_set_like_the_file(capsys, tmp_path, name, assignment, key,
                                                  expected):
    rc, out, err = cli(capsys, *command(name, TWO_TIER, tmp_path, "--set", assignment))
    assert_bad_input(rc, out, err, "--set", key, expected)
    assert not (tmp_path / "out" / "comparison.csv").exists()


def test_run_rejects_a_seed_out_of_range(capsys):
    rc, out, err = cli(capsys, "run", "--seed", "-1", *TINY_SET)
    assert_bad_input(rc, out, err, "run.seed")


def test_compare_rejects_zero_replicates(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["compare", str(TWO_TIER), "--replicates", "0", "--out", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--replicates" in err and "Traceback" not in err


# --- as a real command -----------------------------------------------------------
# Every message above is checked in process; these check the entry points themselves
# (`python -m` on bad and on good input, and the console script), once each.


def subprocess_cli(*argv: str | Path, script: str | None = None) -> subprocess.CompletedProcess:
    prefix = [script] if script else [sys.executable, "-m", "commissioning.cli.main"]
    return subprocess.run([*prefix, *map(str, argv)], capture_output=True, text=True,
                          timeout=120, check=False)


def assert_bad_process(proc: subprocess.CompletedProcess, *names: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for name in names:
        assert name in lines[0]


def test_process_validate_unknown_key(tmp_path):
    path = write(tmp_path / "typo.toml", "[labour_market]\nvacancy_ratio = 0.3\n")
    proc = subprocess_cli("validate", path)
    assert_bad_process(proc, str(path), "labour_market.vacancy_ratio",
                       "a parameter of [labour_market]")
    assert proc.stdout == ""


@pytest.mark.skipif(shutil.which("commissioning") is None, reason="console script not installed")
def test_console_script_rejects_shares_not_summing_to_one(tmp_path):
    path = write(tmp_path / "shares.toml", "[claimants.referral_share]\nesa_ex_ib = 0.5\n")
    proc = subprocess_cli("validate", path, script=shutil.which("commissioning"))
    assert_bad_process(proc, str(path), "claimants.referral_share", "sum to 1")


def test_process_validate_every_shipped_scenario():
    proc = subprocess_cli("validate", *SHIPPED_FILES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert [line.split()[0] for line in proc.stdout.splitlines()] == ["ok"] * len(SHIPPED_FILES)


# --- validate and parameters ----------------------------------------------------


def test_validate_every_shipped_scenario(capsys):
    rc, out, err = cli(capsys, "validate", *SHIPPED_FILES)
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == len(SHIPPED_FILES)
    for line, path in zip(lines, SHIPPED_FILES, strict=True):
        assert line.startswith(f"ok    {path}")


def test_validate_shipped_scenarios_by_name(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, out, _ = cli(capsys, "validate", *(p.stem for p in SHIPPED_FILES))
    assert rc == 0
    assert out.count("ok ") == len(SHIPPED_FILES)


def test_validate_reports_each_file_and_fails_if_any_fails(capsys, tmp_path):
    bad = write(tmp_path / "bad.toml", "[area]\nlocalities = 0\n")
    child = write(tmp_path / "child.toml",
                  f"[scenario]\ninherits = '{TWO_TIER}'\n[area]\nlocalities = 6\n")
    rc, out, err = cli(capsys, "validate", TWO_TIER, bad, child)
    assert rc == 2
    assert f"ok    {TWO_TIER}" in out and f"ok    {child}" in out
    assert str(bad) not in out
    assert len(err.strip().splitlines()) == 1
    assert str(bad) in err and "area.localities" in err


def test_parameters_lists_every_parameter(capsys):
    rc, out, _ = cli(capsys, "parameters")
    assert rc == 0
    listed = [line.split()[0] for line in out.splitlines() if line.strip()]
    assert listed == [p.key for p in PARAMETERS]


def test_parameters_markdown_is_a_table_of_every_parameter(capsys):
    rc, out, _ = cli(capsys, "parameters", "--markdown")
    assert rc == 0
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [p.key for p in PARAMETERS]
    assert all(row.count("|") == 6 for row in rows)


# --- run ------------------------------------------------------------------------


def test_run_json_prints_exactly_the_final_metrics(capsys):
    metrics = run_json(capsys, *SMALL_SET)
    assert list(metrics) == list(FINAL_KEYS)
    for group in PAYMENT_GROUPS:
        assert f"job_outcome_rate_{group}" in metrics
    for key, value in metrics.items():
        assert value is None or (type(value) in (int, float) and math.isfinite(value)), key
    assert metrics["weeks"] == 120
    assert metrics["referrals"] == 800
    assert 0 < metrics["job_outcome_rate"] < 1
    # ... and they are the model's own numbers for the same scenario and seed.
    model = CommissioningModel(scenario=TWO_TIER, claimants=800, weeks=120, referral_weeks=40)
    model.run_model()
    for key, value in model.metrics().items():
        assert metrics[key] == (None if math.isnan(value) else pytest.approx(value)), key


def test_run_json_gives_null_for_a_ratio_with_nothing_to_divide_by(capsys):
    metrics = run_json(capsys, *TINY_SET, "--set", "referral.attachment_rate=0")
    assert list(metrics) == list(FINAL_KEYS)
    assert metrics["support_ratio_easy_to_hard"] is None  # nobody attached
    assert metrics["referrals"] == 300
    assert metrics["job_outcomes"] == 0


def test_run_set_claimants_changes_referrals(capsys, tmp_path):
    path = write(tmp_path / "mine.toml",
                 f"[scenario]\ninherits = '{TWO_TIER}'\n"
                 "[area]\nclaimants = 1200\nreferral_weeks = 20\n[run]\nweeks = 60\n")
    from_file = run_json(capsys, path)
    overridden = run_json(capsys, path, "--set", "area.claimants=300")
    assert from_file["referrals"] == 1200
    assert overridden["referrals"] == 300
    assert overridden["weeks"] == from_file["weeks"] == 60


def test_run_seed_option_changes_the_run(capsys):
    a = run_json(capsys, *TINY_SET, "--seed", "3")
    b = run_json(capsys, *TINY_SET, "--set", "run.seed=3")
    c = run_json(capsys, *TINY_SET, "--seed", "4")
    assert a == b
    assert a != c


def test_run_summary_and_weekly_csv(capsys, tmp_path):
    weekly = tmp_path / "weekly.csv"
    rc, out, err = cli(capsys, "run", *TINY_SET, "--weekly", weekly)
    assert rc == 0, err
    assert "job_outcome_rate" in out and str(weekly) in out
    series = pd.read_csv(weekly)
    assert series["week"].tolist() == list(range(61))
    assert set(FINAL_KEYS) <= set(series.columns)


# --- compare --------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(tmp_path_factory) -> tuple[Path, str]:
    out_dir = tmp_path_factory.mktemp("compare") / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        rc = main(["compare", "two_tier", "locality", "--replicates", "2", *SMALL_SET,
                   "--out", str(out_dir)])
    assert rc == 0, stderr.getvalue()
    assert "Traceback" not in stderr.getvalue()
    return out_dir, stdout.getvalue()


def test_compare_writes_every_output(comparison):
    out_dir, stdout = comparison
    for name in ("comparison.csv", "runs.csv", "weekly.csv", "job_outcomes.png",
                 "provider_cash.png"):
        assert (out_dir / name).is_file(), name
    for name in ("job_outcomes.png", "provider_cash.png"):
        data = (out_dir / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, name
    assert "two_tier" in stdout and "locality" in stdout
    assert "comparison.csv" in stdout


def test_compare_table(comparison):
    out_dir, _ = comparison
    table = pd.read_csv(out_dir / "comparison.csv")
    assert list(table.columns[:5]) == ["metric", "scenario", "mean", "ci_low", "ci_high"]
    assert {"diff", "diff_low", "diff_high"} <= set(table.columns)
    assert list(dict.fromkeys(table.metric)) == list(FINAL_KEYS)
    for metric, rows in table.groupby("metric"):
        assert rows.scenario.tolist() == ["two_tier", "locality"], metric
    rows = table.set_index(["metric", "scenario"])
    assert rows.loc[("referrals", "two_tier"), "mean"] == 800
    assert rows.loc[("referrals", "locality"), "diff"] == 0
    assert rows.loc[("weeks", "locality"), "mean"] == 120
    assert table[table.scenario == "two_tier"]["diff"].isna().all()


def test_compare_diff_is_the_paired_difference(comparison):
    out_dir, _ = comparison
    runs = pd.read_csv(out_dir / "runs.csv")
    table = pd.read_csv(out_dir / "comparison.csv").set_index(["metric", "scenario"])
    wide = runs.pivot(index="replicate", columns="scenario", values="job_outcome_rate")
    paired = (wide["locality"] - wide["two_tier"]).mean()
    assert table.loc[("job_outcome_rate", "locality"), "diff"] == pytest.approx(paired)
    assert table.loc[("job_outcome_rate", "locality"), "mean"] == pytest.approx(
        wide["locality"].mean())
    low, mean, high = table.loc[("job_outcome_rate", "two_tier"),
                                ["ci_low", "mean", "ci_high"]]
    assert low <= mean <= high


def test_compare_runs_every_scenario_on_the_same_seeds(comparison):
    out_dir, _ = comparison
    runs = pd.read_csv(out_dir / "runs.csv")
    assert len(runs) == 4
    assert sorted(zip(runs.scenario, runs.replicate, runs.seed, strict=True)) == [
        ("locality", 0, 1), ("locality", 1, 2), ("two_tier", 0, 1), ("two_tier", 1, 2)]
    assert (runs.referrals == 800).all() and (runs.weeks == 120).all()
    # Same claimants and chances in both scenarios: the no-programme world is identical.
    same = runs.groupby("replicate").no_programme_outcome_rate.nunique()
    assert (same == 1).all()
    assert runs.no_programme_outcome_rate.notna().all()


def test_compare_weekly_series(comparison):
    out_dir, _ = comparison
    weekly = pd.read_csv(out_dir / "weekly.csv")
    assert {"scenario", "replicate", "week", "job_outcome_rate"} <= set(weekly.columns)
    for (_, _), rows in weekly.groupby(["scenario", "replicate"]):
        assert rows.week.tolist() == list(range(121))
    assert len(weekly) == 4 * 121

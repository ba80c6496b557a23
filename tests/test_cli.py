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
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from commissioning.cli.main import main
from commissioning.model import CommissioningModel
from commissioning.model.metrics import FINAL_KEYS, MAPPING_KEYS
from commissioning.model.parameters import PARAMETERS, PAYMENT_GROUPS, defaults
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


def assert_usage_error(rc: int, out: str, err: str, name: str, option: str, *words: str
                       ) -> None:
    """Exit 2; the subcommand's usage, then one line naming the option and what it expects."""
    assert rc == 2
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"usage: commissioning {name} "), err
    last = lines[-1]
    assert last.startswith(f"commissioning {name}: error: argument {option}"), err
    assert "expected" in last
    for word in words:
        assert word in last


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
def test_run_names_the_seed_option_when_the_seed_is_out_of_range(capsys, seed):
    rc, out, err = cli(capsys, "run", "--seed", seed, *TINY_SET)
    assert_usage_error(rc, out, err, "run", "--seed", "from 0 to 9,223,372,036,854,775,807",
                       seed)


@pytest.mark.parametrize(("argv", "name", "option", "expected"), [
    (["compare", "--replicates", "0"], "compare", "--replicates", "at least 1"),
    (["compare", "--workers", "-2"], "compare", "--workers", "at least 0"),
    (["compare", "--seed", "-1"], "compare", "--seed", "from 0"),
    (["calibrate", "--population", "0"], "calibrate", "--population", "at least 1"),
    (["calibrate", "--budget", "-5"], "calibrate", "--budget", "at least 1"),
    (["calibrate", "--generations", "0"], "calibrate", "--generations", "at least 1"),
    (["check-fit", "--replicates", "0"], "check-fit", "--replicates", "at least 1"),
    (["check-fit", "--workers", "two"], "check-fit", "--workers", "whole number"),
    (["sweep", "fees", "--replicates", "0"], "sweep", "--replicates", "at least 1"),
    (["sweep", "fees", "--shard", "3/2"], "sweep", "--shard", "1 <= I <= N"),
    (["sweep", "fees", "--shard", "0/2"], "sweep", "--shard", "1 <= I <= N"),
    (["sweep", "fees", "--workers", "-1"], "sweep", "--workers", "at least 0"),
])
def test_counts_out_of_range_print_the_subcommands_usage(capsys, tmp_path, argv, name,
                                                         option, expected):
    out_dir = tmp_path / "out"
    rc, out, err = cli(capsys, *argv, "--out", out_dir) if name != "check-fit" else \
        cli(capsys, *argv)
    assert_usage_error(rc, out, err, name, option, expected)
    assert list(tmp_path.iterdir()) == []  # nothing made


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


def console_script() -> str:
    """The `commissioning` command pip installed beside this Python (or on PATH)."""
    beside = Path(sys.executable).with_name("commissioning")
    found = str(beside) if beside.exists() else shutil.which("commissioning")
    assert found, "no `commissioning` command: install the package (pip install -e .)"
    return found


def test_console_script_rejects_shares_not_summing_to_one(tmp_path):
    path = write(tmp_path / "shares.toml", "[claimants.referral_share]\nesa_ex_ib = 0.5\n")
    proc = subprocess_cli("validate", path, script=console_script())
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
    listed = [line.split()[0] for line in out.splitlines() if line[:1].strip()]
    assert listed == [p.key for p in PARAMETERS]


def test_parameters_names_the_payment_groups_and_rounds_to_four_figures(capsys):
    rc, out, _ = cli(capsys, "parameters")
    assert rc == 0
    blocks: dict[str, str] = {}
    for line in out.splitlines():
        if line[:1].strip():
            key = line.split()[0]
            blocks[key] = line
        else:
            blocks[key] += "\n" + line
    for p in PARAMETERS:
        if p.kind == "per_group":
            groups = blocks[p.key].split("\n", 1)[1].replace(";", " ").replace(",", "").split()
            assert groups[::2] == list(PAYMENT_GROUPS), p.key  # each value after its group
            assert [float(v) for v in groups[1::2]] == pytest.approx(
                list(p.default.values()), rel=1e-3), p.key
    elasticity = defaults()["hazard_elasticity"]  # a fitted value: many digits in the file
    assert repr(elasticity) not in out
    assert f" {elasticity:.4g} " in blocks["labour_market.hazard_elasticity"]
    for number in re.findall(r"(?<![\w.])\d[\d,]*\.\d+", out):  # every decimal shown
        digits = number.replace(",", "").replace(".", "").lstrip("0")
        assert len(digits) <= 4, number


def test_parameters_markdown_is_a_table_of_every_parameter(capsys):
    rc, out, _ = cli(capsys, "parameters", "--markdown")
    assert rc == 0
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [p.key for p in PARAMETERS]
    assert all(row.count("|") == 6 for row in rows)


# --- run ------------------------------------------------------------------------


def test_run_json_prints_exactly_the_final_metrics(capsys):
    metrics = run_json(capsys, *SMALL_SET)
    assert list(metrics) == [*FINAL_KEYS, *MAPPING_KEYS]
    for group in PAYMENT_GROUPS:
        assert f"job_outcome_rate_{group}" in metrics
    by_year = metrics.pop("job_outcome_rate_by_referral_year")
    assert set(by_year) <= {"2011", "2012", "2013"} and by_year
    for key, value in [*metrics.items(), *by_year.items()]:
        assert value is None or (type(value) in (int, float) and math.isfinite(value)), key
    assert metrics["weeks"] == 120
    assert metrics["referrals"] == 800
    assert 0 < metrics["job_outcome_rate"] < 1
    # ... and they are the model's own numbers for the same scenario and seed.
    model = CommissioningModel(scenario=TWO_TIER, claimants=800, weeks=120, referral_weeks=40)
    model.run_model()
    for key, value in model.metrics().items():
        assert metrics[key] == (None if math.isnan(value) else pytest.approx(value)), key
    model_by_year = model.metrics_by_year()["job_outcome_rate_by_referral_year"]
    assert by_year == {year: (None if rate is None else pytest.approx(rate))
                       for year, rate in model_by_year.items()}


def test_run_json_gives_null_for_a_ratio_with_nothing_to_divide_by(capsys):
    metrics = run_json(capsys, *TINY_SET, "--set", "referral.attachment_rate=0")
    assert list(metrics) == [*FINAL_KEYS, *MAPPING_KEYS]
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
                   "--workers", "0", "--out", str(out_dir)])
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


# --- the command line as a whole: help, version, speed, the error boundary -----------------


def _subparsers():
    import argparse

    from commissioning.cli.main import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action.choices


def test_every_option_of_every_command_has_help_that_shows_its_default():
    import argparse

    _, commands = _subparsers()
    assert {"run", "validate", "parameters", "compare", "sweep", "analyse", "calibrate",
            "check-fit", "adopt-fit", "decompose", "app"} <= set(commands)
    for name, sub in commands.items():
        formatter = sub._get_formatter()
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, (name, action.dest)
            shown = formatter._expand_help(action) if action.help else ""
            flag = isinstance(action, argparse._StoreTrueAction)
            positional_required = not action.option_strings and action.nargs not in ("?", "*")
            if not flag and not positional_required:
                assert "default" in shown, (name, action.dest, shown)


def test_every_command_that_runs_many_models_takes_workers_and_scheduler_alike():
    _, commands = _subparsers()
    for name in ("compare", "sweep", "calibrate", "check-fit", "decompose"):
        options = {o: a for a in commands[name]._actions for o in a.option_strings}
        assert "--scheduler" in options, name
        text = options["--workers"].help
        assert "0 or 1 runs in this process" in text and "local Dask cluster" in text, name


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"commissioning {version('commissioning')}"


HEAVY = ("matplotlib", "scipy", "pandas", "dask", "distributed", "mesa", "solara", "SALib",
         "pyarrow", "numpy", "networkx")


@pytest.mark.parametrize("argv", [["--help"], ["validate", str(TWO_TIER)], ["run", "--help"],
                                  ["sweep", "--help"], ["calibrate", "--help"],
                                  ["parameters"]])
def test_help_and_validate_import_no_heavy_library(argv):
    """What keeps `--help` and `validate` fast: they load none of the big libraries."""
    code = ("import sys\nfrom commissioning.cli.main import main\n"
            f"rc = main({argv!r})\n"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
            "print('HEAVY', heavy, file=sys.stderr)\nsys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_an_internal_fault_is_one_line_asking_for_a_report_with_status_1(capsys, monkeypatch):
    from commissioning.cli import run as run_command

    def broken(args):
        raise KeyError("oops")

    monkeypatch.setattr(run_command, "cmd_parameters", broken)
    rc, out, err = cli(capsys, "parameters")
    assert rc == 1 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "internal fault" in err and "KeyError" in err and "report" in err


def test_a_machine_error_is_one_line_with_status_2(capsys, monkeypatch):
    from commissioning.cli import run as run_command

    def disk_full(args):
        raise OSError(28, "No space left on device", "/data/out.csv")

    monkeypatch.setattr(run_command, "cmd_parameters", disk_full)
    rc, _, err = cli(capsys, "parameters")
    assert rc == 2 and "Traceback" not in err
    assert err.strip() == "error: /data/out.csv: No space left on device"


# --- which kind of file ---------------------------------------------------------------------

SWEEPS = SHIPPED / "sweeps"


@pytest.mark.parametrize("name", ["validate", "run"])
def test_a_sweep_file_given_for_a_scenario_says_what_it_is_and_which_command_takes_it(
        capsys, name):
    path = SWEEPS / "fees.toml"
    rc, out, err = cli(capsys, name, path)
    assert_bad_input(rc, out, err, str(path), "this is a sweep file",
                     f"commissioning sweep {path}")


def test_a_scenario_file_given_for_a_sweep_says_what_it_is_and_which_command_takes_it(
        capsys, tmp_path):
    rc, out, err = cli(capsys, "sweep", TWO_TIER, "--out", tmp_path / "out")
    assert_bad_input(rc, out, err, str(TWO_TIER), "this is a scenario file",
                     f"commissioning run {TWO_TIER}")
    assert not (tmp_path / "out").exists()


# --- outputs checked before any work; nothing left by a refused command ---------------------


def test_compare_refuses_an_out_that_is_a_file_before_running(capsys, tmp_path):
    taken = write(tmp_path / "taken", "keep me")
    start = time.monotonic()
    rc, out, err = cli(capsys, "compare", "--out", taken, "--replicates", "50")
    assert_bad_input(rc, out, err, str(taken), "--out", "not a file")
    assert time.monotonic() - start < 5  # nothing ran
    assert taken.read_text() == "keep me"


@pytest.mark.parametrize("name", ["compare", "calibrate", "run", "check-fit"])
def test_an_output_that_cannot_be_created_is_refused_before_any_run(capsys, tmp_path, name):
    blocker = write(tmp_path / "blocker", "a file where a folder would have to be")
    where = blocker / "deeper" / "out"
    argv = {"compare": ["compare", "--out", where],
            "calibrate": ["calibrate", "--out", where / "fit", "--budget", "500"],
            "run": ["run", "--weekly", where / "weekly.csv"],
            "check-fit": ["check-fit", "--figure", where / "fit.png"]}[name]
    start = time.monotonic()
    rc, out, err = cli(capsys, *argv)
    option = {"run": "--weekly", "check-fit": "--figure"}.get(name, "--out")
    assert_bad_input(rc, out, err, option, "can be created")
    assert time.monotonic() - start < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_run_writes_the_weekly_series_into_a_folder_it_creates(capsys, tmp_path):
    weekly = tmp_path / "new" / "folder" / "weekly.csv"
    rc, _, err = cli(capsys, "run", *TINY_SET, "--weekly", weekly)
    assert rc == 0, err
    assert pd.read_csv(weekly)["week"].tolist() == list(range(61))


def test_calibrate_writes_into_a_folder_it_creates(capsys, tmp_path):
    from commissioning.experiments.calibration.posterior import PICK_SEEDS

    out = tmp_path / "new" / "fit"
    budget = 2 + (1 + 1) * PICK_SEEDS  # a generation of 2; one set and the mean to pick from
    rc, printed, err = cli(capsys, "calibrate", "--population", "2", "--generations", "1",
                           "--budget", str(budget), "--select", "1", "--workers", "0", "--only",
                           "claimants.stock_readiness", "--set", "area.claimants=300",
                           "--set", "run.weeks=160", "--set", "area.referral_weeks=56",
                           "--out", out)
    assert rc == 0, err
    assert (out / "two_tier_fitted.toml").is_file() and (out / "fitted.csv").is_file()
    assert (out / "posterior.csv").is_file()
    assert len(list((out / "evaluations").iterdir())) == budget
    assert "pip install -e ." in printed  # what adopt-fit needs, said up front


@pytest.mark.parametrize(("argv", "what"), [
    (["compare", "--seed", str(2**63 - 1), "--replicates", "2"], "--seed"),
    (["compare", "two_tier", "nowhere.toml"], "nowhere.toml"),
    (["compare", "--set", "area.claimants=-5"], "area.claimants"),
])
def test_a_refused_compare_leaves_no_folder_behind(capsys, tmp_path, argv, what):
    out = tmp_path / "a" / "b"
    rc, stdout, err = cli(capsys, *argv, "--out", out)
    assert_bad_input(rc, stdout, err, what)
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_compare_leaves_no_empty_folder(tmp_path):
    from .interrupts import group_gone, press_ctrl_c, start_as_in_a_terminal

    out = tmp_path / "new" / "compare"
    log = tmp_path / "compare.log"
    proc = start_as_in_a_terminal(["compare", "--replicates", "30", "--workers", "0",
                                   *SMALL_SET, "--out", str(out)], log)
    try:
        deadline = time.monotonic() + 60
        while "1/60 runs" not in log.read_text() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, log.read_text()
    finally:
        rc = press_ctrl_c(proc)
    printed = log.read_text()
    assert rc == 130 and "Traceback" not in printed, printed
    assert printed.rstrip().endswith("interrupted")
    assert group_gone(proc.pid)
    assert not (tmp_path / "new").exists()


# --- the numbers shown -------------------------------------------------------------------------


def test_a_comparison_shows_mean_counts_with_one_decimal_and_one_run_whole_counts():
    from commissioning.experiments.report import cell, value_text

    assert cell("providers_insolvent", 0.8, 0.2, 1.4) == "0.8 [0.2, 1.4]"
    assert cell("providers_insolvent", 0.0, 0.0, 0.0) == "0.0 [0.0, 0.0]"  # apart from 0.8
    assert cell("providers_insolvent", -0.8, -1.4, -0.2, diff=True) == "-0.8 [-1.4, -0.2]"
    assert value_text("providers_insolvent", 5.0) == "5"  # one run: a whole number
    assert value_text("referrals", 10_000.0) == "10,000"


def test_the_comparison_table_prints_counts_with_one_decimal(comparison):
    _, stdout = comparison
    line = next(x for x in stdout.splitlines() if x.startswith("referrals "))
    assert line.split()[1:3] == ["800.0", "[800.0,"]


# --- app: the option that is wrong ----------------------------------------------------------


@pytest.mark.parametrize(("host", "blamed"), [("nosuchhost.invalid", "--host"),
                                              ("10.255.255.254", "--host")])
def test_app_blames_the_host_for_a_host_it_cannot_use(capsys, host, blamed):
    rc, _, err = cli(capsys, "app", "--host", host, "--port", "8799")
    assert rc == 2 and "Traceback" not in err
    assert err.startswith(f"error: {blamed}: expected") and host in err
    assert "--port" not in err


def test_the_app_benchmark_writes_its_figures_where_no_results_folder_exists(tmp_path):
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "app_step_timing.py"
    spec = importlib.util.spec_from_file_location("app_step_timing", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.write_results({"pages": {}}, tmp_path / "fresh-clone" / "results" / "x.json")
    assert json.loads(out.read_text()) == {"pages": {}}


def test_no_two_cells_of_the_comparison_table_touch(comparison):
    _, stdout = comparison
    lines = stdout.splitlines()
    header = next(i for i, x in enumerate(lines) if x.startswith("metric "))
    rows = lines[header + 1:header + 1 + len(FINAL_KEYS)]
    assert [r.split()[0] for r in rows] == list(FINAL_KEYS)
    for row in rows:  # 2 scenarios and 1 difference: three cells after the metric's name
        cells = re.split(r"\s{2,}", row.strip())
        assert len(cells) == 4, row

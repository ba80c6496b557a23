"""Parameter sweeps: designs, a real Dask LocalCluster, resume after a kill, failures, analysis.

Every sweep here is small (400 claimants over 60 weeks, or fewer): the
numbers do not matter, their identity does. One serial sweep is the
reference; the LocalCluster, the resumed and the failed-then-retried sweeps
must reproduce it exactly, run for run.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shlex
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commissioning.cli.main import main
from commissioning.experiments.sweeps.design import Design
from commissioning.experiments.sweeps.file import read_sweep
from commissioning.experiments.sweeps.run import FAIL_ENV
from commissioning.model.metrics import FINAL_KEYS
from commissioning.model.parameters import BY_NAME, PAYMENT_GROUPS
from commissioning.model.scenario import packaged_scenarios

from .interrupts import group_gone, press_ctrl_c, start_as_in_a_terminal
from .test_cli import assert_bad_input, strict_json

SMALL = '["area.claimants=400", "run.weeks=60", "area.referral_weeks=20"]'
TINY = '["area.claimants=300", "run.weeks=40", "area.referral_weeks=15"]'

#: Both regimes, fees scaled by the schedule, a lag shared by both regimes:
#: 4 points x 2 scenarios x 3 replicates = 24 runs.
GRID = f"""
# A small grid over both regimes.
[sweep]
scenarios = ["two_tier", "locality"]
design = "grid"
replicates = 3
seed = 1
set = {SMALL}

[vary."payments.attachment_fee"]
scale = true
values = [0.5, 1.5]

[vary."contract.holder_payment_lag_weeks"]
values = [2, 12]
also = ["payments.claim_lag_weeks"]
"""
GRID_RUNS = 24
METRICS = list(FINAL_KEYS)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def cli(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def runs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "runs").sort_values("run_id").reset_index(drop=True)


def same_numbers(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Identical runs: ids, scenarios, seeds, parameters and every metric, bit for bit."""
    cols = ["run_id", "point", "replicate", "scenario", "seed", "payments.attachment_fee",
            "contract.holder_payment_lag_weeks", *METRICS]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True),
                                  b[cols].reset_index(drop=True), check_exact=True)


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("sweep") / "grid.toml", GRID)


@pytest.fixture(scope="module")
def reference(grid_file, tmp_path_factory) -> Path:
    """The grid run serially, uninterrupted: the numbers everything else must match."""
    out = tmp_path_factory.mktemp("reference") / "out"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main(["sweep", str(grid_file), "--out", str(out), "--workers", "0"]) == 0
    return out


# --- designs -------------------------------------------------------------------------------


def test_a_dry_run_prints_the_runs_and_the_design_and_writes_nothing(grid_file, tmp_path,
                                                                      capsys):
    rc, out, _ = cli(capsys, "sweep", grid_file, "--dry-run", "--out", tmp_path / "out")
    assert rc == 0
    assert f"{GRID_RUNS} runs (4 points x 2 scenarios x 3 replicates)" in out
    assert "payments.attachment_fee" in out and "also sets payments.claim_lag_weeks" in out
    assert not (tmp_path / "out").exists()
    rc, out, _ = cli(capsys, "sweep", grid_file, "--dry-run", "--replicates", "5")
    assert "40 runs" in out


def test_the_grid_crosses_every_level_and_seeds_depend_on_replicate_only(reference):
    table = runs(reference)
    assert list(table.run_id) == list(range(GRID_RUNS))
    assert (table.status == "ok").all()
    points = table.groupby("point")[["payments.attachment_fee",
                                     "contract.holder_payment_lag_weeks"]].first()
    assert sorted(map(tuple, points.to_numpy())) == [(0.5, 2), (0.5, 12), (1.5, 2), (1.5, 12)]
    # Common random numbers: seed 1 + replicate at every point, in both regimes.
    assert (table.seed == 1 + table.replicate).all()
    assert set(table.regime) == {"two_tier", "locality"}
    # The fee lever works: more attachment fee, more money spent, at every pair.
    by = table.pivot_table(index=["scenario", "contract.holder_payment_lag_weeks", "replicate"],
                           columns="payments.attachment_fee", values="total_spend")
    assert (by[1.5] > by[0.5]).all()


def test_a_row_holds_every_parameter_the_run_used(reference):
    """Beside the factor (a multiplier here), the values it produced, and all the rest."""
    table = runs(reference)
    for p in BY_NAME.values():
        if p.name != "seed":
            groups = [f".{g}" for g in PAYMENT_GROUPS] if p.kind == "per_group" else [""]
            assert all(f"param.{p.key}{g}" in table for g in groups), p.key
    scale = table["payments.attachment_fee"]
    assert (table["param.payments.attachment_fee.jsa_25_plus"] == 400 * scale).all()
    assert (table["param.payments.attachment_fee.esa_new"] == 600 * scale).all()
    lag = table["contract.holder_payment_lag_weeks"]
    assert (table["param.contract.holder_payment_lag_weeks"] == lag).all()
    assert (table["param.payments.claim_lag_weeks"] == lag).all()  # `also`
    assert (table["param.area.claimants"] == 400).all()  # the sweep's `set`
    assert (table["param.commissioning.regime"] == table.regime).all()
    assert table["param.payments.service_fee_share"].groupby(table.regime).first().to_dict() \
        == {"two_tier": 0.0, "locality": 0.3}  # each scenario's own values
    assert list(table["param.payments.attachment_fee_taper"].iloc[0]) == [1.0, 0.75, 0.5, 0.0]


def test_weekly_series_are_kept_when_asked_for(tmp_path, capsys):
    path = write(tmp_path / "w.toml", f"""[sweep]\ndesign = "grid"\nset = {TINY}
weekly = ["job_outcomes", "total_spend"]\n[vary."payments.claim_lag_weeks"]\nvalues = [3, 8]\n""")
    rc, _, _ = cli(capsys, "sweep", path, "--out", tmp_path / "out", "--workers", "0")
    assert rc == 0
    weekly = pd.read_parquet(tmp_path / "out" / "weekly")
    assert list(weekly.columns) == ["run_id", "week", "job_outcomes", "total_spend"]
    # Weeks 0 (the start) to 40 (run.weeks), for each run.
    assert weekly.groupby("run_id").week.agg(list).to_dict() == {0: list(range(41)),
                                                                 1: list(range(41))}
    last = weekly.sort_values("week").groupby("run_id").last()
    final = runs(tmp_path / "out").set_index("run_id")
    assert (last.job_outcomes == final.job_outcomes).all()
    assert (last.total_spend == final.total_spend).all()


def test_designs_are_reproducible_and_have_their_documented_shape(tmp_path):
    body = """[vary."claimants.barrier_penalty"]\nlow = 0.4\nhigh = 0.9\n
[vary."contract.holder_payment_lag_weeks"]\nlow = 2\nhigh = 12\n
[vary."contract.referral_rule"]\nvalues = ["expected_value", "assessed_need"]\n"""
    shapes = {"random": (13, 13), "latin": (13, 13), "sobol": (8, 8 * (3 + 2)),
              "morris": (4, 4 * (3 + 1))}
    for design, (samples, points) in shapes.items():
        path = write(tmp_path / f"{design}.toml",
                     f"[sweep]\ndesign = '{design}'\nsamples = {samples}\n{body}")
        d = Design(read_sweep(path))
        assert d.n_points == points, design
        assert Design(read_sweep(path)).points == d.points  # same file, same design
        for penalty, lag, rule in d.points:
            assert 0.4 <= penalty <= 0.9 and lag == int(lag) and 2 <= lag <= 12
            assert rule in ("expected_value", "assessed_need")
    latin = Design(read_sweep(tmp_path / "latin.toml"))
    strata = sorted(int((p[0] - 0.4) / 0.5 * 13) for p in latin.points)
    assert strata == list(range(13))  # one point in each of the 13 slices of the range
    other = write(tmp_path / "other.toml", f"[sweep]\ndesign = 'latin'\nsamples = 13\n"
                                           f"seed = 2\n{body}")
    assert Design(read_sweep(other)).hash != latin.hash


def test_per_point_seeds_differ_by_point_and_are_shared_by_scenarios(tmp_path):
    path = write(tmp_path / "s.toml", f"""[sweep]\nscenarios = ["two_tier", "locality"]
design = "random"\nsamples = 5\nreplicates = 2\nseeds = "per_point"\nseed = 7\nset = {TINY}
[vary."claimants.barrier_penalty"]\nlow = 0.4\nhigh = 0.9\n""")
    d = Design(read_sweep(path))
    seeds = {}
    for run_id in range(d.n_runs):
        task = d.task(run_id)
        seeds.setdefault((task.point, task.replicate), set()).add(task.seed)
    assert all(len(s) == 1 for s in seeds.values())  # both scenarios, one seed
    assert len({next(iter(s)) for s in seeds.values()}) == 10  # all different


def test_scaling_keeps_the_shape_of_a_per_group_schedule(tmp_path):
    path = write(tmp_path / "s.toml", """[sweep]\ndesign = "grid"
[vary."payments.attachment_fee"]\nscale = true\nvalues = [0.5]\n""")
    params = Design(read_sweep(path)).task(0).params
    assert params["attachment_fee"]["jsa_18_24"] == 200.0  # 400 x 0.5
    assert params["attachment_fee"]["esa_new"] == 300.0  # 600 x 0.5


# --- bad sweep files -----------------------------------------------------------------------

BAD = [
    pytest.param("[sweep]\ndesign='grid'\nreplicate=2\n[vary.area.claimants]\nvalues=[1]\n",
                 "sweep.replicate", id="unknown-sweep-key"),
    pytest.param("[sweep]\ndesign='fractional'\n[vary.area.claimants]\nvalues=[1]\n",
                 "sweep.design", id="unknown-design"),
    pytest.param("[sweep]\ndesign='grid'\n[vary.payments.atachment_fee]\nvalues=[1]\n",
                 "vary.payments.atachment_fee", id="unknown-parameter"),
    pytest.param("[sweep]\ndesign='random'\nsamples=4\n[vary.referral.attachment_rate]\n"
                 "low=0.5\nhigh=1.5\n", "vary.referral.attachment_rate.high",
                 id="out-of-range"),
    pytest.param("[sweep]\ndesign='random'\nsamples=4\n[vary.referral.attachment_rate]\n"
                 "low=0.9\nhigh=0.5\n", "vary.referral.attachment_rate.high",
                 id="low-above-high"),
    pytest.param("[sweep]\ndesign='grid'\n[vary.referral.attachment_rate]\nlow=0.5\n"
                 "high=0.9\n", "vary.referral.attachment_rate.levels", id="grid-without-levels"),
    pytest.param("[sweep]\ndesign='sobol'\nsamples=10\n[vary.referral.attachment_rate]\n"
                 "low=0.5\nhigh=0.9\n", "sweep.samples", id="sobol-not-power-of-2"),
    pytest.param("[sweep]\ndesign='grid'\nscenarios=['two_tier', 'nowhere']\n"
                 "[vary.area.claimants]\nvalues=[100]\n", "sweep.scenarios[1]",
                 id="missing-scenario"),
    pytest.param("[sweep]\ndesign='grid'\n[vary.run.seed]\nvalues=[1, 2]\n", "vary.run.seed",
                 id="seed-varied"),
    pytest.param("[sweep]\ndesign='grid'\n", "vary", id="nothing-varied"),
    pytest.param("[sweep]\ndesign='grid'\n[vary.contract.referral_rule]\nlow=0\n"
                 "high=1\n", "vary.contract.referral_rule", id="range-for-a-choice"),
    pytest.param("[sweep]\ndesign='grid'\n[vary.payments.claim_lag_weeks]\nvalues=[3]\n"
                 "also=['contract.referral_rule']\n", "vary.payments.claim_lag_weeks.also[0]",
                 id="also-of-another-kind"),
    pytest.param("[sweep]\ndesign='grid'\nset=['area.claimants=100']\n[vary.area.claimants]\n"
                 "values=[100, 200]\n", "area.claimants", id="fixed-and-varied"),
    pytest.param("[sweep\ndesign='grid'\n", "valid TOML", id="not-toml"),
]


@pytest.mark.parametrize(("content", "key"), BAD)
def test_a_malformed_sweep_file_names_the_file_and_key(tmp_path, capsys, content, key):
    path = write(tmp_path / "bad.toml", content)
    rc, out, err = cli(capsys, "sweep", path, "--out", tmp_path / "out", "--workers", "0")
    assert_bad_input(rc, out, err, str(path), key)
    assert not (tmp_path / "out").exists()


def test_a_set_that_fixes_a_varied_parameter_is_refused(grid_file, capsys, tmp_path):
    rc, out, err = cli(capsys, "sweep", grid_file, "--dry-run", "--set",
                       "contract.holder_payment_lag_weeks=3")
    assert_bad_input(rc, out, err, "--set", "contract.holder_payment_lag_weeks")


# --- running: LocalCluster, resume, failures --------------------------------------------


def test_a_local_cluster_gives_exactly_the_serial_results(grid_file, reference, tmp_path,
                                                          capsys):
    rc, out, _ = cli(capsys, "sweep", grid_file, "--out", tmp_path / "out", "--workers", "2")
    assert rc == 0
    assert "local Dask cluster of 2 workers" in out
    same_numbers(runs(tmp_path / "out"), runs(reference))


def test_any_run_repeats_alone_with_the_printed_command(grid_file, reference, capsys):
    table = runs(reference)
    for run_id in (5, 18):  # a locality and a two-tier run, different points and replicates
        rc, out, _ = cli(capsys, "sweep", grid_file, "--show-run", str(run_id))
        assert rc == 0
        argv = shlex.split(out.strip().splitlines()[-1])
        assert argv[:2] == ["commissioning", "run"]
        rc, out, _ = cli(capsys, *argv[1:], "--json")
        alone = strict_json(out)
        row = table[table.run_id == run_id].iloc[0]
        for key in METRICS:
            expected = row[key]
            assert (alone[key] is None and np.isnan(expected)) or alone[key] == expected, key


def _finished(out: Path) -> list[Path]:
    return list((out / "runs").glob("run-*.parquet")) if (out / "runs").exists() else []


def _start_sweep(grid_file: Path, out: Path, log: Path) -> subprocess.Popen:
    return start_as_in_a_terminal(["sweep", str(grid_file), "--out", str(out), "--workers",
                                   "2"], log)


def _wait_for_runs(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 90
    while len(_finished(out)) < n and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


def test_a_sweep_interrupted_then_killed_resumes_with_exactly_one_row_per_run(
        grid_file, reference, tmp_path, capsys):
    """Ctrl-C of the whole process group, then `kill -9` of it, then resume."""
    out = tmp_path / "out"
    log = tmp_path / "sweep.log"
    proc = _start_sweep(grid_file, out, log)
    try:
        _wait_for_runs(proc, out, 3)
    finally:
        rc = press_ctrl_c(proc)  # Ctrl-C reaches the driver and its workers
    printed = log.read_text()
    assert rc == 130, printed
    assert "Traceback" not in printed and "run the same command again" in printed
    assert group_gone(proc.pid), "worker processes outlived the interrupted sweep"
    interrupted = len(_finished(out))
    assert 3 <= interrupted < GRID_RUNS, printed

    proc = _start_sweep(grid_file, out, log)  # resume, and kill -9 part way
    try:
        _wait_for_runs(proc, out, interrupted + 3)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the driver, its scheduler and its workers
        proc.wait()
    assert "0 done before" not in log.read_text()
    before = {p.name: p.stat().st_mtime_ns for p in _finished(out)}
    assert interrupted + 3 <= len(before) < GRID_RUNS, log.read_text()
    (out / "runs" / ".run-000099.parquet.1.tmp").write_bytes(b"half a file")

    rc, printed, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0")
    assert rc == 0
    assert f"{GRID_RUNS - len(before)} runs now" in printed
    assert not list((out / "runs").glob(".*"))  # the leftover was removed
    after = {p.name: p.stat().st_mtime_ns for p in _finished(out)}
    assert all(after[name] == t for name, t in before.items())  # finished runs untouched
    table = runs(out)
    assert list(table.run_id) == list(range(GRID_RUNS))  # each run exactly once
    same_numbers(table, runs(reference))


def _kill_a_worker_after(out: Path, n: int, killed: list[int]) -> threading.Thread:
    """A thread that SIGKILLs the worker process that wrote one of the first n runs."""
    def kill() -> None:
        deadline = time.monotonic() + 90
        while len(_finished(out)) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        hosts = pd.read_parquet(sorted(_finished(out))[0], columns=["host"]).host
        pid = int(hosts.iloc[0].rsplit(":", 1)[1])
        assert pid != os.getpid()  # a worker, not this process
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


def test_a_run_that_raises_is_recorded_and_the_rest_finish(grid_file, reference, tmp_path,
                                                           capsys, monkeypatch):
    """A run raises, and a worker process is killed mid-sweep: the rest all finish."""
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_ENV, "3")  # inherited by the LocalCluster's workers
    killed: list[int] = []
    killer = _kill_a_worker_after(out, 2, killed)
    rc, printed, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "2")
    killer.join(timeout=5)
    assert rc == 1
    assert "1 failed" in printed and "--retry-failed" in printed
    assert killed, "no worker was killed"
    with pytest.raises(ProcessLookupError):
        os.kill(killed[0], 0)  # it really died; Dask restarted it and re-ran its run
    table = runs(out)
    assert len(table) == GRID_RUNS
    failed = table[table.status == "failed"]
    assert list(failed.run_id) == [3]
    assert "injected failure for run 3" in failed.error.iloc[0]
    assert failed[METRICS].isna().all(axis=None)
    ok, ref = table[table.run_id != 3], runs(reference)
    same_numbers(ok, ref[ref.run_id != 3])

    rc, printed, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0")
    assert rc == 1 and "0 runs now" in printed  # a failure is a result: not re-run by default
    monkeypatch.delenv(FAIL_ENV)
    rc, printed, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0",
                         "--retry-failed")
    assert rc == 0 and "1 run now" in printed
    same_numbers(runs(out), ref)


def test_a_changed_sweep_in_the_same_folder_is_refused_and_nothing_is_written(
        grid_file, reference, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    changed = write(tmp_path / "grid.toml", GRID.replace("values = [0.5, 1.5]",
                                                         "values = [0.5, 1.0]"))
    for argv in (["sweep", changed, "--out", out], ["sweep", grid_file, "--out", out,
                                                     "--replicates", "4"],
                 ["sweep", grid_file, "--out", out, "--set", "area.localities=3"]):
        rc, _, err = cli(capsys, *argv, "--workers", "0")
        assert_bad_input(rc, "", err, str(out / "manifest.json"), "design_hash")
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_one_folder_takes_one_sweep_at_a_time(grid_file, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, printed, err = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0")
    assert_bad_input(rc, printed, err, str(out), "another sweep")
    assert not (out / "manifest.json").exists()


# --- analysis ------------------------------------------------------------------------------


def test_analyse_writes_tables_that_agree_with_the_runs_and_figures(reference, tmp_path,
                                                                    capsys):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    rc, printed, _ = cli(capsys, "analyse", out, "--metrics", "job_outcome_rate,total_spend")
    assert rc == 0
    assert "locality - two_tier" in printed
    table = runs(out)
    folder = out / "analysis"
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[(summary.scenario == "two_tier") & (summary.metric == "total_spend")].iloc[0]
    assert row["mean"] == pytest.approx(table[table.scenario == "two_tier"].total_spend.mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    wide = table.pivot_table(index=["point", "replicate"], columns="scenario",
                             values="job_outcome_rate")
    diffs = pd.read_csv(folder / "differences.csv").set_index("metric")
    assert diffs.loc["job_outcome_rate", "mean"] == pytest.approx(
        (wide["locality"] - wide["two_tier"]).mean())
    points = pd.read_csv(folder / "points.csv")
    assert (points.n == 3).all() and len(points) == 4 * 2 * 2
    for name in ("job_outcome_rate.png", "difference_job_outcome_rate.png", "total_spend.png"):
        assert (folder / "figures" / name).stat().st_size > 10_000
    rc, _, err = cli(capsys, "analyse", out, "--heatmap", "payments.attachment_fee", "area.x")
    assert_bad_input(rc, "", err, "--heatmap", "area.x")


def test_analyse_a_folder_without_a_sweep_names_it(tmp_path, capsys):
    rc, out, err = cli(capsys, "analyse", tmp_path)
    assert_bad_input(rc, out, err, str(tmp_path), "manifest.json")


@pytest.mark.parametrize("design", ["sobol", "morris"])
def test_sensitivity_indices_find_the_parameter_that_matters(tmp_path, capsys, design):
    """With common seeds a parameter with no effect gets an index of exactly zero."""
    samples = 8 if design == "sobol" else 4
    path = write(tmp_path / "s.toml", f"""[sweep]\nscenarios = ["two_tier"]
design = "{design}"\nsamples = {samples}\nset = {TINY}
[vary."claimants.barrier_penalty"]\nlow = 0.4\nhigh = 0.9
[vary."support.assessment_cost"]\nlow = 0\nhigh = 500\n""")
    out = tmp_path / "out"
    rc, _, _ = cli(capsys, "sweep", path, "--out", out, "--workers", "0")
    assert rc == 0
    rc, _, _ = cli(capsys, "analyse", out, "--metrics", "job_outcome_rate", "--no-figures")
    assert rc == 0
    indices = pd.read_csv(out / "analysis" / "sensitivity.csv").set_index("parameter")
    unused, used = (indices.loc["support.assessment_cost"],
                    indices.loc["claimants.barrier_penalty"])
    if design == "sobol":
        assert unused["S1"] == 0 and unused["ST"] == 0 and unused["ST_conf"] == 0
        assert used["ST"] > 0.5
    else:
        assert unused["mu_star"] == 0 and used["mu_star"] > 0.005
    ranking = pd.read_csv(out / "analysis" / "ranking.csv")
    assert list(ranking.parameter) == ["claimants.barrier_penalty",
                                       "support.assessment_cost"]
    assert list(ranking.score) == [1.0, 0.0]


# --- the shipped sweeps --------------------------------------------------------------------

SHIPPED = sorted((packaged_scenarios() / "sweeps").glob("*.toml"))


def test_the_shipped_sweeps_are_there():
    assert {p.stem for p in SHIPPED} >= {"fees", "reserves", "recession", "sensitivity"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_sweep_is_valid_and_says_what_it_asks(path):
    assert path.read_text(encoding="utf-8").startswith("# ")
    spec = read_sweep(path)
    design = Design(spec)
    assert design.n_runs >= 100
    assert spec.scenario_names == ("two_tier", "locality")  # every sweep compares the regimes
    if path.stem == "sensitivity":
        assert spec.design == "sobol"


#: Parameters of `decompose`'s levers that are a regime's own design, not a lever whose
#: size is uncertain: who holds the contract, the fee share (fees.toml sweeps it), the
#: referral rule, and whether integration services are commissioned.
DESIGN_CHOICES = {"regime", "market_share_shift", "market_share_shift_start_year",
                  "service_fee_share", "service_fee_weeks", "referral_rule",
                  "in_house_selection", "integration_services"}


@pytest.mark.parametrize("name", ["screening", "sensitivity"])
def test_both_sensitivity_sweeps_vary_every_lever_that_can_favour_either_regime(name):
    """Issue 14: not only the two-tier programme's uncertainties but every mechanism open
    to both regimes (running costs, effort under fees, specialist terms, pass-through,
    integration services, lags, reserves, overdraft cost)."""
    from commissioning.experiments.decomposition import LEVERS

    varied = {n for f in read_sweep(packaged_scenarios() / "sweeps" / f"{name}.toml").factors
              for n, _ in f.targets}
    levers = {k for keys in LEVERS.values() for k in keys} - DESIGN_CHOICES
    assert levers - varied == set()
    assert {"fee_effort_loss", "partnership_reserves_weeks", "overdraft_interest_rate",
            "specialist_pricing", "assessment_cost"} <= varied


def test_the_sobol_sweep_takes_its_parameters_and_ranges_from_the_screening():
    """Every factor of sensitivity.toml is screened; its range is the screening's, or
    within it for a fitted parameter (the posterior is narrower than the prior; a
    group's hazard within the screening's range for every group's)."""
    from commissioning.experiments.calibration.fitting import FREE_PARAMETERS

    fitted = {fp.name for fp in FREE_PARAMETERS}
    sweeps = packaged_scenarios() / "sweeps"
    screened = {f.key: f for f in read_sweep(sweeps / "screening.toml").factors}
    chosen = read_sweep(sweeps / "sensitivity.toml").factors
    assert len(screened) > len(chosen) >= 20
    for f in chosen:
        if f.name in fitted:  # a group's hazard falls under the screening's all-group one
            s = screened.get(f.key) or screened[f.key.rsplit(".", 1)[0]]
            assert s.low <= f.low < f.high <= s.high and s.scale == f.scale, f.key
        else:
            assert f == screened[f.key], f.key


# --- rough edges: absurd designs, cut-off files, locks, shards --------------------------------


def test_an_absurd_design_is_refused_before_it_is_built(tmp_path, capsys):
    path = write(tmp_path / "huge.toml", """[sweep]\ndesign = "grid"
[vary."claimants.barrier_penalty"]\nlow = 0.4\nhigh = 0.9\nlevels = 100000
[vary."labour_market.recession_depth"]\nlow = 0\nhigh = 0.5\nlevels = 100000\n""")
    start = time.monotonic()
    rc, out, err = cli(capsys, "sweep", path, "--dry-run")
    assert_bad_input(rc, out, err, str(path), "at most 500,000 runs", "10,000,000,000")
    assert time.monotonic() - start < 10  # not built: building it would take hours
    many = write(tmp_path / "many.toml", """[sweep]\ndesign = "sobol"\nsamples = 65536
[vary."claimants.barrier_penalty"]\nlow = 0.4\nhigh = 0.9\n""")  # 196,608 points
    rc, out, err = cli(capsys, "sweep", many, "--dry-run", "--replicates", "3")
    assert_bad_input(rc, out, err, "589,824")


def test_a_finished_sweep_leaves_no_lock_file(reference):
    assert not (reference / ".lock").exists()
    assert not list(reference.glob(".lock*"))


def test_analyse_refuses_the_same_parameter_twice_in_a_heat_map(reference, capsys):
    rc, out, err = cli(capsys, "analyse", reference, "--heatmap", "payments.attachment_fee",
                       "payments.attachment_fee")
    assert_bad_input(rc, out, err, "--heatmap", "two different")


def test_a_cut_off_result_file_is_named_left_out_and_run_again(reference, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    damaged = out / "runs" / "run-000005.parquet"
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # a copy cut short, say
    rc, printed, err = cli(capsys, "analyse", out, "--no-figures")
    assert rc == 0, err
    assert str(damaged) in err and "Traceback" not in err
    assert f"{GRID_RUNS - 1} ok" in printed and "1 not run yet" in printed
    assert 5 not in set(pd.read_csv(out / "analysis" / "runs.csv").run_id)

    rc, printed, err = cli(capsys, "sweep", grid_file_of(reference), "--out", out,
                           "--workers", "0")
    assert rc == 0, err
    assert str(damaged) in err and "runs again" in err
    assert "1 run now" in printed
    same_numbers(runs(out), runs(reference))


def grid_file_of(out: Path) -> Path:
    """The sweep file a results folder was made from (its manifest says)."""
    import json

    return Path(json.loads((out / "manifest.json").read_text())["sweep_file"])


def test_shards_fill_one_folder_that_analyses_as_one_sweep(grid_file, reference, tmp_path,
                                                         capsys):
    out = tmp_path / "out"
    done: list[int] = []
    for i in (2, 1, 3):  # in any order, as a job array's tasks start
        rc, printed, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0",
                             "--shard", f"{i}/3")
        assert rc == 0
        assert f"(shard {i}/3: 8 runs)" in printed
        ids = sorted(p.name for p in _finished(out))
        done.append(len(ids))
    assert done == [8, 16, 24]
    same_numbers(runs(out), runs(reference))
    pairs = runs(out).groupby(["point", "replicate"]).scenario.count()
    assert (pairs == 2).all()  # a slice keeps each point's scenarios together
    rc, printed, _ = cli(capsys, "analyse", out, "--no-figures")
    assert rc == 0 and f"{GRID_RUNS} ok" in printed and "0 not run yet" in printed
    assert not list(out.glob(".lock*"))


def test_shards_run_at_the_same_time_into_one_folder(grid_file, reference, tmp_path):
    out = tmp_path / "out"
    procs = [start_as_in_a_terminal(["sweep", str(grid_file), "--out", str(out), "--workers",
                                     "0", "--shard", f"{i}/2"], tmp_path / f"shard{i}.log")
             for i in (1, 2)]
    for i, proc in enumerate(procs, start=1):
        assert proc.wait(timeout=120) == 0, (tmp_path / f"shard{i}.log").read_text()
    same_numbers(runs(out), runs(reference))


def test_a_whole_sweep_is_refused_while_a_shard_writes_to_the_folder(grid_file, tmp_path,
                                                                     capsys):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock-shard-2-of-4", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, printed, err = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0")
        assert_bad_input(rc, printed, err, str(out), "a shard", ".lock-shard-2-of-4")
        rc, printed, err = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0",
                               "--shard", "2/4")
        assert_bad_input(rc, printed, err, str(out), "this shard is running")
    rc, _, _ = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0", "--shard", "2/4")
    assert rc == 0  # the shard's lock is free again (a killed shard's file is no obstacle)


def test_a_shard_waits_for_a_whole_sweep_then_gives_up(grid_file, tmp_path, capsys,
                                                      monkeypatch):
    from commissioning.experiments.sweeps import store

    monkeypatch.setattr(store, "SHARD_WAIT_SECONDS", 0.5)
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, printed, err = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "0",
                               "--shard", "1/2")
    assert_bad_input(rc, printed, err, str(out), "a whole sweep is running here")
    assert not (out / "manifest.json").exists() and not list(out.glob(".lock-shard*"))


def test_a_refused_sweep_leaves_no_folder_and_no_lock(grid_file, tmp_path, capsys):
    out = tmp_path / "new" / "out"
    rc, printed, err = cli(capsys, "sweep", grid_file, "--out", out, "--workers", "2",
                           "--scheduler", "inproc://x")
    assert_bad_input(rc, printed, err, "--scheduler")
    (tmp_path / "plain").mkdir()  # an existing folder keeps existing, without a lock
    with open(tmp_path / "plain" / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        rc, _, _ = cli(capsys, "sweep", grid_file, "--out", tmp_path / "plain", "--workers",
                       "0")
        assert rc == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain"]


def test_ctrl_c_before_the_first_run_lands_leaves_no_folder(tmp_path):
    path = write(tmp_path / "slow.toml", """[sweep]\ndesign = "grid"
set = ["area.claimants=40000"]\n[vary."payments.claim_lag_weeks"]\nvalues = [3, 8]\n""")
    out = tmp_path / "new" / "out"
    log = tmp_path / "sweep.log"
    proc = start_as_in_a_terminal(["sweep", str(path), "--out", str(out), "--workers", "0"],
                                  log)
    try:
        deadline = time.monotonic() + 60
        while "sweep slow:" not in log.read_text() and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        assert not _finished(out), "a run finished before the interrupt: make it slower"
    finally:
        rc = press_ctrl_c(proc)
    printed = log.read_text()
    assert rc == 130 and "Traceback" not in printed, printed
    assert "before any run finished" in printed
    assert not (tmp_path / "new").exists()  # no manifest, no lock, no empty folder

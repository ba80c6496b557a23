"""Deliberate bugs: would the tests catch a wrong model? (issue 18)

Each bug below is a small patch to the model (or the calibrator), written as an exact
piece of code and what it becomes. For each one this script copies the working tree
to a temporary folder, applies the patch there, runs the non-browser test suite on the
copy, and records which tests failed. The working tree itself is never written to, so
Ctrl-C (or a crash) leaves nothing to undo; the copies are deleted as each run ends.

Tests that only compare numbers with stored ones (the lesson's in docs/teaching.md and
the game's lesson, tests/data/reference_metrics.json) are left out of every run: they
fail on any change, right or wrong, so they guard no mechanism. A bug counts as caught
when some other test fails.

    python tests/deliberate_bugs.py              # every bug, the model's tests
    python tests/deliberate_bugs.py --full       # every bug, the whole non-browser suite
    python tests/deliberate_bugs.py --only market_share_to_the_worse_prime
    python tests/deliberate_bugs.py --list

Exit status: 0 if every bug was caught, 1 if any survived, 2 if a patch no longer
applies (the code it changes has moved: update the patch).

Not a test module (pytest collects test_*.py only): it runs the suite itself.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The folders that are installed as `commissioning.<name>` (pyproject.toml package-dir).
PACKAGES = ("model", "agents", "experiments", "cli", "viz", "scenarios")

#: Browser tests (they need Chromium and say nothing about the model's economics).
BROWSER = ("test_app_browser.py", "test_app_mesa_view.py", "test_game_browser.py",
           "test_security_browser.py")
#: Checks that compare a lesson's printed numbers with fresh ones: they fail on any change.
LESSON_NUMBERS = (
    "tests/test_app_parts.py::test_the_lesson_plans_numbers_are_the_models_numbers_now",
    "tests/test_game_lesson.py::test_the_game_lessons_numbers_are_the_games_numbers_now",
)
#: Stored results compared with fresh ones (issue 15's guard for speed work): like the
#: lesson's numbers, they fail on any change, so they say nothing about which is right.
REFERENCE = ("test_results_unchanged.py",)
#: The model's own tests: the default run (the rest check plumbing: files, the command
#: line, sweeps, the app and the game, security; `--full` runs them too).
MODEL_TESTS = (
    "test_payments.py", "test_money_routing.py", "test_metrics_recount.py",
    "test_insolvency.py", "test_market_share.py", "test_streams.py", "test_mechanisms.py",
    "test_accounting.py", "test_properties.py", "test_determinism.py", "test_programmes.py",
    "test_honest_comparison.py", "test_decisions.py", "test_calibration.py",
    "test_posterior.py",
    "test_mesa_integration.py",
)
#: Tests of the model's tests that only exercise plumbing and take long (Dask, Ctrl-C).
PLUMBING = ("dask", "ctrl_c", "cluster", "plausibility")


@dataclass(frozen=True)
class Bug:
    name: str
    what: str
    path: str  # file in the working tree
    old: str  # exact code, found once
    new: str
    more: tuple[tuple[str, str], ...] = ()  # further (old, new) edits in the same file


BUGS: tuple[Bug, ...] = (
    # --- the four that survived every test when issue 18 was filed ---------------------
    Bug("contract_to_the_poorest_holder",
        "after an insolvency the contract passes to the poorest surviving holder",
        "model/insolvency.py",
        "heir = max(survivors, key=lambda h: (h.cash, -h.index))",
        "heir = min(survivors, key=lambda h: (h.cash, -h.index))"),
    Bug("supported_rate_per_referral",
        "third-sector-supported rate divided by referrals instead of attachments",
        "model/metrics.py",
        '_ratio(t.vcs_supported, t.attachments)',
        '_ratio(t.vcs_supported, t.referrals)'),
    Bug("calibrator_never_moves_first_parameter",
        "the calibrator never moves its first free parameter from where it starts",
        "experiments/calibration/smc.py",
        "        return values_at(self.free, position)\n",
        "        return [self.free[0].current(self.base), *values_at(self.free, position)[1:]]\n"),
    Bug("outcome_paid_a_week_late", "outcome payments fall due a week late",
        "model/employment.py",
        "pay_down_the_chain(model, week, ids, amount, OUTCOME,",
        "pay_down_the_chain(model, week + 1, ids, amount, OUTCOME,"),
    # --- the seven caught only by the lesson's numbers ------------------------------
    Bug("one_sustainment_payment_too_few", "one sustainment payment too few",
        "model/payment_rules.py",
        "self.milestones = self.sustainment_count + 1",
        "self.milestones = self.sustainment_count"),
    Bug("specialist_share_to_case_holder",
        "the specialist's share of the job outcome paid to the case holder",
        "model/employment.py",
        "c.treated_by[ids[treated]], amount[treated] * model.specialist_outcome_share[h],",
        "c.case_holder[ids[treated]], amount[treated] * model.specialist_outcome_share[h],"),
    Bug("cash_hurdle_ignored", "a provider short of cash spends as if it were not",
        "model/model.py",
        "self.rationing_hurdle[rows] = np.where(room <= 1.0 / MAX_HURDLE, MAX_HURDLE,",
        "self.rationing_hurdle[rows] = 0.0 * np.where(room <= 1.0 / MAX_HURDLE, MAX_HURDLE,"),
    Bug("low_barrier_rate_per_attachment",
        "the low-barrier outcome rate divided by attachments, not referrals",
        "model/metrics.py",
        "_ratio(t.jo_class[0], t.refs_class[0])",
        "_ratio(t.jo_class[0], t.attached_class[0])"),
    Bug("job_loss_from_job_finding_stream", "job loss draws the job-finding stream's numbers",
        "model/employment.py",
        'u_loss = model.streams.weekly_uniform("job_loss", week, lo, hi)',
        'u_loss = model.streams.weekly_uniform("job_finding", week, lo, hi)'),
    Bug("service_fee_breaks_expected_value",
        "blending no longer scales attachment and outcome prices down by the fee share",
        "model/payment_rules.py",
        "kept = 1.0 - self.fee_share",
        "kept = 1.0"),
    Bug("market_share_to_the_worse_prime", "market share moves to the worse performer",
        "agents/commissioner.py",
        "            best = idx[np.argmax(rate[idx, g])]\n"
        "            worst = idx[np.argmin(rate[idx, g])]",
        "            best = idx[np.argmin(rate[idx, g])]\n"
        "            worst = idx[np.argmax(rate[idx, g])]"),
    # --- new mechanisms (issue 13): job loss by tenure, staged payments, the calendar --
    Bug("job_loss_ignores_tenure", "every job keeps its first week's job-loss hazard",
        "model/job_retention.py",
        "return loss[group, np.minimum(tenure, MAX_TENURE - 1)]",
        "return loss[group, 0 * tenure]"),
    Bug("tenure_counted_on_programme", "job loss reads weeks on programme, not in the job",
        "model/employment.py",
        "loss = hazard_at(model.job_loss, c.group[working], c.job_weeks[working])",
        "loss = hazard_at(model.job_loss, c.group[working], c.weeks_on_programme[working])"),
    # (Dropping only the window from `reached` is no bug: a stage not reached by the end
    # of its window is marked missed that week, so it can never be reached late.)
    Bug("staged_windows_ignored", "a staged payment is paid however late it is reached",
        "model/employment.py",
        "(window == 0) | (elapsed <= window))",
        "(window >= 0))",
        (("missed = ~reached & (window > 0) & (elapsed >= window)",
          "missed = ~reached & (window < 0)"),)),
    Bug("staged_weeks_restart_at_a_break",
        "staged weeks in work restart at a break instead of adding up",
        "model/employment.py",
        "    if not pay.staged:\n        c.milestone_weeks[gone] = 0",
        "    if True:\n        c.milestone_weeks[gone] = 0"),
    Bug("need_group_prices_ignored", "outcome payments ignore the need-group price",
        "model/employment.py",
        "amount = pay.milestone_amount[g, k] * pay.need_multiplier[c.barrier_class[ids]]",
        "amount = pay.milestone_amount[g, k] * 1.0"),
    Bug("work_programme_outcome_after_programme",
        "a Work Programme job outcome may come after the programme",
        "model/employment.py",
        "    if pay.within_programme:\n        due &=",
        "    if False:\n        due &="),
    Bug("jobs_followed_half_a_year", "jobs after the programme are followed 26 weeks, not 52",
        "model/employment.py",
        "FOLLOW_UP_WEEKS = 52",
        "FOLLOW_UP_WEEKS = 26"),
    Bug("paths_read_a_week_late", "dated paths are read a week late",
        "model/calendar.py",
        "np.interp(np.arange(weeks, dtype=float), at, values)",
        "np.interp(np.arange(weeks, dtype=float) - 1, at, values)"),
    Bug("referral_years_from_january", "referral years counted from January, not the start month",
        "model/calendar.py",
        '        days = np.asarray(weeks, np.int64) * DAYS_PER_WEEK\n'
        '        start = np.datetime64(self.start, "D")\n'
        '        return (start + days.astype("timedelta64[D]")).astype("datetime64[Y]")',
        '        days = np.asarray(weeks, np.int64) * DAYS_PER_WEEK\n'
        '        start = np.datetime64(self.start.replace(month=1), "D")\n'
        '        return (start + days.astype("timedelta64[D]")).astype("datetime64[Y]")'),
)


class PatchMoved(Exception):
    """The code a bug changes is no longer in the file as written."""


def copy_tree(dest: Path) -> None:
    """The working tree's files (tracked and new, not ignored) as they are now."""
    files = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                           check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def apply(bug: Bug, tree: Path) -> None:
    path = tree / bug.path
    text = path.read_text()
    for old, new in ((bug.old, bug.new), *bug.more):
        if text.count(old) != 1:
            raise PatchMoved(f"{bug.name}: {bug.path} has {text.count(old)} copies of "
                             f"{old.strip()!r} (expected one)")
        text = text.replace(old, new)
    path.write_text(text)


def pytest_args(full: bool, junit: Path, tests: list[str] | None = None) -> list[str]:
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-m", "not slow", f"--junitxml={junit}", "-o", "junit_family=xunit2"]
    args += [f"--deselect={t}" for t in LESSON_NUMBERS]
    if tests:
        args += tests
    elif full:
        args += [f"--ignore=tests/{name}" for name in (*BROWSER, *REFERENCE)]
    else:
        args += [f"tests/{name}" for name in MODEL_TESTS]
        args += ["-k", " and ".join(f"not {word}" for word in PLUMBING)]
    return args


def failures(junit: Path) -> list[str]:
    """Failed or erroring tests, as file::name."""
    if not junit.exists():
        return []
    out = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            module = case.get("classname", "").rsplit(".", 1)[-1]
            out.append(f"{module}::{case.get('name')}")
    return out


def run_bug(bug: Bug | None, full: bool, timeout: float,
            tests: list[str] | None = None) -> tuple[list[str], float, str]:
    """Apply `bug` (None: no bug) to a temporary copy and run the tests there."""
    with tempfile.TemporaryDirectory(prefix="deliberate-bug-") as tmp:
        tree, shim = Path(tmp) / "tree", Path(tmp) / "shim" / "commissioning"
        tree.mkdir()
        copy_tree(tree)
        if bug is not None:
            apply(bug, tree)
        # The copy's folders as the `commissioning` package, ahead of the installed one
        # (subprocesses and Dask workers inherit PYTHONPATH).
        shim.mkdir(parents=True)
        for name in PACKAGES:
            (shim / name).symlink_to(tree / name, target_is_directory=True)
        env = {**os.environ, "PYTHONPATH": str(shim.parent), "PYTHONDONTWRITEBYTECODE": "1"}
        junit = Path(tmp) / "junit.xml"
        start = time.monotonic()
        # Its own process group, so that an interrupted run stops every process it began
        # (pytest, the commands it starts, Dask workers) before the copy is deleted.
        proc = subprocess.Popen([sys.executable, *pytest_args(full, junit, tests)], cwd=tree,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        took = time.monotonic() - start
        tail = out.strip().splitlines()[-1] if out.strip() else ""
        return failures(junit), took, tail


def compact(tests: list[str]) -> str:
    """Test functions, each once, with how many of its cases failed."""
    counts: dict[str, int] = {}
    for t in tests:
        name = t.split("[", 1)[0]
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{name} (x{n})" if n > 1 else name for name, n in counts.items())


def lesson_only(tests: list[str]) -> bool:
    return all("lesson" in t for t in tests)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these bugs only")
    parser.add_argument("--full", action="store_true",
                        help="run the whole non-browser suite for each bug")
    parser.add_argument("--list", action="store_true", help="list the bugs and stop")
    parser.add_argument("--tests", nargs="+", metavar="TEST",
                        help="run these tests (pytest node ids) instead")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run without a bug (tests failing there are not counted)")
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if not args.only or b.name in args.only]
    if args.only and len(bugs) != len(set(args.only)):
        known = {b.name for b in BUGS}
        print(f"unknown bug: {', '.join(sorted(set(args.only) - known))}", file=sys.stderr)
        return 2
    if args.list:
        for b in BUGS:
            print(f"{b.name:42} {b.path:36} {b.what}")
        return 0
    for b in bugs:  # every patch must apply before anything runs
        try:
            apply(b, _Probe(ROOT))
        except PatchMoved as exc:
            print(exc, file=sys.stderr)
            return 2

    signal.signal(signal.SIGTERM, _interrupt)  # a terminated run cleans up as Ctrl-C does
    survived, broken = [], set()
    try:
        if not args.no_baseline:
            failing, took, tail = run_bug(None, args.full, args.timeout, args.tests)
            broken = set(failing)
            print(f"{'(no bug)':42} {compact(failing) or 'all pass'}  [{took:.0f} s]",
                  flush=True)
        print(f"{'bug':42} caught by", flush=True)
        for b in bugs:
            caught, took, tail = run_bug(b, args.full, args.timeout, args.tests)
            caught = [t for t in caught if t not in broken]
            counted = [t for t in caught if "lesson" not in t]
            if not counted:
                survived.append(b.name)
            shown = compact(caught) if caught else f"NOTHING ({tail})"
            if caught and lesson_only(caught):
                shown = f"ONLY THE LESSON: {shown}"
            print(f"{b.name:42} {shown}  [{took:.0f} s]", flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted: the working tree was never changed", file=sys.stderr)
        return 130
    except subprocess.TimeoutExpired as exc:
        print(f"\na run took longer than {exc.timeout:.0f} s: stopped", file=sys.stderr)
        return 2
    if survived:
        print(f"\n{len(survived)} of {len(bugs)} bugs survived: {', '.join(survived)}")
        return 1
    print(f"\nall {len(bugs)} bugs caught")
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class _Probe:
    """A stand-in tree that reads the real files and writes nothing (checks patches)."""

    def __init__(self, root: Path):
        self.root = root

    def __truediv__(self, name: str) -> _ProbeFile:
        return _ProbeFile(self.root / name)


class _ProbeFile:
    def __init__(self, path: Path):
        self.path = path

    def read_text(self) -> str:
        return self.path.read_text()

    def write_text(self, text: str) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())

"""What the commands share: option types, the help layout, scenario files, workers.

Kept light (argparse, the parameter table and scenario loading only): every
command's parser is built on every call, so nothing here may import numpy,
pandas or Dask.
"""

from __future__ import annotations

import argparse
import os

from commissioning.model.scenario import Scenario, ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
DEFAULT_SCENARIO = "two_tier"
SWEEP_TABLES = ("sweep", "vary")
#: The largest seed the model takes (`run.seed`).
MAX_SEED = 2**63 - 1


class HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS, []) \
                or isinstance(action, argparse._VersionAction):
            return text
        if action.option_strings or action.nargs in ("?", "*"):
            return text + " (default: %(default)s)"
        return text


def load_mesa() -> None:
    """Import Mesa now, near the bottom of the call stack, before a command's own imports
    reach it from deep inside theirs. Mesa's import walks the whole call stack (its logging
    helpers call `inspect.stack`, which for every frame reads its source line and searches
    the loaded modules for its file), so it costs more the deeper it starts: the walks
    took 310-370 ms of a `commissioning run` against 175-205 ms from here (measured)."""
    import mesa  # noqa: F401


def command(sub: argparse._SubParsersAction, name: str, help: str, description: str = ""
            ) -> argparse.ArgumentParser:
    """A subcommand with the shared help layout."""
    return sub.add_parser(name, help=help, description=description or help[:1].upper()
                          + help[1:] + ".", formatter_class=HelpFormatter)


# --- option types: a bad value prints the subcommand's usage and what was expected ----------


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def count(text: str) -> int:
    """A whole number of at least 0."""
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, got {value}")
    return value


def positive(text: str) -> int:
    """A whole number of at least 1."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {value}")
    return value


def seed(text: str) -> int:
    """A model seed: a whole number from 0 to 2**63 - 1."""
    value = _whole(text)
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 0 to {MAX_SEED:,}, got {value}")
    return value


def add_set(parser: argparse.ArgumentParser, what: str = "") -> None:
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help=f"override a scenario value{what}, checked like the file "
                             "(e.g. area.claimants=2000); repeatable (default: none)")


def add_workers(parser: argparse.ArgumentParser, default: str = "one per core") -> None:
    """`--workers` and `--scheduler`, the same in every command that runs many models."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    parser.add_argument(
        "--workers", type=count, metavar="N",
        help="worker processes: 0 or 1 runs in this process, without Dask; N > 1 starts a "
             f"local Dask cluster of N (default: {default}, {cores} here; never more "
             "than there are runs)")
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on the running Dask cluster at ADDRESS, tcp://HOST:PORT, instead of local "
             "workers (default: none)")


def workers(args: argparse.Namespace, runs: int | None = None,
            default: int | None = None) -> tuple[int, str | None]:
    """(`--workers` or `default` or one per core, never more than `runs`; `--scheduler`
    checked and normalised, before anything starts)."""
    from commissioning.experiments.executor import default_workers, scheduler_address

    scheduler = scheduler_address(args.scheduler) if args.scheduler else None
    n = args.workers if args.workers is not None else (
        default if default is not None else default_workers())
    return (n if runs is None else min(n, max(runs, 1))), scheduler


# --- scenario files ---------------------------------------------------------------------


def scenario(path: str | None, assignments: list[str] | tuple[str, ...] = ()) -> Scenario:
    """A scenario file checked and loaded; a sweep file given instead is named as one."""
    try:
        return load_scenario(path or DEFAULT_SCENARIO, assignments)
    except ScenarioError as exc:
        if exc.key in SWEEP_TABLES and "section" in exc.expected:
            raise ScenarioError(exc.source, "", "a scenario file; this is a sweep file (it "
                                "has [sweep] and [vary] tables): run it with `commissioning "
                                f"sweep {exc.source}`") from None
        raise


def seeds_fit(first: int, count_: int, option: str = "--seed") -> None:
    """`first` .. `first + count_ - 1` are all valid model seeds."""
    if first + count_ - 1 > MAX_SEED:
        raise ScenarioError(option, "", f"a first seed of at most {MAX_SEED - count_ + 1:,} "
                            f"(so that all {count_} seeds are at most {MAX_SEED:,})", first)

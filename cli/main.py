"""The `commissioning` command: the parser, and the one place errors are turned into messages.

    commissioning run | validate | parameters       cli/run.py
    commissioning compare                           cli/compare.py
    commissioning sweep | analyse                   cli/sweeps.py
    commissioning calibrate | check-fit | adopt-fit cli/calibration.py
    commissioning decompose                         cli/decompose.py
    commissioning app                               cli/app.py

Each command module parses its options and calls the model, the experiments
or the app, importing them (and numpy, pandas, Dask, matplotlib) only when it
runs, so `--help` and `validate` answer at once.

Every command ends here (`main`): bad input (a `ScenarioError`: an unknown
key, a value out of range, an unreadable file, an output that cannot be
written) gives one line naming the file or option, the key and what was
expected, and exit status 2; an error of the machine (a disk full, a file
that vanished) one line and 2 as well; anything else is a fault of this
program: one line, exit status 1, and a request to report it. Never a
traceback (set COMMISSIONING_DEBUG=1 to see one). Ctrl-C: "interrupted", 130.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys

from .options import EXIT_BAD_INPUT

EXIT_FAULT = 1
EXIT_INTERRUPTED = 130


class _Version(argparse.Action):
    """`--version`, read from the installed package only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("commissioning")
        except PackageNotFoundError:
            number = "(not installed)"
        print(f"commissioning {number}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    from . import app, calibration, compare, decompose, plausibility, run, sweeps

    parser = argparse.ArgumentParser(
        prog="commissioning",
        description="Agent-based model of welfare-to-work commissioning: two-tier payment by "
                    "results against locality commissioning.",
        epilog="`commissioning COMMAND --help` explains a command and its options.")
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register(sub)  # run, validate, parameters
    compare.register(sub)
    sweeps.register(sub)  # sweep, analyse
    calibration.register(sub)  # calibrate, check-fit, adopt-fit
    decompose.register(sub)
    plausibility.register(sub)
    app.register(sub)
    return parser


def _say(text: str) -> None:
    print(f"error: {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status (argparse's 2 and usage for a malformed option)."""
    from commissioning.model.scenario import ScenarioError

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, or a malformed option (usage printed)
        return done.code if isinstance(done.code, int) else EXIT_BAD_INPUT
    if os.environ.get("COMMISSIONING_DEBUG"):
        return args.func(args)
    try:
        return args.func(args)
    except ScenarioError as exc:
        _say(str(exc))
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        # Clean-up still runs at exit (Dask's cluster, pyabc's database); a Ctrl-C reaching
        # it would end Python by SIGINT (status -2) instead of 130: end at once, with 130.
        signal.signal(signal.SIGINT, _exit_interrupted)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (Python flushes it at exit)
        return 0
    except OSError as exc:  # the machine, not the program: a full disk, a vanished file
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{where}{exc.strerror or exc}")
        return EXIT_BAD_INPUT
    except MemoryError:
        _say("out of memory: try fewer claimants, weeks or workers")
        return EXIT_FAULT
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        _say(f"internal fault in commissioning {args.command}: {type(exc).__name__}"
             f"{': ' + first if first else ''}. This is a bug, not your input: please report "
             "it to the project's maintainers with the command you ran (run it again with "
             "COMMISSIONING_DEBUG=1 to see where it happened)")
        return EXIT_FAULT


def _exit_interrupted(signum: int, frame: object) -> None:
    """A second Ctrl-C while an interrupted command cleans up: stop now, as interrupted."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    sys.exit(main())

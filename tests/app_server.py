"""Start the browser app as a user would, for tests and benchmarks, and stop it afterwards.

`running_app()` runs `commissioning app --port <free port>` (the console
script, or the same entry point through `python -m` if the script is not on
PATH), writes its output to a log file rather than an unread pipe (a full pipe
would block the server), waits until the page answers, and on exit stops the
command, which stops its Solara server.

`CHROMIUM` and `CHROMIUM_ARGS` are how every browser in these tests is
launched: Debian's Chromium (never a browser downloaded by Playwright) with
the flags verified on this project's machines (STACK.md, "Serve and look at
the app").
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
#: Set by .ci/run: there, a missing browser fails the run instead of skipping its tests.
REQUIRE_BROWSER = "COMMISSIONING_REQUIRE_BROWSER"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_SECONDS = 120


def shipped_weeks(label: str = "two_tier.toml") -> int:
    """The length of a shipped scenario's run, as the pages say it ("Week 1 of N")."""
    from commissioning.viz.state import settings_for

    return int(settings_for(label, 2_000).scenario.params["weeks"])


#: The length of the app's first run (the whole Work Programme, June 2011 to June 2020).
WEEKS = shipped_weeks()


def free_port() -> int:
    """A TCP port nothing on this machine is listening on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_command(port: int, options: Sequence[str] = ()) -> list[str]:
    """`commissioning app` on a given port (and any other options), as typed at a prompt."""
    # The script installed beside this Python: another `commissioning` earlier on PATH (an
    # unactivated venv) would serve a different installation's Solara and asset cache.
    script = Path(sys.executable).parent / "commissioning"
    base = [str(script)] if script.is_file() else [sys.executable, "-m",
                                                  "commissioning.cli.main"]
    return [*base, "app", "--host", "127.0.0.1", "--port", str(port), *options]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_app(log_path: Path, options: Sequence[str] = ()) -> Iterator[str]:
    """Serve the app on a free port; yields its address. Output goes to `log_path`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        process = subprocess.Popen(app_command(port, options), stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_SECONDS
            while not _answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log_path}:\n"
                                       + log_path.read_text()[-3000:])
                time.sleep(0.3)
            yield url
        finally:
            process.terminate()  # `commissioning app` stops its server on SIGTERM
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _skip_or_fail(why: str) -> None:
    """Skip the calling test module, or fail it if CI requires the browser tests."""
    import os

    import pytest

    if os.environ.get(REQUIRE_BROWSER):
        pytest.fail(f"{why}, and {REQUIRE_BROWSER} is set", pytrace=False)
    pytest.skip(why, allow_module_level=True)


def playwright_or_skip():
    """Playwright's sync API; without it the calling module is skipped (failed if required)."""
    import importlib

    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError as exc:
        _skip_or_fail(f"Playwright is not installed ({exc}; pip install playwright)")


def chromium_or_skip() -> None:
    """Skip the calling test module without Debian's Chromium, unless CI requires it."""
    import os

    if os.path.exists(CHROMIUM):
        return
    _skip_or_fail(f"Debian's Chromium is not at {CHROMIUM} (apt-get install chromium; "
                  ".ci/run installs it)")

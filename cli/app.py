"""`commissioning app`: serve the browser app on this machine, offline.

    commissioning app [--host 127.0.0.1] [--port 8765] [--session-timeout 10]
                      [--max-sessions 40] [--diagnostics]

Runs Solara's server in production mode on the app module, behind the guard
of `viz/server.py` (websockets from other sites refused, security headers,
diagnostics off), with the settings that keep it offline (STACK.md, "A
multi-page offline app"): no version check against PyPI, telemetry and the
banner off (environment variables), and the front end served from the
installed `solara-assets` package rather than a CDN. It waits until the app
answers, then prints the address to open. `--host 0.0.0.0` lets other
machines on the network (a classroom) connect. What a teacher should know
before serving a class is in docs/security.md.

Solara's own settings are environment variables read when it starts, so the
options become those: `--session-timeout` is `SOLARA_KERNEL_CULL_TIMEOUT` (a
tab gone without closing is released after that many minutes instead of 24
hours), and the session cookie is HttpOnly (`SOLARA_SESSION_HTTP_ONLY`).
`--max-sessions` and `--diagnostics` are read by `viz/sessions.py` and
`viz/server.py`.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import subprocess
import sys
import time

SERVER_MODULE = "commissioning.viz.server"
OFFLINE_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
}
EXIT_BAD_INPUT = 2
READY_SECONDS = 120
#: A lesson's worth of minutes: a pupil whose laptop slept for a few minutes keeps the run.
SESSION_TIMEOUT_MINUTES = 10.0
MAX_SESSIONS = 40


def server_command(host: str, port: int) -> list[str]:
    """The command line that serves the app (Solara behind the guard of viz/server.py)."""
    return [sys.executable, "-m", SERVER_MODULE, "--host", host, "--port", str(port)]


def server_env(session_timeout: float = SESSION_TIMEOUT_MINUTES,
               max_sessions: int = MAX_SESSIONS, diagnostics: bool = False) -> dict[str, str]:
    """This process's environment with the server's settings: offline, timeout, limits."""
    return {**os.environ, **OFFLINE_ENV,
            "SOLARA_KERNEL_CULL_TIMEOUT": f"{session_timeout * 60:g}s",
            "SOLARA_SESSION_HTTP_ONLY": "True",
            "COMMISSIONING_MAX_SESSIONS": str(max_sessions),
            "COMMISSIONING_DIAGNOSTICS": "1" if diagnostics else ""}


def _bad_option(args: argparse.Namespace) -> str | None:
    if not 1 <= args.port <= 65535:
        return f"--port: expected a port number from 1 to 65535, got {args.port}"
    if not 0.05 <= args.session_timeout <= 24 * 60:  # NaN fails too
        return ("--session-timeout: expected minutes from 0.05 to 1,440 (a day), "
                f"got {args.session_timeout:g}")
    if not 1 <= args.max_sessions <= 1000:
        return f"--max-sessions: expected a number of tabs from 1 to 1,000, got {args.max_sessions}"
    return None


def check_address(host: str, port: int) -> str | None:
    """None if the app can listen on host:port; else one line saying which option is wrong."""
    if not 1 <= port <= 65535:
        return f"--port: expected a port number from 1 to 65535, got {port}"
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else "not a host name"
        return (f"--host: expected an address or name of this machine (127.0.0.1: this "
                f"machine only; 0.0.0.0: the whole network), got {host!r} ({reason})")
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                return (f"--host: expected an address of this machine (127.0.0.1, 0.0.0.0 or "
                        f"one of its network addresses), got {host!r} (not an address here)")
            return (f"--port: expected a free port: {host}:{port} is in use or not available "
                    f"here ({exc.strerror}); choose another with --port")
    return None


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float) -> bool:
    """Poll the app's address until it answers, the server exits or time runs out."""
    import urllib.error  # here, not at the top: every command's start-up would load it
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


def cmd_app(args: argparse.Namespace) -> int:
    """Start the server, say where to open the app, and serve until Ctrl+C."""
    problem = _bad_option(args) or check_address(args.host, args.port)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    local = "127.0.0.1" if args.host in ("0.0.0.0", "") else args.host
    url = f"http://{local}:{args.port}/"
    print(f"Starting the app on {args.host}:{args.port} (offline; Ctrl+C stops it) ...",
          flush=True)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("warning: running as root: start the app as an ordinary user, so that nothing "
              "reached through it can touch the whole machine (docs/security.md)",
              file=sys.stderr, flush=True)
    process = subprocess.Popen(server_command(args.host, args.port),
                               env=server_env(args.session_timeout, args.max_sessions,
                                              args.diagnostics))
    # Stopped by a signal (a service manager, a test): stop the server with us.
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        if wait_until_ready(url, process, READY_SECONDS):
            print(f"\nThe app is ready: open {url} in a web browser.", flush=True)
            if args.host == "0.0.0.0":
                print(f"Other machines on this network: http://{socket.gethostname()}:"
                      f"{args.port}/ (or this machine's address).", flush=True)
        elif process.poll() is None:
            print(f"The app has not answered at {url} after {READY_SECONDS} s; "
                  "it is still starting.", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(sub: argparse._SubParsersAction) -> None:
    """Add the app command to the `commissioning` parser."""
    from .options import command

    app = command(sub, "app", "serve the browser app (Explore, Compare, Lesson) offline",
                  "Serve the browser app on this machine, offline; Ctrl+C stops it.")
    app.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only; "
                          "0.0.0.0: the whole network, e.g. a classroom)")
    app.add_argument("--port", type=int, default=8765, help="port to listen on")
    app.add_argument("--session-timeout", type=float, default=SESSION_TIMEOUT_MINUTES,
                     metavar="MINUTES",
                     help="release a tab that went away without closing (a killed browser, a "
                          f"closed laptop) after this many minutes (default "
                          f"{SESSION_TIMEOUT_MINUTES:g})")
    app.add_argument("--max-sessions", type=int, default=MAX_SESSIONS, metavar="N",
                     help=f"browser tabs served at once; the next one is asked to wait "
                          f"(default {MAX_SESSIONS})")
    app.add_argument("--diagnostics", action="store_true",
                     help="serve /resourcez (the server's CPU, memory and threads); off by "
                          "default")
    app.set_defaults(func=cmd_app)

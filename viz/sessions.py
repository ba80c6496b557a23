"""How many browser tabs one server serves at once, and when a tab's place is given back.

Each tab is a Solara session (a "virtual kernel") with models of its own:
tens of megabytes each. A server for a class admits at most `max_sessions()`
tabs at a time (`commissioning app --max-sessions`, passed on as
`COMMISSIONING_MAX_SESSIONS`); a tab beyond that shows one plain sentence
instead of the app and builds nothing (issue 19). A place is given back when
its tab closes, or, for a tab that went away without saying so (a killed
browser, a laptop closed), when Solara releases the session after the
session timeout (`--session-timeout`, Solara's `SOLARA_KERNEL_CULL_TIMEOUT`).

Solara's hook for a session's end is `solara.lab.on_kernel_start`: the
function it is given runs when a session starts, and what that returns runs
when the session is closed (solara/server/kernel_context.py, `on_close`).
"""

from __future__ import annotations

import os
import threading

import solara
import solara.lab

MAX_SESSIONS_ENV = "COMMISSIONING_MAX_SESSIONS"
DEFAULT_MAX_SESSIONS = 40

_admitted: set[str] = set()
_lock = threading.Lock()


def max_sessions() -> int:
    """Tabs one server admits at once (from the environment, as `commissioning app` sets it)."""
    try:
        return max(1, int(os.environ.get(MAX_SESSIONS_ENV, DEFAULT_MAX_SESSIONS)))
    except ValueError:
        return DEFAULT_MAX_SESSIONS


def admit() -> bool:
    """Whether this tab may use the app: it has a place, or one is free and it takes it."""
    kernel = solara.get_kernel_id()
    with _lock:
        if kernel in _admitted:
            return True
        if len(_admitted) >= max_sessions():
            return False
        _admitted.add(kernel)
        return True


def live() -> int:
    """Tabs holding a place now."""
    with _lock:
        return len(_admitted)


def _give_back_on_close():
    kernel = solara.get_kernel_id()

    def release() -> None:
        with _lock:
            _admitted.discard(kernel)

    return release


solara.lab.on_kernel_start(_give_back_on_close)


FULL = ("This app already has {tabs} open, as many as this server serves at once. "
        "Close a tab you no longer use, or wait a minute or two, then reload this page. "
        "(The teacher can allow more with `commissioning app --max-sessions`.)")


def full_message() -> str:
    """What a tab beyond the limit shows."""
    n = max_sessions()
    return FULL.format(tabs=f"{n} browser tab" if n == 1 else f"{n} browser tabs")

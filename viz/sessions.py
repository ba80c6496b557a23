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
Then the session's runs, and the pictures drawn of runs no other tab shows,
are let go (`timeline.py`, `pictures.py`), and the memory they held is
collected and given back to the operating system (`give_memory_back`), so
the server's memory falls when a class leaves (a test checks it).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections.abc import Callable

import solara
import solara.lab

from commissioning.model.claimant_kernels import give_back_heap

log = logging.getLogger(__name__)

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


#: True once this session is closing: its page renders nothing from then on (`closing`).
_CLOSING = solara.reactive(False)


def closing() -> bool:
    """Whether this tab's session is closing; the page's top component then draws nothing.

    Letting go of a session's state (`on_session_close`) sets its reactive values, and
    each set re-renders whatever reads them. The Mesa view read its model, and a closed
    tab's page rebuilt and drew a new one: in the server's event loop, whose every other
    tab waited (a server's shutdown took 4-5 s behind it). A page that has unmounted
    first reads nothing, so those sets re-render nothing.
    """
    return _CLOSING.value


def _give_back_on_close():
    kernel = solara.get_kernel_id()

    def release() -> None:
        with _lock:
            _admitted.discard(kernel)
        _CLOSING.set(True)  # the page unmounts first, then its state is let go
        for forget in _FORGET:  # inside the closing session: its own state
            try:
                forget()
            except Exception:
                log.exception("forgetting a closed session's state failed")
        # The session's runs and pictures go when Solara has let go of its state, which
        # happens after this hook: give the memory back a moment later.
        threading.Timer(RELEASE_AFTER, give_memory_back).start()

    return release


#: Seconds after a session closes before its memory is collected and given back.
RELEASE_AFTER = 2.0


def give_memory_back() -> None:
    """Collect what closed sessions left (figures hold reference cycles) and give the freed
    memory back to the operating system, so a server's memory falls when a class leaves."""
    gc.collect()
    give_back_heap()


solara.lab.on_kernel_start(_give_back_on_close)

_FORGET: list[Callable[[], None]] = []


def on_session_close(forget: Callable[[], None]) -> None:
    """Call `forget()` inside a session as it closes, to let go of what it holds.

    Solara drops a closed session's state, but what a page's drawn components
    were given (their arguments) can outlive it; the runs a session held are
    let go here explicitly, so their models and pictures go with the tab.
    """
    _FORGET.append(forget)


FULL = ("This app already has {tabs} open, as many as this server serves at once. "
        "Close a tab you no longer use, or wait a minute or two, then reload this page. "
        "(The teacher can allow more with `commissioning app --max-sessions`.)")


def full_message() -> str:
    """What a tab beyond the limit shows."""
    n = max_sessions()
    return FULL.format(tabs=f"{n} browser tab" if n == 1 else f"{n} browser tabs")

"""Keeping a screen up to date with a room that other sessions change.

Solara keeps state per browser session; a room lives in the server process and other
sessions change it (a pupil saves, the teacher runs a turn). Each screen polls the
room's counter once a second on a thread of its own session and re-renders when it
moves; the thread stops when the screen goes (the room closes, or the page unmounts).
Polling an integer costs nothing, and a redraw happens only when something changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import solara

POLL_SECONDS = 1.0


def use_counter(read: Callable[[], int | None], key: str) -> int | None:
    """The counter `read()` returns, re-read every second; changes re-render the caller."""
    value, set_value = solara.use_state(read())

    def poll(cancel: threading.Event) -> None:
        seen = read()
        set_value(seen)
        while not cancel.wait(POLL_SECONDS):
            now = read()
            if now != seen:
                seen = now
                set_value(now)
            if now is None:  # the room has closed: nothing more to watch
                return

    solara.use_thread(poll, dependencies=[key], intrusive_cancel=False)
    return value

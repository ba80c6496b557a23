"""Who this browser tab is in the game: nobody yet, a pupil (room and name) or the teacher.

A module-level reactive is kept per session (STACK.md, "Per-session state"): each tab
has its own seat, and a reload starts with none (a pupil joins again with the same
code and name and is given their role back; a teacher reopens with the room's key).
"""

from __future__ import annotations

from dataclasses import dataclass

import solara


@dataclass(frozen=True)
class Seat:
    code: str
    name: str = ""  # a pupil's name as the room keeps it; empty for the teacher
    teacher: bool = False


SEAT: solara.Reactive[Seat | None] = solara.reactive(None)

"""The Game page (`/game`): the Commissioning Game, played by a class on one server.

A tab with no seat shows the landing (join, create, reopen); a teacher's tab shows
the teacher's screen, a pupil's tab the pupil's. Rooms live in the server process
(`experiments/game/store.py`), shared by every tab; a tab only remembers its seat.
"""

from __future__ import annotations

import solara

from .landing import Landing
from .pupil import PupilScreen
from .seat import SEAT
from .style import CSS
from .teacher import TeacherScreen


@solara.component
def Game() -> None:
    seat = SEAT.value
    solara.Style(CSS)
    with solara.Column(classes=["game"]):
        if seat is None:
            Landing()
        elif seat.teacher:
            TeacherScreen(seat).key(f"teacher-{seat.code}")
        else:
            PupilScreen(seat).key(f"pupil-{seat.code}-{seat.name}")

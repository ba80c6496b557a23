"""Every room on a server, in one place, keyed by its four-letter code.

A browser session (a pupil's tab) has its own state; a room is shared by many sessions,
so it lives here, in the server process, and each session polls it (`Room.version`).

Limits, so one laptop serves a school: at most `MAX_ROOMS` rooms at once (a full
server says so when a teacher creates one), at most `MAX_PLAYERS` pupils a room, and a
room unused for `ROOM_HOURS` hours is closed to make space. A room takes about 10 MB
at the classroom's 2,000 claimants (`benchmarks/game_turns.py` measures it).
"""

from __future__ import annotations

import secrets
import threading
import time

from commissioning.model import Scenario

from .room import MAX_PLAYERS, GameError, Room

MAX_ROOMS = 12
ROOM_HOURS = 6.0
CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0
CODE_LENGTH = 4
MAX_CLAIMANTS = 20_000  # a room's model must step a turn in well under a second

__all__ = ["CODE_LENGTH", "MAX_PLAYERS", "MAX_ROOMS", "ROOM_HOURS", "STORE", "RoomStore"]


def normalise_code(text: object) -> str:
    """A typed room code as stored: letters only, upper case ("abcd " -> "ABCD")."""
    return "".join(ch for ch in str(text)[:20] if ch.isalpha()).upper()


class RoomStore:
    """The rooms of one server."""

    def __init__(self, max_rooms: int = MAX_ROOMS, hours: float = ROOM_HOURS):
        self.max_rooms, self.hours = max_rooms, hours
        self._rooms: dict[str, Room] = {}
        self._lock = threading.Lock()

    def create(self, scenario: Scenario, label: str, seed: int = 1,
               claimants: int = 2000) -> Room:
        """A new room with a fresh code. Raises GameError when the server is full."""
        if not 1 <= claimants <= MAX_CLAIMANTS:
            raise GameError(f"Claimants: a number from 1 to {MAX_CLAIMANTS:,}.")
        with self._lock:
            self._close_idle()
            if len(self._rooms) >= self.max_rooms:
                raise GameError(f"This server already has {self.max_rooms} rooms, its limit; "
                                f"a room closes {self.hours:g} hours after its last use.")
            code = self._new_code()
            key = secrets.token_hex(3)
            self._rooms[code] = None  # type: ignore[assignment]  # held while it is built
        try:
            room = Room(code, scenario, label, seed, claimants, key)
        except Exception:
            with self._lock:
                self._rooms.pop(code, None)
            raise
        with self._lock:
            self._rooms[code] = room
        return room

    def _new_code(self) -> str:
        while True:
            code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
            if code not in self._rooms:
                return code

    def get(self, code: object) -> Room | None:
        """The room with this code (as typed), or None."""
        with self._lock:
            return self._rooms.get(normalise_code(code))

    def close(self, code: str) -> None:
        with self._lock:
            self._rooms.pop(code, None)

    def _close_idle(self) -> None:
        cutoff = time.time() - self.hours * 3600
        for code, room in list(self._rooms.items()):
            if room is not None and room.touched < cutoff:
                del self._rooms[code]

    def __len__(self) -> int:
        with self._lock:
            return len(self._rooms)


#: The server's rooms (one per process: every session of the app shares it).
STORE = RoomStore()

"""The Game page before a tab has a seat: join a room, create one, or reopen one as teacher.

A pupil types the room code and their name; a teacher picks a scenario (shipped, or
uploaded and checked as everywhere else in the app), the claimants and the seed, and
creates a room. Below, the game's Info tab.
"""

from __future__ import annotations

import solara

from commissioning.experiments.game.store import MAX_CLAIMANTS, STORE
from commissioning.model import ScenarioError

from ..state import UPLOADS, keep_upload, scenario_by_label, scenario_labels
from ..upload import UploadScenarioButton, upload_from_browser
from .parts import Info, attempt
from .seat import SEAT, Seat

CLAIMANT_CHOICES = ("500", "1000", "2000", "5000")
DEFAULT_SCENARIO = "two_tier.toml"


@solara.component
def JoinCard() -> None:
    code = solara.use_reactive("")
    name = solara.use_reactive("")
    message = solara.use_reactive(None)

    def join() -> None:
        def go() -> None:
            room = STORE.get(code.value)
            if room is None:
                raise ScenarioError("Room code", "", "the code on your teacher's screen "
                                    "(four letters)", code.value[:20])
            player = room.join(name.value)
            SEAT.set(Seat(room.code, player.name))

        attempt(go, message, "join the room")

    with solara.Card("Join a game"):
        solara.InputText("Room code", value=code, continuous_update=True)
        solara.InputText("Your name", value=name, continuous_update=True)
        solara.Button("Join", color="primary", on_click=join, block=True)
        if message.value:
            solara.Error(message.value)


@solara.component
def CreateCard() -> None:
    label = solara.use_reactive(DEFAULT_SCENARIO)
    claimants = solara.use_reactive("2000")
    seed = solara.use_reactive("1")
    message = solara.use_reactive(None)
    labels = scenario_labels()

    def create() -> None:
        def go() -> None:
            try:
                number = int(seed.value.strip())
            except ValueError:
                raise ScenarioError("Seed", "", "a whole number", seed.value[:20]) from None
            if not 0 <= number < 2**63:
                raise ScenarioError("Seed", "", "a whole number from 0", number)
            if claimants.value not in CLAIMANT_CHOICES:
                raise ScenarioError("Claimants", "", "one of " + ", ".join(CLAIMANT_CHOICES),
                                    claimants.value)
            room = STORE.create(scenario_by_label(label.value), label.value, number,
                                int(claimants.value))
            SEAT.set(Seat(room.code, teacher=True))

        attempt(go, message, "create the room")

    def uploaded(info, buffers=None) -> None:
        """A scenario file from the upload button, checked as everywhere in the app."""
        def go() -> None:
            name, scenario = upload_from_browser(info, buffers, UPLOADS.peek())
            keep_upload(name, scenario)
            label.set(name)

        attempt(go, message, "read that file")

    with solara.Card("Teacher: create a room"):
        solara.Select("Scenario", values=labels, value=label)
        UploadScenarioButton(uploaded)
        solara.Select("Claimants (fewer: faster turns)", values=list(CLAIMANT_CHOICES),
                      value=claimants)
        solara.InputText("Seed (the same seed: the same claimants and luck)", value=seed,
                         continuous_update=True)
        solara.Button("Create room", color="primary", on_click=create, block=True)
        if message.value:
            solara.Error(message.value)
        solara.Text(f"Up to {STORE.max_rooms} rooms on this server; a room closes "
                    f"{STORE.hours:g} hours after its last use. At most {MAX_CLAIMANTS:,} "
                    "claimants.", classes=["choice-help"])


@solara.component
def ReopenCard() -> None:
    code = solara.use_reactive("")
    key = solara.use_reactive("")
    message = solara.use_reactive(None)

    def reopen() -> None:
        def go() -> None:
            room = STORE.get(code.value)
            if room is None or key.value.strip().lower() != room.teacher_key:
                raise ScenarioError("Room code and teacher key", "", "a room on this server "
                                    "and the key its teacher's screen shows")
            SEAT.set(Seat(room.code, teacher=True))

        attempt(go, message, "reopen the room")

    with solara.Details("Teacher: reopen a room after a reload"):
        solara.InputText("Room code", value=code, continuous_update=True)
        solara.InputText("Teacher key", value=key, continuous_update=True)
        solara.Button("Reopen", on_click=reopen)
        if message.value:
            solara.Error(message.value)


@solara.component
def Landing() -> None:
    with solara.Column(classes=["landing"]):
        solara.Text("The Commissioning Game", classes=["week-banner"])
        solara.Text("A class plays the supply chain, then sees what its choices did to the "
                    "same claimants.", classes=["where"])
        with solara.Columns([1, 1]):
            JoinCard()
            with solara.Column():
                CreateCard()
                ReopenCard()
        with solara.Details("About the game (Info)", expand=False):
            Info()

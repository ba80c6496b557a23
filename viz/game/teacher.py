"""The teacher's screen, for a projector: the room code, who plays what, the turns, the run.

Read from the back of a classroom at 1280x720 (no text under 18 px): the room code and
the address pupils type, "Week N", the buttons that run the game (Start, Next turn,
End game), who has decided this turn, the log of what happened, and the run's network
and charts (the app's own pictures). Before the game, the class's predictions as a
live histogram; after it, the debrief.
"""

from __future__ import annotations

import html
import socket
import threading

import solara
import solara.lab

from commissioning.experiments.game.room import DEBRIEF, ENDING, LOBBY, PLAYING, Room
from commissioning.experiments.game.store import STORE

from ..ui import Picture, draw_safely
from .live import use_counter
from .parts import DebriefView, Info, WeekBanner, attempt
from .pictures import charts_png, network_png, predictions_png
from .seat import SEAT, Seat

LOG_LINES = 14


def address() -> tuple[str, str]:
    """The address pupils type, and a note when it only works on this computer."""
    headers = solara.lab.headers.value or {}
    host = (headers.get("host") or ["127.0.0.1:8765"])[0]
    url = f"http://{host}/game"
    if host.split(":")[0] in ("127.0.0.1", "localhost", "::1", "[::1]"):
        port = host.rpartition(":")[2] if ":" in host else "8765"
        return url, (f"That address works on this computer only: start the app with "
                     f"`commissioning app --host 0.0.0.0` and give pupils this computer's "
                     f"network address, e.g. http://{socket.gethostname()}:{port}/game")
    return url, ""


@solara.component
def Roster(room: Room, tick: object) -> None:
    """Who plays which organisation, and who has decided this turn."""
    players = sorted(room.players.values(), key=lambda p: p.joined)
    done, of = room.decided()
    if room.phase == PLAYING and not room.finished:
        solara.Text(f"{done} of {of} pupils have decided this turn.", classes=["status"])
    if not players:
        solara.Text("No pupils yet: the model plays every organisation.", classes=["about"])
    for p in players:
        role = room.role_of.get(p.role)
        tick = " ✓" if room.phase == PLAYING and p.saved_week == room.week else ""
        predicted = " (predicted)" if room.phase == LOBBY and p.prediction else ""
        solara.Text(f"{p.name}: {role.title if role else 'no role'}{tick}{predicted}",
                    classes=["roster"])
    played = {p.role for p in players}
    solara.Text(f"The model's own rules play the other {len(room.roles) - len(played)} "
                "organisations.", classes=["about"])


@solara.component
def EventLog(room: Room, tick: object) -> None:
    events = list(room.events)[-LOG_LINES:][::-1]
    solara.HTML(tag="ul", unsafe_innerHTML="".join(f"<li>{html.escape(e.text)}</li>"
                                                  for e in events), classes=["log"])


@solara.component
def PredictionsPicture(room: Room, version: int | None) -> None:
    """The class's predictions as they come in (`version`: redraw when they change)."""
    png, failure = solara.use_memo(
        lambda: draw_safely(lambda: predictions_png(room), "the predictions"),
        [room.code, version])
    Picture(png, "Histograms of the class's predictions", failure)


@solara.component
def RunPictures(room: Room, tick: object) -> None:
    """The network and the charts of the class's run, redrawn after each turn."""
    net, net_failure = solara.use_memo(
        lambda: draw_safely(lambda: network_png(room), "the network"), [room.code, room.stage])
    charts, charts_failure = solara.use_memo(
        lambda: draw_safely(lambda: charts_png(room), "the charts"), [room.code, room.stage])
    Picture(net, "The referral network of the class's run", net_failure)
    Picture(charts, "Charts of the class's run, week by week", charts_failure)


@solara.component
def TeacherScreen(seat: Seat) -> None:
    room = STORE.get(seat.code)
    version = use_counter(lambda: room.version if STORE.get(seat.code) is room else None,
                          f"teacher-{seat.code}")
    mine, set_mine = solara.use_state(0)
    tick = (version, mine)
    message = solara.use_reactive(None)

    def act(action, doing: str) -> None:
        attempt(action, message, doing)
        set_mine(mine + 1)

    def end_game() -> None:
        threading.Thread(target=room.end_game, name=f"end-{room.code}", daemon=True).start()
        set_mine(mine + 1)

    def close() -> None:
        STORE.close(room.code)
        SEAT.set(None)

    with solara.Column(classes=["teacher"]):
        if room is None:
            solara.Warning(f"Room {seat.code} has closed.")
            solara.Button("Back", on_click=lambda: SEAT.set(None))
            return
        url, note = address()
        with solara.Columns([1, 1]):
            with solara.Column(gap="0px"):
                if room.phase == LOBBY:  # big while pupils join; a line once the game runs
                    solara.Text("Room code", classes=["address"])
                    solara.Text(room.code, classes=["room-code"])
                    solara.HTML(tag="span", unsafe_innerHTML=f"Pupils open <b>{html.escape(url)}"
                                f"</b> and type <b>{room.code}</b>", classes=["address"])
                    if note:
                        solara.Text(note, classes=["about"])
                else:
                    solara.Text(room.code, classes=["room-code", "room-code-small"])
                    solara.HTML(tag="span", unsafe_innerHTML=f"Room code; pupils open "
                                f"<b>{html.escape(url)}</b>", classes=["address"])
            with solara.Column(gap="6px"):
                WeekBanner(room, tick)
                solara.Text(f"{room.scenario.name} · {room.model.claimants.n:,} claimants · "
                            f"seed {room.model.p['seed']}", classes=["about"])
                with solara.Row():
                    if room.phase == LOBBY:
                        solara.Button("Start", color="primary",
                                      on_click=lambda: act(room.start, "start the game"))
                    if room.phase == PLAYING:
                        solara.Button(f"Next turn (weeks {room.week}-"
                                      f"{min(room.week + 13, room.weeks)})", color="primary",
                                      disabled=room.finished,
                                      on_click=lambda: act(room.next_turn, "run the turn"))
                    if room.phase in (LOBBY, PLAYING):
                        solara.Button("End game", color="error", outlined=True,
                                      on_click=end_game)
                    if room.phase == DEBRIEF:
                        solara.Button("Close the room", outlined=True, on_click=close)
                if message.value:
                    solara.Error(message.value)
        if room.phase == LOBBY:
            with solara.Columns([1, 2]):
                with solara.Card("Pupils and their roles"):
                    Roster(room, tick)
                with solara.Card("The class's predictions"):
                    PredictionsPicture(room, version)
        elif room.phase == PLAYING:
            with solara.Columns([1, 2]):
                with solara.Column():
                    with solara.Card("Pupils and their roles"):
                        Roster(room, tick)
                    with solara.Card("What happened"):
                        EventLog(room, tick)
                with solara.Column():
                    RunPictures(room, tick)
        elif room.phase == ENDING:
            solara.Info("The rest of the contract is running with the class's last decisions, "
                        "beside the model's own runs on the same claimants...")
            solara.ProgressLinear(True)
        elif room.phase == DEBRIEF:
            DebriefView(room, tick)
            with solara.Card("What happened"):
                EventLog(room, tick)
        with solara.Details("Teacher key (to reopen this screen after a reload)"):
            solara.Text(room.teacher_key, classes=["status"])
        with solara.Details("About the game (Info)"):
            Info()

"""Small pieces the game's screens share: safe handlers, tables, a week banner, the debrief.

Two rules hold here as on the app's other pages: no traceback ever reaches a screen (a
handler shows one sentence; the server log keeps the rest), and nothing a pupil typed
is shown as markup. Pupils' names are only ever shown with `solara.Text`; the few
tables drawn as HTML escape every cell.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from typing import Any

import solara

from commissioning.experiments.game import scenario_file, summary
from commissioning.experiments.game.room import GameError, Room
from commissioning.model import ScenarioError

from ..ui import Picture, Prose, download_bytes, draw_safely
from .pictures import debrief_png

log = logging.getLogger(__name__)


def attempt(action: Callable[[], Any], message: solara.Reactive, doing: str) -> Any:
    """Run a screen's action: a sentence on the screen if it cannot be done, never a trace."""
    try:
        out = action()
        message.set(None)
        return out
    except (GameError, ScenarioError) as exc:
        message.set(str(exc))
    except Exception as exc:
        log.exception("%s failed", doing)
        message.set(f"Could not {doing}: {type(exc).__name__}. Try again, or ask your teacher.")
    return None


def table_html(header: Sequence[str], rows: Sequence[Sequence[str]], classes: str,
               first: int | None = None) -> str:
    """An HTML table with every cell escaped; column `first` (if any) marked as the class's."""
    def cell(tag: str, text: str, k: int) -> str:
        mark = ' class="yours"' if k == first else ""
        return f"<{tag}{mark}>{html.escape(str(text))}</{tag}>"

    head = "".join(cell("th", h, k) for k, h in enumerate(header)) if header else ""
    body = "".join("<tr>" + "".join(cell("td", c, k) for k, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return (f'<table class="{classes}">' + (f"<thead><tr>{head}</tr></thead>" if head else "")
            + f"<tbody>{body}</tbody></table>")


@solara.component
def WeekBanner(room: Room, tick: object) -> None:
    """ "Week N" on every screen of a room, with where the game is (`tick`: redraw when
    the room changes; Solara redraws a component only when its arguments change)."""
    state = {"lobby": "the game has not started",
             "playing": "every week has run: the teacher ends the game" if room.finished
             else f"turn {room.turn + 1}: decide for weeks {room.week}-"
                  f"{min(room.week + 13, room.weeks)}",
             "ending": "the game has ended: preparing the debrief",
             "debrief": "the debrief"}[room.phase]
    solara.Text(f"Week {room.week}", classes=["week-banner", "week-now"])
    solara.Text(f"of {room.weeks}: {state}", classes=["where"])


@solara.component
def Downloads(room: Room, tick: object) -> None:
    """The one-page summary (PNG, PDF) and the class's decisions as a scenario file."""
    d = room.debrief
    if d is None:
        return
    events = list(room.events)
    with solara.Row(classes=["downloads"], gap="12px"):
        solara.FileDownload(download_bytes(lambda: summary.render(d, events, "pdf"),
                                           "the summary"),
                            filename=f"game_{room.code}_summary.pdf",
                            label="Summary (PDF)", mime_type="application/pdf")
        solara.FileDownload(download_bytes(lambda: summary.render(d, events, "png"),
                                           "the summary"),
                            filename=f"game_{room.code}_summary.png",
                            label="Summary (PNG)", mime_type="image/png")
        solara.FileDownload(download_bytes(lambda: scenario_file.decisions_file(room),
                                           "the scenario file"),
                            filename=f"game_{room.code}.toml",
                            label="Your decisions (scenario file)",
                            mime_type="application/toml")


@solara.component
def DebriefChart(d) -> None:
    png, failure = solara.use_memo(lambda: draw_safely(lambda: debrief_png(d), "the chart"),
                                   [id(d)])
    Picture(png, "People in a lasting job week by week, in every run", failure)


@solara.component
def DebriefView(room: Room, tick: object) -> None:
    """What the class's decisions did, beside the model's own play on the same claimants."""
    d = room.debrief
    if room.error:
        solara.Error(room.error)
    if d is None:
        return
    solara.Text(f"Debrief: what your decisions did, on the same {d.claimants:,} claimants",
                classes=["week-banner"])
    items = "".join(f"<li>{html.escape(s)}</li>" for s in d.headline)
    solara.HTML(tag="ul", unsafe_innerHTML=items, classes=["debrief-headline"])
    solara.HTML(tag="div", unsafe_innerHTML=table_html(
        ("", *d.columns), [(label, *cells) for label, cells in d.rows], "comparison", first=1),
        classes=["table-scroll"])
    solara.Text(f"Every column has the same claimants, seed {d.seed} and random numbers, so "
                "a difference between two columns is the decisions', not luck. 'No programme' "
                "is the same people with no programme at all.", classes=["about"])
    DebriefChart(d)
    if d.stories:
        solara.Text("Single people, on the same random numbers", classes=["status"])
        for story in d.stories:
            solara.Text(story, classes=["story"])
    solara.Text("Your predictions against what happened", classes=["status"])
    for p in d.predictions:
        answers = sorted(p.answers)
        said = (f"you said {answers[len(answers) // 2]} (middle answer of {len(answers)}; "
                f"{answers[0]} to {answers[-1]})" if answers else "nobody predicted")
        digits = 1 if p.question.high <= 10 else 0
        solara.Text(f"{p.question.text} {said}; your class's run: {p.yours:.{digits}f}; the "
                    f"model's own play: {p.model:.{digits}f}.", classes=["story"])
    if d.organisations:
        solara.Text("The organisations you played", classes=["status"])
        for title, players, yours, theirs in d.organisations:
            solara.Text(f"{title}, played by {players}: {yours}; in the model's own play, "
                        f"{theirs}.", classes=["story"])
    Downloads(room, tick)


@solara.component
def Info() -> None:
    """The game's Info tab (viz/game/info.md)."""
    from importlib import resources

    text = (resources.files("commissioning.viz") / "game" / "info.md").read_text("utf-8")
    Prose(text)

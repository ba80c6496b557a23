"""The browser app: Explore, Compare, Spread, Lesson, Game and Mesa view pages in one server.

Start it with `commissioning app` (see `cli/app.py`), which runs
`solara run commissioning.viz.app --production` with Solara's front end served
from the `solara-assets` package, telemetry off and no version check, so the
app works on a school network with no internet and the page makes no request
outside this server.

The pages are Solara routes sharing one `Layout`: an app bar with the
title and a tab per page. The Mesa view (`mesa_page.py`) shows the model in
Mesa's own SolaraViz, for Mesa users; the others are the classroom app (the
Game, `game/`, is a class's role-play on one shared run).
Only the root route's layout is used by Solara, so it is set there; it is
also where a tab beyond the server's limit is told so (`sessions.py`).
Navigating between tabs keeps the session (and its runs); the state itself
lives in `state.py` (and the Mesa view's model in `mesa_page.py`), one copy
per browser tab.

The style sheet (`style.py`) makes every piece of text at least 18 px on a
1280x720 projector, growing with the screen; the layout reporter tells the
server how wide the page's pictures are shown, so they are drawn for that
width with text of the same size (`layout.py`, `panels.py`). Colours in the
pictures come from the Okabe-Ito palette (see `network_plot.py`,
`weekly_charts.py`).
"""

from __future__ import annotations

import solara
import solara.lab

from .compare_page import Compare
from .explore_page import Explore
from .game.game_page import Game
from .layout import from_browser
from .lesson_page import Lesson
from .mesa_page import MesaView, forget
from .sessions import admit, closing, full_message, on_session_close
from .spread_page import Spread
from .state import COMPARE, EXPLORE, LAYOUT, UPLOADS
from .style import CSS
from .ui import ErrorBoundary
from .widget_guard import REFUSED, install

install()  # every value a browser sends is checked before a control sees it

TITLE = "Who should buy employment support?"

@solara.component_vue("layout_reporter.vue")
def LayoutReporter(event_report) -> None:
    """Reports the page's main column width, pixel ratio and text size (see `layout.py`)."""


def _reported(data) -> None:
    layout = from_browser(data)
    if layout is not None and layout != LAYOUT.peek():
        LAYOUT.set(layout)


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 (Solara passes children this way)
    """The app bar with a tab per page, around the current page."""
    _, routes = solara.use_route(peek=True)
    if closing():  # the tab has gone: unmount the page before its state is let go
        return
    solara.Style(CSS)
    solara.Title(TITLE)
    LayoutReporter(event_report=_reported)
    if not admit():  # the server's limit on tabs: say so, build nothing
        with solara.Column(classes=["lesson"]):
            solara.Text(TITLE, classes=["lesson-title"])
            solara.Warning(full_message())
        return
    refused = Refused()
    page = ErrorBoundary(children=[refused, *children], on_reset=start_afresh)
    with solara.AppLayout(title=TITLE, navigation=True, children=[page]), solara.AppBar():
        # Inside the app bar: a title placed beside the page would be taken for a sidebar.
        with solara.AppBarTitle():
            solara.Text(TITLE)
        with solara.lab.Tabs(align="center"):
            for route in routes:
                solara.lab.Tab(route.label, path_or_route=route)


@solara.component
def Refused() -> None:
    """What the page sent that no control offers, said once (see `widget_guard.py`)."""
    if REFUSED.value:
        with solara.Row(style={"align-items": "center"}):
            solara.Warning(REFUSED.value, dense=True)
            solara.Button("OK", text=True, on_click=lambda: REFUSED.set(None))


def forget_session() -> None:
    """A closed tab's runs, uploads and models, let go (see `sessions.on_session_close`)."""
    for state in (EXPLORE, COMPARE):
        state.playing.set(False)
        for held in (state.runs.peek(), state.previous.peek()):
            if held is not None:
                held.close()
        state.runs.set(None)
        state.previous.set(None)
    UPLOADS.set({})
    forget()  # the Mesa view's model


on_session_close(forget_session)


def start_afresh() -> None:
    """Forget this session's runs (after a page failed to draw): each page starts again."""
    for state in (EXPLORE, COMPARE):
        state.playing.set(False)
        state.message.set(None)
        state.runs.set(None)
        state.settings.set(None)
    forget()  # the Mesa view's model


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="spread", component=Spread, label="Spread"),
    solara.Route(path="lesson", component=Lesson, label="Lesson"),
    solara.Route(path="game", component=Game, label="Game"),
    solara.Route(path="mesa", component=MesaView, label="Mesa view"),
]

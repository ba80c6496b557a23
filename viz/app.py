"""The browser app: Explore, Compare, Lesson, Game and Mesa view pages in one offline Solara server.

Start it with `commissioning app` (see `cli/app.py`), which runs
`solara run commissioning.viz.app --production` with Solara's front end served
from the `solara-assets` package, telemetry off and no version check, so the
app works on a school network with no internet and the page makes no request
outside this server.

The four pages are Solara routes sharing one `Layout`: an app bar with the
title and a tab per page. The Mesa view (`mesa_page.py`) shows the model in
Mesa's own SolaraViz, for Mesa users; the other three are the classroom app.
Only the root route's layout is used by Solara, so it is set there; it is
also where a tab beyond the server's limit is told so (`sessions.py`).
Navigating between tabs keeps the session (and its runs); the state itself
lives in `state.py` (and the Mesa view's model in `mesa_page.py`), one copy
per browser tab.

The style sheet makes the text large enough for a projector and gives the
number tiles and captions their look; colours in the pictures come from the
Okabe-Ito palette (see `network_plot.py`, `weekly_charts.py`).
"""

from __future__ import annotations

import solara
import solara.lab

from .compare_page import Compare
from .explore_page import Explore
from .game.game_page import Game
from .lesson_page import Lesson
from .mesa_page import MesaView, forget
from .sessions import admit, full_message
from .state import COMPARE, EXPLORE
from .ui import ErrorBoundary
from .widget_guard import REFUSED, install

install()  # every value a browser sends is checked before a control sees it

TITLE = "Who should buy employment support?"

CSS = """
.v-application { font-size: 17px; }
.v-application .v-label, .v-application .v-select__selection,
.v-application .v-input input { font-size: 16px; }
.v-application .v-card__title { font-size: 1.25rem; padding-bottom: 6px; }
.v-application .v-btn { font-size: 15px; letter-spacing: 0.02em; }
.v-tab { font-size: 16px !important; }
.controls .help { font-size: 13.5px; color: #555; line-height: 1.3; margin: -6px 0 10px 0;
                  display: block; }
.controls .v-input--selection-controls, .controls .v-slider { margin-top: 0; }
.run-week { font-size: 18px; font-weight: 600; display: block; margin-top: 8px; }
.scenario-name { font-weight: 600; display: block; margin: -8px 0 2px 0; }
.this-run { color: #333; font-size: 15px; display: block; margin-bottom: 6px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(7.4rem, 1fr));
         gap: 8px; margin-bottom: 8px; }
.stat { border: 1px solid #ccc; border-radius: 6px; padding: 4px 12px; }
.stat .stat-value { font-size: 28px; font-weight: 700; display: block; line-height: 1.2; }
.stat .stat-label { font-size: 15px; display: block; }
.stat .stat-detail { font-size: 13px; color: #555; display: block; }
.follow { margin: 4px 0 8px 0; }
.follow-text { font-size: 15.5px; }
.caption { font-size: 15px; color: #333; display: block; margin: 0 0 10px 0; }
.picture img { max-width: 100%; height: auto; display: block; }
.downloads { margin: 10px 0 24px 0; }
/* Solara's Column carries Vuetify's ma-0 (margin 0 !important): centring must outrank it. */
.v-application .lesson.ma-0 { max-width: 60rem; width: 100%; margin-left: auto !important;
                             margin-right: auto !important; padding: 0 24px; }
.v-application .lesson .prose p, .v-application .lesson .prose li {
    font-size: 18px !important; line-height: 1.55; }
.lesson .lesson-title { font-size: 28px; font-weight: 700; display: block; margin: 8px 0; }
.lesson .prose h2 { font-size: 24px; margin-top: 24px; }
.lesson .experiment { margin: 12px 0; }
.lesson .question { background: #fff8e1; padding: 4px 10px; border-radius: 4px; }
.comparison table { font-size: 16px; border-collapse: collapse; margin-bottom: 12px; }
.comparison td, .comparison th { padding: 4px 12px; border-bottom: 1px solid #ddd; }
.pending { margin-bottom: 10px; }
.knob-label { font-size: 16px; font-weight: 500; display: block; margin-top: 6px; }
.knob .v-input__slot { margin-bottom: 0; }
.upload-scenario { margin: 4px 0 8px 0; }
.upload-scenario .v-btn { width: 100%; text-transform: none; }
"""


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 (Solara passes children this way)
    """The app bar with a tab per page, around the current page."""
    _, routes = solara.use_route(peek=True)
    solara.Style(CSS)
    solara.Title(TITLE)
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
    solara.Route(path="lesson", component=Lesson, label="Lesson"),
    solara.Route(path="game", component=Game, label="Game"),
    solara.Route(path="mesa", component=MesaView, label="Mesa view"),
]

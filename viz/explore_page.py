"""The Explore page: one scenario, its settings, and what happens week by week.

The controls sit in a column at the side (run, scenario, settings); the main
column shows this week's numbers, the run before it for comparison, one
claimant to follow, the referral network and the charts, and the downloads.
On a narrow window (or a browser zoomed to 150%) the columns stack: the run's
buttons stay at the top while the page scrolls. Everything here reads this
session's state (`state.EXPLORE`), so two pupils on one server never step
each other's run.
"""

from __future__ import annotations

import solara

from .controls import ExploreScenario, ExploreSettings, RunControls, RunOptions
from .scenario_files import file_stem, short_name
from .settings import FOLLOWED_AT_FIRST
from .state import ensure_explore
from .views import AgainstBefore, Downloads, FollowClaimant, Pictures, Summary

followed = solara.reactive(FOLLOWED_AT_FIRST)  # the claimant this session follows


@solara.component
def Explore() -> None:
    """One run of one scenario, stepped by a class."""
    state = ensure_explore()
    runs = state.runs.value
    tick = state.tick.value
    with solara.Div(classes=["page"]):
        with solara.Div(classes=["page-side"]):
            with solara.Card("Run", classes=["controls", "run-card"]):
                RunControls(state).key("explore-run-controls")
            with solara.Card("Step and play speed", classes=["controls", "page-settings"]):
                RunOptions(state)
            with solara.Card("Scenario", classes=["controls", "page-settings"]):
                ExploreScenario(state)
            with solara.Card("Settings", classes=["controls", "page-settings"]):
                ExploreSettings(state)
        with solara.Div(classes=["page-main"]):
            if state.message.value:
                solara.Error(state.message.value)
            if runs.error:
                solara.Error(runs.error)
            if not runs.timelines:
                return
            solara.Text(f"This run: {runs.settings[0].describe()}.", classes=["this-run"])
            Summary(runs, tick)
            AgainstBefore(runs, state.previous.value, tick)
            FollowClaimant(runs, tick, followed)
            Pictures(runs, state, tick)
            Downloads(runs, tick,
                      file_stem(f"explore_{short_name(runs.settings[0].scenario_label)}"))

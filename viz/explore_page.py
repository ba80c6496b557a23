"""The Explore page: one scenario, its settings, and what happens week by week.

The sidebar holds the controls (run, scenario file, settings); the page shows
this week's numbers, one claimant to follow, the referral network and the
charts, and the downloads. Everything here reads this session's state
(`state.EXPLORE`), so two pupils on one server never step each other's run.
"""

from __future__ import annotations

import solara

from .controls import ExploreScenario, ExploreSettings, RunControls
from .scenario_files import file_stem, short_name
from .settings import FOLLOWED_AT_FIRST
from .state import ensure_explore
from .views import ChartsPicture, Downloads, FollowClaimant, NetworkPicture, Summary

followed = solara.reactive(FOLLOWED_AT_FIRST)  # the claimant this session follows


@solara.component
def Explore() -> None:
    """One run of one scenario, stepped by a class."""
    state = ensure_explore()
    runs = state.runs.value
    tick = state.tick.value
    with solara.Sidebar():
        with solara.Card("Run", classes=["controls"]):
            RunControls(state).key("explore-run-controls")
        with solara.Card("Scenario", classes=["controls"]):
            ExploreScenario(state)
        with solara.Card("Settings", classes=["controls"]):
            ExploreSettings(state)
    if state.message.value:
        solara.Error(state.message.value)
    if runs.error:
        solara.Error(runs.error)
    if not runs.models:
        return
    solara.Text(f"This run: {runs.settings[0].describe()}.", classes=["this-run"])
    Summary(runs, tick)
    FollowClaimant(runs, tick, followed)
    NetworkPicture(runs, tick)
    ChartsPicture(runs, tick)
    Downloads(runs, tick, file_stem(f"explore_{short_name(runs.settings[0].scenario_label)}"))

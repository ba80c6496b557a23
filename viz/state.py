"""Per-session state: each browser tab has its own runs, settings and uploads.

Solara keeps a module-level `solara.reactive` separately for every session
(a browser tab; a reload is a new one), but its *initial* value is one object
shared by all of them. So every reactive here starts as `None` (or an empty
value) and is filled lazily, inside a component, by the functions below: a
model built at import time would be stepped by every pupil on the server at
once (STACK.md, "Per-session state"). Keeping the state at module level, not
in a page's `use_memo`, also lets it survive moving between pages, which
unmount, and lets the Lesson page load settings into the other two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import solara

from commissioning.model import Scenario, ScenarioError

from .runs import Runs
from .scenario_files import load_shipped, shipped_files, shown
from .settings import Settings

DEFAULT_EXPLORE = "two_tier.toml"
DEFAULT_COMPARE = ("two_tier.toml", "locality.toml")


@dataclass
class PageState:
    """What one page of one session holds: its runs, the settings on screen, play state."""

    runs: solara.Reactive[Runs | None] = field(default_factory=lambda: solara.reactive(None))
    #: The settings shown by the controls (they become the run's on Reset).
    settings: solara.Reactive[tuple[Settings, ...] | None] = field(
        default_factory=lambda: solara.reactive(None))
    playing: solara.Reactive[bool] = field(default_factory=lambda: solara.reactive(False))
    #: Bumped after every step: the pictures read it, so they redraw.
    tick: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(0))
    step_weeks: solara.Reactive[int] = field(default_factory=lambda: solara.reactive(1))
    #: A message about the last thing a person did (a bad upload, a failed run).
    message: solara.Reactive[str | None] = field(default_factory=lambda: solara.reactive(None))

    def start(self, settings: tuple[Settings, ...]) -> None:
        """Show these settings and start a fresh run with them (at week 0, paused)."""
        self.playing.set(False)
        self.settings.set(settings)
        self.runs.set(Runs(settings))
        self.tick.set(self.tick.peek() + 1)


EXPLORE = PageState()
COMPARE = PageState()
#: Scenario files this session uploaded, by label ("mine.toml (uploaded)").
UPLOADS: solara.Reactive[dict[str, Scenario]] = solara.reactive({})
#: Uploads one session may keep (each a few kilobytes; a script could send thousands).
MAX_UPLOADS = 20


def scenario_labels() -> list[str]:
    """Every scenario a person can pick: the shipped files, then this session's uploads."""
    return [*shipped_files(), *UPLOADS.value]


def scenario_by_label(label: str) -> Scenario:
    """The scenario behind a label (an upload of this session, or a shipped file).

    A label is only ever one the picker offers: whatever else a browser sends
    (a path, another session's upload) is refused with ScenarioError.
    """
    uploaded = UPLOADS.peek().get(label) if isinstance(label, str) else None
    if uploaded is not None:
        return uploaded
    if isinstance(label, str) and label in shipped_files():
        return load_shipped(label)
    raise ScenarioError(shown(label), "", "a scenario file on the list (a shipped one or one "
                        "uploaded in this tab)")


def keep_upload(label: str, scenario: Scenario) -> None:
    """Add an upload to this session's list (refused beyond `MAX_UPLOADS`)."""
    uploads = UPLOADS.peek()
    if label not in uploads and len(uploads) >= MAX_UPLOADS:
        raise ScenarioError(label, "", f"at most {MAX_UPLOADS} uploaded files in one tab "
                            "(reload the page to start afresh)")
    UPLOADS.set({**uploads, label: scenario})


def settings_for(label: str, claimants: int, seed: int | None = None) -> Settings:
    """A scenario's own settings at the given claimant count (and seed, if given)."""
    return Settings.from_scenario(scenario_by_label(label), label, claimants, seed)


def ensure_explore() -> PageState:
    """This session's Explore state, with a first run of the Work Programme if it has none."""
    if EXPLORE.runs.peek() is None:
        first = Settings.from_scenario(load_shipped(DEFAULT_EXPLORE), DEFAULT_EXPLORE)
        EXPLORE.start((first,))
    return EXPLORE


def ensure_compare() -> PageState:
    """This session's Compare state: two regimes, same claimants and seed, if it has none."""
    if COMPARE.runs.peek() is None:
        a, b = (Settings.from_scenario(load_shipped(n), n) for n in DEFAULT_COMPARE)
        COMPARE.start((a, b.changed(seed=a.seed)))
    return COMPARE

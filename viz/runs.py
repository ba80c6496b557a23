"""The runs a page shows: one on Explore, two on Compare, always at the same week.

A `Runs` is built from settings (one `Settings` per run; on Compare both share
claimants and seed, so the two regimes meet the same people and the same
luck) and rebuilt from them on Reset, as Mesa's SolaraViz rebuilds a model
from its parameters. It holds the server's shared `Timeline` of each run
(`timeline.py`) and this tab's own week: stepping moves the week on (running
a timeline further only if no tab has been there yet), and a tab may go back
to any week it has already run.

Nothing in here may raise into a page: Solara replaces the whole page with a
traceback when an event handler raises. A model that cannot be built, or a
week that fails, stops the run and leaves a plain message in `error`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date

import pandas as pd

from .scenario_files import short_name, title_of
from .settings import Settings
from .timeline import Timeline, plain_message, timeline_for

log = logging.getLogger(__name__)

__all__ = ["Runs", "plain_message"]


class Runs:
    """One or more runs (shared timelines) seen by one tab at one week, stepped together."""

    def __init__(self, settings: Sequence[Settings] = ()):
        self.settings = tuple(settings)
        self.timelines: list[Timeline] = []
        self.error: str | None = None
        self.week = 0
        try:
            self.timelines = [timeline_for(s.model_kwargs()) for s in self.settings]
        except Exception as exc:
            log.exception("could not build the model")
            self.error = f"Could not start the run: {plain_message(exc)}"
            self.timelines = []
        for timeline in self.timelines:
            if timeline.error and timeline.error_week == 0:
                self.error, self.timelines = timeline.error, []
                break

    @property
    def titles(self) -> list[str]:
        """The runs' names in words, for legends and captions (never a file name)."""
        names = [title_of(s.scenario_label, s.scenario) for s in self.settings]
        if len(set(names)) < len(names):  # the same scenario twice: say which is which
            names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
        return names

    @property
    def stems(self) -> list[str]:
        """Short names of the runs' files, for downloaded files' names."""
        return [short_name(s.scenario_label) for s in self.settings]

    @property
    def running(self) -> bool:
        """Whether another week can be run."""
        return self.error is None and bool(self.timelines) and self.week < self.weeks

    @property
    def weeks(self) -> int:
        """Weeks in the whole run (the longest run's)."""
        return max((t.weeks for t in self.timelines), default=0)

    def date(self, week: int | None = None) -> date | None:
        """The date of a week (this tab's week by default) if the model has a calendar."""
        if not self.timelines:
            return None
        return self.timelines[0].date(self.week if week is None else week)

    def step(self, weeks: int = 1) -> int:
        """Run up to `weeks` weeks on (fewer at the end of the run); returns the weeks run."""
        if not self.running or weeks <= 0:
            return 0
        return self._forward(weeks)

    def _forward(self, weeks: int) -> int:
        before = self.week
        target = min(self.week + int(weeks), self.weeks)
        reached = min(t.reach(target) for t in self.timelines)
        for timeline in self.timelines:
            if timeline.error and timeline.error_week is not None and \
                    timeline.error_week <= target:
                self.error = timeline.error
        self.week = reached
        return self.week - before

    def go_to(self, week: int) -> int:
        """Go to a week: back at once (it has been run), or on as far as the run goes."""
        week = max(0, min(int(week), self.weeks))
        if week <= self.week:
            self.week = week
        elif self.error is None:
            self._forward(week - self.week)
        return self.week

    def close(self) -> None:
        """Let go of the runs (the tab has gone): their timelines go unless another tab has them."""
        self.timelines = []
        self.error = "This run was closed."

    def weekly_table(self) -> pd.DataFrame:
        """Every run's weekly data (as collected by Mesa's DataCollector) to this week."""
        frames = []
        for stem, settings, timeline in zip(self.stems, self.settings, self.timelines,
                                            strict=True):
            df = timeline.model.datacollector.get_model_vars_dataframe().iloc[:self.week + 1]
            df = df.copy()
            df.insert(0, "scenario", stem)
            df.insert(1, "seed", settings.seed)
            df.insert(2, "claimants", settings.claimants)
            frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

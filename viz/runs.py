"""The model runs a page steps: one on Explore, two on Compare, always stepped together.

A `Runs` is built from settings (one `Settings` per run; on Compare both share
claimants and seed, so the two regimes meet the same people and the same
luck) and rebuilt from them on Reset, as Mesa's SolaraViz rebuilds a model
from its parameters. It also keeps the pictures drawn of its models, so a
page left and revisited does not rebuild them.

Nothing in here may raise into a page: Solara replaces the whole page with a
traceback when an event handler raises. A model that cannot be built, or a
week that fails, stops the run and leaves a plain message in `error` (the
traceback goes to the server log).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import pandas as pd

from commissioning.model import CommissioningModel, ScenarioError

from .scenario_files import short_name
from .settings import Settings

log = logging.getLogger(__name__)


def plain_message(exc: BaseException) -> str:
    """An exception as one sentence for the page (a ScenarioError already is one)."""
    if isinstance(exc, ScenarioError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class Runs:
    """One or more models built from settings and stepped a week at a time, together."""

    def __init__(self, settings: Sequence[Settings] = ()):
        self.settings = tuple(settings)
        self.models: list[CommissioningModel] = []
        self.error: str | None = None
        self.views: dict[str, Any] = {}  # pictures of these models, built once
        self.lock = threading.Lock()  # one week at a time, whoever asks
        try:
            self.models = [CommissioningModel(**s.model_kwargs()) for s in self.settings]
        except Exception as exc:
            log.exception("could not build the model")
            self.error = f"Could not start the run: {plain_message(exc)}"

    @property
    def labels(self) -> list[str]:
        """Short names of the runs, for legends and file names."""
        names = [short_name(s.scenario_label) for s in self.settings]
        if len(set(names)) < len(names):  # the same file twice: say which is which
            names = [f"{n} ({i + 1})" for i, n in enumerate(names)]
        return names

    @property
    def running(self) -> bool:
        """Whether another week can be run."""
        return self.error is None and any(m.running for m in self.models)

    @property
    def week(self) -> int:
        """Weeks run so far."""
        return max((m.week for m in self.models), default=0)

    @property
    def weeks(self) -> int:
        """Weeks in the whole run."""
        return max((int(m.p["weeks"]) for m in self.models), default=0)

    def step(self, weeks: int = 1) -> int:
        """Run up to `weeks` weeks (fewer at the end of the run); returns the weeks run."""
        done = 0
        with self.lock:
            try:
                for _ in range(weeks):
                    if not self.running:
                        break
                    for model in self.models:
                        if model.running:
                            model.step()
                    done += 1
            except Exception as exc:
                log.exception("a week of the run failed")
                self.error = f"The run stopped in week {self.week}: {plain_message(exc)}"
        return done

    def weekly_table(self) -> pd.DataFrame:
        """Every run's weekly data (as collected by Mesa's DataCollector), one row a week."""
        frames = []
        for label, settings, model in zip(self.labels, self.settings, self.models, strict=True):
            df = model.datacollector.get_model_vars_dataframe()
            df.insert(0, "scenario", label)
            df.insert(1, "seed", settings.seed)
            df.insert(2, "claimants", settings.claimants)
            frames.append(df)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

"""The Lesson page: the model's Info tab, written for a class, with guided experiments.

The text follows a NetLogo model's Info tab (What is it, How it works, How to
use it, Things to notice, Things to try, Extending the model, ...). Under
"Things to try", each guided experiment is a card with its page, scenario
file(s), settings, time and question, and a button that loads exactly those
settings into the Explore or Compare page of this session and goes there.
"""

from __future__ import annotations

import html

import solara

from .lesson_material import EXPERIMENTS_MARKER, Experiment, experiments, glossary, info_text
from .scenario_files import title_of
from .settings import KNOB
from .state import COMPARE, EXPLORE, settings_for
from .ui import Prose, guarded

lesson_message = solara.reactive(None)


def _settings_line(experiment: Experiment) -> str:
    """Where the experiment runs, with what, in words (scenarios by their titles)."""
    scenarios = " against ".join(f"**{title_of(s)}**" for s in experiment.scenarios)
    shown = [KNOB[k].phrase(v) for k, v in experiment.settings.items()]
    return f"{experiment.page.title()} page · {scenarios} · {', '.join(shown)}"


@solara.component_vue("scroll_keeper.vue")
def ScrollKeeper(name: str) -> None:
    """Keeps the page's scroll position while a pupil visits another tab and comes back."""


@solara.component
def Glossary() -> None:
    """The words used in the app, each with its meaning."""
    items = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(meaning)}</dd>"
                    for term, meaning in glossary().items())
    solara.HTML(tag="dl", unsafe_innerHTML=items, classes=["glossary", "prose"])


@solara.component
def ExperimentCard(experiment: Experiment) -> None:
    """One experiment: what to do, predict and notice, the question, and its load button."""
    router = solara.use_router()

    def load() -> None:
        settings = experiment.build(settings_for)
        (EXPLORE if experiment.page == "explore" else COMPARE).start(settings)
        lesson_message.set(None)
        router.push("/" if experiment.page == "explore" else "/compare")

    with solara.Card(f"{experiment.number}. {experiment.title} ({experiment.minutes} min)",
                     classes=["experiment"]):
        Prose(_settings_line(experiment))
        Prose(experiment.text)
        Prose(f"**Discuss.** {experiment.question}", classes=("question",))
        solara.Button(f"Load experiment {experiment.number} into {experiment.page.title()}",
                      color="primary", icon_name="mdi-play-box-outline",
                      on_click=guarded(load, lesson_message,
                                       f"load experiment {experiment.number}"))


@solara.component
def Lesson() -> None:
    """The Info tab and the experiments."""
    before, _, after = info_text().partition(EXPERIMENTS_MARKER)
    with solara.Column(classes=["lesson"]):
        solara.Text("Lesson: who should buy employment support, and how?",
                    classes=["lesson-title"])
        if lesson_message.value:
            solara.Error(lesson_message.value)
        ScrollKeeper(name="lesson")
        Prose(before)
        for experiment in experiments():
            ExperimentCard(experiment)
        Prose(after)
        Prose("## Words used here")
        Glossary()

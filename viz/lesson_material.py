"""The lesson material: the Info-tab text and the guided experiments, read from `lessons/`.

The text is Markdown so a teacher can edit it without touching code. Each
experiment is one Markdown file whose TOML front matter (between `+++` lines)
is the data the app needs to load it: the page (explore or compare), the
scenario file(s), the settings in the sliders' own words and units, the
minutes it takes and the question to discuss. The rest of the file is what
the class reads. Keeping the settings as data next to the text means the
button under an experiment loads exactly what the text describes, and a test
checks that every experiment loads.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from commissioning.model import ScenarioError

from .settings import CLASSROOM_CLAIMANTS, KNOB, Settings

EXPERIMENTS_MARKER = "<!-- experiments -->"
PAGES = ("explore", "compare")


@dataclass(frozen=True)
class Experiment:
    """A guided experiment: where it runs, with what, and what to ask."""

    number: int
    title: str
    page: str
    scenarios: tuple[str, ...]
    minutes: int
    question: str
    text: str
    settings: dict[str, Any] = field(default_factory=dict)

    def build(self, load: Any) -> tuple[Settings, ...]:
        """The settings of each run, from `load(label, claimants, seed)` -> Settings."""
        values = dict(self.settings)
        claimants = int(values.pop("claimants", CLASSROOM_CLAIMANTS))
        seed = values.pop("seed", None)
        runs = [load(name, claimants, seed) for name in self.scenarios]
        if self.page == "compare":  # the same people and luck in both runs
            runs = [r.changed(seed=runs[0].seed) for r in runs]
        return tuple(r.changed(**values) for r in runs)


def _folder():
    return resources.files("commissioning.viz") / "lessons"


def info_text() -> str:
    """The Info-tab text (What is it, How it works, ...), with a marker for the experiments."""
    return (_folder() / "info.md").read_text(encoding="utf-8")


def parse_experiment(name: str, text: str) -> Experiment:
    """An experiment file: `+++` TOML front matter, then Markdown. Raises ScenarioError."""
    parts = text.split("+++", 2)
    if len(parts) != 3 or parts[0].strip():
        raise ScenarioError(name, "", "TOML front matter between +++ lines, then the text")
    try:
        meta = tomllib.loads(parts[1])
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(name, "", f"valid TOML front matter ({exc})") from None
    for key in ("title", "page", "scenarios", "minutes", "question"):
        if key not in meta:
            raise ScenarioError(name, key, "a value (title, page, scenarios, minutes, question)")
    page, scenarios = meta["page"], tuple(meta["scenarios"])
    if page not in PAGES:
        raise ScenarioError(name, "page", "explore or compare", page)
    if len(scenarios) != (1 if page == "explore" else 2):
        raise ScenarioError(name, "scenarios", f"{'one' if page == 'explore' else 'two'} "
                            "scenario file(s)", list(scenarios))
    settings = meta.get("settings", {})
    for key in settings:
        if key not in KNOB:
            raise ScenarioError(name, f"settings.{key}", "one of " + ", ".join(KNOB))
    number = int("".join(ch for ch in name.split("_")[1] if ch.isdigit()) or 0)
    return Experiment(number, meta["title"], page, scenarios, int(meta["minutes"]),
                      meta["question"], parts[2].strip(), settings)


def experiments() -> list[Experiment]:
    """Every guided experiment, in lesson order."""
    files = sorted((f for f in _folder().iterdir() if f.name.startswith("experiment_")
                    and f.name.endswith(".md")), key=lambda f: f.name)
    return [parse_experiment(f.name, f.read_text(encoding="utf-8")) for f in files]


GLOSSARY_ENTRY = re.compile(r"^- \*\*(.+?)\*\*: (.+)$")


def glossary_text() -> str:
    """The glossary as Markdown (a list of "- **Term**: meaning." lines)."""
    return (_folder() / "glossary.md").read_text(encoding="utf-8")


def glossary() -> dict[str, str]:
    """Every term of the glossary and its meaning (hover text uses them)."""
    found = {}
    for line in glossary_text().splitlines():
        match = GLOSSARY_ENTRY.match(line.strip())
        if match:
            found[match[1]] = match[2]
    return found

"""The game's lesson (docs/teaching.md and the Game's Info page) says what the game shows now.

As the app's lesson is checked by viz/lesson_check.py, the game's statements are checked by
experiments/game/lesson_check.py: each holds in games played through the engine at the
classroom's settings, each is printed where a teacher reads it, and the plan's numbers
are the ones the game gives now.
"""

from __future__ import annotations

import itertools
import re
from importlib import resources
from pathlib import Path

import pytest

from commissioning.experiments.game import lesson_check

ROOT = Path(__file__).resolve().parents[1]


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def measured() -> lesson_check.Measurements:
    return lesson_check.measure()


def test_what_the_game_lesson_says_is_what_the_game_shows(measured):
    assert lesson_check.failed_claims(measured) == []


def test_every_statement_is_printed_where_a_teacher_reads_it():
    plan = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    game = plan[plan.index("## The Commissioning Game"):plan.index("## Glossary")]
    info = (resources.files("commissioning.viz") / "game" / "info.md").read_text("utf-8")
    printed = _words(game) + " " + _words(info)
    missing = [text for text, _ in lesson_check.CLAIMS if _words(text) not in printed]
    assert missing == []


def test_the_game_lessons_numbers_are_the_games_numbers_now(measured):
    """Refresh with `python -m commissioning.experiments.game.lesson_check --write
    docs/teaching.md`."""
    text = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    assert lesson_check.marked_names(text) == ["fee", "support", "own"]
    assert lesson_check.fill(text, lesson_check.blocks(measured)) == text


def test_the_game_lesson_fills_fifty_minutes():
    plan = (ROOT / "docs" / "teaching.md").read_text(encoding="utf-8")
    game = plan[plan.index("## The Commissioning Game"):plan.index("## Glossary")]
    rows = re.findall(r"^\| (\d+)-(\d+) min \|", game, re.M)
    assert rows[0][0] == "0" and rows[-1][1] == "50"
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    for part in ("### Before the lesson", "### Timeline", "### What students should notice",
                 "### Debrief questions"):
        assert part in game

"""Predictions a class makes before the first turn, and how they compare with what happened.

Three questions, each a whole number in a stated range, checked like any typed value.
The teacher's screen shows the class's answers as a histogram while pupils answer; the
debrief puts each result (the class's run, and the model's own) on the same axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .choices import MAX_TEXT, DecisionError


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    low: int
    high: int
    unit: str  # what the number counts
    short: str = ""  # a title for a small chart

    def check(self, raw: Any) -> int:
        """A typed answer as a whole number in range, or DecisionError for the screen."""
        text = str(raw).strip()[:MAX_TEXT]
        expected = f"a whole number from {self.low} to {self.high}"
        try:
            value = float(text)
        except ValueError:
            raise DecisionError(self.text, expected, text) from None
        if not value.is_integer() or not self.low <= value <= self.high:
            raise DecisionError(self.text, expected, text)
        return int(value)


def questions(charities: int) -> tuple[Question, ...]:
    """The questions, for an area with this many charities holding contracts."""
    return (
        Question("charities_bust", f"How many of the {charities} charities will run out of "
                 "cash?", 0, charities, "charities", "Charities run out of cash"),
        Question("job_outcome_rate", "Out of every 100 people referred, how many will get a "
                 "job that lasts (a job outcome)?", 0, 100, "people out of 100",
                 "Lasting jobs per 100"),
        Question("anyway", "Out of every 10 of those lasting jobs, how many would people have "
                 "found anyway, with no programme?", 0, 10, "out of 10",
                 "Of 10, found anyway"),
    )


def result(key: str, metrics: dict[str, float]) -> float:
    """A question's answer in a run."""
    if key == "charities_bust":
        return float(metrics["third_sector_insolvent"])
    if key == "job_outcome_rate":
        return 100.0 * metrics["job_outcome_rate"]
    jo = metrics["job_outcomes"]
    anyway = jo - metrics["additional_job_outcomes"]
    return 10.0 * anyway / jo if jo else float("nan")


def histogram(question: Question, answers: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Counts of answers in at most 21 bins over the question's range: (bin starts, counts)."""
    span = question.high - question.low + 1
    width = max(1, int(np.ceil(span / 21)))
    starts = np.arange(question.low, question.high + 1, width)
    counts = np.zeros(len(starts), int)
    for a in answers:
        counts[min((a - question.low) // width, len(starts) - 1)] += 1
    return starts, counts

"""Local labour markets: vacancies per unemployed person, by locality and week.

The area's vacancy ratio moves along a straight line from the start value to
the end value (the 2012-2016 recovery by default). A recession multiplies it
by `1 - depth * sin(pi * x)` while it lasts (x from 0 to 1), so vacancies fall
to the trough half-way and recover. Each locality sits a fixed distance above
or below the area (spatial inequality), drawn once from the seed, so both
regimes face the same local markets.

A claimant's job-finding hazard scales with `(ratio / reference) ** elasticity`:
no vacancies means no one finds work.
"""

from __future__ import annotations

import math

import numpy as np


class LabourMarket:
    """The vacancy path of every locality."""

    def __init__(self, p: dict, locality_multiplier: np.ndarray):
        self.p = p
        self.locality_multiplier = locality_multiplier

    @classmethod
    def draw(cls, p: dict, rng: np.random.Generator) -> LabourMarket:
        n = p["localities"]
        z = rng.standard_normal(n)
        if n > 1:
            z = z - z.mean()  # the area's average stays on the path
        spread = p["locality_spread"]
        return cls(p, np.exp(spread * z - 0.5 * spread**2 * (n > 1)))

    def area_ratio(self, week: int) -> float:
        """Vacancies per unemployed person in the area in `week`."""
        p = self.p
        span = max(p["weeks"] - 1, 1)
        ratio = p["vacancy_ratio_start"] + (p["vacancy_ratio_end"] - p["vacancy_ratio_start"]) * (
            min(week, span) / span
        )
        x = (week - p["recession_start_week"]) / p["recession_weeks"]
        if 0.0 <= x <= 1.0:
            ratio *= 1.0 - p["recession_depth"] * math.sin(math.pi * x)
        return max(ratio, 0.0)

    def ratios(self, week: int) -> np.ndarray:
        """Vacancy ratio of each locality in `week`."""
        return self.area_ratio(week) * self.locality_multiplier

    def hazard_factor(self, week: int) -> np.ndarray:
        """Multiplier on the job-finding hazard in each locality."""
        p = self.p
        ratios = self.ratios(week)
        factor = (ratios / p["reference_vacancy_ratio"]) ** p["hazard_elasticity"]
        return np.where(ratios > 0.0, factor, 0.0)  # no vacancies, no jobs

"""Local labour markets: vacancies per unemployed person, by locality and week.

The area's vacancy ratio follows a dated path through published points
(`vacancy_ratio_path`: the 2011-12 downturn, the recovery to 2016, the 2020
shock), read on the run's calendar, times a level (`vacancy_ratio_level`: a
region's weaker or stronger market, or a sweep). A recession lever multiplies
it by `1 - depth * sin(pi * x)` while it lasts (x from 0 to 1), so vacancies
fall to the trough half-way and recover. Each locality sits a fixed distance above
or below the area (spatial inequality), drawn once from the seed, so both
regimes face the same local markets.

A claimant's job-finding hazard scales with `(ratio / reference) ** elasticity`:
no vacancies means no one finds work.
"""

from __future__ import annotations

import math

import numpy as np

from .calendar import Calendar


class LabourMarket:
    """The vacancy path of every locality."""

    def __init__(self, p: dict, locality_multiplier: np.ndarray):
        self.p = p
        self.locality_multiplier = locality_multiplier
        weeks = max(p["weeks"], 1)
        self.path = Calendar.of(p).path(p["vacancy_ratio_path"], weeks) * p[
            "vacancy_ratio_level"]

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
        ratio = float(self.path[min(max(week, 0), len(self.path) - 1)])
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

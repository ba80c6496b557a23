"""Weeks and dates: the run's calendar, and paths of values through dated points.

A run starts on the first day of `start_month` in `start_year` (week 0) and
each step is seven days, so every week has a date and every dated figure a
week: the Work Programme's first referrals in June 2011, the autumn-2012
widening of the new-ESA prognosis, Scotland's 2020 shock. Scenarios of other
programmes set their own start and read the same dated paths.

A **path** is a list of `[date, value]` points, dates as "YYYY-MM" (the first
of that month), strictly increasing. Its value in a week is interpolated
linearly between the points around that week's date, and held at the first or
last value before or after them. Paths describe what moves with the calendar:
vacancies per unemployed person, the referral flow, the ESA share of referrals.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_WEEK = 7  # numpy is imported where needed: the scenario checker uses this module


def parse_month(text: str) -> date:
    """The first day of a "YYYY-MM" month (ValueError if it is not one)."""
    year, sep, month = text.partition("-")
    if not sep or len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(f"not a YYYY-MM month: {text!r}")
    return date(int(year), int(month), 1)


class Calendar:
    """The dates of a run's weeks."""

    def __init__(self, start_year: int, start_month: int):
        self.start = date(start_year, start_month, 1)

    @classmethod
    def of(cls, p: dict) -> Calendar:
        return cls(p["start_year"], p["start_month"])

    def date(self, week: int) -> date:
        """The first day of `week`."""
        return self.start + timedelta(days=DAYS_PER_WEEK * int(week))

    def week(self, day: date | str) -> float:
        """Weeks from the start to `day` (a date or "YYYY-MM"), as a fraction."""
        if isinstance(day, str):
            day = parse_month(day)
        return (day - self.start).days / DAYS_PER_WEEK

    def week_of_month_end(self, month: str) -> int:
        """The last week that starts within `month` ("YYYY-MM")."""
        first = parse_month(month)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return math.ceil(self.week(following)) - 1

    def weeks_of_month(self, month: str) -> tuple[int, int]:
        """[first, last + 1) of the weeks that start within `month`."""
        lo = math.ceil(self.week(parse_month(month)))
        return lo, self.week_of_month_end(month) + 1

    def years(self, weeks: np.ndarray) -> np.ndarray:
        """Calendar year of each week's first day."""
        import numpy as np

        days = np.asarray(weeks, np.int64) * DAYS_PER_WEEK
        start = np.datetime64(self.start, "D")
        return (start + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(
            np.int64) + 1970

    def months(self, weeks: np.ndarray) -> np.ndarray:
        """Months since January of year 0 (year * 12 + month - 1) of each week's first day:
        weeks with the same number fall in the same calendar month."""
        import numpy as np

        days = np.asarray(weeks, np.int64) * DAYS_PER_WEEK
        start = np.datetime64(self.start, "D")
        return (start + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(
            np.int64) + 1970 * 12

    def path(self, points: list, weeks: int) -> np.ndarray:
        """A path's value in each of `weeks` weeks (linear between its points)."""
        import numpy as np

        at = np.array([self.week(d) for d, _ in points], float)
        values = np.array([v for _, v in points], float)
        return np.interp(np.arange(weeks, dtype=float), at, values)

"""What one session of the classroom app may cost: bounds on the values that size a model.

The command line takes any value the parameter table allows (60 localities of
200 specialists and 50 end-to-end providers each: some 15,000 organisations,
850,000 referral routes). A server shared by a class cannot: one such upload
held gigabytes and took half a minute a redraw (issue 19). So the app accepts
the values that size a model (organisations, claimants, weeks) only up to the
limits below, whatever a file, a slider or a rewritten browser message says.

At every limit at once, one model with its pictures took about 45 MB and a
step with its redraw under a second (0.26 s median on two busy cores), as
measured by `python benchmarks/app_limits.py`; docs/security.md gives the
figures a teacher needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commissioning.model.parameters import BY_NAME
from commissioning.model.scenario import ScenarioError

#: Set by the app itself (its claimants slider), whatever an uploaded file says.
SET_BY_THE_APP = ("claimants",)
#: The largest value the app accepts for each parameter that sizes a model.
APP_LIMITS: dict[str, int] = {
    "claimants": 20_000,
    "weeks": 520,
    "referral_weeks": 520,
    "localities": 12,
    "primes": 6,
    "end_to_end_per_locality": 10,
    "specialists_per_locality": 24,
}


def check_app_limits(params: Mapping[str, Any], source: str, uploaded: bool = False) -> None:
    """Raise ScenarioError (file, key, the app's limit) for a value beyond the app's limits.

    An `uploaded` file's claimants are not checked: the app runs it at its own count.
    """
    for name, most in APP_LIMITS.items():
        value = None if uploaded and name in SET_BY_THE_APP else params.get(name)
        if value is not None and value > most:
            p = BY_NAME[name]
            raise ScenarioError(source, p.key, f"at most {most:,} in the classroom app "
                                f"(the command line takes up to {p.high:,})", value)

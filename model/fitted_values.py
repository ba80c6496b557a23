"""The two-tier baseline's fitted values, read from `fitted_values.toml`.

`commissioning adopt-fit` writes that file; it is data (TOML), never code, so
nothing in a fit (a file name, a header) can run when the model is imported.
`parameters.py` makes these values the model's defaults (and so the values of
`scenarios/two_tier.toml`, which every other scenario inherits).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

FIT_FILE = Path(__file__).with_name("fitted_values.toml")


def _number(value: Any) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def read_fit(path: Path = FIT_FILE) -> dict[str, Any]:
    """The file's `fitted_on`, `origin`, `header` and `values` (numbers, or tables of numbers)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    values = data.get("values")
    if not isinstance(data.get("fitted_on"), str) or not isinstance(values, dict) or not all(
            _number(v) or (isinstance(v, dict) and all(_number(x) for x in v.values()))
            for v in values.values()):
        raise ValueError(f"{path}: expected fitted_on and a [values] table of numbers, as "
                         "`commissioning adopt-fit` writes")
    return data


_FIT = read_fit()
FITTED_ON: str = _FIT["fitted_on"]
#: The fitted scenario's header: when, against what and how (goes into two_tier.toml).
FIT_HEADER: str = _FIT.get("header", "")
FITTED_VALUES: dict[str, Any] = _FIT["values"]

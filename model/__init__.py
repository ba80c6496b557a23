"""The commissioning model: two-tier payment by results against locality commissioning."""

from typing import Any

from .parameters import BARRIERS, PARAMETERS, PAYMENT_GROUPS
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "BARRIERS",
    "PARAMETERS",
    "PAYMENT_GROUPS",
    "CommissioningModel",
    "Scenario",
    "ScenarioError",
    "load_scenario",
]


def __getattr__(name: str) -> Any:
    """`CommissioningModel` (and Mesa, numpy, pandas) loads when first asked for, so that
    reading parameters and scenarios (`commissioning validate`, `--help`) starts fast."""
    if name == "CommissioningModel":
        from .model import CommissioningModel

        return CommissioningModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

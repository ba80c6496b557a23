"""The commissioning model: two-tier payment by results against locality commissioning."""

from .model import CommissioningModel
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

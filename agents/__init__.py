"""The agents: claimants (as arrays, with a one-row view) and the organisations."""

from .claimant import Claimant, ClaimantPopulation
from .commissioner import Commissioner
from .large_provider import LargeProvider
from .partnership import LocalPartnership
from .prime import Prime
from .provider import ContractHolder, Provider
from .subcontractor import Subcontractor
from .third_sector import ThirdSectorOrganisation

__all__ = [
    "Claimant",
    "ClaimantPopulation",
    "Commissioner",
    "ContractHolder",
    "LargeProvider",
    "LocalPartnership",
    "Prime",
    "Provider",
    "Subcontractor",
    "ThirdSectorOrganisation",
]

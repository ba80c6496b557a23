"""Local partnerships: councils, the third sector, training providers and employers.

A partnership receives the devolved funds for its locality, assesses each
claimant with a key worker (a cost per claimant), routes claimants across the
horizontal referral network to local partners whose services match their
barriers, and pays its own running costs. Its local employer links raise
claimants' chances of work by a parameter that can be switched off.
"""

from __future__ import annotations

from .provider import ContractHolder


class LocalPartnership(ContractHolder):
    kind = "partnership"
    role_prefix = "partnership"

    def __init__(self, model, name: str, **kw):
        super().__init__(model, name, **kw)
        self.employer_link_effect = model.p["local_employer_link_effect"]
        self.assessment_cost = model.p["partnership_assessment_cost"]
        self.in_house_selection = "random"

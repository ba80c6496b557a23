"""Local partnerships: councils, the third sector, training providers and employers.

A partnership receives the devolved funds for its locality and routes each
claimant to a case-holding partner in the locality, and (under the
assessed-need rule its contract usually sets) assesses each claimant and
refers them to the local specialists their barriers need. What it pays for
(assessment, key workers, employer engagement, in-work support) is costed
like any other contract holder's purchase (`[contract]` and `[support]`).
"""

from __future__ import annotations

from .provider import ContractHolder


class LocalPartnership(ContractHolder):
    kind = "partnership"

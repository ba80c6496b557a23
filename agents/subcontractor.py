"""Subcontractors: end-to-end case holders (tier 1) and specialists (tier 2).

A tier-1 subcontractor holds a caseload for the whole journey and is paid by
its contract holder when the contract holder is paid, less a management
share and after a lag. A tier-2 specialist treats one barrier (health,
housing, debt, ...) in episodes of fixed length, with a fixed number of
places; it earns only when someone buys an episode, while its fixed costs
run every week.
"""

from __future__ import annotations

from .provider import CASE_HOLDER, Provider


class Subcontractor(Provider):
    kind = "subcontractor"

    @property
    def tier(self) -> int:
        return 1 if self.role == CASE_HOLDER else 2

"""Third-sector (voluntary) organisations.

They deliver as subcontractors or local partners like any other, with two
differences that matter for the comparison: smaller reserves, and a mission
value placed on a job outcome beyond any payment. The mission is why many
subsidised delivery from their reserves in the Work Programme (48 of 98 in
NCVO's 2012 survey), and why they can run out of cash.
"""

from __future__ import annotations

from .subcontractor import Subcontractor


class ThirdSectorOrganisation(Subcontractor):
    kind = "third_sector"

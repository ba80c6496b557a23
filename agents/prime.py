"""Prime contractors: large providers holding the commissioner's contract in an area.

Primes were chosen for their balance sheets (a £20m turnover entry rule) and
so hold deep reserves. A prime delivers some cases in house, keeping those it
expects to earn most from, and passes the rest to tier-1 subcontractors,
keeping a management share of every payment. Under locality commissioning
the same large organisations are lead delivery partners of the partnerships.
"""

from __future__ import annotations

from .provider import ContractHolder


class Prime(ContractHolder):
    kind = "prime"
    role_prefix = "prime"

    def __init__(self, model, name: str, **kw):
        super().__init__(model, name, **kw)
        self.employer_link_effect = model.p["prime_employer_link_effect"]
        self.in_house_selection = model.p["prime_in_house_selection"]

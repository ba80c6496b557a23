"""Prime contractors: large providers holding the commissioner's contract in an area.

Primes were chosen for their balance sheets (a £20m turnover entry rule) and
so hold deep reserves. A prime delivers some cases in house and passes the
rest to tier-1 subcontractors, keeping a management share of every payment.
Under locality commissioning the same large organisations are lead delivery
partners of the partnerships (case holders, not contract holders).
"""

from __future__ import annotations

from .provider import ContractHolder


class Prime(ContractHolder):
    kind = "prime"

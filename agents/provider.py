"""Providers: organisations that hold cash, carry costs and can run out of money.

Every provider keeps its money in the model's accounts (one row per
organisation), so that the weekly processes can charge and pay whole
caseloads at once; the agent holds its identity, its capacity and its
decision rules. A provider rations discretionary spending as its cash falls
towards its overdraft limit, and exits when it passes that limit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .organisation import Organisation

if TYPE_CHECKING:
    from commissioning.model.model import CommissioningModel

SAFETY_WEEKS = 2  # weeks of operating cost kept back from the overdraft limit
MAX_HURDLE = 1e9  # return on cost demanded when a provider cannot spend at all

# Organisation roles: who holds the commissioner's contract, who holds cases,
# who delivers specialist episodes.
HOLDER, CASE_HOLDER, SPECIALIST = 0, 1, 2


class Provider(Organisation):
    """An organisation delivering employment support."""

    kind = "provider"
    model: CommissioningModel

    def __init__(self, model: CommissioningModel, name: str, *, sector: str, role: int,
                 locality: int = -1, barrier: int = -1, capacity: float = 0.0,
                 fixed_cost: float = 0.0, operating_cost: float = 0.0,
                 reserves_weeks: float = 0.0, mission_value: float = 0.0):
        super().__init__(model)
        self.name = name
        self.sector = sector  # private | public | third_sector
        self.role = role
        self.locality = locality  # -1: serves the whole area
        self.barrier = barrier  # specialists: the barrier they treat
        self.capacity = capacity  # caseload places or specialist places
        self.fixed_cost = fixed_cost  # £ a week, used or not
        self.operating_cost = operating_cost  # £ a week at capacity (sizes reserves)
        self.reserves = reserves_weeks * operating_cost
        self.overdraft_limit = model.p["overdraft_weeks"] * operating_cost
        if math.isinf(self.reserves) or math.isinf(self.overdraft_limit):
            # Unlimited: a backer covers any loss (cash may go negative without limit).
            self.reserves, self.overdraft_limit = 0.0, math.inf
        self.cash_buffer = model.p["cash_buffer_weeks"] * operating_cost
        self.mission_value = mission_value  # £ a job outcome is worth beyond payment
        self.contract_holder: ContractHolder | None = None  # who pays it for cases
        self.insolvent_week: int | None = None
        self.withdrawn_week: int | None = None  # left its contracts by choice
        self.index = model.accounts.open(self, self.reserves)

    # --- state read from the accounts ---
    @property
    def cash(self) -> float:
        return float(self.model.accounts.cash[self.index])

    @property
    def active(self) -> bool:
        """Still delivering: neither insolvent nor withdrawn."""
        return self.insolvent_week is None and self.withdrawn_week is None

    @property
    def third_sector(self) -> bool:
        return self.sector == "third_sector"

    # --- decision rules ---
    def free_cash(self) -> float:
        """Cash less what it already owes (payments booked, not yet made)."""
        return self.cash - self.model.accounts.payable[self.index]

    def spending_floor(self) -> float:
        """Free cash below which it spends nothing discretionary: its overdraft limit,
        less two weeks of operating cost kept for the costs it cannot stop."""
        return -self.overdraft_limit + SAFETY_WEEKS * self.operating_cost

    def cash_room(self) -> float:
        """How freely it can spend: 1 with free cash above its buffer, falling to 0 at
        its spending floor."""
        if math.isinf(self.overdraft_limit):
            return 1.0
        floor = self.spending_floor()
        span = self.cash_buffer - floor
        if span <= 1e-6:
            return 1.0 if self.free_cash() > floor else 0.0
        return min(max((self.free_cash() - floor) / span, 0.0), 1.0)

    def spending_headroom(self) -> float:
        """Discretionary spending it can afford this week (£; infinite if backed)."""
        if math.isinf(self.overdraft_limit):
            return math.inf
        return max(self.free_cash() - self.spending_floor(), 0.0)

    def rationing_hurdle(self) -> float:
        """Return on cost that discretionary spending must beat this week.

        Zero while cash is above the buffer; rises as cash falls towards the
        overdraft limit, where spending stops.
        """
        room = self.cash_room()
        return MAX_HURDLE if room <= 1.0 / MAX_HURDLE else (1.0 - room) / room

    def is_insolvent(self) -> bool:
        return self.cash < -self.overdraft_limit

    def exit(self, week: int) -> None:
        """Leave the market: stop costs; the model passes on its claimants."""
        self.insolvent_week = week

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} cash={self.cash:,.0f}>"


class ContractHolder(Provider):
    """An organisation holding the commissioner's contract (a prime or a partnership).

    It passes claimants to case-holding providers, pays them a share of what
    it is paid, and (by its referral rule) may buy specialist episodes itself.
    Its terms are the scenario's `[contract]` parameters, read alike whatever
    kind of organisation holds the contract: the regimes differ in who holds
    it and in the terms a scenario sets, never in how a term works.
    """

    def __init__(self, model: CommissioningModel, name: str, role: int = HOLDER, **kw):
        super().__init__(model, name, role=role, **kw)
        p = model.p
        self.attachment_pass_through = p["attachment_pass_through"]
        self.outcome_pass_through = p["outcome_pass_through"]
        self.payment_lag = p["holder_payment_lag_weeks"]
        cost = p["specialist_episode_cost"]
        self.specialist_fee = cost if p["specialist_pricing"] == "full_cost" else \
            cost * (1.0 - p["specialist_fixed_share"])
        self.specialist_outcome_share = p["specialist_outcome_share"]
        self.referral_rule = p["referral_rule"]
        self.in_house_selection = p["in_house_selection"]
        self.integration_services = p["integration_services"]
        # Assessing every claimant's barriers is what referring by need costs.
        self.assessment_cost = p["assessment_cost"] if self.decides_specialist_referrals() \
            else 0.0
        self.overhead_share = p["holder_overhead_share"]
        self.case_holders: list[Provider] = [self]
        self.specialists: list[Provider] = []

    def decides_specialist_referrals(self) -> bool:
        """Under assessed need the contract holder routes (and pays for) specialist episodes."""
        return self.referral_rule == "assessed_need"

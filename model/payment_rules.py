"""What the commissioner pays a contract holder, and when.

One schedule covers every design in the scenarios (DOMAIN 2.3, 1.2):

- an **attachment fee** when a claimant attaches, tapering by contract year;
- a **job outcome fee** once the claimant has been in work for the group's
  threshold (13 or 26 continuous weeks), within their time on programme;
- a **sustainment payment** for each further period (4 weeks) in work, up to
  the group's maximum count; a break in work restarts the count of weeks;
- a **service (delivery) fee** per participant every 4 weeks on programme,
  when the contract is blended.

Blending (`service_fee_share` s) keeps the expected value of a contract: a
share s of the expected value per participant is paid as service fees, and
attachment, outcome and sustainment prices are scaled by (1 - s). The
expected value uses the commissioner's own pricing assumptions (the outcome
rate it expects), as DWP priced the Work Programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .accounts import COMMISSIONER, PASS_THROUGH
from .parameters import PAYMENT_GROUPS

PROGRAMME_WEEKS = 104  # weeks on programme [S10, S7]

if TYPE_CHECKING:
    from .model import CommissioningModel

SERVICE_FEE_PERIOD = 4  # weeks between service-fee payments (monthly in arrears)


def group_array(values: dict[str, float], dtype=np.float64) -> np.ndarray:
    """A per-group parameter as an array in payment-group order."""
    return np.array([values[g] for g in PAYMENT_GROUPS], dtype=dtype)


class PaymentSchedule:
    """Prices per payment group after bid discount and blending."""

    def __init__(self, p: dict):
        self.p = p
        price = 1.0 - p["bid_discount"]
        self.fee_share = p["service_fee_share"]
        # List prices after the bid discount, then the share still paid on results.
        self.attachment_list = group_array(p["attachment_fee"]) * price
        self.job_outcome_list = group_array(p["job_outcome_fee"]) * price
        self.sustainment_list = group_array(p["sustainment_fee"]) * price
        self.taper = np.array(p["attachment_fee_taper"], dtype=float)
        self.job_outcome = self.job_outcome_list * (1.0 - self.fee_share)
        self.job_outcome_weeks = group_array(p["job_outcome_weeks"], np.int32)
        self.sustainment = self.sustainment_list * (1.0 - self.fee_share)
        self.sustainment_count = group_array(p["sustainment_count"], np.int32)
        self.period = int(p["sustainment_period_weeks"])
        self.service_periods = max(int(p["service_fee_weeks"]) // SERVICE_FEE_PERIOD, 1)
        # Milestone i (0 = job outcome, 1.. = sustainment) as tables [group, i].
        n_max = int(self.sustainment_count.max()) + 1
        self.milestones = self.sustainment_count + 1
        idx = np.arange(n_max)
        self.milestone_amount = np.where(idx[None, :] == 0, self.job_outcome[:, None],
                                         self.sustainment[:, None])
        self.milestone_amount = np.where(idx[None, :] < self.milestones[:, None],
                                         self.milestone_amount, 0.0)
        self.milestone_gap = np.where(idx[None, :] == 0, self.job_outcome_weeks[:, None],
                                      self.period).astype(np.int32)

    def taper_at(self, year: int) -> float:
        return float(self.taper[min(year, len(self.taper)) - 1])

    def attachment(self, year: int) -> np.ndarray:
        """Attachment fee per group for attachments in contract `year` (1-based)."""
        return self.attachment_list * self.taper_at(year) * (1.0 - self.fee_share)

    def expected_value(self, year: int) -> np.ndarray:
        """The commissioner's expected payment per participant, per group, at list prices."""
        p = self.p
        outcome = (self.job_outcome_list + p["expected_sustainment_share"]
                   * self.sustainment_list * self.sustainment_count)
        return (self.attachment_list * self.taper_at(year)
                + p["expected_job_outcome_rate"] * outcome)

    def service_fee(self, year: int) -> np.ndarray:
        """Service fee per participant per 4-week period, per group, for attachments in `year`."""
        return self.fee_share * self.expected_value(year) / self.service_periods

    def outcome_stream_value(self, job_loss_late: float) -> np.ndarray:
        """Expected outcome-linked payments per job outcome, per group (for decisions).

        The job outcome fee plus each sustainment payment weighted by the chance
        the job lasts that long.
        """
        k = np.arange(1, int(self.sustainment_count.max()) + 1)
        survive = (1.0 - job_loss_late) ** (self.period * k)
        within = k[None, :] <= self.sustainment_count[:, None]
        return self.job_outcome + self.sustainment * (survive[None, :] * within).sum(axis=1)


def pay_down_the_chain(model: CommissioningModel, week: int, ids: np.ndarray,
                       amount: np.ndarray, kind: int, pass_through: np.ndarray) -> None:
    """Book a payment for each claimant: the commissioner pays the contract holder after
    the claim lag, and the holder passes its agreed share (`pass_through`, by holder) to
    the case holder after its own lag."""
    c, acc = model.claimants, model.accounts
    holder = c.contract_holder[ids].astype(np.int64)
    case_holder = c.case_holder[ids].astype(np.int64)
    due = week + model.p["claim_lag_weeks"]
    acc.book(due, COMMISSIONER, holder, amount, kind)
    model.tally.earned_group += np.bincount(c.group[ids], weights=amount,
                                            minlength=len(model.tally.earned_group))
    within = week - c.referral_week[ids] < PROGRAMME_WEEKS
    c.earned_two_years[ids[within]] += amount[within]
    passed = case_holder != holder
    h = holder[passed]
    acc.book(due + model.payment_lag[h], h, case_holder[passed],
             amount[passed] * pass_through[h], PASS_THROUGH)

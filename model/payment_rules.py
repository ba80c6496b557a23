"""What the commissioner pays a contract holder, and when.

One schedule covers every design in the scenarios (DOMAIN 2.3, 1.2, 5):

- an **attachment fee** when a claimant attaches, tapering by contract year;
- outcome payments, on one of two schedules (`outcome_schedule`):
  - **sustainment** (the Work Programme): a **job outcome fee** once the
    claimant has been in work for the group's threshold (13 or 26 continuous
    weeks), then a **sustainment payment** for each further period (4 weeks)
    in work, up to the group's maximum count; a break in work restarts the
    count of weeks;
  - **staged** (Fair Start Scotland, the Work and Health Programme): payments
    when the weeks in work since the job start, added up across breaks, reach
    each stage (13, 26, 52), each due only within its window of weeks from the
    job start (16, 30, 60); a stage missed is lost. The group's job outcome fee
    is the total, split over the stages;
- a **service (delivery) fee** per participant every 4 weeks on programme,
  paid after each 4 weeks (monthly in arrears), when the contract is blended.

Outcome prices can differ by need group (0-1, 2 and 3+ barriers: Core,
Advanced, Intense) on top of the payment group (`need_price_multiplier`).

Blending (`service_fee_share` s) keeps the expected value of a contract: a
share s of the expected value per participant is paid as service fees, and
attachment and outcome prices are scaled by (1 - s). The expected value uses
the commissioner's own pricing assumptions (the outcome rate it expects), as
DWP priced the Work Programme. A budget (`budget_per_participant`) scales
every price so that the expected value per participant is the budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .accounts import COMMISSIONER, PASS_THROUGH, add_at
from .parameters import NEED_GROUPS, PAYMENT_GROUPS

if TYPE_CHECKING:
    from .model import CommissioningModel

SERVICE_FEE_PERIOD = 4  # weeks between service-fee payments (monthly in arrears)


def group_array(values: dict[str, float], dtype=np.float64) -> np.ndarray:
    """A per-group parameter as an array in payment-group order."""
    return np.array([values[g] for g in PAYMENT_GROUPS], dtype=dtype)


class PaymentSchedule:
    """Prices per payment group (and need group) after bid discount, budget and blending.

    `mix` is the commissioner's forecast of its participants: the share in each
    [payment group, need group] (it sizes prices to a budget and prices blended fees
    for the need groups); without it every group and need group counts alike.
    """

    def __init__(self, p: dict, mix: np.ndarray | None = None, outcome_scale: float = 1.0,
                 attachment_scale: float = 1.0):
        """`outcome_scale` and `attachment_scale` multiply the prices after any budget (a
        commissioner's decision to pay more or less than the contract's prices)."""
        self.p = p
        G = len(PAYMENT_GROUPS)
        mix = np.full((G, len(NEED_GROUPS)), 1.0 / (G * len(NEED_GROUPS))) if mix is None \
            else np.asarray(mix, float) / max(float(np.sum(mix)), 1e-300)
        self.need_multiplier = np.array(p["need_price_multiplier"], float)
        in_group = mix.sum(axis=1)
        # Mean need multiplier within each payment group, as the commissioner forecasts it.
        self.group_need = np.where(in_group > 0, (mix * self.need_multiplier).sum(axis=1)
                                   / np.maximum(in_group, 1e-300), self.need_multiplier.mean())
        self.fee_share = p["service_fee_share"]
        self.staged = p["outcome_schedule"] == "staged"
        self.within_programme = bool(p["outcome_within_programme"])
        self.taper = np.array(p["attachment_fee_taper"], dtype=float)
        self.period = int(p["sustainment_period_weeks"])
        self.service_periods = max(int(p["service_fee_weeks"]) // SERVICE_FEE_PERIOD, 1)
        # List prices after the bid discount, scaled to the budget if there is one.
        price = 1.0 - p["bid_discount"]
        self.attachment_list = group_array(p["attachment_fee"]) * price
        self.job_outcome_list = group_array(p["job_outcome_fee"]) * price
        self.sustainment_list = group_array(p["sustainment_fee"]) * price
        self.job_outcome_weeks = group_array(p["job_outcome_weeks"], np.int32)
        self.sustainment_count = group_array(p["sustainment_count"], np.int32)
        self.budget_scale = 1.0
        if p["budget_per_participant"] > 0:
            expected = float(in_group @ self.expected_value(1))
            self.budget_scale = p["budget_per_participant"] / max(expected, 1e-300)
            self.attachment_list *= self.budget_scale
            self.job_outcome_list *= self.budget_scale
            self.sustainment_list *= self.budget_scale
        self.attachment_list = self.attachment_list * attachment_scale
        self.job_outcome_list = self.job_outcome_list * outcome_scale
        self.sustainment_list = self.sustainment_list * outcome_scale
        kept = 1.0 - self.fee_share  # the share still paid on attachment and results
        if self.staged:
            weeks = np.array(p["staged_outcome_weeks"], np.int32)
            shares = np.array(p["staged_outcome_shares"], float)
            n = len(weeks)
            self.milestones = np.full(G, n, np.int32)
            # Stage i: paid at weeks[i] weeks in work since the job start, within windows[i].
            self.milestone_amount = self.job_outcome_list[:, None] * shares[None, :] * kept
            self.milestone_gap = np.tile(weeks, (G, 1))
            self.windows = np.array(p["staged_outcome_windows"], np.int32)
            self.first_outcome_weeks = np.full(G, weeks[0], np.int32)
        else:
            # Milestone i (0 = job outcome, 1.. = sustainment) as tables [group, i].
            n_max = int(self.sustainment_count.max()) + 1
            self.milestones = self.sustainment_count + 1
            idx = np.arange(n_max)
            amount = np.where(idx[None, :] == 0, self.job_outcome_list[:, None],
                              self.sustainment_list[:, None]) * kept
            self.milestone_amount = np.where(idx[None, :] < self.milestones[:, None], amount,
                                             0.0)
            self.milestone_gap = np.where(idx[None, :] == 0, self.job_outcome_weeks[:, None],
                                          self.period).astype(np.int32)
            self.windows = np.zeros(n_max, np.int32)
            self.first_outcome_weeks = self.job_outcome_weeks
        self.job_outcome = self.milestone_amount[:, 0].copy()  # the first payment, per group
        # £ still to come after k milestones: [group, k] (k up to the last milestone)
        rest = np.cumsum(self.milestone_amount[:, ::-1], axis=1)[:, ::-1]
        self.amount_left = np.concatenate([rest, np.zeros((G, 1))], axis=1)

    def still_earning(self, claimants, ids: np.ndarray) -> np.ndarray:
        """Which of these claimants could still earn a payment after their programme ends."""
        c = claimants
        left = c.milestones_paid[ids] < self.milestones[c.group[ids]]
        if self.within_programme:
            left &= c.job_outcome_week[ids] >= 0  # only what follows an outcome on programme
        return left

    def taper_at(self, year: int) -> float:
        return float(self.taper[min(year, len(self.taper)) - 1])

    def attachment(self, year: int) -> np.ndarray:
        """Attachment fee per group for attachments in contract `year` (1-based)."""
        return self.attachment_list * self.taper_at(year) * (1.0 - self.fee_share)

    def outcome_list_value(self) -> np.ndarray:
        """Outcome payments the commissioner expects per job outcome, per group, at list
        prices (need groups as forecast)."""
        share = self.p["expected_sustainment_share"]
        if self.staged:
            stages = np.array(self.p["staged_outcome_shares"], float)
            value = self.job_outcome_list * (stages[0] + share * stages[1:].sum())
        else:
            value = (self.job_outcome_list
                     + share * self.sustainment_list * self.sustainment_count)
        return value * self.group_need

    def expected_value(self, year: int) -> np.ndarray:
        """The commissioner's expected payment per participant, per group, at list prices."""
        return (self.attachment_list * self.taper_at(year)
                + self.p["expected_job_outcome_rate"] * self.outcome_list_value())

    def service_fee(self, year: int) -> np.ndarray:
        """Service fee per participant per 4-week period, per group, for attachments in `year`."""
        return self.fee_share * self.expected_value(year) / self.service_periods

    def outcome_stream_value(self, survival: np.ndarray) -> np.ndarray:
        """Expected outcome-linked payments per job outcome: [payment group, need group].

        The first payment plus each later one weighted by the chance that a job which
        reached the first lasts until it (`survival[g, t]`: the chance a job lasts t weeks).
        """
        G = len(PAYMENT_GROUPS)
        last = survival.shape[1] - 1
        first = np.minimum(self.first_outcome_weeks, last)
        reached = np.maximum(survival[np.arange(G), first], 1e-300)
        value = np.zeros(G)
        for i in range(self.milestone_amount.shape[1]):
            if self.staged:
                at = np.full(G, self.milestone_gap[0, i])
            else:
                at = self.first_outcome_weeks + self.period * i
            lasts = survival[np.arange(G), np.minimum(at, last)] / reached
            value += self.milestone_amount[:, i] * np.minimum(lasts, 1.0) * (
                i < self.milestones)
        return value[:, None] * self.need_multiplier[None, :]


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
    within = week - c.referral_week[ids] < model.p["programme_weeks"]
    add_at(model.tally.earned_two_years, c.group[ids[within]], c.referral_week[ids[within]],
           amount[within])
    passed = case_holder != holder
    h = holder[passed]
    acc.book(due + model.payment_lag[h], h, case_holder[passed],
             amount[passed] * pass_through[h], PASS_THROUGH)

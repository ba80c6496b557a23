"""The money: every organisation's cash, revenue, costs and payments owed.

Payments are booked when earned and settled when due (claim lags, a prime's
lag before paying its subcontractors), which is where cash-flow stress comes
from. Row 0 is the commissioner, the only source of money; costs are money
leaving the system (wages, premises). Two identities hold at the end of every
week, and `check` raises the moment one fails (as JAMEL checks its
stock-flow identities):

1. each organisation: cash = reserves + revenue - payments made - costs;
2. the system: money the commissioner paid = what providers received from it,
   and = the change in providers' cash plus their costs.

A payment whose payer or payee has exited is cancelled: the money stays
with the payer and is counted as cancelled.

`net_position` (cash plus what is owed to an organisation, less what it owes)
is what it would hold if every booked payment were settled now: the honest
measure of how much of its own money it has spent at the end of a run.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

COMMISSIONER = 0

# Kinds of payment, for "where the money went".
ATTACHMENT, SERVICE_FEE, OUTCOME, PASS_THROUGH, SPECIALIST_FEE, SPECIALIST_OUTCOME = range(6)
PAYMENT_KINDS = ("attachment", "service_fee", "outcome", "pass_through", "specialist_fee",
                 "specialist_outcome")
# Kinds of cost.
FIXED, SUPPORT, EPISODE, OVERHEAD, ASSESSMENT, REFERRAL, SERVICES, INTEREST = range(8)
COST_KINDS = ("fixed", "support", "episode", "overhead", "assessment", "referral",
              "services", "interest")


class AccountingError(AssertionError):
    """Money appeared or vanished."""


class Accounts:
    """Cash and flows of every organisation (row 0: the commissioner)."""

    def __init__(self):
        self.owners: list = []
        self._reserves: list[float] = []
        self.due: dict[int, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self.cancelled = 0.0

    def open(self, owner, reserves: float) -> int:
        """Open an account; returns its row."""
        self.owners.append(owner)
        self._reserves.append(float(reserves))
        return len(self.owners) - 1

    def freeze(self) -> None:
        """Allocate arrays once every organisation has an account."""
        n = len(self.owners)
        self.reserves = np.array(self._reserves)
        self.cash = self.reserves.copy()
        self.revenue = np.zeros(n)
        self.paid_out = np.zeros(n)
        self.costs = np.zeros((n, len(COST_KINDS)))
        self.received = np.zeros((n, len(PAYMENT_KINDS)))  # revenue by kind
        self.money = np.zeros((n, n))  # £ paid payer -> payee
        self.commissioner_paid = 0.0
        self.payable = np.zeros(n)  # booked, not yet paid
        self.receivable = np.zeros(n)  # booked to it, not yet received
        self.booked_out = np.zeros((n, len(PAYMENT_KINDS)))  # £ it has committed to pay
        self.active = np.ones(n, bool)

    # --- costs: money leaving the system ---
    def charge(self, who: np.ndarray | int, amount: np.ndarray | float, kind: int) -> None:
        """Charge costs to organisations (arrays are summed per organisation)."""
        total = np.bincount(np.atleast_1d(who), weights=np.broadcast_to(
            amount, np.shape(np.atleast_1d(who))), minlength=len(self.cash))
        self.cash -= total
        self.costs[:, kind] += total

    # --- payments between organisations ---
    def book(self, due_week: np.ndarray | int, payer: np.ndarray | int,
             payee: np.ndarray | int, amount: np.ndarray | float, kind: int) -> None:
        """Owe payments, each settled in its `due_week`."""
        due, payer, payee, amount = np.broadcast_arrays(
            np.atleast_1d(due_week), np.atleast_1d(payer), np.atleast_1d(payee),
            np.atleast_1d(amount).astype(float))
        keep = amount != 0
        if not keep.any():
            return
        due, payer, payee, amount = (due[keep], payer[keep].astype(np.int64),
                                     payee[keep].astype(np.int64), amount[keep])
        for week in np.unique(due):
            rows = due == week
            self.due[int(week)].append((payer[rows], payee[rows], amount[rows], kind))
        self.booked_out[:, kind] += np.bincount(payer, weights=amount, minlength=len(self.cash))
        self.payable += np.bincount(payer, weights=amount, minlength=len(self.cash))
        self.receivable += np.bincount(payee, weights=amount, minlength=len(self.cash))

    def settle(self, week: int) -> None:
        """Make every payment due this week (or earlier, if any were missed)."""
        for w in sorted(k for k in self.due if k <= week):
            for payer, payee, amount, kind in self.due.pop(w):
                self.payable -= np.bincount(payer, weights=amount, minlength=len(self.cash))
                self.receivable -= np.bincount(payee, weights=amount, minlength=len(self.cash))
                live = self.active[payer] & self.active[payee]
                self.cancelled += float(amount[~live].sum())
                payer, payee, amount = payer[live], payee[live], amount[live]
                if not len(amount):
                    continue
                n = len(self.cash)
                flat = np.bincount(payer * n + payee, weights=amount, minlength=n * n)
                flows = flat.reshape(n, n)
                self.money += flows
                out, got = flows.sum(axis=1), flows.sum(axis=0)
                self.commissioner_paid += out[COMMISSIONER]
                out[COMMISSIONER] = 0.0  # the commissioner's purse is not a cash balance
                self.cash += got - out
                self.revenue += got
                self.paid_out += out
                self.received[:, kind] += got

    def net_position(self) -> np.ndarray:
        """Cash plus payments booked to each organisation less payments it has booked."""
        return self.cash + self.receivable - self.payable

    def funds_used(self) -> np.ndarray:
        """£ each organisation has spent beyond what it was paid or is owed (0 if none).

        An organisation that has exited will settle nothing more: only its cash counts.
        """
        held = np.where(self.active, self.net_position(), self.cash)
        return np.maximum(self.reserves - held, 0.0)

    # --- checks ---
    def check(self, tolerance: float = 1e-6) -> None:
        """Raise AccountingError if money appeared or vanished."""
        scale = max(1.0, float(np.abs(self.cash).max()), self.commissioner_paid)
        expected = self.reserves + self.revenue - self.paid_out - self.costs.sum(axis=1)
        rows = slice(1, None)
        gap = np.abs(self.cash[rows] - expected[rows])
        if gap.max(initial=0.0) > tolerance * scale:
            who = int(np.argmax(gap)) + 1
            raise AccountingError(
                f"{self.owners[who].name}: cash {self.cash[who]:,.2f} != reserves + revenue - "
                f"payments - costs = {expected[who]:,.2f}")
        from_commissioner = float(self.money[COMMISSIONER].sum())
        if abs(from_commissioner - self.commissioner_paid) > tolerance * scale:
            raise AccountingError(
                f"commissioner paid {self.commissioner_paid:,.2f} but providers received "
                f"{from_commissioner:,.2f} from it")
        change = float((self.cash[rows] - self.reserves[rows] + self.costs[rows].sum(axis=1)).sum())
        if abs(change - self.commissioner_paid) > tolerance * scale:
            raise AccountingError(
                f"providers' cash change plus costs {change:,.2f} != money paid in by the "
                f"commissioner {self.commissioner_paid:,.2f}")

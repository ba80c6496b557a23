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

Totals between pairs of organisations (money paid payer -> payee, claimants
referred) are n-by-n arrays only while that is small (`PairTotals`); beyond,
they are kept per pair actually used: with every organisation count at its
maximum (about 15,000 organisations) each array took 1.7 GiB, and a week's
payments built one more (issue 19). The sums the model reads from them are
taken in the arrays' order, so every result is the same to the last bit.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

COMMISSIONER = 0
FEW_PAYMENTS = 24  # a booking this small is summed in Python (`pair_flows`)

# Kinds of payment, for "where the money went".
ATTACHMENT, SERVICE_FEE, OUTCOME, PASS_THROUGH, SPECIALIST_FEE, SPECIALIST_OUTCOME = range(6)
PAYMENT_KINDS = ("attachment", "service_fee", "outcome", "pass_through", "specialist_fee",
                 "specialist_outcome")
# Kinds of cost.
FIXED, SUPPORT, EPISODE, OVERHEAD, ASSESSMENT, REFERRAL, SERVICES, INTEREST = range(8)
COST_KINDS = ("fixed", "support", "episode", "overhead", "assessment", "referral",
              "services", "interest")


def add_at(totals: np.ndarray, rows: np.ndarray | int, columns: np.ndarray | int,
           values: np.ndarray | float = 1) -> None:
    """`np.add.at(totals, (rows, columns), values)` for a 2-D array, through its flat
    view: the same additions in the same order (so the same sums to the last bit), in a
    fifth of the time (numpy adds one by one quickly only along one dimension: 11 against
    53 microseconds for a week's 6,000 referrals at national scale)."""
    if not totals.flags.c_contiguous:  # no flat view to add through
        np.add.at(totals, (rows, columns), values)
        return
    np.add.at(totals.reshape(-1), np.asarray(rows, np.int64) * totals.shape[1] + columns, values)


class AccountingError(AssertionError):
    """Money appeared or vanished."""


class PairTotals:
    """Totals from one organisation to another (rows to columns), sized to what is used.

    Up to `DENSE_UP_TO` organisations (8 MB of totals at most) they are the
    plain n-by-n array they always were; beyond, only pairs actually used are
    kept (a dict), since a run only ever uses the network's routes. Either way
    it reads like the array where the model reads it (`sum(axis=0)`,
    `pairs()`), and `np.add.at(totals, (rows, columns), values)` adds to it as
    it added to the array (NumPy hands `add.at` to `__array_ufunc__`), in the
    same order, so the sums are the same to the last bit. Indexing
    (`totals[0]`) builds the full array: for inspection at small scale only.
    """

    DENSE_UP_TO = 1000

    def __init__(self, n: int, dtype: type = np.int64, dense_up_to: int | None = None):
        self.shape = (n, n)
        self.dtype = np.dtype(dtype)
        dense = n <= (self.DENSE_UP_TO if dense_up_to is None else dense_up_to)
        self._array = np.zeros(self.shape, self.dtype) if dense else None
        self._totals: dict[int, int | float] = {}  # row * n + column -> total, if sparse

    def add(self, rows: np.ndarray, columns: np.ndarray, values: np.ndarray | float = 1) -> None:
        """Add values pair by pair, in the order given (as `np.add.at` on the array did)."""
        if self._array is not None:
            add_at(self._array, rows, columns, values)
            return
        rows, columns, values = np.broadcast_arrays(
            np.asarray(rows, np.int64), np.asarray(columns, np.int64),
            np.asarray(values, self.dtype))
        if not rows.size:
            return
        pairs, where = np.unique((rows * self.shape[1] + columns).ravel(), return_inverse=True)
        totals = np.array([self._totals.get(k, 0) for k in pairs.tolist()], self.dtype)
        np.add.at(totals, where, values.ravel())  # one by one, in the order given
        self._totals.update(zip(pairs.tolist(), totals.tolist(), strict=True))

    def add_pairs(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add one value to each pair `row * n + column` (each pair at most once)."""
        if self._array is not None:
            self._array.flat[keys] += values
            return
        totals = self._totals
        for key, value in zip(keys.tolist(), values.tolist(), strict=True):
            totals[key] = totals.get(key, 0) + value

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.add and method == "at" and inputs[0] is self and not kwargs:
            (rows, columns), *values = inputs[1:]
            self.add(rows, columns, *values)
            return None
        return NotImplemented

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, columns and totals of the pairs used, in row-major order (as `argwhere`)."""
        if self._array is not None:
            rows, columns = np.nonzero(self._array)
            return rows, columns, self._array[rows, columns]
        keys = np.array(sorted(self._totals), np.int64)
        values = np.array([self._totals[k] for k in keys.tolist()], self.dtype)
        return keys // self.shape[1], keys % self.shape[1], values

    def sum(self, axis: int | None = None) -> np.ndarray | int | float:
        """Totals per column (axis 0), per row (axis 1) or in all, added row by row."""
        if self._array is not None:
            return self._array.sum(axis=axis)
        rows, columns, values = self.pairs()
        if axis is None:
            return values.sum()
        out = np.zeros(self.shape[1 - axis], self.dtype)
        np.add.at(out, columns if axis == 0 else rows, values)
        return out

    def row_total(self, row: int) -> int | float:
        """The total of one row (for checks: sparse, its order of addition is not kept)."""
        if self._array is not None:
            return self._array[row].sum()
        n = self.shape[1]
        return sum(v for k, v in self._totals.items() if k // n == row)

    def toarray(self) -> np.ndarray:
        """The full n-by-n array (n² numbers: for small models only)."""
        if self._array is not None:
            return self._array.copy()
        out = np.zeros(self.shape, self.dtype)
        rows, columns, values = self.pairs()
        out[rows, columns] = values
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self.toarray()
        return out if dtype is None else out.astype(dtype)

    def __getitem__(self, index) -> np.ndarray:
        return self.toarray()[index]


def pair_flows(keys: np.ndarray, amount: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs used (keys `payer * n + payee`, sorted) and the £ each carries, added in
    booking order. A few payments are added one by one in Python (its floats are the
    same doubles, added in the same order: a count over every possible pair cost ten
    times as much); with few organisations a count over every possible pair finds them,
    else sorting does (the same additions, in the same order, either way)."""
    if len(keys) <= FEW_PAYMENTS:
        flows: dict[int, float] = {}
        for key, value in zip(keys.tolist(), amount.tolist(), strict=True):
            flows[key] = flows.get(key, 0.0) + value
        pairs = sorted(flows)
        return np.array(pairs, np.int64), np.array([flows[k] for k in pairs], float)
    if n * n <= max(4 * len(keys), 4096):
        used = np.flatnonzero(np.bincount(keys, minlength=n * n))
        return used, np.bincount(keys, weights=amount, minlength=n * n)[used]
    pairs, where = np.unique(keys, return_inverse=True)
    return pairs, np.bincount(where.ravel(), weights=amount)


def row_and_column_sums(pairs: np.ndarray, flows: np.ndarray, n: int,
                        block_bytes: int = 4_000_000) -> tuple[np.ndarray, np.ndarray]:
    """Row and column sums of the n-by-n array holding `flows` at `pairs` (row * n + column).

    Exactly as `array.sum(axis=1)` and `array.sum(axis=0)` would give them:
    column sums add rows in order; row sums are NumPy's pairwise sums over a
    full row, so each row used is laid out in full (a few rows at a time,
    never the whole array) and summed by NumPy itself.
    """
    if n * n * 8 <= block_bytes:  # small enough to lay out whole, as it always was
        full = np.zeros(n * n)
        full[pairs] = flows
        full = full.reshape(n, n)
        return full.sum(axis=1), full.sum(axis=0)
    rows, columns = pairs // n, pairs % n
    got = np.zeros(n)
    np.add.at(got, columns, flows)  # pairs are sorted: rows in order within each column
    out = np.zeros(n)
    used, where = np.unique(rows, return_inverse=True)
    per_block = max(1, block_bytes // (8 * n))
    for start in range(0, len(used), per_block):
        stop = min(start + per_block, len(used))
        take = (where >= start) & (where < stop)
        block = np.zeros((stop - start, n))
        block[where[take] - start, columns[take]] = flows[take]
        out[used[start:stop]] = block.sum(axis=1)
    return out, got


class Accounts:
    """Cash and flows of every organisation (row 0: the commissioner)."""

    def __init__(self):
        self.owners: list = []
        self._reserves: list[float] = []
        self.due: dict[int, list[tuple[np.ndarray, ...]]] = defaultdict(list)
        self.cancelled = 0.0
        # `_fused_numba.book_one_week`, set by a model that runs numba's passes: `book` in
        # one compiled pass
        self.compiled = None

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
        self.money = PairTotals(n, float)  # £ paid payer -> payee
        self.commissioner_paid = 0.0
        self.payable = np.zeros(n)  # booked, not yet paid
        self.receivable = np.zeros(n)  # booked to it, not yet received
        self.booked_out = np.zeros((n, len(PAYMENT_KINDS)))  # £ it has committed to pay
        self.active = np.ones(n, bool)

    # --- costs: money leaving the system ---
    def charge(self, who: np.ndarray | int, amount: np.ndarray | float, kind: int) -> None:
        """Charge costs to organisations (arrays are summed per organisation)."""
        who, amount = np.atleast_1d(who), np.asarray(amount)
        if amount.shape != who.shape:  # one amount for all (np.broadcast_to is slow)
            amount = np.full(who.shape, amount) if amount.ndim == 0 else np.broadcast_to(
                amount, who.shape)
        total = np.bincount(who, weights=amount, minlength=len(self.cash))
        self.cash -= total
        self.costs[:, kind] += total

    def charge_totals(self, total: np.ndarray, kind: int) -> None:
        """Charge costs already summed per organisation (as `charge` sums them)."""
        self.cash -= total
        self.costs[:, kind] += total

    # --- payments between organisations ---
    def book(self, due_week: np.ndarray | int, payer: np.ndarray | int,
             payee: np.ndarray | int, amount: np.ndarray | float, kind: int) -> None:
        """Owe payments, each settled in its `due_week`."""
        columns = [np.asarray(due_week), np.asarray(payer), np.asarray(payee),
                   np.asarray(amount, float)]
        n = max(x.size for x in columns)  # single values repeated (as np.broadcast_arrays)
        due, payer, payee, amount = (x if x.shape == (n,) else np.full(n, x.flat[0])
                                     if x.size == 1 else np.broadcast_to(x, (n,))
                                     for x in columns)
        keep = amount != 0
        if not n or not keep.all():
            if not keep.any():
                return
            due, payer, payee, amount = due[keep], payer[keep], payee[keep], amount[keep]
        payer, payee = payer.astype(np.int64, copy=False), payee.astype(np.int64, copy=False)
        if columns[0].ndim == 0 or (due == due[0]).all():  # one week for all (most)
            if self.compiled is not None:  # all of it in one compiled pass
                self.due[int(due[0])].append((*self.compiled(
                    payer, payee, amount, self.booked_out[:, kind], self.payable,
                    self.receivable), kind))
                return
            owed, owed_to = self._totals(payer, payee, amount)
            self.due[int(due[0])].append(self._entry(payer, payee, amount, kind, owed, owed_to))
        else:
            owed, owed_to = self._totals(payer, payee, amount)
            for week in np.unique(due):
                rows = due == week
                self.due[int(week)].append(self._entry(payer[rows], payee[rows], amount[rows],
                                                       kind))
        self.booked_out[:, kind] += owed
        self.payable += owed
        self.receivable += owed_to

    def _totals(self, payer: np.ndarray, payee: np.ndarray, amount: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """What each organisation owes, and is owed, in these payments."""
        n = len(self.cash)
        return (np.bincount(payer, weights=amount, minlength=n),
                np.bincount(payee, weights=amount, minlength=n))

    def _entry(self, payer: np.ndarray, payee: np.ndarray, amount: np.ndarray, kind: int,
               owed: np.ndarray | None = None, owed_to: np.ndarray | None = None) -> tuple:
        """A booking as `settle` needs it: the £ per pair of organisations, and per payer
        and per payee, summed now in the order `settle` would sum the payments one by one,
        so what it pays is the same to the last bit. A booking of payments for thousands
        of claimants keeps a few numbers per pair, not three per claimant (at national
        scale the payments owed at once took 7 MB)."""
        n = len(self.cash)
        if owed is None:
            owed, owed_to = self._totals(payer, payee, amount)
        # Organisations owed nothing in sum are left out: taking 0.0 away changes no number
        payers, payees = np.flatnonzero(owed), np.flatnonzero(owed_to)
        pairs, flows = pair_flows(payer * n + payee, amount, n)
        return pairs, flows, payers, owed[payers], payees, owed_to[payees], kind

    def settle(self, week: int) -> None:
        """Make every payment due this week (or earlier, if any were missed)."""
        n = len(self.cash)
        for w in sorted(k for k in self.due if k <= week):
            for pairs, flows, payers, owed, payees, owed_to, kind in self.due.pop(w):
                self.payable[payers] -= owed
                self.receivable[payees] -= owed_to
                live = self.active[pairs // n] & self.active[pairs % n]
                if not live.all():  # a payer or payee has exited
                    self.cancelled += float(flows[~live].sum())
                    pairs, flows = pairs[live], flows[live]
                    if not len(flows):
                        continue
                self.money.add_pairs(pairs, flows)
                out, got = row_and_column_sums(pairs, flows, n)
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
        from_commissioner = float(self.money.row_total(COMMISSIONER))
        if abs(from_commissioner - self.commissioner_paid) > tolerance * scale:
            raise AccountingError(
                f"commissioner paid {self.commissioner_paid:,.2f} but providers received "
                f"{from_commissioner:,.2f} from it")
        change = float((self.cash[rows] - self.reserves[rows] + self.costs[rows].sum(axis=1)).sum())
        if abs(change - self.commissioner_paid) > tolerance * scale:
            raise AccountingError(
                f"providers' cash change plus costs {change:,.2f} != money paid in by the "
                f"commissioner {self.commissioner_paid:,.2f}")

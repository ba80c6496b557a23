"""Watch a model week by week: the money settled and who started work when.

Shared by the payment, money-routing and metric tests, which rebuild what the
model should have done from the claimant arrays and the contract terms, by code
of their own, and compare it with what the accounts show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commissioning.model import CommissioningModel
from commissioning.model.accounts import PAYMENT_KINDS


@dataclass
class Settled:
    """What the accounts settled in each week of a run."""

    received: np.ndarray  # [week, payee, kind] £ received in the week
    money: np.ndarray  # [week, payer, payee] £ paid in the week (any kind)
    cash: np.ndarray  # [week, organisation] cash at the end of the week
    start_week: np.ndarray  # [claimant] week of their first job start (-1: none)
    extra: dict = field(default_factory=dict)


def run_and_watch(model: CommissioningModel, each_week=None) -> Settled:
    """Run `model` to the end, keeping each week's settled payments and cash.

    `each_week(model, week)`, if given, is called after every step.
    """
    acc, c = model.accounts, model.claimants
    n, weeks = len(acc.cash), model.p["weeks"]
    received = np.zeros((weeks, n, len(PAYMENT_KINDS)))
    money = np.zeros((weeks, n, n))
    cash = np.zeros((weeks, n))
    start = np.full(c.n, -1, np.int64)
    before_r, before_m = acc.received.copy(), np.asarray(acc.money)
    while model.running:
        week = model.steps  # the week this step simulates (Mesa counts it on entry)
        model.step()
        paid = np.asarray(acc.money)  # payer -> payee totals so far
        received[week] = acc.received - before_r
        money[week] = paid - before_m
        before_r, before_m = acc.received.copy(), paid
        cash[week] = acc.cash
        started = (c.job_starts > 0) & (start < 0)
        start[started] = week
        if each_week is not None:
            each_week(model, week)
    return Settled(received, money, cash, start)


def first_difference(actual: np.ndarray, expected: np.ndarray, names: tuple[str, ...],
                     atol: float = 1e-6) -> str:
    """The first cell where two arrays differ, in words (for assertion messages)."""
    bad = np.argwhere(~np.isclose(actual, expected, rtol=1e-9, atol=atol))
    if not len(bad):
        return ""
    where = ", ".join(f"{name} {int(i)}" for name, i in zip(names, bad[0], strict=True))
    i = tuple(bad[0])
    return (f"{len(bad)} cells differ; first at {where}: settled {actual[i]:,.2f}, "
            f"expected {expected[i]:,.2f}")

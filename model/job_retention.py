"""Keeping a job: the weekly chance of losing it falls with the weeks already in it.

For a claimant of payment group g in the t-th week of a job (t = 0 in the week
after the start),

    h(g, t) = m_g * (h_late + (h_early - h_late) * exp(-t / tau))

so the first weeks are the riskiest and a job that has lasted settles at the
late rate (DOMAIN 4: "real hazards fall with duration"; C11 pins the average
over the first 26 weeks). `m_g` lets payment groups differ. In-work support,
where a contract holder buys it, multiplies h for its weeks (`integration_services`).

Both worlds (with and without the programme) and every decision that weighs
whether a job will last (support, specialists, services, the value of an
outcome) read the same table, computed once per run: `loss[g, t]`, and the
chance of still being in the job after t weeks, `survival[g, t]`.
"""

from __future__ import annotations

import numpy as np

from .parameters import PAYMENT_GROUPS

MAX_TENURE = 521  # weeks tabulated; longer tenures use the last column (the late rate)


def loss_table(p: dict) -> np.ndarray:
    """Weekly job-loss hazard by payment group and week in the job: [group, tenure]."""
    t = np.arange(MAX_TENURE, dtype=float)
    early, late = p["job_loss_hazard_early"], p["job_loss_hazard_late"]
    curve = late + (early - late) * np.exp(-t / p["job_loss_tenure_weeks"])
    m = np.array([p["job_loss_multiplier"][g] for g in PAYMENT_GROUPS])
    return np.clip(m[:, None] * curve[None, :], 0.0, 1.0)


def survival_table(loss: np.ndarray) -> np.ndarray:
    """Chance a job lasts at least t weeks: [group, t] for t = 0 .. MAX_TENURE."""
    kept = np.cumprod(1.0 - loss, axis=1)
    return np.concatenate([np.ones((loss.shape[0], 1)), kept], axis=1)


def hazard_at(loss: np.ndarray, group: np.ndarray, tenure: np.ndarray) -> np.ndarray:
    """Each claimant's job-loss hazard this week from the table."""
    return loss[group, np.minimum(tenure, MAX_TENURE - 1)]

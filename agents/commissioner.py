"""The commissioner: DWP, or the devolved body that funds the partnerships.

It pays contract holders by the payment schedule and, where several contract
holders compete for the same claimants, moves referral share each contract
year from the worst to the best performer in each payment group (market share
shift). It has no cash limit of its own; every pound it pays is counted.
"""

from __future__ import annotations

import numpy as np

from .organisation import Organisation


class Commissioner(Organisation):
    kind = "commissioner"

    def __init__(self, model):
        super().__init__(model)
        self.name = "commissioner"
        self.index = model.accounts.open(self, 0.0)
        self.insolvent_week = None

    def shift_market_share(self, shares: np.ndarray, referrals: np.ndarray,
                           outcomes: np.ndarray, active: np.ndarray, shift: float) -> np.ndarray:
        """Move `shift` of referral share per group from the worst to the best holder.

        `shares`, `referrals` and `outcomes` are [holder, group] arrays; performance
        is job outcomes in the year over referrals in the year (the MPL measure).
        """
        shares = shares.copy()
        if active.sum() < 2 or shift <= 0:
            return shares
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(referrals > 0, outcomes / np.maximum(referrals, 1), np.nan)
        for g in range(shares.shape[1]):
            ok = active & ~np.isnan(rate[:, g])
            if ok.sum() < 2:
                continue
            idx = np.flatnonzero(ok)
            best = idx[np.argmax(rate[idx, g])]
            worst = idx[np.argmin(rate[idx, g])]
            if best == worst or rate[best, g] == rate[worst, g]:
                continue
            moved = min(shift, shares[worst, g])
            shares[worst, g] -= moved
            shares[best, g] += moved
        return shares

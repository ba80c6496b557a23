"""What is fitted, and how far a run is from the published figures.

The two-tier baseline's free parameters (no published value) are listed here
with the plausible ranges of DOMAIN.md section 7, which are the fit's prior;
`distance` says how far one run's targets are from the published ranges. The
fitting method itself (ABC with sequential Monte Carlo, pyabc) is in
`abc.py`; docs/calibration.md says why.

Only the two-tier baseline is fitted, and only to the targets in DOMAIN.md;
the locality scenarios inherit the fitted values and are never tuned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from commissioning.model.parameters import BY_NAME

from .targets import TARGETS, Target


@dataclass(frozen=True)
class FreeParameter:
    """A parameter with no published value, fitted within a plausible range.

    `linked` groups of a per-group parameter move by the same ratio as the
    fitted group (their relative levels stay as set by hand).
    """

    key: str  # section.name or section.name.group
    low: float
    high: float
    linked: tuple[str, ...] = ()
    log: bool = False

    @property
    def name(self) -> str:
        return self.key.split(".")[1]

    @property
    def group(self) -> str | None:
        parts = self.key.split(".")
        return parts[2] if len(parts) == 3 else None

    def to_value(self, u: float) -> float:
        """Map u in [0, 1] to the parameter's range."""
        u = min(max(u, 0.0), 1.0)
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high)
                                                            - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def to_unit(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high)
                                                               - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def current(self, params: dict[str, Any]) -> float:
        v = params[self.name]
        return float(v[self.group] if self.group else v)


#: The free parameters of the two-tier baseline and their search ranges (DOMAIN 7).
FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("claimants.base_hazard.jsa_18_24", 0.006, 0.03, log=True),
    FreeParameter("claimants.base_hazard.jsa_25_plus", 0.005, 0.025, log=True,
                  linked=("jsa_early_access", "jsa_ex_ib", "jsa_prison_leavers")),
    FreeParameter("claimants.base_hazard.esa_new", 0.002, 0.015, log=True,
                  linked=("esa_volunteers", "ib_is_volunteers")),
    FreeParameter("claimants.base_hazard.esa_ex_ib", 0.0005, 0.006, log=True),
    FreeParameter("claimants.stock_readiness", 0.3, 1.0),
    # Job loss by tenure: the first week's hazard, the long-run one, and how fast it falls.
    FreeParameter("claimants.job_loss_hazard_early", 0.010, 0.080),
    FreeParameter("claimants.job_loss_hazard_late", 0.003, 0.015),
    FreeParameter("claimants.job_loss_tenure_weeks", 2.0, 52.0, log=True),
    FreeParameter("labour_market.hazard_elasticity", 0.3, 1.0),
    FreeParameter("contract.specialist_list_share", 0.2, 1.0),
    FreeParameter("support.specialist_barrier_reduction", 0.2, 1.0),
    # Full support against none: DOMAIN 7's 1.0-2.0, from light support's 1.4 up (intensive
    # support helps at least as much as light); with the base hazards it sets deadweight.
    FreeParameter("support.intensive_support_effect", 1.4, 2.0),
    FreeParameter("providers.caseload_fixed_cost", 2.0, 10.0),
    FreeParameter("providers.third_sector_mission_value", 0.0, 5000.0),
    FreeParameter("providers.specialist_fixed_share", 0.1, 0.7),
    FreeParameter("contract.outcome_pass_through", 0.7, 0.95),
    FreeParameter("providers.planned_volume_ratio", 0.8, 1.5),
    FreeParameter("providers.subcontractor_loss_tolerance", 0.0, 1.0),
    FreeParameter("providers.third_sector_loss_tolerance", 0.0, 2.0),
)


def apply(params: dict[str, Any], free: Sequence[FreeParameter], values: Sequence[float]
          ) -> dict[str, Any]:
    """Parameters with the free ones set (linked groups scaled along)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in params.items()}
    for fp, value in zip(free, values, strict=True):
        p = BY_NAME[fp.name]
        if fp.group:
            ratio = value / out[fp.name][fp.group]
            out[fp.name][fp.group] = value
            for g in fp.linked:
                out[fp.name][g] = min(out[fp.name][g] * ratio, p.high)
        else:
            out[fp.name] = round(value) if p.kind == "int" else value
    return out


CAP = 9.0  # the most a single target can cost (robust loss)


def _soft_cap(x: float) -> float:
    """Like x for small x, approaching CAP for large x, never quite flat."""
    return x / (1.0 + x / CAP)


def discrepancy(target: Target, value: float, centre: float = 0.05) -> float:
    """How far a model value is from a published figure (0 inside its range).

    Squared distance outside the range in half-widths, softly capped, so that a
    target the mechanisms cannot reach does not drag the others away from theirs;
    plus a small pull towards the middle of the range (several published figures sit
    on an edge of their range, where seed noise would carry a fit in and out of it).
    """
    if math.isnan(value):
        return CAP
    half = max((target.high - target.low) / 2, 1e-3 * abs(target.figure), 1e-9)
    outside = max(target.low - value, value - target.high, 0.0) / half
    middle = abs(value - (target.low + target.high) / 2) / half
    return _soft_cap(outside * outside) + centre * _soft_cap(middle * middle)


#: How much more a target the fit must reach (C1-C5, the deadweight lines) weighs.
REQUIRED_WEIGHT = 5.0


def weight(target: Target) -> float:
    return REQUIRED_WEIGHT if target.required else 1.0


def distance(values: Mapping[str, float], targets: Sequence[Target] = TARGETS,
             centre: float = 0.0) -> float:
    """How far one run is from the published figures: 0 when every target is inside.

    `values` maps each target's key to the run's value. The sum over targets of
    `discrepancy`, the required targets weighing five times; by default without
    the pull to the middle (a range says any value inside it is consistent with
    the data). Choosing the shipped point adds the pull (`centre`), so that of
    two sets inside every range the one whose runs sit nearer the middles wins.
    """
    return float(sum(weight(t) * discrepancy(t, values[t.key], centre) for t in targets))

"""Who contracts with whom: the organisations of an area, wired by the regime.

Both regimes have the same delivery organisations, with the same capacities,
costs and reserves, drawn from the same seed: large providers, end-to-end
(case-holding) providers in each locality, and specialists for each barrier
in each locality. Only the contracts between them differ:

- **two-tier**: the large providers are primes holding the commissioner's
  contract for the whole area. Each prime delivers some cases in house and
  has tier-1 end-to-end subcontractors (one prime each) and a list of tier-2
  specialists it may call off.
- **locality**: one partnership per locality holds the devolved contract; the
  large providers and the locality's end-to-end providers are its case-holding
  partners, and the locality's specialists are on its list.

Each specialist joins a contract holder's list with probability
`specialist_list_share` (a contract term: the two-tier scenario's primes listed many
specialists they seldom used; a partnership lists every local one).

Capacities are sized from the expected peak caseload, in fractions of a place
where need be, so a scenario with ten times the claimants has ten times the
places and costs and the same organisations: rates and shares do not depend on
the number of claimants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from commissioning.agents import (
    LargeProvider,
    LocalPartnership,
    Prime,
    Subcontractor,
    ThirdSectorOrganisation,
)
from commissioning.agents.provider import CASE_HOLDER, SPECIALIST

from .parameters import BARRIERS

if TYPE_CHECKING:
    from .model import CommissioningModel



def planned_caseload(model: CommissioningModel) -> np.ndarray:
    """Claimants expected on programme in each week of the run (attached, within their
    weeks on programme)."""
    p = model.p
    counts = np.bincount(model.claimants.referral_week, minlength=p["referral_weeks"])
    on_programme = np.convolve(counts, np.ones(model.programme_weeks))
    path = np.zeros(p["weeks"] + 1)
    n = min(len(path), len(on_programme))
    path[:n] = on_programme[:n]
    return path * expected_attachment(model)


def expected_attachment(model: CommissioningModel) -> float:
    """The share of referrals providers expect to attach."""
    from .referrals import attachment_chance

    c = model.claimants
    return float(attachment_chance(model.p, c.group, c.n_barriers, model.mean_barriers).mean())


def expected_peak_caseload(model: CommissioningModel) -> float:
    """Most claimants expected on programme at once."""
    return max(float(planned_caseload(model).max()), 1.0)


def expected_contract_value(model: CommissioningModel) -> float:
    """What the commissioner expects to pay for the whole area over the contract (£):
    the expected value of each referral's payment group in its contract year, weighted
    by its chance to start."""
    from .referrals import attachment_chance

    c = model.claimants
    chance = attachment_chance(model.p, c.group, c.n_barriers, model.mean_barriers)
    year = c.referral_week // 52 + 1
    value = 0.0
    for y in np.unique(year):
        rows = year == y
        value += float(chance[rows] @ model.payments.expected_value(int(y))[c.group[rows]])
    return value


def _sectors(rng: np.random.Generator, n: int, third_sector_share: float) -> list[str]:
    """Sectors of n organisations: exactly round(share * n) third sector, placed at random;
    the rest private (60%) or public."""
    third = set(rng.permutation(n)[: round(third_sector_share * n)].tolist())
    other = rng.random(n)
    return ["third_sector" if i in third else ("private" if other[i] < 0.6 else "public")
            for i in range(n)]


def _provider_class(sector: str):
    return ThirdSectorOrganisation if sector == "third_sector" else Subcontractor


def _reserves_weeks(p: dict, sector: str) -> float:
    key = "third_sector_reserves_weeks" if sector == "third_sector" else \
        "subcontractor_reserves_weeks"
    return p[key]


def build(model: CommissioningModel) -> None:
    """Create every organisation and the contracts between them."""
    p = model.p
    rng = model.streams.generator("organisations")
    L, P = p["localities"], p["primes"]
    n_e2e, n_spec = p["end_to_end_per_locality"], p["specialists_per_locality"]
    peak = expected_peak_caseload(model)
    # Case holders staff up and down along the caseload they plan for.
    model.staffing_path = p["planned_volume_ratio"] * planned_caseload(model) / peak
    per_locality = peak / L
    support_week = p["light_support_cost"]
    episode_week = p["specialist_episode_cost"] / p["specialist_episode_weeks"]
    place_week = p["specialist_fixed_share"] * episode_week  # fixed cost of a staffed place
    contract_week = expected_contract_value(model) / p["weeks"]

    # The same delivery organisations in both regimes.
    e2e_all = _sectors(rng, L * n_e2e, p["third_sector_share_end_to_end"])
    spec_all = _sectors(rng, L * n_spec, p["third_sector_share_specialists"])
    e2e_sectors = [e2e_all[k * n_e2e:(k + 1) * n_e2e] for k in range(L)]
    spec_sectors = [spec_all[k * n_spec:(k + 1) * n_spec] for k in range(L)]
    membership = model.streams.generator("supply_chain").random((L, max(n_spec, 1), P))

    large_capacity = p["prime_delivery_share"] * peak * p["capacity_headroom"] / P
    large = []
    for k in range(P):
        fixed = large_capacity * p["caseload_fixed_cost"]
        large.append(dict(name=f"Prime {chr(65 + k)}" if k < 26 else f"Prime {k + 1}",
                          sector="private", capacity=large_capacity, fixed_cost=fixed,
                          operating_cost=fixed + large_capacity * support_week,
                          reserves_weeks=p["prime_reserves_weeks"]))

    two_tier = p["regime"] == "two_tier"
    holders: list = []
    if two_tier:
        for spec in large:
            holders.append(Prime(model, spec.pop("name"), **spec))
        model.large_providers = list(holders)
    else:
        # A partnership's weekly spending as planned, which sizes its reserves: its own
        # running cost, specialist episodes for its locality's places, and any services
        # its contract commissions for every claimant.
        running = p["holder_overhead_share"] * contract_week / L
        specialist_spend = (p["specialist_capacity_share"] * per_locality * len(BARRIERS) *
                            p["specialist_episode_cost"] / p["specialist_episode_weeks"])
        services = per_locality * (p["key_worker_cost"] + p["employer_engagement_cost"]) * (
            p["integration_services"] == "commissioned")
        for loc in range(L):
            holders.append(LocalPartnership(
                model, f"Partnership L{loc + 1}", sector="public", locality=loc,
                fixed_cost=0.0, operating_cost=running + specialist_spend + services,
                reserves_weeks=p["partnership_reserves_weeks"]))
        model.large_providers = [
            LargeProvider(model, spec.pop("name").replace("Prime", "Large provider"),
                          role=CASE_HOLDER, **spec) for spec in large]
    model.holders = holders

    # End-to-end providers, one contract holder each under two-tier.
    model.end_to_end = []
    e2e_capacity = (1 - p["prime_delivery_share"]) * per_locality * p["capacity_headroom"] / n_e2e
    for loc in range(L):
        for j, sector in enumerate(e2e_sectors[loc]):
            fixed = e2e_capacity * p["caseload_fixed_cost"]
            org = _provider_class(sector)(
                model, f"L{loc + 1} end-to-end {j + 1}", sector=sector, role=CASE_HOLDER,
                locality=loc, capacity=e2e_capacity, fixed_cost=fixed,
                operating_cost=fixed + e2e_capacity * support_week,
                reserves_weeks=_reserves_weeks(p, sector),
                mission_value=p["third_sector_mission_value"] * (sector == "third_sector"))
            model.end_to_end.append(org)
            if two_tier:
                org.contract_holder = holders[(loc * n_e2e + j) % P]
            else:
                org.contract_holder = holders[loc]
            org.contract_holder.case_holders.append(org)
    if not two_tier:
        for partnership in holders:
            partnership.case_holders.extend(model.large_providers)

    # Specialists: one barrier each, cycling through the barriers.
    model.specialists = []
    for loc in range(L):
        per_barrier = np.bincount(np.arange(n_spec) % len(BARRIERS), minlength=len(BARRIERS))
        for j, sector in enumerate(spec_sectors[loc]):
            b = j % len(BARRIERS)
            # Places in proportion to the caseload, fractions kept: size-invariant.
            places = p["specialist_capacity_share"] * per_locality / per_barrier[b]
            fixed = places * place_week
            org = _provider_class(sector)(
                model, f"L{loc + 1} {BARRIERS[b]} specialist" + (f" {j // len(BARRIERS) + 1}"
                                                                 if j >= len(BARRIERS) else ""),
                sector=sector, role=SPECIALIST, locality=loc, barrier=b, capacity=places,
                fixed_cost=fixed, operating_cost=places * episode_week,
                reserves_weeks=_reserves_weeks(p, sector),
                mission_value=p["third_sector_mission_value"] * (sector == "third_sector"))
            model.specialists.append(org)
            listing = holders if two_tier else [holders[loc]]
            for k, holder in enumerate(listing):
                if membership[loc, j, k] < p["specialist_list_share"]:
                    holder.specialists.append(org)

"""Claimants: one row per person, one array per attribute.

A contract area refers tens or hundreds of thousands of claimants, so their
state lives in numpy arrays and every weekly process runs over whole arrays
(the layout of Starsim's `People`). Claimant ids follow referral order, so
the claimants active in a week form a contiguous block of ids.

`Claimant` is a read-only view of one row, for inspection, teaching and tests.

Who the claimants are (payment group, locality, barriers, job readiness,
referral week) depends only on the seed and the claimant parameters, never on
the regime: both regimes are run on the same people.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from commissioning.model.calendar import Calendar
from commissioning.model.parameters import BARRIERS, PAYMENT_GROUPS

# Where a claimant is in the journey.
NOT_YET_REFERRED, NOT_ATTACHED, SEARCHING, IN_WORK, IN_WORK_AFTER, LEFT = range(6)
STATUS_NAMES = ("not yet referred", "not attached", "searching", "in work",
                "in work after programme", "left the programme")
SUPPORT_NAMES = ("minimal (parked)", "light", "intensive")

# Relative prevalence of the barriers other than health (health is set per group).
OTHER_BARRIER_WEIGHT = {"skills": 1.5, "housing": 0.7, "debt": 1.0, "caring": 0.7,
                        "confidence": 1.5, "addiction": 0.4, "convictions": 0.4}

# A week number (or -1: none yet). int16 holds any run's weeks (at most 2,000, and
# the referral weeks within them) in half the memory of int32: some 30 MB over the
# nine week columns at national scale. Arithmetic on them keeps the type (NumPy 2: a
# Python int takes the array's), so it is kept to sums of weeks.
WEEK = np.int16

# Number of set bits in a byte: barrier counts from bitmasks.
POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int8)
# Lowest set bit of a byte (-1 if none): the next barrier to treat.
FIRST_BIT = np.array([(i & -i).bit_length() - 1 if i else -1 for i in range(256)],
                     dtype=np.int8)


def referral_weeks(n: int, p: dict) -> np.ndarray:
    """Referral week of each claimant, in id order, along the referral path.

    The area's `n` claimants are spread over the referral period in proportion to
    the path's flow in each week (its level does not matter, only its shape).
    """
    weeks = p["referral_weeks"]
    rate = np.maximum(Calendar.of(p).path(p["referral_path"], weeks), 0.0)
    if rate.sum() <= 0:
        rate = np.ones(weeks)  # a path of zeros: spread evenly rather than refer no one
    cumulative = np.concatenate([[0.0], np.cumsum(rate)]) / rate.sum()
    counts = np.diff(np.round(cumulative * n).astype(np.int64))
    return np.repeat(np.arange(weeks), counts).astype(WEEK)


def esa_share(p: dict, weeks: int) -> np.ndarray:
    """The ESA groups' share of referrals in each week (`esa_share_path`)."""
    return np.clip(Calendar.of(p).path(p["esa_share_path"], weeks), 0.0, 1.0)


def _draw_groups(p: dict, referral_week: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Payment group of each claimant: the referral mix, with the ESA share over time.

    The ESA groups together take `esa_share_path`'s share of each week's referrals;
    within them, and within the other groups, `referral_share` sets the proportions.
    A side with no shares at all leaves everything to the other.
    """
    shares = np.array([p["referral_share"][g] for g in PAYMENT_GROUPS])
    esa = np.array([g.startswith("esa") for g in PAYMENT_GROUPS])
    inside = np.where(esa, shares / max(shares[esa].sum(), 1e-300),
                      shares / max(shares[~esa].sum(), 1e-300))
    x = esa_share(p, int(referral_week.max(initial=0)) + 1)[referral_week]
    if shares[esa].sum() <= 0:
        x = np.zeros_like(x)
    elif shares[~esa].sum() <= 0:
        x = np.ones_like(x)
    group = np.empty(len(u), np.int8)
    for start in range(0, len(u), 65_536):  # in slices: [n, groups] arrays at 1.8M are large
        rows = slice(start, start + 65_536)
        weights = np.where(esa[None, :], x[rows, None], 1.0 - x[rows, None]) * inside
        cumulative = np.cumsum(weights, axis=1)
        cumulative /= cumulative[:, -1:]
        group[rows] = (u[rows, None] >= cumulative).sum(axis=1).clip(0, len(shares) - 1)
    return group


def barrier_prevalence(p: dict) -> np.ndarray:
    """Chance of each barrier for each payment group: array [group, barrier]."""
    total_weight = sum(OTHER_BARRIER_WEIGHT.values())
    prevalence = np.zeros((len(PAYMENT_GROUPS), len(BARRIERS)))
    for g, group in enumerate(PAYMENT_GROUPS):
        health = p["health_barrier_share"][group]
        others = max(p["mean_barriers"][group] - health, 0.0)
        for b, barrier in enumerate(BARRIERS):
            if barrier == "health":
                prevalence[g, b] = health
            else:
                prevalence[g, b] = min(others * OTHER_BARRIER_WEIGHT[barrier] / total_weight, 0.95)
    return prevalence


#: Claimants drawn at a time: a [claimants, barriers] array of draws at national scale
#: would take 115 MB for a moment, more than the model keeps for all its claimants.
BLOCK = 65_536


def _blocks(n: int):
    """Consecutive slices of at most BLOCK claimants. Drawing a stream block by block
    gives the same numbers as one draw of the whole (NumPy's generators have no state
    but the bit generator's), so results do not depend on the block size."""
    return (slice(start, min(start + BLOCK, n)) for start in range(0, n, BLOCK))


def _draw_people(p: dict, rng: np.random.Generator, referral_week: np.ndarray) -> dict:
    """Who the claimants referred in these weeks are: group, locality, barriers, readiness."""
    n = len(referral_week)
    # Four uniforms each (the fourth is not used, and still drawn: the same stream as before)
    u_group = np.empty(n)
    locality = np.empty(n, np.int8)  # the parameter table allows at most 60 localities
    long_draw = np.empty(n, bool)
    for rows in _blocks(n):
        u = rng.random((rows.stop - rows.start, 4))
        u_group[rows] = u[:, 0]
        locality[rows] = np.minimum((u[:, 1] * p["localities"]).astype(np.int16),
                                    p["localities"] - 1)
        long_draw[rows] = u[:, 2] < p["long_prognosis_share"]
    group = _draw_groups(p, referral_week, u_group)
    del u_group
    # Barriers: a Gaussian copula, so that barriers cluster in the same people.
    rho = p["barrier_correlation"]
    common = np.sqrt(rho) * rng.standard_normal(n)
    threshold = ndtri(np.clip(barrier_prevalence(p), 1e-12, 1 - 1e-12))
    barriers = np.zeros(n, np.uint8)
    for rows in _blocks(n):
        latent = rng.standard_normal((rows.stop - rows.start, len(BARRIERS)))
        latent *= np.sqrt(1 - rho)
        latent += common[rows, None]
        mine = threshold[group[rows]]
        for b in range(len(BARRIERS)):
            barriers[rows] |= (latent[:, b] < mine[:, b]).astype(np.uint8) << np.uint8(b)
    del common
    # Job readiness beyond barriers: mean one on the hazard scale.
    sd = p["heterogeneity_sd"]
    readiness = (sd * rng.standard_normal(n) - 0.5 * sd * sd).astype(np.float32)
    esa_new = group == PAYMENT_GROUPS.index("esa_new")
    long_prognosis = esa_new & long_draw
    base = np.log(np.array([p["base_hazard"][g] for g in PAYMENT_GROUPS]) + 1e-300)
    # The first referrals were the stock of the longest unemployed: less ready for work.
    stock = np.clip(1.0 - referral_week / max(p["stock_referral_weeks"], 1), 0.0, 1.0)
    log_base_hazard = (base[group] + np.where(
        long_prognosis, np.log(p["long_prognosis_effect"] + 1e-300), 0.0)
        + stock * np.log(p["stock_readiness"])).astype(np.float32)
    return {"group": group, "locality": locality, "barriers": barriers,
            "readiness": readiness, "long_prognosis": long_prognosis,
            "log_base_hazard": log_base_hazard}


def _select_after_search(p: dict, rng: np.random.Generator, referral_week: np.ndarray,
                         people: dict, rounds: int = 200) -> dict:
    """Referrals who had already searched `prior_search_weeks` without a job start.

    Each place in the referral schedule is filled by drawing people until one is
    accepted with the chance that such a person found no job in that search: their
    weekly hazard with no programme at the reference labour market, as if unsupported
    (ESA claimants were mostly parked on the Work Programme [S13]). The more ready
    are more often placed, so fewer of them are left to refer.
    """
    def kept(draw: dict) -> np.ndarray:
        out = np.empty(len(draw["barriers"]), bool)
        for rows in _blocks(len(out)):
            n_b = POPCOUNT[draw["barriers"][rows]]
            h = (np.exp(draw["log_base_hazard"][rows] + draw["readiness"][rows])
                 * p["barrier_penalty"] ** n_b)
            out[rows] = rng.random(len(h)) < np.exp(-np.minimum(h, 1.0)
                                                    * p["prior_search_weeks"])
        return out

    out = people  # filled in place: the first draw is not needed again
    open_ = np.flatnonzero(~kept(people))
    for _ in range(rounds):
        if not len(open_):
            return out
        draw = _draw_people(p, rng, referral_week[open_])
        ok = kept(draw)
        for k, v in draw.items():
            out[k][open_[ok]] = v[ok]
        open_ = open_[~ok]
    raise ValueError("prior_search_weeks leaves almost no one to refer: fewer than one "
                     f"in {rounds} people would still be searching")


class ClaimantPopulation:
    """Every claimant's attributes and state."""

    def __init__(self, p: dict, rng: np.random.Generator):
        n = self.n = p["claimants"]
        self.referral_week = referral_weeks(n, p)
        people = _draw_people(p, rng, self.referral_week)
        if p["prior_search_weeks"] > 0:
            people = _select_after_search(p, rng, self.referral_week, people)
        # The weekly hazard before barriers, vacancies and support: fixed for each person,
        # so computed once (in float32, as it always was), not every week. The base
        # hazard and the long-prognosis draw are only steps to it: not kept (9 MB at
        # national scale).
        log_base_hazard = people.pop("log_base_hazard")
        del people["long_prognosis"]
        for name, values in people.items():
            setattr(self, name, values)
        self.n_barriers = POPCOUNT[self.barriers]
        # `readiness` is kept only until the model has taken what providers see of it
        # (`take_readiness`): the hazards carry it from there.
        self.ready_hazard = np.exp(log_base_hazard + self.readiness)
        del log_base_hazard
        # 0: easy (0-1 barriers), 1: middle (2), 2: hard (3+): the metrics' classes, and
        # the need groups a programme may price by (Core, Advanced, Intense).
        self.barrier_class = np.minimum(np.maximum(self.n_barriers - 1, 0), 2).astype(np.int8)

        # --- state ---
        i16 = np.int16
        self.status = np.full(n, NOT_YET_REFERRED, np.int8)
        self.attach_week = np.full(n, -1, WEEK)
        self.mitigated = np.zeros(n, np.uint8)  # barriers treated by a specialist
        self.support = np.zeros(n, np.int8)  # this week's support level
        self.weeks_on_programme = np.zeros(n, i16)
        # Searching weeks while a job outcome can still be earned; of those, parked
        # (minimal support, no specialist) and queued (waiting for a specialist).
        self.weeks_searching = np.zeros(n, i16)
        self.weeks_parked = np.zeros(n, i16)
        self.weeks_queued = np.zeros(n, i16)
        # £ spent on this claimant, a record (the metrics keep their own sums): float32
        # keeps pennies below £100,000 in half float64's memory (7 MB at national scale).
        self.support_spend = np.zeros(n, np.float32)
        # Employment (with the programme).
        self.job_weeks = np.zeros(n, i16)  # continuous weeks in the current job
        # Weeks counted towards the next payment: continuous weeks since the last milestone
        # (sustainment schedule), or weeks in work since the outcome clock started (staged).
        self.milestone_weeks = np.zeros(n, i16)
        # Milestones passed: 0: none; 1: job outcome; 2+: sustainment (staged: stages paid
        # or missed).
        self.milestones_paid = np.zeros(n, np.int8)
        self._outcome_clock: np.ndarray | None = None  # see `outcome_clock`
        self.job_outcome_week = np.full(n, -1, WEEK)
        self.job_starts = np.zeros(n, i16)
        self.first_start_week = np.full(n, -1, WEEK)
        # Specialist episodes (and who provides and pays: `hold_cases`).
        self.episode_barrier = np.full(n, -1, np.int8)
        self.episode_end = np.full(n, -1, WEEK)
        self.queued_at = np.full(n, -1, WEEK)  # week joined a specialist's queue
        self.episodes = np.zeros(n, np.int8)
        self.vcs_supported = np.zeros(n, bool)  # by a third-sector case holder or specialist
        # The same person without the programme, on the same random numbers.
        self.cf_in_work = np.zeros(n, bool)
        self.cf_job_weeks = np.zeros(n, i16)
        self.cf_outcome = np.zeros(n, bool)
        self.cf_first_start = np.full(n, -1, WEEK)  # week of the first job start
        self.cf_outcome_week = np.full(n, -1, WEEK)  # week the threshold was reached
        self.cut_off = np.zeros(n, bool)  # programme ended early: followed in neither world

    def hold_cases(self, organisations: int) -> None:
        """The columns that name an organisation (its account row; -1: none), made once
        the organisations are known, in the narrowest type that holds their number: int8
        up to 127 organisations (a contract area has some fifty), else int16. Five such
        columns at national scale are 9 MB in int8 against 17 MB in int16."""
        n, org = self.n, np.int8 if organisations <= np.iinfo(np.int8).max else np.int16
        if organisations > np.iinfo(np.int16).max:
            raise ValueError(f"{organisations:,} organisations: at most 32,767")
        self.contract_holder = np.full(n, -1, org)  # the prime or partnership
        self.case_holder = np.full(n, -1, org)  # who holds the case
        self.episode_provider = np.full(n, -1, org)  # the specialist, queued or treating
        self.episode_payer = np.full(n, -1, org)  # who pays for the episode
        self.treated_by = np.full(n, -1, org)  # last specialist, for outcome shares

    def take_readiness(self) -> np.ndarray:
        """Hand over the readiness draw and keep it no longer. The weekly hazards carry
        it (`ready_hazard`, and the model's `seen_factor`): not keeping it saves 7 MB at
        national scale."""
        readiness = self.readiness
        del self.readiness
        return readiness

    @property
    def employment_outcome(self) -> np.ndarray:
        """Whether each claimant reached the job outcome on the programme: its week is
        set when it is paid. Worked out when asked, not kept (2 MB at national scale)."""
        return self.job_outcome_week >= 0

    @property
    def outcome_clock(self) -> np.ndarray:
        """Staged schedules: the week each claimant's stage windows run from (-1: not
        started). Made when first asked for: a sustainment schedule never reads it."""
        if self._outcome_clock is None:
            self._outcome_clock = np.full(self.n, -1, WEEK)
        return self._outcome_clock

    def view(self, i: int) -> Claimant:
        return Claimant(self, i)

    def __len__(self) -> int:
        return self.n


class Claimant:
    """One claimant's row, read-only: `population.view(i)` or `model.claimant(i)`."""

    def __init__(self, population: ClaimantPopulation, i: int):
        if not 0 <= i < population.n:
            raise IndexError(f"no claimant {i} (there are {population.n})")
        self._pop, self.id = population, i

    def _get(self, name: str):
        return getattr(self._pop, name)[self.id].item()

    @property
    def payment_group(self) -> str:
        return PAYMENT_GROUPS[self._get("group")]

    @property
    def barriers(self) -> list[str]:
        bits = self._get("barriers")
        return [b for k, b in enumerate(BARRIERS) if bits >> k & 1]

    @property
    def treated_barriers(self) -> list[str]:
        bits = self._get("mitigated")
        return [b for k, b in enumerate(BARRIERS) if bits >> k & 1]

    @property
    def status(self) -> str:
        return STATUS_NAMES[self._get("status")]

    @property
    def support_level(self) -> str:
        return SUPPORT_NAMES[self._get("support")]

    @property
    def in_work(self) -> bool:
        return self._get("status") in (IN_WORK, IN_WORK_AFTER)

    @property
    def job_outcome(self) -> bool:
        return self._get("job_outcome_week") >= 0

    def __getattr__(self, name: str):
        # Any other array attribute of the population: locality, referral_week, ...
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._get(name)
        except AttributeError:
            raise AttributeError(f"a claimant has no attribute {name!r}") from None

    def as_dict(self) -> dict:
        names = ("locality", "referral_week", "attach_week", "contract_holder", "case_holder",
                 "weeks_on_programme", "weeks_parked", "support_spend", "job_starts",
                 "job_outcome_week", "milestones_paid", "episodes")
        return {"id": self.id, "payment_group": self.payment_group, "barriers": self.barriers,
                "treated_barriers": self.treated_barriers, "status": self.status,
                "support_level": self.support_level, **{k: self._get(k) for k in names}}

    def __repr__(self) -> str:
        return (f"<Claimant {self.id} {self.payment_group} barriers={self.barriers} "
                f"{self.status}>")

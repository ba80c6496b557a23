"""What a run is judged by: employment outcomes and provider solvency.

`snapshot` computes every metric from the model's current state, so the same
numbers exist week by week (the `DataCollector`) and at the end of the run
(`CommissioningModel.metrics`, `commissioning run --json`). Rates are per
referral, as in the Work Programme statistics. A ratio with nothing to divide
by is NaN (null in JSON).

- `job_outcome_rate`: paid job outcomes / referrals (outcomes reached on programme);
- `additional_job_outcome_rate`: claimants reaching the outcome threshold
  with the programme minus the same claimants without it, per referral;
- `support_ratio_easy_to_hard`: mean support spend (£) per attached
  low-barrier claimant (0-1 barriers) over that per high-barrier claimant (3+);
- `share_subcontractors_no_referrals`: subcontractors (tier 1 and 2, any
  sector) that never received a claimant or a specialist referral;
- `parked_share`: share of searching weeks, while a job outcome can still be
  earned, in which the claimant had minimal support from the case holder and
  neither a specialist episode nor a place in a specialist's queue;
  `queued_share`: share of the same weeks spent waiting in a specialist's queue;
- `providers_insolvent_share`: insolvent providers over providers that held any
  contract; `small_providers_lowest_cash`: the median, over subcontractors and
  third-sector organisations that held a contract, of the lowest cash each held,
  in weeks of its own operating cost (negative: in overdraft);
- `provider_funds_used`: £ organisations spent beyond what they were paid or are
  owed (their own reserves or overdraft), summed; `resources_per_job_outcome`:
  (commissioner's spend + those funds) per job outcome;
- `job_starts_sustained_13_weeks` (26, 52): of the job starts with at least that
  many weeks to observe (started that long before the current week), the share
  whose job lasted that long; counted by start week, so the weekly series at week
  t covers the starts up to t - 13 (26, 52);
- `job_outcome_rate_by_referral_year` (`run --json` only: a mapping, not a column):
  calendar year of referral -> job outcomes per referral of that year, among the
  referrals whose weeks on programme have ended by now (null for a year with none);
- `*_share_of_spend`: revenue kept (net of what they paid on) by prime
  contractors, by the large providers whatever their role (primes under
  two-tier, lead delivery partners under locality) and by partnerships, and
  revenue received by third-sector organisations, as shares of total spend.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import mesa
import numpy as np

from commissioning.agents import LargeProvider, LocalPartnership, Prime, Subcontractor
from commissioning.agents.claimant import IN_WORK, SEARCHING
from commissioning.agents.provider import CASE_HOLDER

from .accounts import PAYMENT_KINDS, SPECIALIST_FEE
from .employment import SUSTAINED_WEEKS
from .parameters import PAYMENT_GROUPS

if TYPE_CHECKING:
    from .model import CommissioningModel

NAN = float("nan")
CASH_KINDS = ("prime", "large_provider", "subcontractor", "third_sector", "partnership")


def _ratio(a: float, b: float) -> float:
    return float(a) / float(b) if b else NAN


def _outcome_metrics(model: CommissioningModel, out: dict) -> None:
    t = model.tally
    referrals = t.referrals
    jo = int(t.jo_group.sum())
    out["referrals"] = referrals
    out["job_outcomes"] = jo
    out["job_outcome_rate"] = _ratio(jo, referrals)
    for k, name in enumerate(PAYMENT_GROUPS):
        out[f"job_outcome_rate_{name}"] = _ratio(t.jo_group[k], t.refs_group[k])
    out["job_outcome_rate_low_barrier"] = _ratio(t.jo_class[0], t.refs_class[0])
    out["job_outcome_rate_high_barrier"] = _ratio(t.jo_class[2], t.refs_class[2])
    # With the programme, attached claimants reach the threshold exactly when they
    # earn a job outcome; the others live as in the no-programme world.
    additional = jo - t.cf_attached
    out["no_programme_outcome_rate"] = _ratio(t.cf_outcomes, referrals)
    out["additional_job_outcome_rate"] = _ratio(additional, referrals)
    out["additional_job_outcomes"] = additional
    out["support_ratio_easy_to_hard"] = _ratio(
        _ratio(t.spend_class[0], t.attached_class[0]), _ratio(t.spend_class[2],
                                                              t.attached_class[2]))
    out["job_start_rate"] = _ratio(t.ever_started, referrals)
    out["parked_share"] = _ratio(t.weeks_parked, t.weeks_searching)
    out["queued_share"] = _ratio(t.weeks_queued, t.weeks_searching)
    out["job_starts"] = t.job_starts
    out["third_sector_supported_rate"] = _ratio(t.vcs_supported, t.attachments)
    week = model.steps - 1  # the last week simulated
    for i, weeks in enumerate(SUSTAINED_WEEKS):
        upto = max(week - weeks + 1, 0)  # starts observed for `weeks` weeks
        out[f"job_starts_sustained_{weeks}_weeks"] = _ratio(
            t.sustained_by_week[i, :upto].sum(), t.starts_by_week[:upto].sum())


def outcome_rate_by_referral_year(model: CommissioningModel) -> dict[str, float | None]:
    """Calendar year of referral -> job outcome rate of that year's referrals whose weeks
    on programme have ended (None for a year with none yet)."""
    c = model.claimants
    referred = int(np.searchsorted(c.referral_week, c.referral_week.dtype.type(
        model.steps - 1), side="right"))  # in the array's type: no int64 copy of it
    # Counted by referral week first: a year's claimants are its weeks' (at national
    # scale, arrays of a number per claimant took 38 MiB at the end of a run).
    weeks = c.referral_week[:referred]  # ascending: ids follow referral order
    week = np.arange(int(weeks[-1]) + 1 if referred else 0, dtype=weeks.dtype)
    bounds = np.searchsorted(weeks, np.append(week, week.dtype.type(len(week))))
    referrals = np.diff(bounds)
    reached = c.job_outcome_week[:referred] >= 0
    outcomes = np.array([np.count_nonzero(reached[a:b]) for a, b in
                         zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)], np.int64)
    years = model.calendar.years(week)
    done = week + model.programme_weeks <= model.steps
    out: dict[str, float | None] = {}
    for year in np.unique(years[referrals > 0]):
        mine = (years == year) & done
        n = int(referrals[mine].sum())  # the mean of whole counts: the same number
        out[str(int(year))] = int(outcomes[mine].sum()) / n if n else None
    return out


class _Groups:
    """Which organisations each provider metric reads: fixed for a run (who is a
    subcontractor, third sector, held a contract...), so found once, not every week."""

    def __init__(self, model: CommissioningModel):
        providers = model.providers
        self.providers = providers
        self.subs = [o for o in providers if isinstance(o, Subcontractor)]
        self.vcs = [o for o in self.subs if o.third_sector]
        # Providers that held any contract: all but specialists no contract holder listed.
        self.held = [not (model.is_specialist[o.index] and not model.contracted[o.index])
                     for o in providers]
        self.small = np.flatnonzero(model.small_provider)
        self.subs_rows = np.array([o.index for o in self.subs], np.int64)
        self.vcs_rows = np.array([o.index for o in self.vcs], np.int64)
        self.primes = np.array([o.index for o in providers if o.kind == "prime"], np.int64)
        self.large = np.array([o.index for o in providers
                               if isinstance(o, Prime | LargeProvider)], np.int64)
        self.partnerships = np.array([o.index for o in providers
                                      if isinstance(o, LocalPartnership)], np.int64)
        self.case_subs = [o.index for o in self.subs if o.role == CASE_HOLDER]
        self.rows = np.array([o.index for o in providers], np.int64)
        self.held_rows = self.rows[np.array(self.held, bool)]
        # Third-sector subcontractors: which hold cases, and their places (fixed at set-up).
        self.vcs_case = np.array([o.role == CASE_HOLDER for o in self.vcs], bool)
        self.vcs_capacity = np.array([o.capacity for o in self.vcs], float)
        self.case_capacity = sum(o.capacity for o in providers if o.role == CASE_HOLDER)


class _Flags:
    """Each organisation's state, by account row, read from the providers once for all
    the metrics: exited insolvent, and still active (neither insolvent nor withdrawn);
    with the counts and rows the metrics take of them (kept as long as the flags)."""

    def __init__(self, model: CommissioningModel, groups: _Groups):
        n = len(model.orgs)
        self.insolvent, self.active = np.zeros(n, bool), np.zeros(n, bool)
        self.insolvent[groups.rows] = [o.insolvent_week is not None for o in groups.providers]
        self.active[model.live_providers()] = True
        self._counts: dict[int, tuple[np.ndarray, int]] = {}
        self._active_rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def insolvent_in(self, rows: np.ndarray) -> int:
        kept = self._counts.get(id(rows))
        if kept is None or kept[0] is not rows:
            kept = self._counts[id(rows)] = (rows, int(self.insolvent[rows].sum()))
        return kept[1]

    def active_of(self, rows: np.ndarray) -> np.ndarray:
        """Those of `rows` still active."""
        kept = self._active_rows.get(id(rows))
        if kept is None or kept[0] is not rows:
            kept = self._active_rows[id(rows)] = (rows, rows[self.active[rows]])
        return kept[1]


def _flags(model: CommissioningModel, groups: _Groups) -> _Flags:
    """The week's `_Flags`, read again from the providers only after an exit or a
    withdrawal (the only ways a provider's flags change)."""
    key = (groups, len(model.exits), len(model.withdrawals))
    cached = model.__dict__.get("_metric_flags")
    if cached is None or cached[0] != key:
        cached = model._metric_flags = (key, _Flags(model, groups))
    return cached[1]


def _groups(model: CommissioningModel) -> _Groups:
    groups = model.__dict__.get("_metric_groups")
    if groups is None or groups.providers is not model.providers:
        groups = model._metric_groups = _Groups(model)
    return groups


def _median(values: np.ndarray) -> float:
    """`np.median` of a small array, without its overhead: the middle value, or the mean
    of the two middle values (summed, then halved, as numpy does, in the same doubles);
    NaN if any is NaN."""
    listed = values.tolist()
    if any(v != v for v in listed):  # NaN
        return NAN
    ordered = sorted(listed)
    n = len(ordered)
    middle = n // 2
    return float(ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2)


def _kept(acc, rows: np.ndarray) -> float:
    """Revenue less payments passed on, summed over `rows` one by one in order (as a
    Python sum over the organisations adds them)."""
    return sum(acc.revenue[rows] - acc.paid_out[rows])


def _provider_metrics(model: CommissioningModel, out: dict, flags: _Flags) -> None:
    acc, groups = model.accounts, _groups(model)
    subs = groups.subs
    out["providers_insolvent"] = flags.insolvent_in(groups.rows)
    out["subcontractors_insolvent"] = flags.insolvent_in(groups.subs_rows)
    out["third_sector_insolvent"] = flags.insolvent_in(groups.vcs_rows)
    out["providers_insolvent_share"] = _ratio(flags.insolvent_in(groups.held_rows),
                                              len(groups.held_rows))
    out["providers_withdrawn"] = len(model.withdrawals)
    small = groups.small
    lowest = model.lowest_cash[small] / np.maximum(model.operating_cost[small], 1e-9)
    out["small_providers_lowest_cash"] = _median(lowest) if len(small) else NAN
    out["provider_funds_used"] = float(acc.funds_used()[1:].sum())
    got = model.referrals_matrix.sum(axis=0)
    out["share_subcontractors_no_referrals"] = _ratio(
        int((got[groups.subs_rows] == 0).sum()), len(subs))
    total = acc.commissioner_paid
    out["total_spend"] = float(total)
    out["cost_per_job_outcome"] = _ratio(total, out["job_outcomes"])
    out["resources_per_job_outcome"] = _ratio(total + out["provider_funds_used"],
                                              out["job_outcomes"])
    episodes = int(model.episodes_started.sum())
    out["specialist_fee_per_episode"] = _ratio(acc.booked_out[:, SPECIALIST_FEE].sum(),
                                               episodes)
    extra = out["additional_job_outcomes"]
    out["cost_per_additional_job_outcome"] = _ratio(total, extra) if extra > 0 else NAN
    third = sum(acc.revenue[groups.vcs_rows])
    primes = _kept(acc, groups.primes)
    large = _kept(acc, groups.large)
    partnerships = _kept(acc, groups.partnerships)
    out["third_sector_share_of_spend"] = _ratio(third, total)
    case_subs = groups.case_subs
    out["subcontractor_income_vs_expected"] = _ratio(acc.revenue[case_subs].sum(),
                                                     model.expected_income[case_subs].sum())
    out["prime_share_of_spend"] = _ratio(primes, total)
    out["large_provider_share_of_spend"] = _ratio(large, total)
    vcs = groups.vcs
    out["share_third_sector_no_referrals"] = _ratio(int((got[groups.vcs_rows] == 0).sum()),
                                                    len(vcs))
    _third_sector_finances(model, groups, flags, got, out)
    out["partnership_share_of_spend"] = _ratio(partnerships, total)


def _third_sector_finances(model: CommissioningModel, groups: _Groups, flags: _Flags,
                           got: np.ndarray, out: dict) -> None:
    """How third-sector subcontractors are faring (the NCVO survey's questions, C20-C22).

    - far fewer referrals: some, but under half of what their capacity was planned for
      (a case holder's share of attachments so far; a specialist's places kept full).
      Read as the survey's answers are, exclusive of "none" (C19): 33 with none and 47
      with far fewer make 80 of 98;
    - subsidising: cash below their starting reserves (losing money on the contract);
    - at risk: exited, or still losing money on the contract (cash lower than 13 weeks
      ago): the contract, if not the organisation, is failing.
    """
    week = max(model.steps - 1, 0)
    acc, p, rows = model.accounts, model.p, groups.vcs_rows
    expected = np.where(
        groups.vcs_case,
        model.tally.attachments * groups.vcs_capacity / max(groups.case_capacity, 1e-9),
        groups.vcs_capacity * (week + 1) / p["specialist_episode_weeks"])
    far_fewer = int(((got[rows] > 0) & (got[rows] < 0.5 * expected)).sum())
    cash = acc.cash[rows]
    subsidising = int((cash < acc.reserves[rows]).sum())
    losing = cash < model.cash_history[(week + 1) % len(model.cash_history), rows]
    at_risk = int((~flags.active[rows] | losing).sum())
    n = len(rows)
    out["third_sector_far_fewer_referrals"] = _ratio(far_fewer, n)
    out["third_sector_subsidising"] = _ratio(subsidising, n)
    out["third_sector_at_risk"] = _ratio(at_risk, n)


def _weekly_extras(model: CommissioningModel, out: dict, flags: _Flags) -> None:
    c, acc, pay = model.claimants, model.accounts, model.payments
    if model.fused:  # the same counts in one pass (the conservation check's, if it ran)
        from .claimant_kernels import census

        caseload, searching, earnable, parked, queued = census(
            model, model._lo, model._hi, fresh=False)[8:13]
        out["caseload"], out["searching"] = int(caseload), int(searching)
        out["parked_this_week"] = _ratio(parked, earnable)
        out["queued_for_specialist"] = int(queued)
    else:
        active = slice(model._lo, model._hi)  # everyone else is not referred yet, or done
        status = c.status[active]
        searching = status == SEARCHING
        out["caseload"] = int((searching | (status == IN_WORK)).sum())
        out["searching"] = int(searching.sum())
        # As parked_share: minimal support, no specialist, while an outcome can be earned.
        earnable = searching & (c.weeks_on_programme[active] + pay.first_outcome_weeks[
            c.group[active]] * pay.within_programme < model.programme_weeks)
        parked = earnable & (c.support[active] == 0) & (c.episode_provider[active] < 0)
        out["parked_this_week"] = _ratio(parked.sum(), earnable.sum())
        out["queued_for_specialist"] = int(((c.episode_provider[active] >= 0)
                                            & (c.episode_end[active] < 0)).sum())
    out["in_specialist_episode"] = int(model.in_episode.sum())
    out["vacancy_ratio"] = float(model.labour_market.area_ratio(max(model.steps - 1, 0)))
    paid_by_kind = acc.received.sum(axis=0)
    for kind, name in enumerate(PAYMENT_KINDS):
        out[f"paid_{name}"] = float(paid_by_kind[kind])
    out["cancelled_payments"] = float(acc.cancelled)
    for kind, rows in _rows_by_kind(model).items():
        cash = acc.cash[flags.active_of(rows)]  # not exited or withdrawn
        out[f"cash_median_{kind}"] = _median(cash) if len(cash) else NAN
        out[f"cash_min_{kind}"] = float(np.min(cash)) if len(cash) else NAN
        out[f"insolvent_{kind}"] = flags.insolvent_in(rows)


def _rows_by_kind(model: CommissioningModel) -> dict[str, np.ndarray]:
    """Account rows of the providers of each kind in CASH_KINDS (fixed for a run)."""
    rows = model.__dict__.get("_rows_by_kind")
    if rows is None:
        rows = model._rows_by_kind = {kind: np.array(
            [o.index for o in model.providers if o.kind == kind], np.int64)
            for kind in CASH_KINDS}
    return rows


def snapshot(model: CommissioningModel) -> dict[str, float]:
    """Every metric at the model's current week (cached for the week)."""
    cached = getattr(model, "_snapshot", None)
    if cached is not None and cached[0] == model.steps:
        return cached[1]
    out: dict[str, float] = {"weeks": model.steps}
    _outcome_metrics(model, out)
    flags = _flags(model, _groups(model))
    _provider_metrics(model, out, flags)
    _weekly_extras(model, out, flags)
    model._snapshot = (model.steps, out)
    return out


#: Metric keys of `run --json`, in order (the contract with users and tests).
FINAL_KEYS: tuple[str, ...] = (
    "weeks", "referrals", "job_outcome_rate",
    *(f"job_outcome_rate_{g}" for g in PAYMENT_GROUPS),
    "job_outcome_rate_low_barrier", "job_outcome_rate_high_barrier",
    "additional_job_outcome_rate", "support_ratio_easy_to_hard",
    "providers_insolvent", "subcontractors_insolvent", "third_sector_insolvent",
    "share_subcontractors_no_referrals", "total_spend", "cost_per_job_outcome",
    "cost_per_additional_job_outcome", "third_sector_share_of_spend", "prime_share_of_spend",
    # Beyond the required set:
    "job_outcomes", "job_start_rate", "no_programme_outcome_rate", "parked_share",
    "partnership_share_of_spend", "large_provider_share_of_spend",
    "share_third_sector_no_referrals",
    # The honest comparison (issue 12): parking apart from queues, cash stress in
    # size-free units, and every pound spent whoever's it was.
    "queued_share", "providers_insolvent_share", "providers_withdrawn",
    "small_providers_lowest_cash", "provider_funds_used", "resources_per_job_outcome",
    "specialist_fee_per_episode",
    # Real programmes (issue 13): how long jobs last.
    *(f"job_starts_sustained_{w}_weeks" for w in SUSTAINED_WEEKS),
)
#: Metrics of `run --json` that are mappings, not numbers (after FINAL_KEYS; not in the
#: flat rows of sweeps and comparisons).
MAPPING_KEYS: tuple[str, ...] = ("job_outcome_rate_by_referral_year",)


def final_metrics(model: CommissioningModel) -> dict[str, float]:
    snap = snapshot(model)
    return {k: snap[k] for k in FINAL_KEYS}


def mapping_metrics(model: CommissioningModel) -> dict[str, dict]:
    """The MAPPING_KEYS metrics."""
    return {"job_outcome_rate_by_referral_year": outcome_rate_by_referral_year(model)}


def _reporter(name: str, model: CommissioningModel) -> float:
    return snapshot(model)[name]


WEEKLY_KEYS: tuple[str, ...] = (
    *FINAL_KEYS, "caseload", "searching", "parked_this_week", "queued_for_specialist",
    "in_specialist_episode", "vacancy_ratio", "third_sector_far_fewer_referrals",
    "third_sector_subsidising", "third_sector_at_risk", "job_starts",
    "third_sector_supported_rate", "subcontractor_income_vs_expected",
    *(f"paid_{k}" for k in PAYMENT_KINDS), "cancelled_payments",
    *(f"{stat}_{kind}" for kind in CASH_KINDS for stat in ("cash_median", "cash_min",
                                                            "insolvent")),
)
WEEKLY_REPORTERS = {name: partial(_reporter, name) for name in WEEKLY_KEYS}


class WeeklyCollector(mesa.DataCollector):
    """Mesa's DataCollector, taking the weekly metrics from one snapshot at once.

    Mesa calls each of the 76 reporters and deep-copies what it returns (numbers,
    which copy to themselves): a fifth of a small run's weekly fixed cost. With exactly
    `WEEKLY_REPORTERS` and no agent reporters, the same values are appended to the same
    lists in the same order from the week's snapshot; anything else goes Mesa's way."""

    def collect(self, model) -> None:
        reporters = self.model_reporters
        if (self.agent_reporters or self.agenttype_reporters
                or len(reporters) != len(WEEKLY_REPORTERS)
                or any(WEEKLY_REPORTERS.get(k) is not r for k, r in reporters.items())):
            super().collect(model)
            return
        snap = snapshot(model)
        for name, values in self.model_vars.items():
            values.append(snap[name])

"""The commissioning model: one week of welfare-to-work delivery per step.

Build it from keyword arguments (every parameter in `parameters.py` has a
default) or from a scenario file, then step it:

    model = CommissioningModel(scenario="scenarios/locality.toml", seed=7, claimants=5000)
    model.run_model()
    model.metrics()

One week, in order (the ODD "process overview"):

 0. decisions a game's players took in place of rules, if any (`decisions.py`);
 1. labour market: each locality's vacancies this week;
 2. providers read their cash: how freely each can spend this week;
 3. referral: this week's claimants are referred, attach, and are allocated
    to a contract holder and a case holder; attachment fees are booked;
 4. specialist episodes: finished ones treat a barrier; queues are admitted
    within staffed places; running episodes cost their specialist;
 5. specialist referrals: by the contract holder's rule (expected value or
    assessed need) claimants join a specialist's queue;
 6. support: each case holder chooses each searching claimant's support level;
    expected-value buyers review which integration services pay (quarterly);
 7. costs: support, fixed costs, integration services and overdraft interest;
 8. employment: jobs end, milestones are earned and paid, jobs are found;
    the no-programme world moves on the same random numbers;
 9. programme clock: service fees, and exits after 104 weeks;
10. settlement: payments falling due are made; contract holders' overheads
    (a share of what they receive) are charged;
11. solvency: providers past their overdraft limit exit and hand on claimants;
    each half-year, subcontractors losing more than they tolerate leave;
12. contract year end: market share shift between primes;
13. accounting checks (money and claimants conserved), then data collection.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np

from commissioning.agents import ClaimantPopulation, Commissioner, ContractHolder
from commissioning.agents.claimant import (
    IN_WORK,
    IN_WORK_AFTER,
    LEFT,
    NOT_ATTACHED,
    NOT_YET_REFERRED,
    SEARCHING,
    Claimant,
)
from commissioning.agents.provider import (
    CASE_HOLDER,
    HOLDER,
    MAX_HURDLE,
    SAFETY_WEEKS,
    SPECIALIST,
    Provider,
)

from . import (
    calendar,
    claimant_kernels,
    employment,
    insolvency,
    integration_services,
    parallel,
    referrals,
    specialist_services,
    supply_chain,
)
from .accounts import (
    FIXED,
    INTEREST,
    OVERHEAD,
    SPECIALIST_FEE,
    SPECIALIST_OUTCOME,
    SUPPORT,
    AccountingError,
    Accounts,
    PairTotals,
)
from .decisions import Decision, Decisions, check_schedule
from .employment import SUSTAINED_WEEKS
from .job_retention import loss_table, survival_table
from .labour_market import LabourMarket
from .metrics import WEEKLY_REPORTERS, WeeklyCollector, final_metrics, mapping_metrics
from .parameters import PAYMENT_GROUPS
from .payment_rules import PaymentSchedule
from .random_streams import RandomStreams
from .referral_network import build_network, sync_network
from .scenario import Scenario, load_scenario, validate_params
from .support_decisions import (
    barrier_factors,
    choose_support,
    seen_factors,
    support_costs,
    support_multipliers,
    support_wanted,
)

#: Weeks of cash kept: 13 weeks back plus this week (third_sector_at_risk, ODD 7.21).
CASH_RING = 14


def referred_by(referral_week: np.ndarray, week: int) -> int:
    """How many claimants are referred in or before `week` (ids follow referral order).

    The week is given in the array's own integer type: with a Python int numpy converts
    the whole array to int64 first, milliseconds a call at national scale."""
    return int(np.searchsorted(referral_week, referral_week.dtype.type(week), side="right"))


class Tally:
    """Running counts for the metrics, so a week's snapshot costs nothing per claimant."""

    def __init__(self, groups: int, weeks: int):
        self.referrals = self.attachments = self.job_starts = 0
        self.refs_group = np.zeros(groups, np.int64)
        self.jo_group = np.zeros(groups, np.int64)
        self.refs_class = np.zeros(3, np.int64)  # by barrier class: 0-1, 2, 3+
        self.attached_class = np.zeros(3, np.int64)
        self.jo_class = np.zeros(3, np.int64)
        self.spend_class = np.zeros(3)  # £ support on attached claimants
        self.cf_outcomes = self.cf_attached = 0  # no-programme outcomes (all, attached)
        self.ever_started = 0  # claimants with at least one job start
        self.earned_group = np.zeros(groups)  # £ the commissioner owes, by payment group
        # £ owed within two years of referral, by [payment group, referral week]: funding
        # per participant for any cohort, without a number per claimant
        self.earned_two_years = np.zeros((groups, weeks + 1))
        self.vcs_supported = 0  # attached claimants with a third-sector case holder or episode
        # searching weeks in which a job outcome can still be earned, and of those the
        # weeks parked (minimal support, no specialist) and queued (waiting for one)
        self.weeks_searching = self.weeks_parked = self.weeks_queued = 0
        self.referrals_declined = 0  # specialist referrals a specialist would not take
        # Job starts by the week they started, and of those the ones that lasted 13, 26
        # and 52 weeks (counted when they get there): sustained shares per start week.
        self.starts_by_week = np.zeros(weeks + 1, np.int64)
        self.sustained_by_week = np.zeros((len(SUSTAINED_WEEKS), weeks + 1), np.int64)


class CommissioningModel(mesa.Model):
    """Welfare-to-work commissioning: two-tier payment by results or locality partnerships.

    Args:
        scenario: a scenario file (path or shipped name) or `Scenario`; its
            values are the starting point for the keyword arguments.
        seed: seed of every random stream; the same seed gives the same
            claimants, labour markets and chances in any regime.
        **kwargs: any parameter by name (see `commissioning parameters`),
            e.g. `regime="locality"`, `claimants=5000`, `attachment_fee=0`.
    """

    def __init__(self, scenario: str | Path | Scenario | None = None,
                 seed: int | None = None, decisions: Sequence[Decision] | None = None,
                 **kwargs: Any):
        # (named **kwargs: Mesa's SolaraViz accepts a model class only with that name)
        params = dict(kwargs)
        if scenario is not None and not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if isinstance(scenario, Scenario):
            base, source = scenario.params, str(scenario.path or scenario.name)
            if decisions is None:  # decisions the scenario file takes in place of rules
                decisions = check_schedule(list(scenario.decisions), source)
        else:
            base, source = None, "CommissioningModel()"
        if seed is not None:
            params["seed"] = seed
        self.p = validate_params(params, source, base)
        super().__init__(seed=self.p["seed"])
        p = self.p
        self.scenario_name = source
        self.streams = RandomStreams(p["seed"])
        self.calendar = calendar.Calendar.of(p)
        self.programme_weeks = p["programme_weeks"]
        self.claimants = ClaimantPopulation(p, self.streams.generator("population"))
        self.mean_barriers = referrals.group_mean_barriers(self.claimants)
        self.labour_market = LabourMarket.draw(p, self.streams.generator("labour_market"))
        self.payments = PaymentSchedule(p, self._forecast_mix())
        self.job_loss = loss_table(p)  # [group, weeks in the job]
        self.job_survival = survival_table(self.job_loss)
        self.accounts = Accounts()
        self.commissioner = Commissioner(self)
        supply_chain.build(self)
        self.accounts.freeze()
        self.claimants.hold_cases(len(self.accounts.owners))
        self._index_organisations()

        self.support_multiplier = support_multipliers(p)
        self.barrier_factor = barrier_factors(p)  # [barriers, treated]
        self.seen_factor = seen_factors(p, self.claimants.take_readiness())
        self.fused = claimant_kernels.use_numba(p["claimants"])  # numba, or numpy passes
        self.streams.compiled = self.fused  # a few claimants' numbers drawn in a loop
        self.threads = parallel.threads_for(  # how long a run takes, not what it finds
            p["claimants"], self.fused, claimant_kernels.many_runs_expected())
        self.heap_back = p["claimants"] >= claimant_kernels.HEAP_BACK_FROM  # weekly
        if self.fused:  # a booking in one compiled pass (the same numbers)
            from ._fused_numba import book_one_week

            self.accounts.compiled = book_one_week
        self.support_cost = support_costs(p)
        # £ expected per job outcome: [payment group, need group]
        self.outcome_stream_value = self.payments.outcome_stream_value(self.job_survival)
        self.vacancy_factor = self.labour_market.hazard_factor(0)
        self.tally = Tally(len(PAYMENT_GROUPS), p["weeks"])
        self.exits: list[tuple[int, str, str]] = []  # insolvencies: (week, name, kind)
        self.withdrawals: list[tuple[int, str, str]] = []  # left their contracts by choice
        # (contract year, holder, payment group, referrals, job outcomes): the MPL measure
        self.performance_history: list[tuple[int, str, str, int, int]] = []
        self.in_house_carry: dict[int, float] = {}
        # Per contract holder and locality: its case-holder options and their shares,
        # worked out again only when the options are (`referrals._case_plan`).
        self.case_shares: dict[int, list] = {}
        self.specialist_shares: dict[int, tuple] = {}  # key -> (options, shares)
        self._lo = self._hi = 0
        self.network = build_network(self)
        self.decisions = Decisions(self, decisions or ())  # none taken: every rule decides

        self.datacollector = WeeklyCollector(model_reporters=WEEKLY_REPORTERS)
        self.running = p["weeks"] > 0
        self.datacollector.collect(self)

    # --- set-up ---------------------------------------------------------------

    def _forecast_mix(self) -> np.ndarray:
        """The commissioner's forecast of its participants by payment group and need group
        (the referrals it expects, weighted by their chance to start): what it prices on."""
        c = self.claimants
        chance = referrals.attachment_chance(self.p, c.group, c.n_barriers, self.mean_barriers)
        flat = c.group.astype(np.int64) * 3 + c.barrier_class
        return np.bincount(flat, weights=chance, minlength=3 * len(PAYMENT_GROUPS)).reshape(
            len(PAYMENT_GROUPS), 3)

    def outcome_stream(self, ids: np.ndarray) -> np.ndarray:
        """£ of outcome payments each claimant's job outcome is expected to bring in all."""
        c = self.claimants
        return self.outcome_stream_value[c.group[ids], c.barrier_class[ids]]

    def _index_organisations(self) -> None:
        """Per-organisation arrays that the weekly array processes read."""
        self.orgs: list = self.accounts.owners
        self.providers: list[Provider] = [o for o in self.orgs if isinstance(o, Provider)]
        n, G, L = len(self.orgs), len(PAYMENT_GROUPS), self.p["localities"]

        def column(attr: str, default: float = 0.0, dtype=float) -> np.ndarray:
            return np.array([getattr(o, attr, default) for o in self.orgs], dtype=dtype)

        self.capacity = column("capacity")
        self.overdraft_limit = column("overdraft_limit")  # fixed when a provider is made
        self.fixed_cost = column("fixed_cost")
        self.staffed_to_plan = np.array([getattr(o, "role", -1) == CASE_HOLDER or
                                         (getattr(o, "role", -1) == HOLDER and o.capacity > 0)
                                         for o in self.orgs])
        self.overhead_share = column("overhead_share")
        self.mission_value = column("mission_value")
        self.attachment_pass_through = column("attachment_pass_through")
        self.outcome_pass_through = column("outcome_pass_through")
        self.payment_lag = column("payment_lag", 0, np.int64)
        self.specialist_fee = column("specialist_fee")
        self.specialist_outcome_share = column("specialist_outcome_share")
        self.assessment_cost = column("assessment_cost")
        self.need_rule = np.array([isinstance(o, ContractHolder) and
                                   o.decides_specialist_referrals() for o in self.orgs])
        self.holder_index = np.array([h.index for h in self.holders], np.int64)
        self.holder_active = np.ones(len(self.holders), bool)
        self.market_shares = np.full((len(self.holders), G), 1.0 / len(self.holders))
        self.allocation_by_locality = self.p["regime"] == "locality"
        self.holder_of_locality = np.array(
            [h.index for h in self.holders] if self.allocation_by_locality else
            [self.holders[0].index] * L, np.int64)
        self.is_specialist = np.array([getattr(o, "role", -1) == SPECIALIST for o in self.orgs])
        # A specialist on some contract holder's list staffs the places it was contracted
        # for, then follows demand; one on no list (named in a bid, never used) staffs none.
        listed = {s.index for h in self.holders for s in h.specialists}
        self.contracted = np.array([o.index in listed for o in self.orgs]) & self.is_specialist
        self.staffed = np.where(self.contracted, self.capacity, 0.0)  # specialist places staffed
        self.third_sector = np.array([getattr(o, "sector", "") == "third_sector"
                                      for o in self.orgs])
        self.expected_income = np.zeros(n)  # £ case holders can expect at priced outcomes
        self.planned_income = np.zeros(n)  # £ contract holders expect to keep (their budget)
        # Cash at the end of each of the last 14 weeks, a ring: the oldest slot, read after
        # a week's end, is the cash 13 weeks before (the starting cash until then).
        self.cash_history = np.tile(self.accounts.cash, (CASH_RING, 1))
        self.in_episode = np.zeros(n, np.int64)
        self.episodes_started = np.zeros(n, np.int64)
        self.cases_received = np.zeros(n, np.int64)
        self.referrals_matrix = PairTotals(n, np.int64)  # claimants referred, a -> b
        self.year_referrals = np.zeros((n, G), np.int64)
        self.year_outcomes = np.zeros((n, G), np.int64)
        self.rationing_hurdle = np.zeros(n)
        self.cash_room = np.ones(n)
        self.funding_room = np.ones(n)
        self.spending_headroom = np.full(n, np.inf)
        # Subcontractors and third-sector organisations that hold a contract: tier-1
        # case holders and listed specialists (the small providers of the cash-flow story).
        self.small_provider = np.array(
            [isinstance(o, Provider) and o.kind in ("subcontractor", "third_sector")
             and (o.role == CASE_HOLDER or o.index in listed) for o in self.orgs])
        self.operating_cost = column("operating_cost")  # these three fixed at set-up too
        self.cash_buffer = column("cash_buffer")
        self._live = (None, np.zeros(0, np.int64))  # `live_providers`
        self.lowest_cash = self.accounts.cash.copy()  # each organisation's lowest cash so far
        self.earned_mark = np.zeros(n)  # income and costs at the last contract review
        self.spent_mark = np.zeros(n)
        self.refresh_networks()
        integration_services.set_up(self)

    def refresh_networks(self) -> None:
        """Rebuild who can refer to whom after set-up or an exit."""
        L, nb = self.p["localities"], 8
        n = len(self.orgs)
        self._case_options: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
        self.specialist_options: dict[int, np.ndarray] = {}
        self.reachable_barriers = np.zeros((n, L), np.uint8)
        for h in self.holders:
            self.holder_active[list(self.holder_index).index(h.index)] = h.active
            for spec in h.specialists:
                if spec.active and spec.capacity > 0:
                    key = (h.index * L + spec.locality) * nb + spec.barrier
                    self.specialist_options.setdefault(key, [])
                    self.specialist_options[key].append(spec.index)
                    self.reachable_barriers[h.index, spec.locality] |= np.uint8(1 << spec.barrier)
        self.specialist_options = {k: np.array(sorted(v), np.int64)
                                   for k, v in self.specialist_options.items()}

    def case_holder_options(self, holder: int, locality: int) -> tuple[np.ndarray, np.ndarray]:
        """Case holders a contract holder can use in a locality, and their weights.

        A prime's own in-house team comes first (weighted by its share of the
        locality); then the active case holders serving that locality.
        """
        key = (holder, locality)
        if key not in self._case_options:
            h = self.orgs[holder]
            L = self.p["localities"]
            orgs, weights = [], []
            for org in h.case_holders:
                if not org.active or org.locality not in (-1, locality):
                    continue
                if org is h and h.capacity <= 0:
                    continue  # a partnership holds cases only when a partner exits
                orgs.append(org.index)
                weights.append(org.capacity / L if org.locality == -1 else org.capacity)
            orgs, weights = self.decisions.case_holder_weights(holder, orgs, weights)
            if not orgs:
                orgs, weights = [holder], [1.0]
            self._case_options[key] = (np.array(orgs, np.int64), np.array(weights, float))
        return self._case_options[key]

    # --- the week -------------------------------------------------------------

    def step(self) -> None:
        """Advance one week."""
        week = self.steps - 1  # Mesa counts the step before running it
        lo, hi = self._active_range(week)
        # Claimants still within their weeks on programme: only they can be searching or
        # in work on programme, so the passes about those look no further back.
        on = max(lo, referred_by(self.claimants.referral_week, week - self.programme_weeks))
        new_lo = self._hi
        self._hi = hi
        self.decisions.start_week(week)  # decisions taken in place of rules (a game's)
        self.vacancy_factor = self.labour_market.hazard_factor(week)  # 1
        self._read_cash()  # 2

        def take_in() -> None:
            referrals.intake(self, week, new_lo, hi)  # 3
            specialist_services.run_episodes(self, week)  # 4

        # The searching, those already in play listed alongside `take_in` (see there)
        searching = claimant_kernels.searching_listed(self, on, new_lo, hi, take_in)
        c = self.claimants
        # The services the week's hazards are taken with (the review below buys for next week)
        services = np.copy(self.service_hazard)
        # Hazards and the support rule's levels in one pass (the levels read nothing
        # that specialist referrals change; budgets and players' choices come after).
        true, seen, level, best = claimant_kernels.searching_week(self, searching)
        # What the rule's levels cost over minimal support added up in another thread (if
        # there is one) while the referrals are decided: they change neither the levels
        # nor the case holders.
        _, wanted = parallel.alongside(
            partial(specialist_services.refer, self, week, searching, seen),  # 5
            partial(support_wanted, self, searching, level), self.threads)
        support = choose_support(self, searching, seen, (level, best), wanted)  # 6
        claimant_kernels.put(self, c.support, searching, support)
        # Each of these is a number per searching claimant (megabytes at national scale):
        # let go as soon as the week is done with it.
        del seen, level, best, support
        # The services reviewed, the parked counted and the week's support costs added up
        # (booked after, as before): none reads what another writes (see there).
        support_costs = self._review_costs_and_parking(week, on, hi, searching)
        self._charge_weekly_costs(week, on, hi, support_costs)  # 7
        integration_services.charge(self, searching, lo, hi)
        self._charge_interest()
        bookings = employment.work_and_search(self, week, lo, on, hi, searching, true,
                                              services)  # 8 (milestones earned, to book)
        del searching, true, services
        specialist_services.leave_queues(self)
        employment.programme_clock(self, week, on, hi, bookings)  # 9 (booked first)

        def settle_and_review() -> None:
            self._settle(week)  # 10
            self.cash_history[week % CASH_RING] = self.accounts.cash
            np.minimum(self.lowest_cash, self.accounts.cash, out=self.lowest_cash)
            insolvency.check_solvency(self, week)  # 11
            insolvency.review_contracts(self, week)
            self._contract_year_end(week)  # 12

        if self.p["check_accounts"]:  # 13, the claimants counted meanwhile (see there)
            self.check_conservation(meanwhile=settle_and_review)
        else:
            settle_and_review()
        self.running = week + 1 < self.p["weeks"]
        self.datacollector.collect(self)
        if self.heap_back:
            claimant_kernels.give_back_heap()

    def _active_range(self, week: int) -> tuple[int, int]:
        """Claimant ids still in play: referred, and not yet finished in either world."""
        c = self.claimants
        hi = referred_by(c.referral_week, week)
        if week % 4 == 0 and self._lo < self._hi and self.fused:  # the same, in one scan
            from ._fused_numba import first_in_play

            self._lo = int(first_in_play(
                self._lo, self._hi, week, c.status, c.episode_provider, c.cf_outcome,
                c.referral_week, int(self.programme_weeks), c.cf_in_work,
                employment.cf_extended(self), NOT_ATTACHED, LEFT))
        elif week % 4 == 0 and self._lo < self._hi:
            sl = slice(self._lo, self._hi)
            cf_done = c.cf_outcome[sl] | ((c.referral_week[sl] + self.programme_weeks <= week)
                                          & ~(c.cf_in_work[sl] & employment.cf_extended(self)))
            done = (np.isin(c.status[sl], (NOT_ATTACHED, LEFT)) & (c.episode_provider[sl] < 0)
                    & cf_done)
            self._lo += int(np.argmin(done)) if not done.all() else int(done.size)
        return self._lo, hi

    def _read_cash(self) -> None:
        # Each active provider's `cash_room`, `spending_headroom` and `rationing_hurdle`,
        # computed for all at once (the same arithmetic element by element: a loop of
        # method calls cost more than the rest of a small run's week).
        rows = self.live_providers()
        if len(rows):
            limit = self.overdraft_limit[rows]
            buffer = self.cash_buffer[rows]
            floor = -limit + SAFETY_WEEKS * self.operating_cost[rows]
            free = self.accounts.cash[rows] - self.accounts.payable[rows]
            backed = np.isinf(limit)
            span = buffer - floor
            narrow = span <= 1e-6
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.minimum(np.maximum((free - floor) / span, 0.0), 1.0)
            room = np.where(narrow, (free > floor).astype(float), room)
            room[backed] = 1.0
            self.cash_room[rows] = room
            self.spending_headroom[rows] = np.where(backed, np.inf,
                                                    np.maximum(free - floor, 0.0))
            with np.errstate(divide="ignore"):
                self.rationing_hurdle[rows] = np.where(room <= 1.0 / MAX_HURDLE, MAX_HURDLE,
                                                       (1.0 - room) / room)
        # A contract holder that buys by need plans within its budget: what it expects to
        # keep from its claimants' contract value, less what it has spent and committed.
        acc = self.accounts
        plan = self.need_rule & acc.active
        left = (self.planned_income - acc.costs.sum(axis=1)
                - acc.booked_out[:, SPECIALIST_FEE] - acc.booked_out[:, SPECIALIST_OUTCOME])
        self.spending_headroom[plan] = np.minimum(self.spending_headroom[plan],
                                                  np.maximum(left[plan], 0.0))
        # How far each payer can fund what it has asked for: its cash and, when it plans
        # by need, the budget it has left (a month's planned spending counts as plenty).
        self.funding_room[:] = self.cash_room
        month = np.maximum(4.0 * self.operating_cost[plan], 1e-9)
        self.funding_room[plan] = np.minimum(self.cash_room[plan],
                                             np.clip(left[plan] / month, 0.0, 1.0))

    def live_providers(self) -> np.ndarray:
        """Account rows of the providers still delivering, in the providers' order: found
        again only after an exit or a withdrawal (the only ways a provider stops)."""
        key = (len(self.exits), len(self.withdrawals))
        if self._live[0] != key:
            self._live = (key, np.array([o.index for o in self.providers if o.active],
                                        np.int64))
        return self._live[1]

    def _support_costs(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Fused: the week's support costs of claimants lo..hi-1 added up (each case
        holder's total and the spend by barrier class, each claimant's spend recorded), for
        `_charge_weekly_costs` to book; None for the numpy pass, which books as it goes."""
        if not self.fused:
            return None
        from ._fused_numba import support_costs

        c = self.claimants
        total, spend_class = np.zeros(len(self.accounts.cash)), np.zeros(3)
        support_costs(lo, hi, c.status, c.support, c.case_holder, c.barrier_class,
                      self.support_cost, SEARCHING, IN_WORK, c.support_spend, total,
                      spend_class)
        return total, spend_class

    def _review_costs_and_parking(self, week: int, lo: int, hi: int, searching: np.ndarray
                                  ) -> tuple[np.ndarray, np.ndarray] | None:
        """The quarterly review of services (`integration_services.review`), the parking
        counts (`_count_parking`) and, fused, the week's support costs of claimants
        lo..hi-1 added up (`_support_costs`, returned for `_charge_weekly_costs` to book).

        None of the three reads what another writes (the review: the services bought from
        next week; the count: each claimant's own counts; the costs: each claimant's
        spend), so fused the costs and the parts of the count are taken in turn by the
        threads while this one reviews."""
        review = partial(integration_services.review, self, week, searching)
        if not self.fused:
            review()
            self._count_parking(searching)
            return None
        _, (costs, *counts) = parallel.taken_in_turn(
            [partial(self._support_costs, lo, hi), *self._parking_parts(searching)],
            self.threads, first=review)
        self._add_parking(counts)
        return costs

    def _charge_weekly_costs(self, week: int, lo: int, hi: int,
                             support_costs: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Fixed costs, then support costs (`support_costs` as `_support_costs` added them
        up, if it has: fused)."""
        c, acc = self.claimants, self.accounts
        live = acc.active.copy()
        live[0] = False
        staffing = np.where(self.staffed_to_plan, self.staffing_path[min(week, len(
            self.staffing_path) - 1)], 1.0)
        acc.charge(np.flatnonzero(live), (self.fixed_cost * staffing)[live], FIXED)
        if support_costs is not None:
            total, spend_class = support_costs
            acc.charge_totals(total, SUPPORT)
            self.tally.spend_class += spend_class
            return
        status = c.status[lo:hi]
        on = np.flatnonzero((status == SEARCHING) | (status == IN_WORK)) + lo
        level = np.where(c.status[on] == SEARCHING, c.support[on], 0)
        cost = self.support_cost[level]
        acc.charge(c.case_holder[on], cost, SUPPORT)
        self.add_support_spend(on, cost)

    def _count_parking(self, searching: np.ndarray) -> None:
        """Parked: minimal support from the case holder, no specialist episode running or
        awaited, while a job outcome can still be earned. Queued: waiting for a specialist.
        (A fused week counts the same in parts, among its threads: `_parking_parts`.)"""
        c = self.claimants
        earnable = (c.weeks_on_programme[searching] + self.payments.first_outcome_weeks[
            c.group[searching]] * self.payments.within_programme) < self.programme_weeks
        with_specialist = c.episode_provider[searching] >= 0
        queued = with_specialist & (c.episode_end[searching] < 0)
        parked = (c.support[searching] == 0) & ~with_specialist
        c.weeks_searching[searching] += earnable
        c.weeks_parked[searching] += parked & earnable
        c.weeks_queued[searching] += queued & earnable
        self.tally.weeks_searching += int(earnable.sum())
        self.tally.weeks_parked += int((parked & earnable).sum())
        self.tally.weeks_queued += int((queued & earnable).sum())

    def _parking_parts(self, searching: np.ndarray) -> list[Callable[[], tuple]]:
        """Fused: `_count_parking` as tasks, one a part of the searching (each claimant's
        own columns, and counts), to be added up in part order (`_add_parking`)."""
        from ._fused_numba import count_parking

        c, pay = self.claimants, self.payments
        edges = parallel.cut(0, len(searching), self.threads).tolist()
        return [partial(count_parking, searching[a:b], c.weeks_on_programme, c.group,
                        pay.first_outcome_weeks, int(bool(pay.within_programme)),
                        int(self.programme_weeks), c.episode_provider, c.episode_end,
                        c.support, c.weeks_searching, c.weeks_parked, c.weeks_queued)
                for a, b in itertools.pairwise(edges)]

    def _add_parking(self, counts: list[tuple]) -> None:
        """The parts' (searching, parked, queued) counts added to the tally."""
        self.tally.weeks_searching += sum(x[0] for x in counts)
        self.tally.weeks_parked += sum(x[1] for x in counts)
        self.tally.weeks_queued += sum(x[2] for x in counts)

    def _charge_interest(self) -> None:
        """Interest on every overdrawn balance: what carrying costs before payment costs."""
        acc = self.accounts
        rate = self.p["overdraft_interest_rate"] / 52
        owing = np.flatnonzero((acc.cash < 0) & acc.active)
        owing = owing[owing != 0]
        if len(owing) and rate > 0:
            acc.charge(owing, -acc.cash[owing] * rate, INTEREST)

    def add_support_spend(self, ids: np.ndarray, amount: np.ndarray | float) -> None:
        """Record money spent on attached claimants' support (for the creaming metrics)."""
        c = self.claimants
        # Added in float64 and then rounded to the float32 record, as numba's loop does
        c.support_spend[ids] += np.asarray(amount, np.float64)
        weights = np.full(ids.shape, amount) if np.ndim(amount) == 0 else amount
        self.tally.spend_class += np.bincount(c.barrier_class[ids], weights=weights, minlength=3)

    def _settle(self, week: int) -> None:
        """Make the payments due; contract holders' overheads go with what they receive."""
        acc = self.accounts
        before = acc.revenue.copy()
        acc.settle(week)
        received = acc.revenue - before
        charged = np.flatnonzero((self.overhead_share > 0) & acc.active & (received > 0))
        if len(charged):
            acc.charge(charged, self.overhead_share[charged] * received[charged], OVERHEAD)

    def _contract_year_end(self, week: int) -> None:
        if (week + 1) % 52:
            return
        year = (week + 1) // 52
        for h in self.holders:
            for g, group in enumerate(PAYMENT_GROUPS):
                self.performance_history.append(
                    (year, h.name, group, int(self.year_referrals[h.index, g]),
                     int(self.year_outcomes[h.index, g])))
        if not self.allocation_by_locality and year + 1 >= self.p["market_share_shift_start_year"]:
            rows = self.holder_index
            self.market_shares = self.commissioner.shift_market_share(
                self.market_shares, self.year_referrals[rows], self.year_outcomes[rows],
                self.holder_active, self.p["market_share_shift"])
        self.year_referrals[:] = 0
        self.year_outcomes[:] = 0

    # --- checks ---------------------------------------------------------------

    def check_conservation(self, everyone: bool | None = None,
                           meanwhile: Callable[[], None] | None = None) -> None:
        """Raise AccountingError if money or claimants appeared or vanished.

        Claimants outside the active window are not yet referred, or done (their
        status checked as they left it), and no weekly process touches them: the
        window is checked every week, every claimant each contract year and in the
        last week (`everyone`, by default then).

        `meanwhile()`: the week's steps before the check (settlement, solvency, contract
        reviews), run first; with the numba passes, while other threads count the
        claimants. Those steps change no claimant unless a provider leaves (its
        claimants handed on): then the claimants are counted again.
        """
        c = self.claimants
        week = self.steps - 1
        if everyone is None:
            everyone = (week + 1) % 52 == 0 or week + 1 >= self.p["weeks"]
        lo, hi = (0, c.n) if everyone else (self._lo, self._hi)
        counted = False
        if meanwhile is not None and self.fused:
            left = (len(self.exits), len(self.withdrawals))
            claimant_kernels.census(self, lo, hi, first=meanwhile)
            counted = (len(self.exits), len(self.withdrawals)) == left
        elif meanwhile is not None:
            meanwhile()
        self.accounts.check()
        referred = min(referred_by(c.referral_week, week), c.n)
        if self.tally.referrals != referred:
            raise AccountingError("referred claimants not all accounted for")
        status = c.status[lo:hi]
        if self.fused:  # one pass, kept for the week's metrics
            counts = claimant_kernels.census(self, lo, hi, fresh=not counted)
            counts, orphans = counts[:7] if counts[6] else counts[:6], counts[7]
        else:
            counts = np.bincount(status, minlength=6)
            on = np.flatnonzero((status >= SEARCHING) & (status <= IN_WORK_AFTER)) + lo
            holders = c.case_holder[on]
            orphans = (holders < 0).any() or not self.accounts.active[holders].all()
        if len(counts) > 6 or counts.sum() != hi - lo:
            raise AccountingError("claimant states do not add up to the population")
        # Ids follow referral order: the referred are ids below `referred`, the rest wait.
        waiting = counts[NOT_YET_REFERRED]
        if waiting != max(hi - max(lo, referred), 0) or (
                waiting and (status[max(referred - lo, 0):] != NOT_YET_REFERRED).any()):
            raise AccountingError("referred claimants not all accounted for")
        if orphans:
            raise AccountingError("a claimant on programme has no active case holder")
        if everyone:  # the weekly passes about those on programme start at their window
            ended = referred_by(c.referral_week, week - self.programme_weeks)
            if len(claimant_kernels.ids_between(self, c.status, 0, ended, SEARCHING, IN_WORK)):
                raise AccountingError("a claimant is on programme after its weeks")
            # ... and the weekly specialist steps at the claimants known to have one (found
            # without a test of every claimant in memory at once: at national scale that
            # made the run's peak, at its last contract years' ends)
            with_one = claimant_kernels.ids_between(self, c.episode_provider, 0, c.n, 0,
                                                    np.iinfo(c.episode_provider.dtype).max)
            if not np.array_equal(specialist_services.engaged(self), with_one):
                raise AccountingError("a claimant has a specialist without joining a queue")

    # --- reading the model ----------------------------------------------------

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.steps

    def claimant(self, i: int) -> Claimant:
        """One claimant's row, for inspection."""
        return self.claimants.view(i)

    def metrics(self) -> dict[str, float]:
        """The run's outcome and solvency metrics (see `metrics.py`): numbers, by name."""
        return final_metrics(self)

    def metrics_by_year(self) -> dict[str, dict]:
        """The metrics that are mappings (`job_outcome_rate_by_referral_year`)."""
        return mapping_metrics(self)

    def referral_network(self) -> nx.DiGraph:
        """The referral network, with referrals and money carried on each edge."""
        return sync_network(self)

    def caseloads(self) -> np.ndarray:
        """Claimants followed by each organisation as case holder (by account row)."""
        c = self.claimants
        on = np.isin(c.status, (SEARCHING, IN_WORK, IN_WORK_AFTER))
        return np.bincount(c.case_holder[on], minlength=len(self.orgs))

"""Which part of a design makes the difference: a Shapley decomposition over levers.

Two scenarios differ in a handful of parameters. Grouped into named levers
(the structure, the fee/outcome split, payment timing, ...), every
combination of levers switched from the baseline's values to the
alternative's is run on the same seeds (common random numbers), and each
lever's exact Shapley contribution to the paired difference in every metric
is computed, replicate by replicate:

    phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! * (v(S + i) - v(S))

where v(S) is the metric with the levers in S switched. The contributions add
up to the difference exactly (v(all) - v(none)), and a lever that changes
nothing gets zero. With n levers this takes 2^n runs per replicate, so levers
are groups of parameters rather than single ones (at most `MAX_LEVERS`).

This answers not "which regime wins" but "which part of the design makes it
win" (issue 12). The order in which levers are switched does not matter: the
Shapley value averages over every order.

Over the posterior (`draws`, `decompose --posterior`), each posterior draw is
a plausible world: every combination of levers runs under each draw (its
fitted values set in both scenarios) on that draw's seeds, and the summary
gives each contribution's mean and 95% interval over draws and seeds, and the
share of draws in which the alternative comes out higher.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from commissioning.model.parameters import BY_NAME
from commissioning.model.scenario import Scenario, ScenarioError

#: Named levers: the parameters each switches together. A parameter on which two
#: scenarios differ and that no lever names becomes a lever of its own.
LEVERS: dict[str, tuple[str, ...]] = {
    "structure (who holds the contract)": ("regime", "market_share_shift",
                                           "market_share_shift_start_year"),
    "fee/outcome split": ("service_fee_share", "service_fee_weeks", "fee_effort_loss"),
    "payment timing": ("holder_payment_lag_weeks", "claim_lag_weeks"),
    "management share": ("attachment_pass_through", "outcome_pass_through"),
    "running costs": ("holder_overhead_share", "assessment_cost",
                      "referral_transaction_cost"),
    "specialist terms": ("specialist_pricing", "specialist_outcome_share",
                         "specialist_list_share"),
    "referral rule": ("referral_rule", "in_house_selection"),
    "integration services": ("integration_services", "key_worker_cost", "key_worker_effect",
                             "employer_engagement_cost", "employer_engagement_effect",
                             "in_work_support_cost", "in_work_support_effect",
                             "in_work_support_weeks"),
    "reserves": ("prime_reserves_weeks", "partnership_reserves_weeks",
                 "subcontractor_reserves_weeks", "third_sector_reserves_weeks",
                 "overdraft_weeks", "overdraft_interest_rate"),
}
MAX_LEVERS = 10  # 2^10 = 1,024 runs per replicate

#: Metrics decomposed by default: the headline of a comparison.
METRICS: tuple[str, ...] = (
    "job_outcome_rate", "additional_job_outcome_rate", "job_outcome_rate_low_barrier",
    "job_outcome_rate_high_barrier", "parked_share", "queued_share",
    "support_ratio_easy_to_hard", "providers_insolvent_share", "providers_withdrawn",
    "small_providers_lowest_cash", "total_spend", "provider_funds_used",
    "resources_per_job_outcome", "cost_per_job_outcome",
)


@dataclass(frozen=True)
class Lever:
    """A named group of parameters, with its value in each scenario."""

    name: str
    keys: tuple[str, ...]  # parameter names (model keywords)
    baseline: dict[str, Any]
    alternative: dict[str, Any]


def find_levers(baseline: dict[str, Any], alternative: dict[str, Any]) -> list[Lever]:
    """The levers on which two parameter sets differ (seed and run length excluded)."""
    differ = [k for k in BY_NAME if k not in ("seed", "check_accounts")
              and baseline[k] != alternative[k]]
    levers, named = [], set()
    for name, keys in LEVERS.items():
        mine = tuple(k for k in keys if k in differ)
        named |= set(keys)
        if mine:
            levers.append(Lever(name, mine, {k: baseline[k] for k in mine},
                                {k: alternative[k] for k in mine}))
    for k in differ:
        if k not in named:
            levers.append(Lever(BY_NAME[k].key, (k,), {k: baseline[k]},
                                {k: alternative[k]}))
    if len(levers) > MAX_LEVERS:
        raise ScenarioError("decompose", "levers", f"at most {MAX_LEVERS} groups of differing "
                            f"parameters ({2 ** MAX_LEVERS:,} runs per replicate); these "
                            f"scenarios differ in {len(levers)}: "
                            + ", ".join(lv.name for lv in levers))
    return levers


def shapley_weights(n: int) -> dict[int, float]:
    """Weight of a coalition of size s in a Shapley value over n players."""
    return {s: math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            for s in range(n)}


def shapley(values: dict[frozenset[int], float], n: int) -> np.ndarray:
    """Exact Shapley values from the value of every coalition of n players."""
    w = shapley_weights(n)
    phi = np.zeros(n)
    for i in range(n):
        for s in range(n):
            for rest in combinations([j for j in range(n) if j != i], s):
                coalition = frozenset(rest)
                phi[i] += w[s] * (values[coalition | {i}] - values[coalition])
    return phi


def _metrics(params: dict[str, Any]) -> dict[str, float]:
    from commissioning.model.model import CommissioningModel  # workers import lazily

    model = CommissioningModel(**params)
    model.run_model()
    return model.metrics()


@dataclass
class Decomposition:
    baseline: str
    alternative: str
    levers: list[Lever]
    replicates: int
    seeds: list[int]
    # metric -> array [replicate, lever] of contributions, and [replicate] differences;
    # over a posterior, replicate i is draw i // per_draw's seed i % per_draw
    contributions: dict[str, np.ndarray]
    differences: dict[str, np.ndarray]
    draws: int = 0  # posterior draws (0: the scenarios' own parameters)

    def summary(self, level: float = 0.95) -> dict[str, Any]:
        """Means and intervals over replicates; the JSON form `decompose --json` prints.

        Over a posterior the intervals are of the values over draws and seeds
        (where they lie), and each metric has `share_of_draws_higher`.
        """
        from commissioning.experiments.comparison import mean_interval, spread

        interval = spread if self.draws else mean_interval
        out: dict[str, Any] = {"baseline": self.baseline, "alternative": self.alternative,
                               "replicates": self.replicates, "seeds": self.seeds,
                               "levers": {lv.name: {"parameters": list(lv.keys),
                                                    "baseline": lv.baseline,
                                                    "alternative": lv.alternative}
                                          for lv in self.levers},
                               "metrics": {}}
        if self.draws:
            out["draws"] = self.draws
        for metric, diff in self.differences.items():
            contrib = self.contributions[metric]
            d_mean, d_low, d_high = interval(diff, level)
            entry = {"difference": _clean(d_mean), "interval": [_clean(d_low), _clean(d_high)],
                     "contributions": {}, "intervals": {}}
            if self.draws:
                per_draw = diff.reshape(self.draws, -1)
                valid = ~np.isnan(per_draw).any(axis=1)
                entry["share_of_draws_higher"] = _clean(
                    float((per_draw[valid].mean(axis=1) > 0).mean()) if valid.any()
                    else math.nan)
            for j, lv in enumerate(self.levers):
                mean, low, high = interval(contrib[:, j], level)
                entry["contributions"][lv.name] = _clean(mean)
                entry["intervals"][lv.name] = [_clean(low), _clean(high)]
            out["metrics"][metric] = entry
        return out


def _clean(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def decompose(baseline: Scenario, alternative: Scenario, replicates: int = 5,
              base_seed: int = 1, overrides: dict[str, Any] | None = None,
              metrics: Iterable[str] = METRICS, executor: Executor | None = None,
              progress: Callable[[int, int], None] | None = None,
              names: tuple[str, str] | None = None,
              draws: list[dict[str, float]] | None = None) -> Decomposition:
    """Run every combination of levers on common seeds and decompose each difference.

    With `draws` (posterior draws), draw k's replicate r runs on seed
    `base_seed + k * replicates + r` with the draw's fitted values set in both
    scenarios (`posterior.apply_draw`: a value a scenario sets itself stays).
    """
    base = {**baseline.params, **(overrides or {})}
    alt = {**alternative.params, **(overrides or {})}
    levers = find_levers(base, alt)
    n = len(levers)
    metrics = list(metrics)
    coalitions = [frozenset(c) for s in range(n + 1) for c in combinations(range(n), s)]
    if draws:
        from commissioning.experiments.calibration.posterior import apply_draw

        units = [(apply_draw(base, d), apply_draw(alt, d), base_seed + k * replicates + r)
                 for k, d in enumerate(draws) for r in range(replicates)]
    else:
        units = [(base, alt, base_seed + r) for r in range(replicates)]
    tasks = []
    for mine, theirs, seed in units:
        for coalition in coalitions:
            params = dict(mine)
            for j in coalition:
                params.update({k: theirs[k] for k in levers[j].keys})
            params["seed"] = seed
            tasks.append(params)
    if executor is None:
        results = []
        for i, task in enumerate(tasks):
            results.append(_metrics(task))
            if progress:
                progress(i + 1, len(tasks))
    else:
        results = []
        for i, res in enumerate(executor.map(_metrics, tasks)):
            results.append(res)
            if progress:
                progress(i + 1, len(tasks))
    per_seed = len(coalitions)
    contributions = {m: np.zeros((len(units), n)) for m in metrics}
    differences = {m: np.zeros(len(units)) for m in metrics}
    for r in range(len(units)):
        block = results[r * per_seed:(r + 1) * per_seed]
        for m in metrics:
            values = {c: float(res[m]) for c, res in zip(coalitions, block, strict=True)}
            differences[m][r] = values[frozenset(range(n))] - values[frozenset()]
            contributions[m][r] = shapley(values, n) if n else np.zeros(0)
    labels = names or (baseline.path.stem if baseline.path else baseline.name,
                       alternative.path.stem if alternative.path else alternative.name)
    return Decomposition(labels[0], labels[1], levers, replicates, [u[2] for u in units],
                         contributions, differences, len(draws or []))

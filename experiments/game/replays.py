"""The runs a class's game is compared with: the same claimants, the same random numbers.

A debrief compares the class's run with the model playing every role itself: under
two-tier payment by results, under locality commissioning, and (if the class played
some other scenario) under the class's own scenario; the same runs' no-programme world
gives the third comparison. Every run has the class's claimants, seed and length: only
the design differs, taken from a shipped scenario's `[commissioning]`, `[contract]` and
`[payments]` (the sections locality.toml changes), so "the same claimants" holds for any
scenario a teacher uploads.

Replays do not depend on what pupils decide, so a room starts them when it is created,
on one background thread shared by every room (a laptop's cores are for the turns), and
rooms with the same settings share the result.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commissioning.model import CommissioningModel
from commissioning.model.metrics import snapshot
from commissioning.model.parameters import PARAMETERS
from commissioning.model.scenario import load_scenario, packaged_scenarios

from .observer import Observer

log = logging.getLogger(__name__)

DESIGN_SECTIONS = ("commissioning", "contract", "payments")
DESIGNS = (("The model, two-tier", "two_tier.toml"), ("The model, locality", "locality.toml"))
YOUR_SCENARIO = "The model, your scenario"
#: Weekly series a debrief draws.
SERIES = ("job_outcomes", "referrals", "no_programme_outcome_rate", "providers_insolvent",
          "insolvent_third_sector", "providers_withdrawn", "total_spend")
CACHE_SIZE = 8


@dataclass
class RunRecord:
    """What a debrief keeps of one run (the model itself is let go)."""

    label: str
    metrics: dict[str, float]
    weekly: pd.DataFrame
    job_outcome_week: np.ndarray
    first_start_week: np.ndarray
    cf_found_week: np.ndarray
    weeks_parked: np.ndarray
    weeks_searching: np.ndarray
    net_position: np.ndarray  # by organisation row
    fate: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, label: str, model: CommissioningModel, observer: Observer) -> RunRecord:
        c = model.claimants
        weekly = model.datacollector.get_model_vars_dataframe()[list(SERIES)].copy()
        weekly.index.name = "week"
        return cls(label, dict(snapshot(model)), weekly, c.job_outcome_week.copy(),
                   observer.first_start_week.copy(), observer.cf_found_week.copy(),
                   c.weeks_parked.copy(), c.weeks_searching.copy(),
                   model.accounts.net_position().copy(), dict(observer.fate))


def run_to_end(model: CommissioningModel, observer: Observer | None = None) -> Observer:
    """Step a model to its last week through an observer (returned)."""
    observer = observer or Observer(model)
    while model.running:
        observer.step(model)
    return observer


def design_params(params: dict[str, Any], design_file: str) -> dict[str, Any]:
    """The class's parameters with a shipped scenario's design (who holds the contract,
    its terms, how the commissioner pays): the same claimants, the other design."""
    reference = load_scenario(packaged_scenarios() / design_file).params
    out = dict(params)
    for p in PARAMETERS:
        if p.section in DESIGN_SECTIONS:
            out[p.name] = reference[p.name]
    return out


def comparison_params(params: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The model's own runs a class is compared with: two-tier, locality, and the class's
    own scenario if it is neither."""
    runs = [(label, design_params(params, f)) for label, f in DESIGNS]
    if all(p != params for _, p in runs):
        runs.insert(0, (YOUR_SCENARIO, dict(params)))
    return runs


def own_label(params: dict[str, Any]) -> str:
    """The label of the run in which the model plays the class's own scenario."""
    return next(label for label, p in comparison_params(params) if p == params)


def replay(label: str, params: dict[str, Any]) -> RunRecord:
    model = CommissioningModel(**params)
    return RunRecord.of(label, model, run_to_end(model))


def _key(params: dict[str, Any]) -> str:
    return repr(sorted((k, repr(v)) for k, v in params.items()))


_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="game-replays")
_CACHE: OrderedDict[str, Future] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def start_replays(params: dict[str, Any]) -> list[Future]:
    """Start (or find) the model's own runs for these settings; futures of RunRecords."""
    futures = []
    with _CACHE_LOCK:
        for label, p in comparison_params(params):
            key = label + _key(p)
            future = _CACHE.get(key)
            if future is None or (future.done() and future.exception() is not None):
                future = _POOL.submit(replay, label, p)
                _CACHE[key] = future
            _CACHE.move_to_end(key)
            futures.append(future)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return futures

"""One run of the model, shared by every tab with the same settings, and what it recorded.

The model is reproducible: the same scenario, settings and seed give the same
numbers week by week. In a lesson thirty pupils load the same experiment, so
thirty copies of one model would step the same weeks and draw the same
pictures thirty times on one laptop (issue 16: Play fell from 7.7 to 1.1
weeks a second with 20 pupils). So a `Timeline` is one model per distinct set
of settings on the whole server, stepped as far as the furthest tab has asked,
and each tab keeps only its own week (`runs.Runs`). A tab behind the furthest
one reads what the timeline recorded for its week: the DataCollector's weekly
series, and the few things the pictures need that Mesa's collector does not
keep (each week's referral counts, caseloads, exits and providers' cash, in
`Recorder`). A tab can go back to any week it has seen.

Timelines live while a tab holds them (`timeline_for` keeps them in a
`WeakValueDictionary`), so a class that leaves gives the memory back, and
`on_release` lets the pictures drawn of a timeline go with it.

Nothing here raises into a page: a model that cannot be built, or a week that
fails, is kept as a sentence in `error` (the traceback goes to the server log).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from commissioning.model import CommissioningModel, ScenarioError

from .settings import FOLLOWED_AT_FIRST

log = logging.getLogger(__name__)

#: What a followed claimant's story reads each week (arrays of the claimant population).
STORY_FIELDS = ("status", "support", "case_holder", "weeks_parked", "weeks_searching",
                "mitigated", "job_outcome_week")


def plain_message(exc: BaseException) -> str:
    """An exception as one sentence for the page (a ScenarioError already is one)."""
    if isinstance(exc, ScenarioError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def settings_key(kwargs: dict[str, Any]) -> str:
    """A fingerprint of a model's keyword arguments: equal for runs that are the same run."""
    scenario = kwargs.get("scenario")
    params = {k: v for k, v in kwargs.items() if k != "scenario"}
    base = getattr(scenario, "params", None)
    text = json.dumps([base, params], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class NetworkWeek:
    """The referral network in one week: who referred how many to whom, loads and exits."""

    edges: tuple[tuple[int, int], ...]
    referrals: np.ndarray  # per edge, claimants referred along it so far
    load: np.ndarray  # per node, claimants it works with now (caseload or specialist episodes)
    branch_load: np.ndarray  # [whole-area case holder, locality]: its caseload in each locality
    insolvent: np.ndarray  # per node: gone bust by this week
    gone: np.ndarray  # per node: gone bust or withdrawn


class Recorder:
    """What one model did each week that the app shows and Mesa's DataCollector does not keep.

    `record()` is called after every week (and once at week 0). Per week it
    keeps the network's referral counts, the organisations' loads and exits,
    every provider's cash (one that has gone keeps the cash it had when it
    went, so a median of all providers does not jump up when the poorest go),
    and the rows of the claimants someone follows.
    """

    def __init__(self, model: CommissioningModel, follow: tuple[int, ...] = ()):
        self.model = model
        graph = model.referral_network()
        self.nodes = list(graph.nodes)
        self.node_data = {n: dict(d) for n, d in graph.nodes(data=True)}
        #: What each route is (contract, subcontract, referral route, pays for episodes, ...).
        self.relation = {(a, b): d.get("relation", "") for a, b, d in graph.edges(data=True)}
        self.localities = int(model.p["localities"])
        self.whole_area = [n for n in self.nodes if self.node_data[n]["locality"] < 0
                           and self.node_data[n]["role"] == "case holder"]
        self.providers = list(model.providers)
        self.network: list[NetworkWeek] = []
        self.cash: list[np.ndarray] = []  # per week, per provider
        self.open: list[np.ndarray] = []  # per week, per provider: still working
        self.followed: dict[int, dict[int, tuple]] = {
            i: {} for i in follow if 0 <= i < int(model.p["claimants"])}
        self.record()

    @property
    def weeks_recorded(self) -> int:
        return len(self.network)

    def record(self, weeks: int = 1) -> None:
        """Keep this week's state (the model has just run week `len(self.network)`); for
        `weeks` > 1, as the state of that many weeks: a model stepped elsewhere is seen
        only as it is now, so its weeks between are all this one (read once, not per week)."""
        model = self.model
        graph = model.referral_network()
        previous = self.network[-1] if self.network else None
        edges = tuple(graph.edges)
        for a, b, d in graph.edges(data=True):
            self.relation.setdefault((a, b), d.get("relation", ""))
        if previous is not None and previous.edges == edges:
            edges = previous.edges  # one tuple shared while no route is added
        refs = np.fromiter((graph.edges[e]["referrals"] for e in edges), np.int32, len(edges))
        nodes = graph.nodes
        load = np.array([max(nodes[n].get("caseload", 0), nodes[n].get("in_episode", 0))
                         for n in self.nodes], np.float32)
        insolvent = np.array([nodes[n].get("insolvent_week") is not None for n in self.nodes])
        gone = np.array([n != 0 and not model.orgs[n].active for n in self.nodes])
        state = NetworkWeek(edges, refs, load, self._branch_load(), insolvent, gone)
        open_ = np.array([o.active for o in self.providers], bool)
        cash = np.array([o.cash for o in self.providers], float)
        if self.cash:  # a provider that has gone keeps its last cash
            cash = np.where(open_, cash, self.cash[-1])
        stories = {i: self.story_row(model, i) for i in self.followed}
        for _ in range(weeks):  # the weeks share the arrays: records are only read
            self.network.append(state)
            self.cash.append(cash)
            self.open.append(open_)
            week = len(self.network) - 1
            for i, rows in self.followed.items():
                rows[week] = stories[i]

    def _branch_load(self) -> np.ndarray:
        """Caseload of each whole-area case holder in each locality (its local branches)."""
        if not self.whole_area:
            return np.zeros((0, self.localities), np.float32)
        c = self.model.claimants
        on = np.isin(c.status, (2, 3, 4))  # searching, in work, in work after the programme
        out = np.zeros((len(self.whole_area), self.localities), np.float32)
        for k, org in enumerate(self.whole_area):
            mine = on & (c.case_holder == org)
            out[k] = np.bincount(c.locality[mine], minlength=self.localities)[:self.localities]
        return out

    @staticmethod
    def story_row(model: CommissioningModel, i: int) -> tuple:
        c = model.claimants
        return tuple(int(getattr(c, f)[i]) for f in STORY_FIELDS)


class Timeline:
    """One model, stepped on demand as far as any tab asks, with its weekly record."""

    def __init__(self, kwargs: dict[str, Any], key: str | None = None):
        self.kwargs = dict(kwargs)
        self.key = key or settings_key(kwargs)
        self.lock = threading.Lock()  # one week at a time, whoever asks
        self._replaying = threading.Lock()
        self.error: str | None = None
        self.error_week: int | None = None
        self.model: CommissioningModel | None = None
        self.record: Recorder | None = None
        #: Every week recorded as it was run (a `LiveTimeline` may have skipped some).
        self.complete = True
        try:
            self.model = CommissioningModel(**kwargs)
            self.record = Recorder(self.model, (FOLLOWED_AT_FIRST,))
        except Exception as exc:
            log.exception("could not build the model")
            self.error = f"Could not start the run: {plain_message(exc)}"
            self.error_week = 0

    # --- what the run is -----------------------------------------------------

    @property
    def weeks(self) -> int:
        """Weeks in the whole run (the model's own `weeks`)."""
        return int(self.model.p["weeks"]) if self.model is not None else 0

    @property
    def done(self) -> int:
        """Weeks run so far (the last week recorded)."""
        return self.record.weeks_recorded - 1 if self.record is not None else 0

    @property
    def p(self) -> dict:
        return self.model.p if self.model is not None else {}

    def date(self, week: int) -> date | None:
        """The date of a week, if the model has a calendar (None otherwise)."""
        calendar = getattr(self.model, "calendar", None)
        if calendar is None:
            return None
        try:
            return calendar.date(week)
        except Exception:  # a calendar of another shape: weeks only
            return None

    # --- stepping ---------------------------------------------------------------

    def reach(self, week: int) -> int:
        """Run the model up to `week` (if it has not got there); returns the week reached."""
        if self.model is None:
            return 0
        week = min(int(week), self.weeks)
        if self.done >= week:
            return week
        with self.lock:
            try:
                while self.done < week and self.error is None and self.model.running:
                    self.model.step()
                    self.record.record()
            except Exception as exc:
                log.exception("a week of the run failed")
                self.error_week = self.done + 1
                self.error = f"The run stopped in week {self.error_week}: {plain_message(exc)}"
            return min(self.done, week)

    # --- reading ------------------------------------------------------------------

    def series(self, key: str, upto: int | None = None) -> np.ndarray:
        """A weekly column of Mesa's DataCollector, weeks 0 to `upto`, as floats."""
        values = self.model.datacollector.model_vars[key]
        end = len(values) if upto is None else min(upto + 1, len(values))
        return np.asarray(values[:end], dtype=float)

    def at(self, key: str, week: int) -> float:
        """A weekly value in `week` (NaN before the run has got there)."""
        values = self.model.datacollector.model_vars[key]
        return float(values[week]) if 0 <= week < len(values) else float("nan")

    def network(self, week: int) -> NetworkWeek:
        return self.record.network[min(week, self.done)]

    def cash(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """Every provider's cash and whether it was still working, weeks 0 to `week`.

        Arrays [week, provider]; a provider that has gone keeps the cash it had.
        """
        end = min(week, self.done) + 1
        return np.array(self.record.cash[:end]), np.array(self.record.open[:end])

    def story(self, i: int, week: int) -> tuple | None:
        """Claimant i's row in `week` (see STORY_FIELDS); None if out of range."""
        if self.record is None or not 0 <= i < int(self.p["claimants"]):
            return None
        rows = self.record.followed.get(i)
        if rows is None:
            rows = self._follow(i)
        return rows.get(min(week, self.done))

    def _follow(self, i: int) -> dict[int, tuple]:
        """Start keeping claimant i's rows; the weeks already run are run again to find them.

        A fresh model of the same settings is the same run, so running it again
        to this week gives the claimant's past exactly (about a second for a
        run at week 260). The live model keeps the rows from now on.
        """
        with self._replaying:
            with self.lock:
                rows = self.record.followed.get(i)
                if rows is not None:
                    return rows
                now = self.done
                live = {now: Recorder.story_row(self.model, i)}
                self.record.followed[i] = live
            past: dict[int, tuple] = {}
            if now > 0:
                again = CommissioningModel(**self.kwargs)
                past[0] = Recorder.story_row(again, i)
                while again.steps < now:
                    again.step()
                    past[again.steps] = Recorder.story_row(again, i)
            with self.lock:
                merged = {**past, **live}
                self.record.followed[i] = merged
                return merged

    def claimant(self, i: int):
        """The claimant's fixed attributes (group, barriers, locality, referral week)."""
        return self.model.claimant(i)


class LiveTimeline(Timeline):
    """A model someone else steps (the Mesa view's, a game's), recorded when it is looked at.

    `sync()` records the weeks run since it was last called. If several weeks
    were run between two calls, the weeks in between are recorded as the last
    one and `complete` turns false: pictures then use only what Mesa's
    DataCollector kept for those weeks (see `weekly_charts.py`).
    """

    def __init__(self, model: CommissioningModel):
        self.kwargs = {}
        self.key = f"live-{id(model)}"
        self.lock = threading.Lock()
        self._replaying = threading.Lock()
        self.error = self.error_week = None
        self.complete = model.steps == 0
        self.model = model
        self.record = Recorder(model)
        self.sync()

    def sync(self) -> None:
        missed = self.model.steps - self.done
        if missed > 1:
            self.complete = False
        if missed > 0:
            self.record.record(missed)

    def reach(self, week: int) -> int:
        self.sync()
        return min(int(week), self.done)

    def story(self, i: int, week: int) -> tuple | None:
        if not 0 <= i < int(self.p["claimants"]):
            return None
        return Recorder.story_row(self.model, i)


# --- the server's timelines ---------------------------------------------------------

_LIVE: weakref.WeakValueDictionary[str, Timeline] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()
_RELEASE: list[Callable[[str], None]] = []


def on_release(callback: Callable[[str], None]) -> None:
    """Call `callback(key)` when the last tab lets a timeline go (pictures drawn of it go too)."""
    _RELEASE.append(callback)


def _released(key: str) -> None:
    for callback in _RELEASE:
        try:
            callback(key)
        except Exception:
            log.exception("releasing what was kept for a run failed")


def timeline_for(kwargs: dict[str, Any]) -> Timeline:
    """The server's timeline for these model arguments: an existing one, or a new one."""
    key = settings_key(kwargs)
    with _LOCK:
        timeline = _LIVE.get(key)
        if timeline is None or (timeline.error is not None and timeline.error_week == 0):
            timeline = Timeline(kwargs, key)
            _LIVE[key] = timeline
            weakref.finalize(timeline, _released, key)
        return timeline


def live_timelines() -> int:
    """Timelines held by some tab now."""
    return len(_LIVE)

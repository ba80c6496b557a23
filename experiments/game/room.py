"""A room: one class playing one game, shared by the teacher's and every pupil's screen.

A room holds the game's model and everything the screens show. Pupils' browser
sessions come and go (a phone locks, a tab reloads); the room stays, and a pupil who
joins again with the same code and name is given back their role. Everything that
changes a room takes its lock, so two pupils saving decisions while the teacher clicks
**Next turn** never meet half-way; screens read the views built at the end of each
turn and never touch the model while it runs.

The game, as phases:

1. **lobby**: pupils join and are given roles, and predict;
2. **playing**: each turn pupils see their organisation and decide; **Next turn**
   applies what each decided (a pupil who did not decide keeps last turn's choices)
   and runs 13 weeks;
3. **ending** then **debrief**: **End game** runs the rest of the contract with the
   last decisions, sets it beside the model's own runs on the same claimants, and
   the debrief is shown.

Every error a pupil or teacher can cause is a `GameError` (or a `DecisionError` from
a form) with one sentence for the screen; nothing a pupil types is run or shown as
markup (the pages show it as text).
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from commissioning.model import CommissioningModel, Scenario, ScenarioError
from commissioning.model.decisions import Decision

from . import debrief as debriefs
from .choices import Choice, DecisionError, check_form, choices_for, describe_decision
from .observer import Event, Observer
from .org_view import Marks, OrgView, views
from .predictions import Question, questions
from .replays import RunRecord, own_label, run_to_end, start_replays
from .roles import Role, roles_for
from .words import money

log = logging.getLogger(__name__)

LOBBY, PLAYING, ENDING, DEBRIEF = "lobby", "playing", "ending", "debrief"
TURN_WEEKS = 13
#: A game plays a three-year referral period and its two years on programme (20 turns),
#: whatever the scenario's own length (the baseline runs the Work Programme's whole life).
GAME_WEEKS, GAME_REFERRAL_WEEKS = 260, 156
MAX_PLAYERS = 40
NAME_LENGTH = 24
REPLAY_SECONDS = 300  # a debrief waits at most this long for the model's own runs


class GameError(ValueError):
    """Something a screen asked for that the game cannot do now: one sentence."""


def clean_name(text: Any) -> str:
    """A pupil's name as typed, made safe to keep: printable, single-spaced, not too long."""
    raw = "".join(ch for ch in str(text)[:200] if not unicodedata.category(ch).startswith("C"))
    name = " ".join(raw.split())[:NAME_LENGTH]
    if not name:
        raise GameError(f"Your name: type a name (up to {NAME_LENGTH} letters), so that you "
                        "can join again with it if your screen closes.")
    return name


@dataclass
class Player:
    """A pupil in a room: their role, prediction and last decisions."""

    name: str
    role: int | None = None  # the organisation's row
    prediction: dict[str, int] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)  # what they last saved, as typed
    saved_week: int = -1  # the week their last decisions were saved for
    joined: float = field(default_factory=time.time)


class Room:
    """One game: its model, players, turns and debrief."""

    def __init__(self, code: str, scenario: Scenario, label: str, seed: int, claimants: int,
                 teacher_key: str):
        self.code, self.label, self.teacher_key = code, label, teacher_key
        self.scenario = scenario
        self.model = CommissioningModel(
            scenario, seed=seed, claimants=claimants,
            weeks=min(scenario.params["weeks"], GAME_WEEKS),
            referral_weeks=min(scenario.params["referral_weeks"], GAME_REFERRAL_WEEKS))
        self.weeks = int(self.model.p["weeks"])
        self.roles: list[Role] = roles_for(self.model)
        self.role_of: dict[int, Role] = {r.index: r for r in self.roles}
        self.observer = Observer(self.model)
        self.players: dict[str, Player] = {}
        self.phase = LOBBY
        self.turn = 0
        self.events: list[Event] = [Event(0, f"Room {code} opened: {scenario.name}, "
                                             f"{claimants:,} claimants, seed {seed}.")]
        self.waiting: list[tuple[str, Decision]] = []  # saved this turn, in order
        self.lock = threading.RLock()
        self.version = 0  # bumped on every change: the teacher's screen polls it
        self.stage = 0  # bumped when the week or the phase changes: pupils' screens poll it
        self.touched = time.time()
        self.error: str | None = None
        self.debrief: debriefs.Debrief | None = None
        self.record: RunRecord | None = None
        self.marks = Marks(self.model)
        self.views: dict[int, OrgView] = views(self.model, self.roles, self.marks, {})
        charities = sum(1 for o in self.model.providers if o.third_sector and (
            self.model.small_provider[o.index]))
        self.questions: tuple[Question, ...] = questions(charities)
        self._replays = start_replays(dict(self.model.p))

    # --- reading ----------------------------------------------------------------------

    @property
    def week(self) -> int:
        return self.model.week

    @property
    def finished(self) -> bool:
        """Every week of the contract has run."""
        return self.model.week >= self.weeks

    def player(self, name: str) -> Player | None:
        return self.players.get(clean_name(name).casefold())

    def players_of(self, index: int) -> list[str]:
        with self.lock:  # (pupils join from other threads)
            return [p.name for p in self.players.values() if p.role == index]

    def free_roles(self) -> list[Role]:
        with self.lock:
            taken = {p.role for p in self.players.values()}
            return [r for r in self.roles if r.index not in taken and self._alive(r.index)]

    def _alive(self, index: int) -> bool:
        return index == 0 or self.model.orgs[index].active

    def choices(self, name: str) -> list[Choice]:
        """The choices a pupil has this turn (none outside play or without a role)."""
        with self.lock:
            p = self.player(name)
            if p is None or p.role is None or self.phase != PLAYING or self.finished:
                return []
            return choices_for(self.model, self.role_of[p.role])

    def decided(self) -> tuple[int, int]:
        """Pupils who saved decisions this turn, of pupils with a role still delivering."""
        with self.lock:
            playing = [p for p in self.players.values()
                       if p.role is not None and self._alive(p.role)]
            return sum(p.saved_week == self.week for p in playing), len(playing)

    def answers(self) -> dict[str, list[int]]:
        """The class's predictions, by question."""
        with self.lock:
            return {q.key: [p.prediction[q.key] for p in self.players.values()
                            if q.key in p.prediction] for q in self.questions}

    # --- changing -----------------------------------------------------------------------

    def _changed(self, stage: bool = False) -> None:
        self.version += 1
        self.stage += stage
        self.touched = time.time()

    def join(self, name: str) -> Player:
        """A pupil joins (or joins again, with the same name: they get their role back)."""
        name = clean_name(name)
        with self.lock:
            key = name.casefold()
            player = self.players.get(key)
            if player is not None:
                self._changed()
                return player
            if self.phase in (ENDING, DEBRIEF):
                raise GameError("This game has ended: ask your teacher for the next room's "
                                "code.")
            if len(self.players) >= MAX_PLAYERS:
                raise GameError(f"Room {self.code} is full ({MAX_PLAYERS} players).")
            player = self.players[key] = Player(name)
            free = self.free_roles()
            if free:
                player.role = free[0].index
            else:  # more pupils than organisations: share the busiest role least shared
                counts = {r.index: len(self.players_of(r.index)) for r in self.roles
                          if self._alive(r.index)}
                player.role = min(counts, key=lambda i: (counts[i], self.roles.index(
                    self.role_of[i]))) if counts else None
            self._changed()
            return player

    def choose_role(self, name: str, index: int) -> None:
        """A pupil takes another free role (before the game starts, or when theirs has gone)."""
        with self.lock:
            player = self._must_have(name)
            if index not in self.role_of:
                raise GameError("That is not a role in this game.")
            if self.phase not in (LOBBY, PLAYING):
                raise GameError("The game has ended: roles are fixed now.")
            if self.phase == PLAYING and player.role is not None and self._alive(player.role):
                raise GameError("Roles are kept once the game has started, unless your "
                                "organisation has gone.")
            if index not in {r.index for r in self.free_roles()} and index != player.role:
                raise GameError(f"{self.role_of[index].title} is taken: choose a free role.")
            player.role = index
            player.form = {}
            self._changed()

    def predict(self, name: str, answers: dict[str, Any]) -> None:
        """A pupil's prediction (before the first turn). Raises DecisionError if out of range."""
        with self.lock:
            player = self._must_have(name)
            if self.phase != LOBBY:
                raise GameError("Predictions close when the game starts.")
            checked = {q.key: q.check(answers.get(q.key, "")) for q in self.questions}
            player.prediction = checked
            self._changed()

    def submit(self, name: str, form: dict[str, Any]) -> list[str]:
        """Save a pupil's decisions for this turn; returns them in words.

        Raises DecisionError (a value out of range, an unknown option) or GameError.
        """
        with self.lock:
            player = self._must_have(name)
            if self.phase != PLAYING or self.finished:
                raise GameError("Decisions are taken while the game is being played.")
            if player.role is None:
                raise GameError("You have no role yet.")
            if not isinstance(form, dict):
                raise DecisionError("Your decisions", "a form of decisions", type(form).__name__)
            decisions = check_form(self.model, self.role_of[player.role], form)
            key = player.name.casefold()
            self.waiting = [(k, d) for k, d in self.waiting if k != key]
            self.waiting += [(key, d) for d in decisions]
            player.form = {k: str(v)[:40] for k, v in form.items()}
            player.saved_week = self.week
            self._changed()
            return [describe_decision(self.model, d) for d in decisions]

    def start(self) -> None:
        with self.lock:
            if self.phase != LOBBY:
                raise GameError("The game has already started.")
            self.phase = PLAYING
            played = len({p.role for p in self.players.values()})
            self.events.append(Event(0, f"Week 0: the game starts with {len(self.players)} "
                                        f"pupils; the model plays the other "
                                        f"{len(self.roles) - played} organisations.", "turn"))
            self._changed(stage=True)

    def next_turn(self) -> None:
        """Apply the decisions saved this turn, then run the next 13 weeks."""
        with self.lock:
            if self.phase != PLAYING:
                raise GameError("Start the game first." if self.phase == LOBBY else
                                "The game has ended.")
            if self.finished:
                raise GameError("Every week of the contract has run: click End game.")
            first = self.week
            self._apply_waiting()
            self.marks = Marks(self.model)
            for _ in range(min(TURN_WEEKS, self.weeks - first)):
                self.observer.step(self.model)
            self.turn += 1
            m = self.model
            self.events.append(Event(m.week, (
                f"Weeks {first}-{m.week}: {m.tally.referrals - self.marks.referrals:,} "
                f"referred, {int(m.tally.jo_group.sum()) - self.marks.job_outcomes:,} job "
                f"outcomes, {money(m.accounts.commissioner_paid - self.marks.paid)} "
                "paid by the commissioner."), "turn"))
            self._refresh()

    def _apply_waiting(self) -> None:
        for _, decision in self.waiting:
            d = Decision(self.week, decision.organisation, decision.name, decision.value)
            try:
                self.model.decisions.schedule(d)
            except ScenarioError:  # checked when saved; a turn never fails on one decision
                log.exception("room %s: a saved decision could not be taken", self.code)
                continue
            self.events.append(Event(self.week, f"Week {self.week}: {d.organisation}: "
                                     f"{describe_decision(self.model, d)}.", "decision"))
        self.waiting = []

    def _refresh(self) -> None:
        self.events += self.observer.events
        self.observer.events = []
        self.views = views(self.model, self.roles, self.marks, self.observer.fate)
        self._changed(stage=True)

    def end_game(self) -> None:
        """Run the rest of the contract with the last decisions, and build the debrief.

        Takes seconds (the rest of the run, and waiting for the model's own runs): a page
        calls it on a thread and shows "ending" meanwhile.
        """
        with self.lock:
            if self.phase not in (LOBBY, PLAYING):
                return
            self.phase = ENDING
            self._apply_waiting()
            self.marks = Marks(self.model)
            self._changed(stage=True)
        try:
            with self.lock:
                left = self.weeks - self.week
                run_to_end(self.model, self.observer)
                if left:
                    self.events.append(Event(self.week, f"Weeks {self.week - left}-{self.week}: "
                                             "the rest of the contract ran with the class's "
                                             "last decisions.", "turn"))
                self._refresh()
                self.record = RunRecord.of("Your class", self.model, self.observer)
            comparisons = [f.result(timeout=REPLAY_SECONDS) for f in self._replays]
            players = {r.index: self.players_of(r.index) for r in self.roles}
            debrief = debriefs.build(
                self.model, self.record, comparisons, own_label(dict(self.model.p)),
                self.roles, players, self.answers(), self.questions,
                f"Room {self.code}: {self.scenario.name}")
            with self.lock:
                self.debrief = debrief
                self.phase = DEBRIEF
                self._changed(stage=True)
        except Exception as exc:
            log.exception("the debrief of room %s failed", self.code)
            with self.lock:
                self.error = f"The debrief could not be prepared: {type(exc).__name__}: {exc}"
                self.phase = DEBRIEF
                self._changed(stage=True)

    def _must_have(self, name: str) -> Player:
        player = self.player(name)
        if player is None:
            raise GameError("Join the room first.")
        return player

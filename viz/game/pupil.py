"""A pupil's screen: their organisation, its choices this turn, and the week.

One column, for a phone (390 px wide) as well as a laptop. Before the game: the role
and the predictions. Each turn: what the organisation sees (money, claimants, work)
and its decisions, each with what it costs and what it can earn; **Save my decisions**
keeps them until the teacher runs the turn (a pupil may change their mind until then).
A value out of range is refused with a sentence under the button; the others are kept.
"""

from __future__ import annotations

import html

import solara

from commissioning.experiments.game.choices import Choice
from commissioning.experiments.game.room import DEBRIEF, ENDING, LOBBY, Room
from commissioning.experiments.game.store import STORE

from .live import use_counter
from .parts import DebriefView, WeekBanner, attempt, table_html
from .seat import SEAT, Seat


@solara.component
def ChoiceInput(choice: Choice, values: solara.Reactive[dict]) -> None:
    """One decision: a typed number or a list of options, and its sentence."""
    current = values.value.get(choice.key, choice.value)

    def set_value(value) -> None:
        values.set({**values.value, choice.key: value})

    with solara.Div(classes=["choice"]):
        solara.Text(choice.label, classes=["choice-label"])
        if choice.kind == "number":
            solara.InputText(f"{choice.unit} ({_num(choice.low)} to {_num(choice.high)})",
                             value=str(current), on_value=set_value, continuous_update=True,
                             disabled=not choice.open,
                             classes=[f"choice-{_css(choice.key)}"])
        else:
            labels = [label for _, label in choice.options]
            by_value = dict(choice.options)
            by_label = {label: value for value, label in choice.options}
            solara.Select("choose", values=labels, value=by_value.get(str(current)),
                          on_value=lambda label: set_value(by_label.get(label, label)),
                          disabled=not choice.open, classes=[f"choice-{_css(choice.key)}"])
        solara.Text(choice.help if choice.open else f"{choice.why_closed} {choice.help}",
                    classes=["choice-help"])


def _css(key: str) -> str:
    """A form key as a CSS class (tests and style find an input by it)."""
    return "".join(ch if ch.isalnum() else "-" for ch in key).lower()


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


@solara.component
def DecisionForm(room: Room, name: str, choices: list[Choice], saved: dict) -> None:
    """This turn's decisions; Save keeps them for when the teacher runs the turn."""
    values = solara.use_reactive({c.key: saved.get(c.key, c.value) for c in choices})
    message = solara.use_reactive(None)
    done = solara.use_reactive("")

    def save() -> None:
        said = attempt(lambda: room.submit(name, dict(values.value)), message,
                       "save your decisions")
        if said is not None:
            done.set("Saved: " + "; ".join(said) + "." if said else
                     "Saved: no change, so you keep the choices you had.")

    solara.Text("Your decisions for this turn", classes=["status"])
    for choice in choices:
        ChoiceInput(choice, values)
    solara.Button("Save my decisions", color="primary", on_click=save, block=True)
    if message.value:
        solara.Error(message.value)
    elif done.value:
        solara.Success(done.value + " You can change them until your teacher clicks Next "
                       "turn.")


@solara.component
def Organisation(room: Room, index: int, tick: object) -> None:
    """What the organisation sees this turn."""
    view = room.views.get(index)
    if view is None:
        return
    solara.Text(view.status, classes=["status"])
    rows = "".join(f"<tr><td>{html.escape(what)}" + (f"<small>{html.escape(more)}</small>"
                                                     if more else "")
                   + f"</td><td>{html.escape(value)}</td></tr>"
                   for what, value, more in view.facts)
    solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["facts"])
    if view.claimants:
        solara.Text("Your claimants now", classes=["status"])
        rows = [(r.label, r.held, r.parked, r.light, r.intensive, r.with_specialist, r.in_work)
                for r in view.claimants]
        solara.HTML(tag="div", unsafe_innerHTML=table_html(
            ("", "held", "parked", "light", "intensive", "specialist", "in work"), rows,
            "claimants"))


@solara.component
def RolePicker(room: Room, name: str, message: solara.Reactive, on_change, tick: object
               ) -> None:
    """Take another free role (before the game starts, or when yours has gone)."""
    free = room.free_roles()
    if not free:
        return
    titles = {r.title: r.index for r in free}

    def pick(title: str) -> None:
        if attempt(lambda: room.choose_role(name, titles[title]), message, "change role") \
                is None and message.value is None:
            on_change()

    solara.Select("Choose another role", values=list(titles), value=None, on_value=pick)


@solara.component
def Predictions(room: Room, name: str, on_change, tick: object) -> None:
    """The pupil's predictions, before the first turn."""
    player = room.player(name)
    values = solara.use_reactive({q.key: str(player.prediction.get(q.key, ""))
                                  for q in room.questions})
    message = solara.use_reactive(None)

    def save() -> None:
        attempt(lambda: room.predict(name, dict(values.value)), message, "save your prediction")
        on_change()

    with solara.Card("Predict before you play"):
        for q in room.questions:
            solara.Text(q.text, classes=["choice-label"])
            solara.InputText(f"your answer ({q.low} to {q.high})", value=values.value[q.key],
                             on_value=lambda v, k=q.key: values.set({**values.value, k: v}),
                             continuous_update=True, classes=[f"predict-{q.key}"])
        solara.Button("Save my prediction", color="primary", on_click=save, block=True)
        if message.value:
            solara.Error(message.value)
        elif player.prediction:
            solara.Success("Prediction saved: " + ", ".join(
                str(player.prediction[q.key]) for q in room.questions) + ".")


@solara.component
def PupilScreen(seat: Seat) -> None:
    room = STORE.get(seat.code)
    stage = use_counter(lambda: room.stage if STORE.get(seat.code) is room else None,
                        f"pupil-{seat.code}-{seat.name}")
    mine, set_mine = solara.use_state(0)  # this pupil's own changes: redraw now
    tick = (stage, mine)
    message = solara.use_reactive(None)

    def changed() -> None:
        set_mine(mine + 1)

    with solara.Column(classes=["pupil"]):
        if room is None:
            solara.Warning(f"Room {seat.code} has closed.")
            solara.Button("Back", on_click=lambda: SEAT.set(None))
            return
        player = room.player(seat.name)
        if player is None:
            solara.Warning("You are not in this room any more: join it again.")
            solara.Button("Back", on_click=lambda: SEAT.set(None))
            return
        WeekBanner(room, tick)
        role = room.role_of.get(player.role) if player.role is not None else None
        solara.Text(f"Room {room.code} · {player.name} · "
                    f"{role.title if role else 'no role yet'}", classes=["where"])
        if message.value:
            solara.Error(message.value)
        if room.phase == LOBBY:
            if role is not None:
                solara.Text(role.about, classes=["about"])
            RolePicker(room, seat.name, message, changed, tick)
            Predictions(room, seat.name, changed, tick)
            solara.Info("Wait for your teacher to start the game.")
        elif room.phase == ENDING:
            solara.Info("Your teacher has ended the game: the rest of the contract is running "
                        "with everyone's last decisions. The debrief comes next.")
        elif room.phase == DEBRIEF:
            DebriefView(room, tick)
        elif role is not None:
            solara.Text(role.about, classes=["about"])
            Organisation(room, role.index, tick)
            choices = room.choices(seat.name)
            if room.finished:
                solara.Info("Every week has run: wait for your teacher to end the game.")
            elif not choices:
                solara.Warning("Your organisation has gone. Choose another role to play on.")
                RolePicker(room, seat.name, message, changed, tick)
            else:
                saved = player.form if player.saved_week == room.week else {}
                DecisionForm(room, seat.name, choices, saved).key(
                    f"form-{room.code}-{role.index}-{room.week}")
        solara.Button("Leave", text=True, on_click=lambda: SEAT.set(None))
        solara.Text("You can join again with the same code and name.", classes=["choice-help"])

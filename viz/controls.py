"""The controls a class uses: Step / Play / Reset, speed, "Run to week", scenarios, settings.

Buttons are named as Mesa's SolaraViz names them (Step, Reset, and a play
button), and Reset works the same way: it starts a new run from the settings
on screen. The differences from SolaraViz's own controller are deliberate:

- Play advances only after the pictures of the week on screen are drawn
  (`PageState.shown_week`), so it never runs ahead of what a class can see,
  and stops by itself when the page is left (Mesa 3.3.1's ModelController
  plays in a thread that checks only its own "playing" flag);
- a speed control says how many weeks Play moves between pictures: with a
  class on one server, "fast" and "fastest" reach week 156 in a few dozen
  pictures instead of 156;
- "Run to week N" goes straight to that week (the run is computed on the
  way, a few milliseconds a week; the pictures are drawn only there), so a
  whole class reads its numbers at the same week without minutes of Play;
- every handler is `guarded`: a failure shows a sentence, never a traceback;
- each setting shows its value and unit in its label and explains itself
  below; a scenario is picked by its title, never by its file's name.

Choosing a scenario (or uploading a file) starts a new run at once, with the
values of that file; moving a slider only changes the settings on screen
until Reset, so a run in progress is never thrown away by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import ipyvuetify as v
import solara
import solara.lab

from commissioning.model import ScenarioError

from .runs import plain_message
from .settings import KNOB, KNOBS, Settings
from .state import (
    UPLOADS,
    PageState,
    keep_upload,
    scenario_by_label,
    scenario_items,
    settings_for,
)
from .ui import Help, guarded
from .upload import UploadScenarioButton, upload_from_browser

STEP_SIZES = {"1 week": 1, "4 weeks": 4, "13 weeks": 13, "52 weeks": 52}
#: Play's speeds: weeks moved between two pictures, and a pause (seconds) after each picture.
SPEEDS = {"slow": (1, 0.6), "normal": (1, 0.05), "fast": (4, 0.05), "fastest": (13, 0.05)}
SPEED_HELP = ("How far Play moves between pictures: slow and normal, a week at a time "
              "(slow pauses to let you read); fast, 4 weeks; fastest, 13 weeks (a quarter).")


def pause_for(speed: str) -> float:
    return SPEEDS.get(speed, SPEEDS["normal"])[1]


def weeks_for(speed: str) -> int:
    return SPEEDS.get(speed, SPEEDS["normal"])[0]


def status_line(state: PageState) -> str:
    """"Week 52 of 260 (paused)", with the date when the model has a calendar."""
    runs = state.runs.value
    if runs is None:
        return ""
    status = ("stopped" if runs.error else "finished" if runs.week >= runs.weeks
              else "playing" if state.playing.value else "paused")
    when = runs.date()
    date = f", {when:%B %Y}" if when is not None else ""
    return f"Week {runs.week} of {runs.weeks}{date} ({status})"


def parse_week(text: object, weeks: int) -> int:
    """A week typed by a person (raises ScenarioError with what is expected)."""
    try:
        week = int(str(text).strip())
    except ValueError:
        week = -1
    if not 0 <= week <= weeks:
        raise ScenarioError("Run to week", "", f"a week from 0 to {weeks}", str(text)[:20])
    return week


@solara.component
def RunControls(state: PageState) -> None:
    """Step, Play/Pause and Reset for a page's runs, and how far they have got."""
    runs = state.runs.value
    playing = state.playing.value
    running = runs is not None and runs.running
    shown = state.shown_week.value
    # Read when Go is pressed, not from this render: under load the typed week can reach
    # the server after the last render, and a closure would then go to the week before.
    typed = solara.use_reactive("156")

    def play_on() -> None:
        """Move Play on once the week on screen has its pictures; stop at the end."""
        if not state.playing.peek():
            return
        current = state.runs.peek()
        if current is None or not current.running:
            state.playing.set(False)
            return
        if state.shown_week.peek() != current.week:
            return  # the pictures of this week are still being drawn
        time.sleep(pause_for(state.speed.peek()))
        if not state.playing.peek() or state.runs.peek() is not current:
            return  # paused, reset or left the page meanwhile
        current.step(weeks_for(state.speed.peek()))
        state.tick.set(state.tick.peek() + 1)
        if not current.running:
            state.playing.set(False)

    def advance() -> None:
        try:
            play_on()
        except Exception as exc:  # a task's error would otherwise be raised into the page
            state.playing.set(False)
            state.message.set(f"Play stopped: {plain_message(exc)}")

    solara.lab.use_task(advance, dependencies=[playing, shown, id(runs)], prefer_threaded=True,
                        raise_error=False)

    def pause_here() -> Callable[[], None]:
        # A page opened (or opened again) starts paused, and leaving it pauses it. Pages
        # key their controls apart, and the state is a dependency too: Solara would
        # otherwise reuse this component for the next page's sidebar, hooks and all.
        state.playing.set(False)
        return lambda: state.playing.set(False)

    solara.use_effect(pause_here, [id(state)])

    def step() -> None:
        current = state.runs.peek()
        if current is not None and current.step(state.step_weeks.peek()):
            state.tick.set(state.tick.peek() + 1)

    def reset() -> None:
        state.message.set(None)
        state.start(state.settings.peek())

    def play_or_pause() -> None:
        state.playing.set(not state.playing.peek())

    def run_to() -> None:
        current = state.runs.peek()
        if current is None:
            return
        week = parse_week(typed.peek(), current.weeks)
        state.message.set(None)
        state.playing.set(False)
        current.go_to(week)  # back at once, or on without a picture of each week between
        state.tick.set(state.tick.peek() + 1)

    message = state.message
    with solara.Div(classes=["run-bar"]):
        with solara.Row(gap="8px", classes=["run-buttons"], style={"flex-wrap": "wrap",
                                                                  "align-items": "center"}):
            solara.Button("Step", color="primary",
                          on_click=guarded(step, message, "step the run"),
                          disabled=playing or not running)
            solara.Button("❚❚ Pause" if playing else "▶ Play", color="primary",
                          on_click=guarded(play_or_pause, message, "play the run"),
                          disabled=not (running or playing))
            solara.Button("Reset", color="primary", outlined=True,
                          on_click=guarded(reset, message, "start a new run"))
            if runs is not None:
                solara.Text(status_line(state), classes=["run-week"])
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"},
                        classes=["run-to"]):
            solara.HTML(tag="span", unsafe_innerHTML="Run to week", classes=["control-label"],
                        attributes={"title": "Goes straight to this week (forward or back), "
                                             "so everyone reads their numbers at the same "
                                             "week."})
            solara.InputText("", value=typed.value, on_value=typed.set, continuous_update=True,
                             classes=["week-input"])
            solara.Button("Go", color="primary", outlined=True,
                          on_click=guarded(run_to, message, "run to that week"),
                          disabled=runs is None or bool(runs.error))


@solara.component
def RunOptions(state: PageState) -> None:
    """How far Step goes, and how fast Play goes."""
    Help("Step by", "How many weeks one press of Step runs.")
    sizes = {v: k for k, v in STEP_SIZES.items()}
    solara.ToggleButtonsSingle(
        value=sizes.get(state.step_weeks.value, "1 week"), values=list(STEP_SIZES),
        on_value=lambda label: state.step_weeks.set(STEP_SIZES.get(label, 1)),
        dense=True, classes=["step-sizes"])
    Help("Play speed", SPEED_HELP)
    solara.ToggleButtonsSingle(
        value=state.speed.value, values=list(SPEEDS),
        on_value=lambda name: state.speed.set(name if name in SPEEDS else "normal"),
        dense=True, classes=["speeds"])


@solara.component
def UploadScenario(state: PageState, on_loaded: Callable[[str], None]) -> None:
    """A file chooser for a scenario file, validated like `commissioning validate`."""

    def received(info, buffers=None) -> None:
        try:
            label, scenario = upload_from_browser(info, buffers, UPLOADS.peek())
            keep_upload(label, scenario)
        except ScenarioError as exc:
            state.message.set(f"That scenario file was not loaded. {exc}")
            return
        state.message.set(None)
        on_loaded(label)

    UploadScenarioButton(guarded(received, state.message, "read that file"))


@solara.component
def ScenarioDescription(label: str) -> None:
    """The scenario's own name and description, from its file."""
    try:
        scenario = scenario_by_label(label)
    except ScenarioError as exc:
        solara.Error(str(exc))
        return
    solara.Text(scenario.name, classes=["scenario-name"])
    if scenario.description:
        solara.Text(scenario.description, classes=["help"])


@solara.component
def ScenarioPicker(label: str, value: str, on_value: Callable[[str], None],
                   help: str = "", name: str = "Scenario file") -> None:
    """A scenario chosen by its title in words (the file's name is only its value).

    The control's own label (`name`, for screen readers) is not shown: the
    label above it says the same in larger text.
    """
    Help(label, help or "A scenario: who holds the contract and how the commissioner pays.")
    v.Select.element(v_model=value, items=scenario_items(), item_text="text",
                     item_value="value", on_v_model=on_value, dense=True, hide_details=True,
                     label=name, class_="scenario-picker")


@solara.component
def ExploreScenario(state: PageState) -> None:
    """Pick (or upload) the scenario for Explore; a new run starts with it."""
    current = state.settings.value[0]

    def pick(label: str) -> None:
        state.message.set(None)
        state.start((settings_for(label, current.claimants, current.seed),))

    ScenarioPicker("Scenario", current.scenario_label,
                   guarded(pick, state.message, "load that scenario"))
    ScenarioDescription(current.scenario_label)
    UploadScenario(state, guarded(pick, state.message, "load that scenario"))


@solara.component
def Knob(settings: Settings, name: str, on_change: Callable[[str, object], None]) -> None:
    """One setting: a slider (or a choice) labelled with its value and unit, and its help."""
    knob = KNOB[name]
    value = getattr(settings, name)
    with solara.Div(classes=["knob"]):
        if knob.choices:
            Help(knob.label, knob.help)
            v.Select.element(v_model=value, items=list(knob.choices), dense=True,
                             hide_details=True, on_v_model=lambda v_: on_change(name, v_),
                             class_="knob-choice")
        else:
            # The label (with the exact value and its unit) sits above a full-width slider,
            # which is given its nearest step: handed a value between steps, the browser's
            # slider would round it and send the rounding back as if a person had moved it.
            Help(f"{knob.label}: {knob.format(value)}", knob.help, classes=["knob-label"])
            if name in ("claimants", "seed"):
                solara.SliderInt("", value=int(knob.on_steps(value)), min=int(knob.low),
                                 max=int(max(knob.high, value)), step=int(knob.step),
                                 on_value=lambda v_: on_change(name, int(v_)),
                                 thumb_label=False)
            else:
                solara.SliderFloat("", value=float(knob.on_steps(value)), min=knob.low,
                                   max=max(knob.high, value), step=knob.step,
                                   on_value=lambda v_: on_change(name, float(v_)),
                                   thumb_label=False)
        solara.Text(knob.help, classes=["help"])


@solara.component
def PendingNotice(state: PageState) -> None:
    """Says when the settings on screen are not those of the run, with the way to apply them."""
    runs = state.runs.value
    if runs is None or runs.settings == state.settings.value:
        return
    with solara.Div(classes=["pending"]):
        solara.Warning("These settings are not the run's yet.", dense=True)
        solara.Button("Start a new run with them", color="warning",
                      on_click=guarded(lambda: state.start(state.settings.peek()),
                                       state.message, "start a new run"))


@solara.component
def ExploreSettings(state: PageState) -> None:
    """Every setting of the Explore run, in the domain's words."""
    settings = state.settings.value[0]

    def change(name: str, value: object) -> None:
        state.settings.set((state.settings.peek()[0].changed(**{name: value}),))

    def scenario_values() -> None:
        s = state.settings.peek()[0]
        state.settings.set((settings_for(s.scenario_label, s.claimants, s.seed),))

    PendingNotice(state)
    for knob in KNOBS:
        Knob(settings, knob.name, guarded(change, state.message, f"change {knob.label.lower()}"))
    solara.Button("Back to the scenario's own values", text=True,
                  on_click=guarded(scenario_values, state.message, "restore the values"))


@solara.component
def CompareScenarios(state: PageState) -> None:
    """The two scenarios side by side, and the claimants and seed they share."""
    first, second = state.settings.value

    def pick(index: int, label: str) -> None:
        pair = list(state.settings.peek())
        pair[index] = settings_for(label, pair[index].claimants, pair[0].seed)
        state.message.set(None)
        state.start(tuple(pair))

    def shared(name: str, value: object) -> None:
        state.settings.set(tuple(s.changed(**{name: value}) for s in state.settings.peek()))

    solara.Text("Both runs have the same claimants and the same seed.", classes=["help"])
    for index, (settings, colour) in enumerate(((first, "blue"), (second, "orange"))):
        ScenarioPicker(f"Scenario {index + 1} ({colour} in the charts)",
                       settings.scenario_label,
                       guarded(lambda v_, i=index: pick(i, v_), state.message,
                               "load that scenario"), name=f"Scenario {index + 1}")
        ScenarioDescription(settings.scenario_label)
    UploadScenario(state, guarded(lambda label: pick(1, label), state.message,
                                  "load that scenario"))
    solara.Text("An uploaded file becomes scenario 2.", classes=["help"])
    PendingNotice(state)
    for name in ("claimants", "seed"):
        Knob(first, name, guarded(shared, state.message, f"change {KNOB[name].label.lower()}"))

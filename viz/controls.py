"""The controls a class uses: Step / Play / Reset, the scenario file, and labelled settings.

Buttons are named as Mesa's SolaraViz names them (Step, Reset, and a play
button), and Reset works the same way: it starts a new run from the settings
on screen. The difference from SolaraViz's own controller is deliberate:

- Play advances one week per task and schedules the next only after the
  picture of that week is drawn, so it stops by itself when the page is left
  (Mesa 3.3.1's ModelController plays in one long-running thread that checks
  only its own "playing" flag, so nothing stops it when its page goes away);
- every handler is `guarded`: a failure shows a sentence, never a traceback;
- each slider shows its value and unit in its label and explains itself below.

Choosing a scenario file (or uploading one) starts a new run at once, with
the slider values of that file; moving a slider only changes the settings on
screen until Reset, so a run in progress is never thrown away by accident.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
    scenario_labels,
    settings_for,
)
from .ui import guarded
from .upload import UploadScenarioButton, upload_from_browser

PLAY_BREATH = 0.04  # seconds between weeks on Play, so clicks always get through
STEP_SIZES = {"1 week": 1, "4 weeks": 4, "13 weeks": 13, "52 weeks": 52}


@solara.component
def RunControls(state: PageState) -> None:
    """Step, Play/Pause and Reset for a page's runs, and how far they have got."""
    runs = state.runs.value
    playing = state.playing.value
    tick = state.tick.value
    running = runs is not None and runs.running

    def play_one_week() -> None:
        """One week of Play; the redraw it causes schedules the next one."""
        if not state.playing.peek():
            return
        current = state.runs.peek()
        if current is None or not current.running:
            state.playing.set(False)
            return
        time.sleep(PLAY_BREATH)
        if not state.playing.peek() or state.runs.peek() is not current:
            return  # paused, reset or left the page meanwhile
        current.step(1)
        state.tick.set(state.tick.peek() + 1)
        if not current.running:
            state.playing.set(False)

    def advance() -> None:
        try:
            play_one_week()
        except Exception as exc:  # a task's error would otherwise be raised into the page
            state.playing.set(False)
            state.message.set(f"Play stopped: {plain_message(exc)}")

    solara.lab.use_task(advance, dependencies=[playing, tick, id(runs)], prefer_threaded=True,
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

    message = state.message
    with solara.Row(gap="8px", classes=["run-buttons"]):
        solara.Button("Step", color="primary", on_click=guarded(step, message, "step the run"),
                      disabled=playing or not running)
        solara.Button("❚❚ Pause" if playing else "▶ Play", color="primary",
                      on_click=guarded(lambda: state.playing.set(not state.playing.peek()),
                                       message, "play the run"),
                      disabled=not (running or playing))
        solara.Button("Reset", color="primary", outlined=True,
                      on_click=guarded(reset, message, "start a new run"))
    sizes = {v: k for k, v in STEP_SIZES.items()}
    solara.ToggleButtonsSingle(
        value=sizes.get(state.step_weeks.value, "1 week"), values=list(STEP_SIZES),
        on_value=lambda label: state.step_weeks.set(STEP_SIZES[label]), dense=True)
    if runs is not None:
        status = ("stopped" if runs.error else "finished" if runs.week >= runs.weeks
                  else "playing" if playing else "paused")
        solara.Text(f"Week {runs.week} of {runs.weeks} ({status})", classes=["run-week"])


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
def ExploreScenario(state: PageState) -> None:
    """Pick (or upload) the scenario file for Explore; a new run starts with it."""
    current = state.settings.value[0]

    def pick(label: str) -> None:
        state.message.set(None)
        state.start((settings_for(label, current.claimants, current.seed),))

    solara.Select("Scenario file", value=current.scenario_label, values=scenario_labels(),
                  on_value=guarded(pick, state.message, "load that scenario"))
    ScenarioDescription(current.scenario_label)
    UploadScenario(state, guarded(pick, state.message, "load that scenario"))


@solara.component
def Knob(settings: Settings, name: str, on_change: Callable[[str, object], None]) -> None:
    """One setting: a slider (or a choice) labelled with its value and unit, and its help."""
    knob = KNOB[name]
    value = getattr(settings, name)
    with solara.Div(classes=["knob"]):
        if knob.choices:
            solara.Select(knob.label, value=value, values=list(knob.choices),
                          on_value=lambda v: on_change(name, v))
        else:
            # The label (with the exact value and its unit) sits above a full-width slider,
            # which is given its nearest step: handed a value between steps, the browser's
            # slider would round it and send the rounding back as if a person had moved it.
            solara.Text(f"{knob.label}: {knob.format(value)}", classes=["knob-label"])
            if name in ("claimants", "seed"):
                solara.SliderInt("", value=int(knob.on_steps(value)), min=int(knob.low),
                                 max=int(max(knob.high, value)), step=int(knob.step),
                                 on_value=lambda v: on_change(name, int(v)), thumb_label=False)
            else:
                solara.SliderFloat("", value=float(knob.on_steps(value)), min=knob.low,
                                   max=max(knob.high, value), step=knob.step,
                                   on_value=lambda v: on_change(name, float(v)),
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
    solara.Button("Back to the scenario file's values", text=True,
                  on_click=guarded(scenario_values, state.message, "restore the values"))


@solara.component
def CompareScenarios(state: PageState) -> None:
    """The two scenario files side by side, and the claimants and seed they share."""
    first, second = state.settings.value

    def pick(index: int, label: str) -> None:
        pair = list(state.settings.peek())
        pair[index] = settings_for(label, pair[index].claimants, pair[0].seed)
        state.message.set(None)
        state.start(tuple(pair))

    def shared(name: str, value: object) -> None:
        state.settings.set(tuple(s.changed(**{name: value}) for s in state.settings.peek()))

    solara.Text("Both runs have the same claimants and the same seed.", classes=["help"])
    labels = scenario_labels()
    for index, (settings, colour) in enumerate(((first, "blue"), (second, "vermillion"))):
        solara.Select(f"Scenario {index + 1} ({colour} in the charts)",
                      value=settings.scenario_label, values=labels,
                      on_value=guarded(lambda v, i=index: pick(i, v), state.message,
                                       "load that scenario"))
        ScenarioDescription(settings.scenario_label)
    UploadScenario(state, guarded(lambda label: pick(1, label), state.message,
                                  "load that scenario"))
    solara.Text("An uploaded file becomes scenario 2.", classes=["help"])
    PendingNotice(state)
    for name in ("claimants", "seed"):
        Knob(first, name, guarded(shared, state.message, f"change {KNOB[name].label.lower()}"))

"""The Mesa view: the model in Mesa's own standard interface, `mesa.visualization.SolaraViz`.

A Mesa user finds here what every Mesa model shows: SolaraViz's Controls
(Reset, play, Step, play and render intervals), its Model Parameters built
from `model_params`, its step counter, and the model's components. The
components are this app's own pictures, drawn with matplotlib on the server
(Altair's charts need a CDN and are blank offline): the referral network,
laid out once per model, and the weekly charts.

How SolaraViz is used here, and why (STACK.md, "Per-session state" and
"Mesa 3.3.1 pitfalls"):

- **One model per session.** `MODEL` is a `solara.reactive(None)` at module
  level, filled inside the page for each browser tab. SolaraViz takes that
  reactive and its Reset writes the new model into it, built as
  `model_class(**parameters)` from the sliders.
- **Parameters in the model's own keywords.** SolaraViz passes the slider
  values straight to the model, so a fee is one price for every payment group
  and a share is a fraction (the Explore page translates richer settings).
  The sliders start at the values of the model on screen, so a page left and
  revisited shows the parameters of the model it shows.
- **`SessionModel`**: `CommissioningModel` with two guards SolaraViz needs in
  a multi-page app. Its Play loop runs in a thread that outlives the page: a
  page left while playing went on stepping the model in the background, drew
  while it stepped, and hung the session. So a week is stepped under a lock
  that the pictures also hold, and only while the page is open (leaving it
  ends the Play loop, as a pause). A model at its last week does not step on.
- **Readable on a projector.** Mesa 3.3.1 puts every component in a
  half-width cell of a draggable grid, under a lone "Page 0" tab; the page's
  style sheet stacks the cells at full width instead, hides that tab, and
  keeps each slider's value visible (SolaraViz's sliders show it only while
  dragged).

No traceback may reach the page: the pictures are drawn through `draw_safely`,
and an error in one of SolaraViz's handlers is caught by the app's
`ErrorBoundary` (see `app.py`), whose "Start this page again" calls `forget`.

**Every value from the browser is checked.** SolaraViz hands its sliders'
values straight to the model, so a rewritten message once built a model of
5,000,000 claimants (slowing every pupil on the server) or with
`regime="evil"` (a traceback on the page) (issue 19). `SessionModel` takes
only values the view's own controls offer (`checked_parameters`); any other
is refused with a sentence on the page, and the model keeps the value it had.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import solara
import solara.lab
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from commissioning.model import CommissioningModel
from commissioning.model.parameters import REGIMES

from .layout import DEFAULT
from .limits import check_app_limits
from .network_plot import NetworkKey, NetworkPicture, describe
from .scenario_files import shown
from .settings import CLASSROOM_CLAIMANTS, REFERENCE_GROUP
from .state import LAYOUT
from .timeline import LiveTimeline
from .ui import Picture, Prose, draw_safely
from .weekly_charts import build_chart, chart_names

#: The parameters the sliders start at (the model's defaults at a classroom's scale).
DEFAULTS: dict[str, Any] = {
    "regime": "two_tier",
    "claimants": CLASSROOM_CLAIMANTS,
    "seed": 1,
    "attachment_fee": 400,
    "job_outcome_fee": 1200,
    "service_fee_share": 0.0,
    "recession_depth": 0.0,
}


class SessionModel(CommissioningModel):
    """The model as the Mesa view runs it: a week at a time, never while drawn, only on the page.

    `lock` is held by every step and by every picture drawn of the model;
    `on_page` is false once the page is left (a step then ends SolaraViz's
    Play loop instead of running a week).
    """

    def __init__(self, **kwargs: Any):
        previous = MODEL.peek()
        keep = current(previous) if previous is not None else DEFAULTS
        params, self.refused = checked_parameters(kwargs, keep)
        super().__init__(**params)
        self.lock = threading.Lock()
        self.on_page = True
        counted_step = self.step  # Mesa's wrapper: counts the step, then runs a week

        def step() -> None:
            with self.lock:
                if not self.on_page or self.steps >= self.p["weeks"]:
                    self.running = False  # SolaraViz stops playing, and Step is disabled
                    return
                counted_step()

        self.step = step


#: This session's model (None until the page first draws).
MODEL: solara.Reactive[SessionModel | None] = solara.reactive(None)


def forget() -> None:
    """Drop this session's model (the next visit to the page builds a new one)."""
    model = MODEL.peek()
    if model is not None:
        model.on_page = False
    MODEL.set(None)


def current(model: CommissioningModel) -> dict[str, Any]:
    """The slider parameters of a model, in the units the sliders use."""
    p = model.p
    fee = {k: p[k][REFERENCE_GROUP] if isinstance(p[k], dict) else p[k]
           for k in ("attachment_fee", "job_outcome_fee")}
    return {
        "regime": p["regime"],
        "claimants": int(p["claimants"]),
        "seed": int(p["seed"]),
        "attachment_fee": round(float(fee["attachment_fee"])),
        "job_outcome_fee": round(float(fee["job_outcome_fee"])),
        "service_fee_share": round(float(p["service_fee_share"]), 2),
        "recession_depth": round(float(p["recession_depth"]), 2),
    }


def model_params(values: dict[str, Any]) -> dict[str, Any]:
    """SolaraViz's `model_params`: a labelled input per parameter, starting at `values`."""
    return {
        "regime": {"type": "Select", "label": "Commissioning regime", "value": values["regime"],
                   "values": list(REGIMES)},
        "claimants": Slider("Claimants", values["claimants"], 200, 20_000, 100),
        "seed": Slider("Seed (the people and their luck)", values["seed"], 0, 99, 1),
        "attachment_fee": Slider("Attachment fee (£)", values["attachment_fee"], 0, 2000, 25),
        "job_outcome_fee": Slider("Job outcome fee (£)", values["job_outcome_fee"], 0, 6000,
                                  100),
        "service_fee_share": Slider("Service fee share", values["service_fee_share"], 0.0, 1.0,
                                    0.05),
        "recession_depth": Slider("Recession depth", values["recession_depth"], 0.0, 0.8, 0.05),
    }


def checked_parameters(values: dict[str, Any], keep: dict[str, Any]
                       ) -> tuple[dict[str, Any], list[str]]:
    """The values a model may be built with, and a phrase for each one refused.

    A value is taken only if the view's own control could have sent it: a
    regime on the list, a number within its slider's range (a whole number
    for claimants and seed). A refused value is replaced by `keep`'s.
    """
    offered = model_params(DEFAULTS)
    params, refused = dict(keep), []
    for name, value in values.items():
        control = offered.get(name)
        if control is None:
            refused.append(f"{shown(name)} (not a setting of this view)")
            continue
        if isinstance(control, Slider):
            whole = not control.is_float_slider
            number = (not isinstance(value, bool) and isinstance(value, int | float)
                      and math.isfinite(value) and (not whole or float(value).is_integer()))
            if number and control.min <= value <= control.max:
                params[name] = int(value) if whole else float(value)
                continue
            refused.append(f"{control.label.lower()} {_said(value)} (this view takes "
                           f"{control.min:,} to {control.max:,})")
        elif value in control["values"]:
            params[name] = value
        else:
            refused.append(f"{control['label'].lower()} {_said(value)} (this view offers "
                           + " or ".join(control["values"]) + ")")
    check_app_limits(params, "the Mesa view")
    return params, refused


def _said(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return shown(repr(value))


def summary(values: dict[str, Any]) -> str:
    """The model on screen in one line, in the sliders' words."""
    return (f"{values['regime']}, {values['claimants']:,} claimants, seed {values['seed']}, "
            f"attachment fee £{values['attachment_fee']:,}, job outcome fee "
            f"£{values['job_outcome_fee']:,}, service fee share {values['service_fee_share']:g}, "
            f"recession depth {values['recession_depth']:g}")


def _live(model: SessionModel) -> LiveTimeline:
    """The record of this model's weeks (kept on the model, made once)."""
    timeline = getattr(model, "timeline", None)
    if timeline is None:
        timeline = model.timeline = LiveTimeline(model)
    return timeline


@solara.component
def NetworkComponent(model: SessionModel) -> None:
    """SolaraViz component: the referral network this week (its layout computed once per model)."""
    update_counter.get()  # redraw after every step, as Mesa's own components do
    layout = LAYOUT.value or DEFAULT
    timeline = _live(model)
    pictures = solara.use_memo(
        lambda: (NetworkPicture(layout, timeline, "Who sends claimants to whom (a step is "
                                "one week)"), NetworkKey(layout, [timeline])),
        [model, layout])

    with model.lock:  # never half-way through a week
        timeline.sync()
        week = timeline.done
        drawn = [draw_safely(lambda p=p: p.png(week), "the referral network") for p in pictures]
        caption = describe(timeline, week)
    for (png, failure), picture in zip(drawn, pictures, strict=True):
        Picture(png, "The referral network: organisations, and the claimants sent between them",
                failure, picture.smallest_text(), int(picture.width))
    solara.Text(caption, classes=["picture-caption"])


@solara.component
def ChartsComponent(model: SessionModel) -> None:
    """SolaraViz component: the weekly charts (job outcomes, parking, cash, money)."""
    update_counter.get()
    layout = LAYOUT.value or DEFAULT
    timeline = _live(model)
    charts = solara.use_memo(
        lambda: [build_chart(name, layout, [timeline], [model.p["regime"]])
                 for name in chart_names(False)], [model, layout])

    with model.lock:
        timeline.sync()
        week = timeline.done
        drawn = [draw_safely(lambda c=c: c.png(week), "the charts") for c in charts]
    with solara.Div(classes=["pictures"],
                    style={"grid-template-columns": f"repeat({layout.columns}, minmax(0, 1fr))"}):
        for (png, failure), chart in zip(drawn, charts, strict=True):
            Picture(png, "A chart over weeks", failure, chart.smallest_text(), int(chart.width))


@solara.component
def ModelLine(model: SessionModel, text: str) -> None:
    """The week and the parameters of the model on screen (they change on Reset, not before)."""
    update_counter.get()
    week = min(model.steps, int(model.p["weeks"]))
    with solara.Div(classes=["mesa-now"]):
        solara.Text(f"Week {week} of {model.p['weeks']}", classes=["mesa-week"])
        solara.Text(f" · the model on screen: {text}.")


PLAY_INTERVAL_MS = 400  # a week at most every 0.4 s: room for a redraw on a shared server

INTRO = """\
**Mesa's standard SolaraViz interface**, showing this model as any Mesa model is
shown. The **Explore** page is the fuller classroom view: scenario files, more
settings, a claimant to follow, downloads.

Set the **Model Parameters** on the left, then press **Reset** to build a new model
with them; **Step** runs one week and **▶** plays. `two_tier` is primes with
subcontractors, `locality` local partnerships. Each fee is one price for every
payment group. The service fee share (0 to 1) is the part of the contract's value
paid whatever happens; the recession depth is the fall in vacancies at its trough.
"""


CSS = """
/* Mesa 3.3.1 puts each component in a half-width cell of a draggable grid: stack them instead. */
.mesa-view .vue-grid-layout { height: auto !important; }
.mesa-view .vue-grid-item { position: relative !important; transform: none !important;
                            width: 100% !important; height: auto !important;
                            margin-bottom: 16px; touch-action: auto !important; }
.mesa-view .vue-grid-item > .vue-resizable-handle, .mesa-view .vue-grid-placeholder {
    display: none !important; }
/* One page of components: its lone "Page 0" tab says nothing. */
.mesa-view .v-tabs { display: none; }
/* Show every slider's value, not only while it is dragged, as large as the page's text. */
.v-navigation-drawer .v-slider__thumb-label-container { display: block !important; }
.v-navigation-drawer .v-slider__thumb-label { font-size: 1rem; width: 3.2rem !important;
                                              height: 2rem !important; border-radius: 6px;
                                              transform: translateY(-20%) translateX(-50%)
                                              !important; left: 0; }
.v-navigation-drawer .v-slider__thumb-label > * { transform: none !important; }
.v-navigation-drawer .v-slider--horizontal { margin-top: 2.4rem; }
/* Each slider's name on a line of its own, above its track: beside it, the value shown
   over the thumb covered the name's end ("Recession dept"). */
.v-navigation-drawer .v-input__slot:has(> .v-slider) { flex-wrap: wrap; }
.v-navigation-drawer .v-input__slot:has(> .v-slider) > .v-label {
    flex: 1 0 100%; max-width: none; white-space: normal; }
/* Room for the value over the thumb at either end of the track. */
.v-navigation-drawer .v-input__slot > .v-slider--horizontal { margin-left: 1.2rem;
                                                              margin-right: 1.2rem; }
/* Mesa's play and render intervals and its threads switch are for developers, not pupils. */
.v-navigation-drawer .v-card:first-child .v-input { display: none !important; }
/* SolaraViz's light/dark toggle in the app bar (the app is drawn for a light page). */
header .v-btn:has(.mdi-weather-night), header .v-btn:has(.mdi-weather-sunny),
header .v-btn:has(.mdi-brightness-auto) { display: none; }
.mesa-now { font-size: 1rem; margin: 0 0 8px 0; }
.mesa-week { font-weight: 600; }
"""


@solara.component
def MesaView() -> None:
    """The page: a short note, then SolaraViz with this session's model."""
    if MODEL.peek() is None:
        MODEL.set(SessionModel(**DEFAULTS))
    model = MODEL.value

    def mounted():
        page_model = MODEL.peek()
        if page_model is not None:
            page_model.on_page = True

        def left() -> None:  # ends a Play loop still running in SolaraViz's thread
            model_left = MODEL.peek()
            if model_left is not None:
                model_left.on_page = False

        return left

    solara.use_effect(mounted, [])
    values = current(model)
    # SolaraViz's theme toggle starts in "auto": on a computer set to dark mode it would turn
    # the whole app dark (its captions and tabs are drawn for a light page). Light, and hidden.
    if solara.lab.theme.dark is not False:
        solara.lab.theme.dark = False
    solara.Style(CSS)
    with solara.Column(classes=["mesa-view", "page-main"], gap="0px"):
        Prose(INTRO)
        if model.refused:
            solara.Warning("Not used (the model keeps what it had): "
                           + "; ".join(model.refused) + ".", dense=True)
        ModelLine(model, summary(values))
        # Mesa's Play steps every play_interval ms and asks for a redraw each time; on a busy
        # classroom server a redraw can take longer than 100 ms (Mesa's default), so reacton
        # never finishes a render and stops the page ("Too many renders triggered").
        SolaraViz(MODEL, components=[(NetworkComponent, 0), (ChartsComponent, 0)],
                  model_params=model_params(values), name=" · Mesa's SolaraViz",
                  play_interval=PLAY_INTERVAL_MS)

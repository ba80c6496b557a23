"""The server checks every value a browser sends to a control, before the control sees it.

A page's controls are widgets on the server mirrored in the browser; a person
moving a slider sends an update message, and anything in the browser (its
console, a rewritten message) can send any value for any property of any
control. Issue 19 found the Mesa view's claimants slider taking 5,000,000
and its regime "evil", and the scenario picker taking a path. The app's own
handlers check what they receive (`Settings.changed`, `scenario_by_label`,
`mesa_page.checked_parameters`); this guard is the net under them and under
the controls the app does not write itself (Mesa's SolaraViz: its play and
render intervals too). Before ipywidgets applies an update from the browser
(`Widget.set_state`, which exists for nothing else), it refuses

- any property of a Vuetify control other than its value (`v_model`): a
  browser has no business setting a slider's `max` or a select's `items`;
- a slider's value that is not a number within the slider's own range;
- a select's value that is not one of its items;
- a toggle's or a tab bar's value that is not one of its buttons or tabs (a
  tab bar sent tab 99 put an `IndexError` traceback on the page), a
  checkbox's or switch's that is not true or false, a text field's longer
  than `MAX_TEXT`, and any other control's of another type than it holds.

A refused update is logged on the server, the control's true state is sent
back (the page shows what the server holds), and the page says in a sentence
what was not used (`REFUSED`, shown by the app's layout).

Nor may a browser make new controls on the server: Jupyter lets the front end
open a `jupyter.widget` comm with any state, and a script doing so in a loop
held server memory (500 text boxes of 100 kB: 50 MB) that no page uses. The
app's controls are all made by the server, so such a comm is closed unopened
(`Widget.handle_comm_opened`, which Solara registers for every session).
"""

from __future__ import annotations

import logging
import math
from typing import Any

import ipyvuetify as v
import ipywidgets
import solara

log = logging.getLogger(__name__)

MAX_TEXT = 1000  # characters in a text field (a claimant's number, a label)
#: This session's last refused update, as a sentence for the page (None: nothing refused).
REFUSED: solara.Reactive[str | None] = solara.reactive(None)


def _number_in(value: Any, low: Any, high: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _item_values(widget: v.Select) -> list:
    key = getattr(widget, "item_value", None) or "value"
    return [item.get(key) if isinstance(item, dict) else item for item in widget.items or []]


def refusal(widget: ipywidgets.Widget, state: dict[str, Any]) -> str | None:
    """Why this update from the browser must not be applied (a phrase), or None if it may."""
    if not isinstance(widget, v.VuetifyWidget):
        return None  # core widgets and templates (downloads, the upload button) sync their own
    others = set(state) - {"v_model"}
    if others:
        return f"a new {', '.join(sorted(others))}, which only the server sets"
    if "v_model" not in state:
        return None
    value = state["v_model"]
    if isinstance(widget, v.RangeSlider):
        ok = (isinstance(value, list) and len(value) == 2 and
              all(_number_in(x, widget.min, widget.max) for x in value))
        offered = f"{_said(widget.min)} to {_said(widget.max)}"
    elif isinstance(widget, v.Slider):
        ok = _number_in(value, widget.min, widget.max)
        offered = f"{_said(widget.min)} to {_said(widget.max)}"
    elif isinstance(widget, v.Select | v.Autocomplete):
        items = _item_values(widget)
        chosen = value if widget.multiple and isinstance(value, list) else [value]
        ok = all(_hashable_in(x, items) for x in chosen)
        offered = "its list"
    elif isinstance(widget, v.BtnToggle | v.Tabs):
        count = (len(widget.children) if isinstance(widget, v.BtnToggle)
                 else sum(isinstance(c, v.Tab) for c in widget.children))
        ok = value is None or (_number_in(value, 0, count - 1) and float(value).is_integer())
        offered = "one of its buttons" if isinstance(widget, v.BtnToggle) else "one of its tabs"
    elif isinstance(widget, v.Checkbox | v.Switch):
        ok = value is None or isinstance(value, bool)
        offered = "yes or no"
    elif isinstance(widget, v.TextField | v.Textarea):
        ok = value is None or (isinstance(value, str) and len(value) <= MAX_TEXT)
        offered = f"text of at most {MAX_TEXT:,} characters"
    else:  # a menu, a drawer, a panel...: what it holds now, or nothing
        now = widget.v_model
        ok = value is None or now is None or now == "!!disabled!!" or type(value) is type(now)
        offered = f"a {type(now).__name__}"
    return None if ok else f"{_said(value)}, not {offered}"


def _said(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _hashable_in(value: Any, items: list) -> bool:
    return any(type(value) is type(item) and value == item for item in items)


def refuse_new_control(comm: Any, msg: dict) -> None:
    """A browser asked the server to make a control: refused (only the server makes them)."""
    log.warning("refused a control made by a browser (%s)",
                msg.get("content", {}).get("data", {}).get("state", {}).get("_model_name"))
    comm.close()


def install() -> None:
    """Check every update from a browser before ipywidgets applies it (once per process)."""
    original = ipywidgets.Widget.set_state
    if getattr(original, "checked_by_the_app", False):
        return
    # Solara registers this for each new session (kernel_context.py: register_comm_target).
    ipywidgets.Widget.handle_comm_opened = staticmethod(refuse_new_control)

    def set_state(self: ipywidgets.Widget, sync_data: dict[str, Any]) -> None:
        why = refusal(self, sync_data)
        if why is None:
            original(self, sync_data)
            return
        log.warning("refused an update from a browser to a %s: %s", type(self).__name__, why)
        self.send_state([key for key in sync_data if key in self.keys])
        label = getattr(self, "label", None)
        control = f"“{label}”" if isinstance(label, str) and label else "a control"
        REFUSED.set(f"Not used: the page sent {control} {why}.")

    set_state.checked_by_the_app = True
    ipywidgets.Widget.set_state = set_state

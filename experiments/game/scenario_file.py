"""A game's decisions as a scenario file: the class's run, again, from the command line.

    commissioning run game_ABCD.toml

gives the class's numbers exactly: the file names the scenario the class played (a
shipped file by `inherits`, or every value written out for an uploaded one), the
class's claimants and seed, and each decision pupils took as `[[decisions]]` (week,
organisation, decision, value in the model's own units; `model/decisions.py`). Change
a decision and run it again to ask "what if Prime A had kept the contract's fee?".

Pupils' names are not written: the file is about organisations.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

from commissioning.model.decisions import as_table
from commissioning.model.parameters import PARAMETERS
from commissioning.model.scenario import load_scenario, packaged_scenarios
from commissioning.model.scenario_writer import render_scenario

from .room import Room


def _plain(text: str) -> str:
    """A name fit for a TOML string or comment: no control characters."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(_plain(value))  # a JSON string is a TOML basic string
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_value(k)} = {_value(v)}" for k, v in value.items()) + " }"
    return repr(float(value)) if isinstance(value, float) else str(value)


def decisions_file(room: Room) -> str:
    """The scenario file of a room's game (its decisions so far)."""
    with room.lock:
        model = room.model
        applied = list(model.decisions.applied)
        params = dict(model.p)
        label = room.label
    shipped = None
    if label.endswith(".toml") and (packaged_scenarios() / label).is_file():
        shipped = load_scenario(packaged_scenarios() / label)
    players = len(room.players)
    header = (f"The decisions of the Commissioning Game in room {room.code}, "
              f"{dt.date.today():%d %B %Y}: {players} pupil(s) played "
              f"{len({p.role for p in room.players.values()})} of the {len(room.roles)} "
              f"organisations of {_plain(room.scenario.name)}; the model's own rules played "
              "the rest.\n\nRun it again: commissioning run THIS_FILE.toml\n"
              "Each [[decisions]] table: from `week` on, `organisation` decides as written "
              "instead of by its own rule (model/decisions.py lists every decision).")
    name = f"Commissioning Game {room.code}: the class's decisions"
    if shipped is not None and not shipped.decisions:
        changed = {p.name for p in PARAMETERS if params[p.name] != shipped.params[p.name]}
        text = render_scenario(params, name=name, header=header, inherits=label, only=changed)
    else:
        text = render_scenario(params, name=name, header=header)
    lines = [text.rstrip("\n"), ""]
    for table in as_table(applied):
        lines.append("[[decisions]]")
        lines += [f"{k} = {_value(v)}" for k, v in table.items()]
        lines.append("")
    return "\n".join(lines)

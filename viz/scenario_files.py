"""Scenario files as the app offers them: the shipped ones, and any a person uploads.

A name that comes from the browser is a name, never a path. `load_shipped`
opens only the files shipped in `scenarios/`, by their names as the picker
lists them; anything else (`/home/teacher/answers.toml`, `../x`, `/dev/zero`)
gets the same one-line message whether or not such a file exists (issue 19: a
picker value rewritten in the browser loaded any file the server could read).

An uploaded file is checked as `commissioning validate` checks one, from its
bytes: nothing is written to disk, so no temporary path can reach a message,
and the message is the command line's: file, key, what was expected. It may
`inherit` only a shipped scenario (`locality`, `two_tier.toml`) or a file
uploaded earlier in the same browser tab, by name; any other `inherits` gets
one message. Its name must be a plain file name ending in `.toml`, its size
at most `MAX_UPLOAD_BYTES`, and the values that size a model within the app's
limits (`limits.py`). The app keeps the validated values, not the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from commissioning.model.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    packaged_scenarios,
    scenario_from_text,
)

from .limits import check_app_limits

MAX_UPLOAD_BYTES = 200_000
MAX_NAME_CHARACTERS = 100
UPLOADED = " (uploaded)"
#: Characters of a refused name or label shown back in a message.
SHOWN_CHARACTERS = 40


def shipped_files() -> list[str]:
    """Names of the scenario files shipped with the package, e.g. `two_tier.toml`."""
    return sorted(p.name for p in packaged_scenarios().glob("*.toml"))


def shown(text: object) -> str:
    """A name from the browser as a message may show it: printable, and cut if long."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"


def load_shipped(name: str) -> Scenario:
    """A shipped scenario by its file name (`two_tier.toml`), and nothing else.

    Raises ScenarioError if `name` is not one of `shipped_files()` (or does not load).
    """
    if not isinstance(name, str) or name not in shipped_files():
        raise ScenarioError(shown(name), "", "one of the scenario files the app offers: "
                            + ", ".join(shipped_files()))
    return load_scenario(packaged_scenarios() / name)


def short_name(label: str) -> str:
    """A label for charts and file names: `two_tier.toml (uploaded)` -> `two_tier`."""
    return label.removesuffix(UPLOADED).removesuffix(".toml")


def file_stem(text: str) -> str:
    """Text made safe for a downloaded file's name: letters, digits, `-`, `_` and `.`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "scenario"


def upload_name(filename: Any) -> str:
    """The uploaded file's own name, checked: a plain `.toml` file name a page can show.

    A browser sends the name without folders; a rewritten message may send
    anything, so folders are dropped and control characters, NUL and very long
    names are refused.
    """
    if not isinstance(filename, str) or not filename.strip():
        raise ScenarioError("uploaded file", "", "a file with a name")
    name = re.split(r"[/\\]", filename)[-1]
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ScenarioError(shown(name), "", "a file name without control characters")
    if len(name) > MAX_NAME_CHARACTERS:
        raise ScenarioError(shown(name), "", f"a file name of at most {MAX_NAME_CHARACTERS} "
                            f"characters (this one has {len(name):,})")
    if not name.endswith(".toml"):
        raise ScenarioError(name, "", "a scenario file ending in .toml")
    return name


def readable_size(size: int) -> str:
    """Bytes for people: 950 bytes, 250 kB, 17.3 MB."""
    if size < 1000:
        return f"{size} bytes"
    return f"{size / 1000:,.0f} kB" if size < 1_000_000 else f"{size / 1e6:,.1f} MB"


def check_size(name: str, size: int) -> None:
    """Refuse a file over `MAX_UPLOAD_BYTES` (before reading it, when the size is known)."""
    if size > MAX_UPLOAD_BYTES:
        cap = readable_size(MAX_UPLOAD_BYTES)
        raise ScenarioError(name, "", f"a scenario file of at most {cap} "
                            f"(this one is {readable_size(size)})")


def inheritable(name: str, uploads: Mapping[str, Scenario]) -> Scenario | None:
    """What an upload may inherit under `name`: a shipped scenario or an earlier upload."""
    file = name if name.endswith(".toml") else f"{name}.toml"
    if file + UPLOADED in uploads:
        return uploads[file + UPLOADED]
    return load_shipped(file) if file in shipped_files() else None


def load_upload(filename: Any, content: bytes,
                uploads: Mapping[str, Scenario] | None = None) -> tuple[str, Scenario]:
    """Validate an uploaded scenario file; returns its label and the scenario.

    `uploads` are the files this session uploaded before (by label): the only
    ones, besides the shipped scenarios, that this one may inherit. Raises
    ScenarioError with a message that names the uploaded file, the key and
    what was expected.
    """
    name = upload_name(filename)
    check_size(name, len(content))
    earlier = uploads or {}

    def parent(inherits: str) -> dict[str, Any]:
        scenario = inheritable(inherits, earlier)
        if scenario is None:
            raise ScenarioError(name, "scenario.inherits", "a shipped scenario ("
                                + ", ".join(short_name(f) for f in shipped_files())
                                + ") or a file uploaded earlier in this tab", shown(inherits))
        return scenario.params

    scenario = scenario_from_text(bytes(content), name, parent)
    check_app_limits(scenario.params, name, uploaded=True)
    scenario.path = Path(name)
    return name + UPLOADED, scenario

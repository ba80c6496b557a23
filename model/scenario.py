"""Scenario files: named, documented sets of model parameters, in TOML.

A scenario file is data, never code. It may start from another file
(`[scenario] inherits = "two_tier.toml"`) and change only what differs, so
that regimes share every parameter they do not set. Everything is checked
against the parameter table (`parameters.py`): an unknown section or key, a
wrong type, a value out of range or shares that do not sum to one give one
`ScenarioError` naming the file, the key and what was expected.

Reading is guarded because a file name may come from someone else (a pupil at
the classroom app, a shared sweep folder): a file is opened only if it is a
regular file (never a device such as /dev/zero, a pipe that would block, or a
folder), at most `MAX_FILE_BYTES` are read, nesting deeper than Python's
parser can follow is one message, and a message never quotes the content of
a file it *inherits* (only the key that was wrong and what was expected).
The app reads uploads with `scenario_from_text`, which touches no file and
resolves `inherits` only through the names the app allows.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .calendar import parse_month
from .parameters import BY_NAME, NEED_GROUPS, PAYMENT_GROUPS, SECTIONS, Param, defaults

SCENARIO_TABLE = "scenario"
SCENARIO_KEYS = {"name", "description", "inherits"}


class ScenarioError(ValueError):
    """Bad scenario input: says where (file), which key, and what was expected."""

    def __init__(self, source: str, key: str, expected: str, got: Any = None):
        self.source, self.key, self.expected, self.got = source, key, expected, got
        where = f"{source}: {key}" if key else source
        detail = f"expected {expected}"
        if got is not None:
            detail += f", got {_short(got)}"
        super().__init__(f"{where}: {detail}")

    def quiet(self) -> ScenarioError:
        """The same error without the value (for a file that was inherited, not named)."""
        return ScenarioError(self.source, self.key, self.expected)


#: Characters of a wrong value quoted in a message (a long string is cut, not echoed whole).
ECHO_CHARACTERS = 60


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= ECHO_CHARACTERS else text[:ECHO_CHARACTERS - 1] + "…"


@dataclass
class Scenario:
    """A validated scenario: every parameter value, and where it came from."""

    name: str
    description: str = ""
    path: Path | None = None
    params: dict[str, Any] = field(default_factory=defaults)
    #: The file's own `[[decisions]]` tables, taken in place of organisations' rules
    #: (model/decisions.py checks them; they are not inherited): a game's, run again.
    decisions: tuple[dict[str, Any], ...] = ()

    def with_overrides(self, assignments: list[str], source: str = "--set") -> Scenario:
        params = apply_overrides(self.params, assignments, source)
        return Scenario(self.name, self.description, self.path, params, self.decisions)


# --- value checking ----------------------------------------------------------


def _num(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def _describe_range(p: Param) -> str:
    lo = "" if p.low == -math.inf else _num(p.low)
    hi = "" if p.high == math.inf else _num(p.high)
    if lo and hi:
        return f"between {lo} and {hi}"
    if lo:
        return f"at least {lo}"
    return f"at most {hi}" if hi else "any value"


def _number(value: Any, p: Param, source: str, key: str, integer: bool) -> float | int:
    kind = "a whole number" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(source, key, f"{kind} {_describe_range(p)} ({p.unit})", value)
    if integer and isinstance(value, float):
        if not value.is_integer():
            raise ScenarioError(source, key, f"{kind} {_describe_range(p)}", value)
        value = int(value)
    if math.isnan(value) or not (p.low <= value <= p.high):
        raise ScenarioError(source, key, f"{kind} {_describe_range(p)} ({p.unit})", value)
    return value if integer else float(value)


def check_value(p: Param, value: Any, source: str, key: str | None = None,
                current: Any = None) -> Any:
    """Return `value` converted to the parameter's type, or raise ScenarioError."""
    key = key or p.key
    if p.kind in ("float", "int"):
        return _number(value, p, source, key, p.kind == "int")
    if p.kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(source, key, "true or false", value)
        return value
    if p.kind == "choice":
        if value not in p.choices:
            raise ScenarioError(source, key, "one of " + ", ".join(p.choices), value)
        return value
    if p.kind == "list":
        if not isinstance(value, list) or not value:
            raise ScenarioError(source, key, f"a non-empty list of numbers {_describe_range(p)}",
                                value)
        return [_number(v, p, source, f"{key}[{i}]", p.integer_values)
                for i, v in enumerate(value)]
    if p.kind == "path":
        return _path(value, p, source, key)
    if p.kind == "per_group":
        base = dict(current if current is not None else p.default)
        if isinstance(value, dict):
            for group, v in value.items():
                if group not in PAYMENT_GROUPS:
                    raise ScenarioError(source, f"{key}.{group}",
                                        "a payment group: " + ", ".join(PAYMENT_GROUPS))
                base[group] = _number(v, p, source, f"{key}.{group}", p.integer_values)
            return base
        number = _number(value, p, source, key, p.integer_values)
        return dict.fromkeys(PAYMENT_GROUPS, number)
    raise AssertionError(p.kind)


def _path(value: Any, p: Param, source: str, key: str) -> list[list]:
    """A path: [["YYYY-MM", number], ...] with months strictly increasing."""
    expected = (f'a list of ["YYYY-MM", value] points, months in order, values '
                f"{_describe_range(p)} ({p.unit})")
    if not isinstance(value, list) or not value:
        raise ScenarioError(source, key, expected, value)
    out, last = [], None
    for i, point in enumerate(value):
        if not (isinstance(point, list) and len(point) == 2 and isinstance(point[0], str)):
            raise ScenarioError(source, f"{key}[{i}]", expected, point)
        try:
            month = parse_month(point[0])
        except ValueError:
            raise ScenarioError(source, f"{key}[{i}]", 'a month as "YYYY-MM"',
                                point[0]) from None
        if last is not None and month <= last:
            raise ScenarioError(source, f"{key}[{i}]", "months in increasing order", point[0])
        last = month
        out.append([point[0], _number(point[1], p, source, f"{key}[{i}]", False)])
    return out


def check_consistency(params: dict[str, Any], source: str) -> None:
    """Rules that involve more than one value."""
    total = sum(params["referral_share"].values())
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(source, "claimants.referral_share",
                            "shares that sum to 1", round(total, 6))
    stages = len(params["staged_outcome_weeks"])
    for name in ("staged_outcome_windows", "staged_outcome_shares"):
        if len(params[name]) != stages:
            raise ScenarioError(source, BY_NAME[name].key, f"{stages} entries, one per stage "
                                "of payments.staged_outcome_weeks", len(params[name]))
    if any(b <= a for a, b in zip(params["staged_outcome_weeks"],
                                  params["staged_outcome_weeks"][1:], strict=False)):
        raise ScenarioError(source, "payments.staged_outcome_weeks", "weeks in increasing "
                            "order", params["staged_outcome_weeks"])
    if len(params["need_price_multiplier"]) != len(NEED_GROUPS):
        raise ScenarioError(source, "payments.need_price_multiplier",
                            f"{len(NEED_GROUPS)} multipliers: " + ", ".join(NEED_GROUPS),
                            params["need_price_multiplier"])


def validate_params(values: dict[str, Any], source: str,
                    base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check keyword arguments (flat names) and merge them onto `base` or the defaults."""
    params = base.copy() if base is not None else defaults()
    for name, value in values.items():
        p = BY_NAME.get(name)
        if p is None:
            raise ScenarioError(source, name, "a model parameter (see `commissioning "
                                "parameters`)")
        params[name] = check_value(p, value, source, p.key, params.get(name))
    check_consistency(params, source)
    return params


# --- files -------------------------------------------------------------------


def packaged_scenarios() -> Path:
    """The folder of the scenario files shipped with the package."""
    return Path(str(resources.files("commissioning.scenarios")))


def resolve_path(name: str | Path) -> Path:
    """A path as given, or a shipped scenario by bare name (`locality` or `locality.toml`).

    A name with a folder in it is always taken as a path, so a missing file is
    never silently replaced by a shipped one.
    """
    path = Path(name)
    if path.exists() or path.parent != Path("."):
        return path
    shipped = packaged_scenarios() / (path.name if path.suffix else f"{path.name}.toml")
    return shipped if shipped.exists() else path


#: The largest scenario or sweep file read (the largest shipped one is about 24 kB).
MAX_FILE_BYTES = 1_000_000
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "a pipe or socket"
    return "a device"


def read_file_bytes(path: str | Path, what: str = "scenario file") -> bytes:
    """The bytes of a regular file, at most `MAX_FILE_BYTES`, or ScenarioError.

    Opened without blocking (a pipe with no writer would otherwise hang the
    reader for good) and checked with `fstat` on the open file, so a special
    file never gets read and a file swapped for one after a check does not
    either.
    """
    source = str(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise ScenarioError(source, "", f"a readable {what} (no such file)") from None
    except ValueError:  # a NUL in the name
        raise ScenarioError(source.replace("\0", "\\0"), "",
                            f"a {what} name without NUL characters") from None
    except OSError as exc:
        raise ScenarioError(source, "", f"a readable {what} ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ScenarioError(source, "", f"a readable {what}, not {_not_regular(mode)}")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ScenarioError(source, "", f"a readable {what} ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(source, "", f"a {what} of at most {MAX_FILE_BYTES // 1000:,} kB")
    return data


def parse_toml(data: bytes, source: str) -> dict[str, Any]:
    """TOML text as a dict, or one ScenarioError (bad UTF-8, bad TOML, nesting too deep)."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(source, "", "a UTF-8 text file in TOML format") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"valid TOML ({exc})") from None
    except RecursionError:  # e.g. 5,000 nested arrays: Python's parser gives up
        raise ScenarioError(source, "", "TOML with arrays and tables nested a few levels "
                            "deep, not hundreds") from None


def read_toml_file(path: str | Path, what: str = "scenario file") -> dict[str, Any]:
    """A regular TOML file of at most `MAX_FILE_BYTES`, parsed (see `read_file_bytes`)."""
    return parse_toml(read_file_bytes(path, what), str(path))


#: Where a scenario's parent comes from: its `inherits` string -> the parent's parameters.
ParentLookup = Callable[[str], dict[str, Any]]


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = (),
                  _seen: tuple[Path, ...] = ()) -> Scenario:
    """Read, check and resolve a scenario file (following `inherits`)."""
    path = resolve_path(path)
    source = str(path)
    data = read_toml_file(path)

    def parent(inherits: str) -> dict[str, Any]:
        parent_path = (path.parent / inherits).resolve()
        if not parent_path.is_file() and Path(inherits).parent == Path("."):
            shipped = resolve_path(inherits)  # e.g. "two_tier.toml" from anywhere
            parent_path = shipped.resolve() if shipped.is_file() else parent_path
        if parent_path in _seen or parent_path == path.resolve():
            raise ScenarioError(source, "scenario.inherits", "no circular inheritance",
                                inherits)
        if not parent_path.is_file():
            raise ScenarioError(source, "scenario.inherits",
                                "a scenario file next to this one or a shipped scenario",
                                inherits)
        try:
            return load_scenario(parent_path, (), (*_seen, path.resolve())).params
        except ScenarioError as exc:  # its file and key, never its values
            raise exc.quiet() from None

    scenario = scenario_from_data(data, source, parent, path.stem)
    scenario.path = path
    return scenario.with_overrides(list(overrides)) if overrides else scenario


def scenario_from_text(content: bytes, source: str, parent: ParentLookup) -> Scenario:
    """A scenario from a file's bytes (an upload), with `inherits` resolved by `parent`.

    Nothing is read from disk: `parent` decides which names may be inherited
    and raises ScenarioError for any other.
    """
    if len(content) > MAX_FILE_BYTES:
        raise ScenarioError(source, "", f"a scenario file of at most "
                            f"{MAX_FILE_BYTES // 1000:,} kB")
    return scenario_from_data(parse_toml(content, source), source, parent,
                              Path(source).stem)


def scenario_from_data(data: dict[str, Any], source: str, parent: ParentLookup,
                       default_name: str) -> Scenario:
    """Check a parsed scenario file and resolve it onto its parent (or the defaults)."""
    meta = data.pop(SCENARIO_TABLE, {})
    decisions = data.pop("decisions", [])
    if not isinstance(decisions, list):
        raise ScenarioError(source, "decisions", "[[decisions]] tables")
    if not isinstance(meta, dict):
        raise ScenarioError(source, SCENARIO_TABLE, "a table with name, description, inherits")
    for key in meta:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(source, f"{SCENARIO_TABLE}.{key}",
                                "one of " + ", ".join(sorted(SCENARIO_KEYS)))
    for key in ("name", "description", "inherits"):
        if key in meta and not isinstance(meta[key], str):
            raise ScenarioError(source, f"{SCENARIO_TABLE}.{key}", "a string", meta[key])

    params = dict(parent(meta["inherits"])) if "inherits" in meta else defaults()

    for section, table in data.items():
        if section not in SECTIONS:
            raise ScenarioError(source, section, "a section: " + ", ".join(
                (SCENARIO_TABLE, *SECTIONS)))
        if not isinstance(table, dict):
            raise ScenarioError(source, section, "a table of parameters ([section])", table)
        for name, value in table.items():
            p = BY_NAME.get(name)
            if p is None or p.section != section:
                known = [q.name for q in BY_NAME.values() if q.section == section]
                raise ScenarioError(source, f"{section}.{name}",
                                    f"a parameter of [{section}]: " + ", ".join(known))
            params[name] = check_value(p, value, source, p.key, params[name])
    check_consistency(params, source)
    return Scenario(meta.get("name", default_name), meta.get("description", ""), None, params,
                    tuple(decisions))


# --- command-line overrides ----------------------------------------------------


def parse_literal(text: str) -> Any:
    """A `--set` value: TOML syntax (numbers, true/false, [lists], {tables}), else a string.

    Only a value: text that would parse as more than `v = ...` (a line break
    and a new table) stays a string, and so is refused as a wrong value.
    """
    try:
        parsed = tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return text
    return parsed["v"] if parsed.keys() == {"v"} else text


def apply_overrides(params: dict[str, Any], assignments: list[str],
                    source: str = "--set") -> dict[str, Any]:
    """Apply `section.key=value` (or `section.key.group=value`) assignments."""
    out = dict(params)
    for assignment in assignments:
        target, sep, text = assignment.partition("=")
        target = target.strip()
        if not sep or not target:
            raise ScenarioError(source, assignment, "section.key=value")
        parts = target.split(".")
        if len(parts) not in (2, 3):
            raise ScenarioError(source, target, "section.key or section.key.group")
        section, name = parts[0], parts[1]
        p = BY_NAME.get(name)
        if p is None or p.section != section:
            if section not in SECTIONS:
                raise ScenarioError(source, target,
                                    "a section: " + ", ".join(SECTIONS))
            known = [q.name for q in BY_NAME.values() if q.section == section]
            raise ScenarioError(source, target,
                                f"a parameter of [{section}]: " + ", ".join(known))
        if "\n" in text or "\r" in text:
            raise ScenarioError(source, target, "a value on one line (no line breaks)")
        try:
            value = parse_literal(text.strip())
        except RecursionError:
            raise ScenarioError(source, target, "a value nested a few levels deep, "
                                "not hundreds") from None
        if len(parts) == 3:
            if p.kind != "per_group":
                raise ScenarioError(source, target, f"{section}.{name}=value (not per group)")
            value = {parts[2]: value}
        out[name] = check_value(p, value, source, p.key, out[name])
    check_consistency(out, source)
    return out

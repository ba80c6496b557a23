"""Scenario files: named, documented sets of model parameters, in TOML.

A scenario file is data, never code. It may start from another file
(`[scenario] inherits = "two_tier.toml"`) and change only what differs, so
that regimes share every parameter they do not set. Everything is checked
against the parameter table (`parameters.py`): an unknown section or key, a
wrong type, a value out of range or shares that do not sum to one give one
`ScenarioError` naming the file, the key and what was expected.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .parameters import BY_NAME, PAYMENT_GROUPS, SECTIONS, Param, defaults

SCENARIO_TABLE = "scenario"
SCENARIO_KEYS = {"name", "description", "inherits"}


class ScenarioError(ValueError):
    """Bad scenario input: says where (file), which key, and what was expected."""

    def __init__(self, source: str, key: str, expected: str, got: Any = None):
        self.source, self.key, self.expected, self.got = source, key, expected, got
        where = f"{source}: {key}" if key else source
        detail = f"expected {expected}"
        if got is not None:
            detail += f", got {got!r}"
        super().__init__(f"{where}: {detail}")


@dataclass
class Scenario:
    """A validated scenario: every parameter value, and where it came from."""

    name: str
    description: str = ""
    path: Path | None = None
    params: dict[str, Any] = field(default_factory=defaults)
    #: `[[decisions]]` tables taken in place of organisations' rules (model/decisions.py
    #: checks them): the Commissioning Game's decisions, run again.
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


def check_consistency(params: dict[str, Any], source: str) -> None:
    """Rules that involve more than one value."""
    total = sum(params["referral_share"].values())
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(source, "claimants.referral_share",
                            "shares that sum to 1", round(total, 6))


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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(str(path), "", "a readable scenario file (no such file)") from None
    except OSError as exc:
        raise ScenarioError(str(path), "", f"a readable scenario file ({exc.strerror})") from None
    try:
        return tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(str(path), "", "a UTF-8 text file in TOML format") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(str(path), "", f"valid TOML ({exc})") from None


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = (),
                  _seen: tuple[Path, ...] = ()) -> Scenario:
    """Read, check and resolve a scenario file (following `inherits`)."""
    path = resolve_path(path)
    source = str(path)
    data = _read_toml(path)
    meta = data.pop(SCENARIO_TABLE, {})
    decisions = data.pop("decisions", [])
    if not isinstance(decisions, list):
        raise ScenarioError(source, "decisions", "[[decisions]] tables", decisions)
    if not isinstance(meta, dict):
        raise ScenarioError(source, SCENARIO_TABLE, "a table with name, description, inherits")
    for key in meta:
        if key not in SCENARIO_KEYS:
            raise ScenarioError(source, f"{SCENARIO_TABLE}.{key}",
                                "one of " + ", ".join(sorted(SCENARIO_KEYS)))
    for key in ("name", "description", "inherits"):
        if key in meta and not isinstance(meta[key], str):
            raise ScenarioError(source, f"{SCENARIO_TABLE}.{key}", "a string", meta[key])

    if "inherits" in meta:
        parent_path = (path.parent / meta["inherits"]).resolve()
        if not parent_path.is_file() and Path(meta["inherits"]).parent == Path("."):
            shipped = resolve_path(meta["inherits"])  # e.g. "two_tier.toml" from anywhere
            parent_path = shipped.resolve() if shipped.is_file() else parent_path
        if parent_path in _seen or parent_path == path.resolve():
            raise ScenarioError(source, "scenario.inherits", "no circular inheritance",
                                meta["inherits"])
        if not parent_path.is_file():
            raise ScenarioError(source, "scenario.inherits",
                                "a scenario file next to this one or a shipped scenario",
                                meta["inherits"])
        parent = load_scenario(parent_path, (), (*_seen, path.resolve()))
        params, decisions = parent.params, [*parent.decisions, *decisions]
    else:
        params = defaults()

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

    scenario = Scenario(meta.get("name", path.stem), meta.get("description", ""), path, params,
                        tuple(decisions))
    return scenario.with_overrides(list(overrides)) if overrides else scenario


# --- command-line overrides ----------------------------------------------------


def parse_literal(text: str) -> Any:
    """A `--set` value: TOML syntax (numbers, true/false, [lists], {tables}), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


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
        value = parse_literal(text.strip())
        if len(parts) == 3:
            if p.kind != "per_group":
                raise ScenarioError(source, target, f"{section}.{name}=value (not per group)")
            value = {parts[2]: value}
        out[name] = check_value(p, value, source, p.key, out[name])
    check_consistency(out, source)
    return out

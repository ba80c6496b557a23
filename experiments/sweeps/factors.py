"""Varied parameters ("factors") of a sweep file: what each sets, and to what.

One `[vary."section.key"]` table is one factor: a model parameter (or one
payment group of it) with either `values = [...]` or `low` and `high` (and
`levels` in a grid), optionally `scale = true` (multiply each scenario's own
value) and `also = [...]` (further parameters that take the same value).
Every value and bound is checked against each parameter's range as a scenario
value is, and a message names the sweep file and the key
(`vary.referral.attachment_rate.high`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from commissioning.model.parameters import BY_NAME, PAYMENT_GROUPS, SECTIONS
from commissioning.model.scenario import ScenarioError, check_value

FACTOR_KEYS = ("values", "low", "high", "levels", "scale", "also")


@dataclass(frozen=True)
class Factor:
    """One varied parameter: what it sets and the values it may take.

    `key` is what the file says (`payments.job_outcome_fee` or, for one payment
    group, `payments.job_outcome_fee.esa_ex_ib`); it is also the column name in
    the results. With `scale`, the sampled number multiplies each scenario's own
    value (all groups of a per-group parameter, every entry of a list), so
    "fees x0.5 to x1.5" keeps the structure of the fee schedule. `also` lists
    further parameters that take the same value (or the same multiplier): the
    payment lag of the contract holder in either regime, say, so that both
    regimes see the same lag at every design point.
    """

    key: str
    name: str
    group: str | None
    low: float | None = None
    high: float | None = None
    values: tuple[Any, ...] | None = None
    levels: int | None = None
    scale: bool = False
    also: tuple[str, ...] = ()

    @property
    def targets(self) -> list[tuple[str, str | None]]:
        """(parameter name, payment group or None) of everything this factor sets."""
        out: list[tuple[str, str | None]] = [(self.name, self.group)]
        for key in self.also:
            parts = key.split(".")
            out.append((parts[1], parts[2] if len(parts) == 3 else None))
        return out

    @property
    def integer(self) -> bool:
        """The value set is a whole number (an integer parameter, not scaled)."""
        return not self.scale and any(BY_NAME[n].kind == "int" or BY_NAME[n].integer_values
                                      for n, _ in self.targets)

    @property
    def kind(self) -> str:
        """What a sampled value is: "number", "choice" (a string) or "bool"."""
        p = BY_NAME[self.name]
        return p.kind if p.kind in ("choice", "bool") and not self.scale else "number"

    @property
    def unit(self) -> str:
        return "x scenario value" if self.scale else BY_NAME[self.name].unit


def flatten_vary(table: Any, source: str, prefix: str = "") -> dict[str, dict]:
    """`[vary."a.b"]` and `[vary.a.b]` alike: key path -> spec table."""
    if not isinstance(table, dict):
        raise ScenarioError(source, f"vary{prefix}", "a table of parameters to vary", table)
    out: dict[str, dict] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, dict):
            raise ScenarioError(source, f"vary.{path}", "a table with values = [...] or "
                                "low and high", value)
        if any(k in FACTOR_KEYS for k in value):
            out[path] = value
        else:
            out.update(flatten_vary(value, source, path))
    return out


def _target(key: str, source: str, where: str) -> tuple[str, str | None]:
    """The parameter name (and payment group) a vary key sets."""
    parts = key.split(".") if isinstance(key, str) else []
    if len(parts) not in (2, 3) or parts[0] not in SECTIONS:
        raise ScenarioError(source, where, "a model parameter as section.key or "
                            "section.key.group (see `commissioning parameters`)",
                            None if where.endswith(str(key)) else key)
    section, name = parts[:2]
    p = BY_NAME.get(name)
    if p is None or p.section != section:
        known = [q.name for q in BY_NAME.values() if q.section == section]
        raise ScenarioError(source, where, f"a parameter of [{section}]: " + ", ".join(known))
    if name == "seed":
        raise ScenarioError(source, where, "a parameter other than the seed (the sweep sets "
                            "seeds: use sweep.replicates and sweep.seed)")
    group = parts[2] if len(parts) == 3 else None
    if group is not None and (p.kind != "per_group" or group not in PAYMENT_GROUPS):
        expected = ("a payment group: " + ", ".join(PAYMENT_GROUPS) if p.kind == "per_group"
                    else f"{section}.{name} (it has no payment groups)")
        raise ScenarioError(source, where, expected)
    return name, group


def _number(value: Any, factor_key: str, field: str, source: str, names: list[str],
            scale: bool) -> float | int:
    """A bound or value of a numeric factor, checked against each parameter's range."""
    where = f"vary.{factor_key}.{field}"
    if scale:
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
                value >= 0 and math.isfinite(value)):
            raise ScenarioError(source, where, "a multiplier of at least 0", value)
        return float(value)
    for name in names:
        checked = check_value(BY_NAME[name], value, source, where, BY_NAME[name].default)
    # A per-group parameter checks one number for every group: keep the number.
    return next(iter(checked.values())) if isinstance(checked, dict) else checked


def _family(kind: str, scale: bool) -> str:
    return "number" if scale or kind not in ("choice", "bool") else kind


def _also(key: str, spec: dict, source: str, scale: bool) -> tuple[str, ...]:
    """Further parameters set with the factor; each of the same family (number, ...)."""
    also = spec.get("also", [])
    if not isinstance(also, list) or not all(isinstance(a, str) for a in also):
        raise ScenarioError(source, f"vary.{key}.also", "a list of parameters as "
                            "\"section.key\"", also)
    main = BY_NAME[key.split(".")[1]]
    for i, other in enumerate(also):
        name, _ = _target(other, source, f"vary.{key}.also[{i}]")
        p = BY_NAME[name]
        if _family(p.kind, scale) != _family(main.kind, scale) or (
                p.kind == "choice" and p.choices != main.choices) or (
                p.kind == "list" and not scale):
            raise ScenarioError(source, f"vary.{key}.also[{i}]", f"a parameter that takes "
                                f"the same values as {key}", other)
    return tuple(also)


def parse_factor(key: str, spec: dict, source: str, design: str) -> Factor:
    name, group = _target(key, source, f"vary.{key}")
    p = BY_NAME[name]
    for k in spec:
        if k not in FACTOR_KEYS:
            raise ScenarioError(source, f"vary.{key}.{k}", "one of " + ", ".join(FACTOR_KEYS))
    scale = spec.get("scale", False)
    if not isinstance(scale, bool):
        raise ScenarioError(source, f"vary.{key}.scale", "true or false", scale)
    also = _also(key, spec, source, scale)
    names = [name, *(a.split(".")[1] for a in also)]
    if scale and p.kind not in ("float", "int", "per_group", "list"):
        raise ScenarioError(source, f"vary.{key}.scale", "false (only numbers can be scaled)")
    if p.kind == "path":
        raise ScenarioError(source, f"vary.{key}", "a number, not a dated path (vary its "
                            "level instead, e.g. labour_market.vacancy_ratio_level)")
    if p.kind == "list" and not scale:
        raise ScenarioError(source, f"vary.{key}.scale", "true (a list parameter can only be "
                            "varied by scaling it)")
    has_values, has_range = "values" in spec, "low" in spec or "high" in spec
    if has_values == has_range:
        raise ScenarioError(source, f"vary.{key}", "either values = [...] or low and high")
    numeric = scale or p.kind not in ("choice", "bool")
    if has_values:
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise ScenarioError(source, f"vary.{key}.values", "a non-empty list", values)
        if numeric:
            values = [_number(v, key, f"values[{i}]", source, names, scale)
                      for i, v in enumerate(values)]
        else:
            values = [check_value(p, v, source, f"vary.{key}.values[{i}]")
                      for i, v in enumerate(values)]
        if len(set(values)) != len(values):
            raise ScenarioError(source, f"vary.{key}.values", "values that differ", values)
        if "levels" in spec:
            raise ScenarioError(source, f"vary.{key}.levels", "no levels with values "
                                "(the values are the levels)")
        return Factor(key, name, group, values=tuple(values), scale=scale, also=also)
    if not numeric:
        raise ScenarioError(source, f"vary.{key}", f"values = [...] (a {p.kind} parameter "
                            "has no range)")
    for bound in ("low", "high"):
        if bound not in spec:
            raise ScenarioError(source, f"vary.{key}.{bound}", "a number (give low and high)")
    low = _number(spec["low"], key, "low", source, names, scale)
    high = _number(spec["high"], key, "high", source, names, scale)
    if not low < high:
        raise ScenarioError(source, f"vary.{key}.high", f"a number above low ({low:g})", high)
    levels = spec.get("levels")
    if design == "grid":
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2:
            raise ScenarioError(source, f"vary.{key}.levels", "a whole number of at least 2 "
                                "(how many evenly spaced grid levels from low to high)", levels)
    elif levels is not None:
        raise ScenarioError(source, f"vary.{key}.levels", f"no levels in a {design} design "
                            "(levels are for grid designs; sweep.samples sets the points)")
    return Factor(key, name, group, low=low, high=high, levels=levels, scale=scale,
                  also=also)


def check_duplicates(factors: tuple[Factor, ...], source: str) -> None:
    seen: dict[str, list[tuple[str | None, Factor]]] = {}
    for f in factors:
        for name, group in f.targets:
            for other_group, other in seen.get(name, []):
                if group is None or other_group is None or group == other_group:
                    raise ScenarioError(source, f"vary.{f.key}", f"a parameter not varied "
                                        f"twice (vary.{other.key} varies {name} too)")
            seen.setdefault(name, []).append((group, f))


def check_not_fixed(assignments: tuple[str, ...], factors: tuple[Factor, ...],
                     source: str) -> None:
    varied = {name for f in factors for name, _ in f.targets}
    for a in assignments:
        target = a.partition("=")[0].strip()
        parts = target.split(".")
        if len(parts) >= 2 and parts[1] in varied:
            raise ScenarioError(source, target, "a parameter the sweep does not vary (it is "
                                "under [vary]; a fixed value would be overwritten)")

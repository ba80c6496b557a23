"""Sweep files: which scenarios, which parameters to vary, how, and how often.

A sweep file is a TOML document, data like a scenario file, with two tables:

    [sweep]
    scenarios = ["two_tier", "locality"]   # paths next to this file, or shipped names
    design = "grid"                        # grid | random | latin | sobol | morris
    replicates = 3
    seed = 1
    set = ["area.claimants=10000"]         # as `--set`, applied to every run

    [vary."payments.attachment_fee"]       # any parameter as section.key[.group]
    values = [0, 200, 400, 600]

    [vary."payments.job_outcome_fee"]
    low = 600
    high = 2400
    levels = 4                             # grid only: evenly spaced levels

Everything is checked here, before anything runs, with the same
`ScenarioError` as scenario files: one message naming the sweep file, the key
(`sweep.design`, `vary.payments.attachment_fee.low`, ...) and what was
expected. The scenarios are loaded (and checked) with the sweep's `set`
overrides and the command line's `--set`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commissioning.model.metrics import WEEKLY_KEYS
from commissioning.model.parameters import SECTIONS
from commissioning.model.scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    packaged_scenarios,
    read_toml_file,
    resolve_path,
)

from .factors import Factor, check_duplicates, check_not_fixed, flatten_vary, parse_factor

DESIGNS = ("grid", "random", "latin", "sobol", "morris")
SEED_MODES = ("common", "per_point")
SWEEP_KEYS = ("name", "description", "scenarios", "design", "samples", "levels", "replicates",
              "seed", "seeds", "set", "weekly", "workers")
DEFAULT_SCENARIOS = ("two_tier",)
#: Seeds stay below this, so that seed + replicate is a valid model seed.
MAX_SEED = 2**62


@dataclass(frozen=True)
class SweepSpec:
    """A checked sweep file, with the command line's overrides applied."""

    path: Path
    name: str
    description: str
    scenario_names: tuple[str, ...]
    scenarios: tuple[Scenario, ...]
    factors: tuple[Factor, ...]
    design: str
    samples: int | None
    levels: int
    replicates: int
    seed: int
    seeds: str
    assignments: tuple[str, ...]
    weekly: tuple[str, ...] | None
    workers: int | None


def resolve_sweep_path(name: str | Path) -> Path:
    """A path as given, or a shipped sweep by bare name (`fees` or `fees.toml`)."""
    path = Path(name)
    if path.exists() or path.parent != Path("."):
        return path
    shipped = packaged_scenarios() / "sweeps" / (path.name if path.suffix else f"{path}.toml")
    return shipped if shipped.exists() else path


def _read(path: Path) -> dict[str, Any]:
    # Regular files only, at most a megabyte: /dev/zero or a pipe is one message (issue 19).
    return read_toml_file(path, "sweep file")


def _whole(table: dict, key: str, source: str, low: int, default: int | None) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(source, f"sweep.{key}", f"a whole number of at least {low}", value)
    return value


def _strings(table: dict, key: str, source: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ScenarioError(source, f"sweep.{key}", "a list of strings", value)
    return tuple(value)


def _choice(table: dict, key: str, source: str, options: tuple[str, ...],
            default: str | None) -> str:
    value = table.get(key, default)
    if value not in options:
        raise ScenarioError(source, f"sweep.{key}", "one of " + ", ".join(options), value)
    return value


def _weekly(table: dict, source: str) -> tuple[str, ...] | None:
    from commissioning.experiments.comparison import SERIES

    value = table.get("weekly", False)
    if value is True:
        return tuple(SERIES)
    if value is False:
        return None
    if isinstance(value, list) and value and all(v in WEEKLY_KEYS for v in value):
        return tuple(value)
    raise ScenarioError(source, "sweep.weekly", "true, false or a list of weekly series "
                        "(see metrics.WEEKLY_KEYS)", value)


def _check_design(table: dict, source: str, design: str) -> tuple[int | None, int]:
    """samples and (Morris) levels, checked against the design."""
    samples = _whole(table, "samples", source, 1, None)
    if design == "grid" and samples is not None:
        raise ScenarioError(source, "sweep.samples", "no samples in a grid design (the grid "
                            "is every combination of the factors' levels)", samples)
    if design != "grid" and samples is None:
        raise ScenarioError(source, "sweep.samples", f"a whole number of at least 1 (points "
                            f"of the {design} design)")
    if design == "sobol" and samples & (samples - 1):
        raise ScenarioError(source, "sweep.samples", "a power of 2 for a Sobol design "
                            "(e.g. 64, 128, 256)", samples)
    levels = _whole(table, "levels", source, 2, 4)
    if "levels" in table and design != "morris":
        raise ScenarioError(source, "sweep.levels", "no sweep.levels outside a morris design")
    if design == "morris" and levels % 2:
        raise ScenarioError(source, "sweep.levels", "an even number of Morris levels "
                            "(e.g. 4)", levels)
    return samples, levels


def _scenarios(names: tuple[str, ...], path: Path, source: str) -> tuple[Scenario, ...]:
    """Load each named scenario: next to the sweep file first, else a shipped one."""
    if not names:
        raise ScenarioError(source, "sweep.scenarios", "at least one scenario")
    out = []
    for i, name in enumerate(names):
        local = path.parent / name
        candidates = [local] if local.suffix else [local, local.with_suffix(".toml")]
        if Path(name).parent == Path("."):  # a bare name may be a shipped scenario
            candidates.append(resolve_path(name))
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ScenarioError(source, f"sweep.scenarios[{i}]", "a scenario file next to "
                                "the sweep file or a shipped scenario", name)
        out.append(load_scenario(found))
    return tuple(out)


def _names(scenarios: tuple[Scenario, ...]) -> tuple[str, ...]:
    from commissioning.experiments.comparison import unique_names

    return tuple(unique_names(scenarios))


def read_sweep(path: str | Path, cli_set: list[str] | tuple[str, ...] = (),
               replicates: int | None = None, workers: int | None = None) -> SweepSpec:
    """Read and check a sweep file; `cli_set`, `replicates`, `workers` override it."""
    path = resolve_sweep_path(path)
    source = str(path)
    data = _read(path)
    if "sweep" not in data and "vary" not in data and (
            "scenario" in data or any(k in SECTIONS for k in data)):
        raise ScenarioError(source, "", "a sweep file (with [sweep] and [vary] tables); this "
                            "is a scenario file: run it with `commissioning run "
                            f"{source}`, or compare it with `commissioning compare`")
    for key in data:
        if key not in ("sweep", "vary"):
            raise ScenarioError(source, key, "a table: sweep, vary")
    table = data.get("sweep", {})
    if not isinstance(table, dict):
        raise ScenarioError(source, "sweep", "a table ([sweep])", table)
    for key in table:
        if key not in SWEEP_KEYS:
            raise ScenarioError(source, f"sweep.{key}", "one of " + ", ".join(SWEEP_KEYS))
    for key in ("name", "description"):
        if not isinstance(table.get(key, ""), str):
            raise ScenarioError(source, f"sweep.{key}", "a string", table[key])
    design = _choice(table, "design", source, DESIGNS, None)
    if "vary" not in data:
        raise ScenarioError(source, "vary", "a [vary] table with at least one parameter")
    specs = flatten_vary(data["vary"], source)
    if not specs:
        raise ScenarioError(source, "vary", "at least one parameter to vary")
    factors = tuple(parse_factor(k, v, source, design) for k, v in specs.items())
    check_duplicates(factors, source)
    samples, levels = _check_design(table, source, design)
    file_set = _strings(table, "set", source, ())
    check_not_fixed(file_set, factors, source)
    check_not_fixed(tuple(cli_set), factors, "--set")
    names = _strings(table, "scenarios", source, DEFAULT_SCENARIOS)
    # The file's own `set` is checked with the file named; then the command line's.
    loaded = _scenarios(names, path, source)
    scenarios = tuple(
        Scenario(sc.name, sc.description, sc.path,
                 apply_overrides(apply_overrides(sc.params, list(file_set), source),
                                 list(cli_set), "--set"))
        for sc in loaded)
    file_replicates = _whole(table, "replicates", source, 1, 1)
    file_workers = _whole(table, "workers", source, 0, None)
    seed = _whole(table, "seed", source, 0, 1)
    if seed >= MAX_SEED:
        raise ScenarioError(source, "sweep.seed", f"a whole number below {MAX_SEED:,}", seed)
    return SweepSpec(
        path=path, name=table.get("name", path.stem), description=table.get("description", ""),
        scenario_names=_names(scenarios), scenarios=scenarios, factors=factors, design=design,
        samples=samples, levels=levels,
        replicates=replicates or file_replicates, seed=seed,
        seeds=_choice(table, "seeds", source, SEED_MODES, "common"),
        assignments=(*file_set, *cli_set), weekly=_weekly(table, source),
        workers=workers if workers is not None else file_workers)

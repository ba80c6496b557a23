"""The folders show the design: the simulation imports nothing that uses it.

`model/` and `agents/` are the simulation; `experiments/`, `cli/` and `viz/`
are what is done with it. An import the other way round, or a circle of
imports inside one folder, would make the simulation depend on its users.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("model", "agents", "experiments", "cli", "viz")


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return "commissioning." + ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every commissioning module a file imports, anywhere in it (resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path).rsplit(".", 1)[0]
    # Imports for type checking only never run: not a dependency.
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("commissioning")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("commissioning"):
                continue
            found.add(target)
            found |= {f"{target}.{a.name}" for a in node.names}
    return found


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_simulation_imports_nothing_that_uses_it():
    users = ("commissioning.experiments", "commissioning.cli", "commissioning.viz")
    bad = [(path.relative_to(ROOT).as_posix(), target)
           for folder in ("model", "agents") for path in _sources(folder)
           for target in _imports(path) if target.startswith(users)]
    assert bad == []


def test_experiments_do_not_import_the_command_line():
    bad = [(path.relative_to(ROOT).as_posix(), target)
           for path in _sources("experiments") for target in _imports(path)
           if target.startswith("commissioning.cli")]
    assert bad == []


def test_no_folder_has_a_circle_of_imports():
    modules = {_module(p): p for folder in FOLDERS for p in _sources(folder)}
    graph = {m: {t for t in _imports(p) if t in modules and t != m} for m, p in modules.items()}
    # A package's __init__ re-exporting its modules is not a circle.
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    cycles = []

    def visit(node: str, path: list[str], done: set[str]) -> None:
        for nxt in graph[node]:
            if nxt in path:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in done:
                visit(nxt, [*path, nxt], done)
        done.add(node)

    done: set[str] = set()
    for m in sorted(graph):
        if m not in done:
            visit(m, [m], done)
    assert cycles == []


def test_nothing_called_model_or_agents_is_installed_at_top_level():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = config["tool"]["setuptools"]["packages"]
    assert packages and all(p.startswith("commissioning.") for p in packages)
    assert {"commissioning.model", "commissioning.agents", "commissioning.experiments",
            "commissioning.cli"} <= set(packages)


BENCHMARKS = sorted((ROOT / "benchmarks").glob("*.py"))


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"benchmark_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", BENCHMARKS, ids=[p.name for p in BENCHMARKS])
def test_every_benchmark_imports_what_it_uses(path):
    """Benchmarks are run by hand, not by the suite, so a rename elsewhere can leave one
    behind (two imported picture views that had gone): each must at least import."""
    assert callable(_load(path).main)


def test_the_app_step_benchmark_times_a_step_and_its_redraw():
    timing = _load(next(p for p in BENCHMARKS if p.stem == "app_step_timing"))
    result = timing.server_steps(["two_tier.toml"], 2)
    assert set(result) == {"model_week_s", "network_redraw_s", "charts_redraw_s",
                           "step_and_redraw_s"}
    assert all(0 < v < 60 for v in result.values())

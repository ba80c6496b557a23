"""Keep the generated parts of docs/ODD.md in step with the code.

    python -m commissioning.model.odd_table docs/ODD.md            # rewrite them in place
    python -m commissioning.model.odd_table --check docs/ODD.md    # exit 1 if out of step

Three parts of the ODD are written from the code, never by hand, because they
change whenever the model is recalibrated or a scenario file changes:

- the parameter table (section 8), found by its header line;
- the fitted values (section 9): every parameter whose source ends with
  "fitted (docs/calibration.md)", with the value it was first set to by hand;
- the shipped scenario files (section 6): what each changes from its parent.

The last two sit between marker lines (`START` and `END` with the part's name),
so the text around them can be edited freely. `commissioning adopt-fit` runs
this command after writing new fitted values.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path

from .parameters import _FIT as FITTED_MARKER
from .parameters import BY_NAME, PARAMETERS, Param, defaults

HEADER = "| Key | Default | Unit | Range | Source |"
START = "<!-- generated: {} -->"
END = "<!-- end generated: {} -->"
COMMAND = "python -m commissioning.model.odd_table docs/ODD.md"


class OddError(ValueError):
    """The document lacks a part this command writes: says which, and what was expected."""


def markdown_rows() -> list[str]:
    """The parameter table as Markdown rows (the same as `commissioning parameters --markdown`)."""
    rows = [HEADER, "|---|---|---|---|---|"]
    for p in PARAMETERS:
        default = p.default
        if isinstance(default, dict):
            default = " / ".join(f"{v:g}" for v in default.values())
        elif p.kind == "path":
            default = "; ".join(f"{d}: {v:g}" for d, v in default)
        if p.kind == "choice":
            allowed = "one of " + ", ".join(p.choices)
        elif p.kind == "bool":
            allowed = "true/false"
        else:
            allowed = f"{p.low:g} to {p.high:g}"
        rows.append(f"| `{p.key}` | {default} | {p.unit} | {allowed} | {p.source} |")
    return rows


def table_in(text: str) -> tuple[int, int]:
    """Line span [start, end) of the parameter table in a Markdown text."""
    lines = text.splitlines()
    start = lines.index(HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return start, end


# --- fitted values -------------------------------------------------------------


def fitted_parameters() -> list[Param]:
    """Parameters whose default is a fitted value (their source says so)."""
    return [p for p in PARAMETERS if p.source.endswith(FITTED_MARKER)]


def _short(value: object) -> str:
    if isinstance(value, dict):
        return " / ".join(_short(v) for v in value.values())
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _first_set(p: Param) -> str:
    """The value a fitted parameter was first set to by hand (recorded in its source)."""
    found = re.search(r"first set to (.*); " + re.escape(FITTED_MARKER) + "$", p.source)
    return found.group(1) if found else "-"


def fitted_rows() -> list[str]:
    """The fitted values as Markdown lines: a sentence and a table."""
    from .fitted_values import FITTED_ON

    rows = [f"Fitted on {FITTED_ON} (`commissioning calibrate`, adopted with "
            "`commissioning adopt-fit`; method, ranges searched and uncertainty in "
            "docs/calibration.md). Values to four significant figures; the parameter table "
            "(section 8) has them in full. Per-group values are in payment-group order.",
            "",
            "| Key | Fitted value (the default) | First set by hand to | Unit |",
            "|---|---|---|---|"]
    for p in fitted_parameters():
        first = _first_set(p)
        if re.fullmatch(r"-?[\d.]+(?:e-?\d+)?", first):
            first = _short(float(first))
        rows.append(f"| `{p.key}` | {_short(p.default)} | {first} | {p.unit} |")
    return rows


# --- shipped scenarios ----------------------------------------------------------


def _toml_value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _changes(params: dict, parent: dict) -> str:
    keys = [k for k in BY_NAME if k != "seed" and params[k] != parent[k]]
    return "; ".join(f"`{BY_NAME[k].key} = {_toml_value(params[k])}`" for k in keys)


def scenario_rows() -> list[str]:
    """The shipped scenario files as Markdown rows: parent, what changes, and their name."""
    from .scenario import load_scenario, packaged_scenarios

    folder = packaged_scenarios()
    files = {path.name: path for path in folder.glob("*.toml")}
    parents = {name: tomllib.loads(path.read_text(encoding="utf-8")).get(
        "scenario", {}).get("inherits") for name, path in files.items()}

    def depth(name: str) -> int:
        return 0 if not parents.get(name) else 1 + depth(parents[name])

    rows = ["| File | Inherits | Changes from its parent | Name in the file |",
            "|---|---|---|---|"]
    for name in sorted(files, key=lambda n: (depth(n), n)):
        scenario = load_scenario(files[name])
        parent = parents[name]
        if parent:
            changes = _changes(scenario.params, load_scenario(folder / parent).params)
        else:
            changes = _changes(scenario.params, defaults()) or \
                "none: every parameter at the model's default"
        rows.append(f"| `{name}` | {f'`{parent}`' if parent else '-'} | {changes} | "
                    f"{scenario.name} |")
    return rows


#: The parts between markers, by name: what writes each.
BLOCKS: dict[str, Callable[[], list[str]]] = {
    "scenario files": scenario_rows,
    "fitted values": fitted_rows,
}


def block_in(lines: list[str], name: str) -> tuple[int, int]:
    """Line span [start, end) of a generated part, between its marker lines."""
    start, end = START.format(name), END.format(name)
    if lines.count(start) != 1 or lines.count(end) != 1:
        raise OddError(f"expected one line '{start}' and, after it, one line '{end}' "
                       f"around the generated {name}")
    first, last = lines.index(start) + 1, lines.index(end)
    if last < first:
        raise OddError(f"'{end}' comes before '{start}'")
    return first, last


def regenerate(text: str) -> str:
    """The document with every generated part rewritten from the code."""
    lines = text.splitlines()
    if HEADER not in lines:
        raise OddError(f"expected the parameter table's header line '{HEADER}'")
    start, end = table_in(text)
    lines = [*lines[:start], *markdown_rows(), *lines[end:]]
    for name, rows in BLOCKS.items():
        first, last = block_in(lines, name)
        lines = [*lines[:first], *rows(), *lines[last:]]
    return "\n".join(lines) + "\n"


def rewrite(path: Path) -> bool:
    """Rewrite the generated parts of `path` in place; True if anything changed.

    The new text is written to a temporary file and moved into place, so an
    interrupted or failed rewrite leaves the document as it was.
    """
    text = path.read_text(encoding="utf-8")
    new = regenerate(text)
    if new == text:
        return False
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    if len(paths) != 1 or any(a.startswith("-") for a in paths):
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    path = Path(paths[0])
    try:
        text = path.read_text(encoding="utf-8")
        if check:
            if regenerate(text) != text:
                print(f"{path}: generated parts out of step with the code; run {COMMAND}",
                      file=sys.stderr)
                return 1
            return 0
        changed = rewrite(path)
    except OSError as exc:
        print(f"{path}: expected a readable and writable Markdown file ({exc.strerror})",
              file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"{path}: expected a UTF-8 text file", file=sys.stderr)
        return 2
    except OddError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    print(f"{path}: generated parts {'rewritten' if changed else 'already in step'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

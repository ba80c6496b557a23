"""Keep the ODD document's parameter table in step with the parameter table in code.

    python -m commissioning.model.odd_table docs/ODD.md    # rewrite the table in place
"""

from __future__ import annotations

import sys
from pathlib import Path

from .parameters import PARAMETERS

HEADER = "| Key | Default | Unit | Range | Source |"


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


def rewrite(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    start, end = table_in(text)
    path.write_text("\n".join([*lines[:start], *markdown_rows(), *lines[end:]]) + "\n",
                    encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))

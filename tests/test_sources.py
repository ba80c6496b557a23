"""Every source cited as `[Sn]` anywhere in the project is in docs/sources.md.

The parameter table, the scenario and sweep files, the calibration targets
and the documentation cite sources by number; a number that docs/sources.md
does not list would leave a reader with a figure and no way to its origin.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
SKIP = {".git", ".venv", "results", "__pycache__", "node_modules", ".pytest_cache",
        ".ruff_cache", "build"}
TEXT = {".py", ".md", ".toml", ".txt", ".csv", ".json", ".yaml", ".yml", ".html", ""}
#: A citation: square brackets opening with S and a number, e.g. [S7] or [S12, S29].
CITATION = re.compile(r"\[(S\d+(?:[^\]\n]{0,80}))\]")
#: An entry: from its bold number to the next blank line.
ENTRY = re.compile(r"^\*\*\[S(\d+)\]\*\* (.+?)(?=\n\n|\Z)", re.M | re.S)


def _files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and path.suffix in TEXT and path != SOURCES:
            found.append(path)
    return found


def cited() -> dict[int, list[str]]:
    """Source number -> the files citing it."""
    out: dict[int, list[str]] = {}
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for match in CITATION.finditer(text):
            for number in re.findall(r"S(\d+)", match.group(1)):
                out.setdefault(int(number), []).append(path.relative_to(ROOT).as_posix())
    return out


def listed() -> dict[int, str]:
    return {int(n): text for n, text in ENTRY.findall(SOURCES.read_text(encoding="utf-8"))}


def test_every_cited_source_is_listed():
    citations, entries = cited(), listed()
    assert len(citations) > 30  # the scan finds the project's citations at all
    missing = {n: sorted(set(files)) for n, files in citations.items() if n not in entries}
    assert missing == {}


def test_the_list_is_numbered_in_order_and_every_entry_says_when():
    entries = listed()
    assert list(entries) == list(range(1, len(entries) + 1))
    for n, text in entries.items():
        assert re.search(r"\b(19|20)\d\d\b", text), f"S{n} has no date"

"""Numbers a lesson plan quotes from the model, kept in marked blocks and checked.

docs/teaching.md carries blocks such as `<!-- run:e1 -->` ... `<!-- /run -->` (the app's
lesson) and `<!-- game:fee -->` ... `<!-- /game -->` (the game's). Each lesson's check
measures the model, says which of its statements hold, and with `--write` puts fresh
numbers into the blocks, so the words a teacher reads never drift from what runs.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any


class MarkedBlocks:
    """The blocks of one lesson, found by their tag (`run`, `game`)."""

    def __init__(self, tag: str):
        self.pattern = re.compile(rf"(<!-- {tag}:(\w+) -->\n)(.*?)(<!-- /{tag} -->)", re.S)

    def fill(self, text: str, numbers: dict[str, str]) -> str:
        """The text with each block replaced by fresh numbers."""
        return self.pattern.sub(lambda m: f"{m[1]}{numbers[m[2]]}\n{m[4]}", text)

    def names(self, text: str) -> list[str]:
        """The names of the blocks a text carries."""
        return [m[2] for m in self.pattern.finditer(text)]


def check_lesson(argv: Sequence[str] | None, description: str, blocks: MarkedBlocks,
                 claims: Sequence[tuple[str, Any]], measure: Callable[[], Any],
                 failed_claims: Callable[[Any], Collection[str]],
                 numbers: Callable[[Any], dict[str, str]]) -> int:
    """Print whether each statement holds; refresh the blocks with `--write FILE`.

    Exit status 1 if any statement fails (the numbers are written all the same, so a
    reviewer sees what changed).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", type=Path, metavar="TEACHING_MD",
                        help="refresh the lesson's numbers in this lesson plan")
    args = parser.parse_args(argv)
    measured = measure()
    failed = failed_claims(measured)
    for text, _ in claims:
        print(("FAILS " if text in failed else "holds ") + text)
    if args.write:
        args.write.write_text(blocks.fill(args.write.read_text(encoding="utf-8"),
                                          numbers(measured)), encoding="utf-8")
        print(f"numbers written to {args.write}")
    return 1 if failed else 0

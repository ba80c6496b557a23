"""Output paths, checked before any work starts, and tidied if the work never lands.

A command that runs for minutes and then cannot write its result has wasted
the minutes; one that is refused or interrupted and leaves empty folders
behind leaves litter. So every command that writes declares its outputs
first, inside `Outputs`:

    with Outputs() as outputs:
        out = outputs.folder(args.out, "--out")      # created now if missing, and tried
        weekly = outputs.file(args.weekly, "--weekly")
        ... the work ...

Each path is checked at once (a folder where a file should be, a file where a
folder should be, a place this user cannot write: one `ScenarioError` naming
the option), by actually creating what is missing and writing a scratch file
there, which also works for root, for whom permission bits say little. On
the way out, whatever the outcome, folders created here that still hold
nothing are removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType

from commissioning.model.scenario import ScenarioError


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


class Outputs:
    """The outputs of one command: checked up front, empty folders removed at the end."""

    def __init__(self) -> None:
        self.created: list[Path] = []

    def folder(self, path: str | Path, option: str, what: str = "a folder") -> Path:
        """A folder to write into: created if missing; refused if it cannot be written."""
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ScenarioError(str(folder), option, f"{what}, not a file")
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        for p in reversed(missing):  # the shallowest first
            try:
                p.mkdir()
            except FileExistsError:
                if not p.is_dir():
                    raise ScenarioError(str(folder), option, f"{what} that can be created "
                                        f"({p} is a file)") from None
            except OSError as exc:
                raise ScenarioError(str(folder), option, f"{what} that can be created "
                                    f"({_reason(exc)})") from None
            else:
                self.created.insert(0, p)  # the deepest first, for removal
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            raise ScenarioError(str(folder), option, f"{what} this user can write to "
                                f"({_reason(exc)})") from None
        return folder

    def file(self, path: str | Path, option: str, what: str = "a file to write") -> Path:
        """A file to write: its folder created if missing; refused if it cannot be written."""
        target = Path(path)
        if target.is_dir():
            raise ScenarioError(str(target), option, f"{what}, not a folder")
        if str(path).endswith(os.sep):
            raise ScenarioError(str(path), option, f"{what} (a file name, not a folder)")
        self.folder(target.parent, option, f"{what} in a folder")
        if target.exists():
            try:
                with open(target, "ab"):  # appending nothing changes nothing
                    pass
            except OSError as exc:
                raise ScenarioError(str(target), option, f"{what} this user can write "
                                    f"({_reason(exc)})") from None
        return target

    def tidy(self) -> None:
        """Remove the folders created here that hold nothing (the deepest first)."""
        for folder in self.created:
            try:
                folder.rmdir()
            except OSError:  # not empty (the work landed), or gone
                continue
        self.created = []

    def __enter__(self) -> Outputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.tidy()

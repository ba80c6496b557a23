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
the option) by writing a scratch file where the output, or its missing
folder, would go; that also works for root, for whom permission bits say
little. Missing folders are made only when the results are written
(`make`), so a command refused or killed before then leaves nothing; on the
way out, whatever the outcome, folders made here that still hold nothing are
removed.
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

    def folder(self, path: str | Path, option: str, what: str = "a folder",
               create: bool = False) -> Path:
        """A folder to write into, checked: it, or the folder it would be made in, is
        writable by this user. Made now only if `create`; else by `make` when needed,
        so that a command killed before it writes leaves nothing."""
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ScenarioError(str(folder), option, f"{what}, not a file")
        existing = next(p for p in (folder, *folder.parents) if p.exists() or p == Path("/"))
        made = "can be created" if existing != folder else "this user can write to"
        if not existing.is_dir():
            raise ScenarioError(str(folder), option, f"{what} that can be created "
                                f"({existing} is a file)")
        try:
            with tempfile.TemporaryFile(dir=existing):
                pass
        except OSError as exc:
            raise ScenarioError(str(folder), option, f"{what} that {made} "
                                f"({_reason(exc)})") from None
        return self.make(folder) if create else folder

    def make(self, folder: Path) -> Path:
        """Create `folder` and its missing parents, remembering them for `tidy`."""
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        folder.mkdir(parents=True, exist_ok=True)
        self.created = [*missing, *self.created]  # the deepest first
        return folder

    def file(self, path: str | Path, option: str, what: str = "a file to write") -> Path:
        """A file to write, checked: not a folder, writable if there, its folder writable."""
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
        """Remove the folders made here that hold nothing (the deepest first)."""
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

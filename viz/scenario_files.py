"""Scenario files as the app offers them: the shipped ones, and any a person uploads.

An uploaded file is checked exactly as `commissioning validate` checks one
(it is written to a private temporary folder under its own name and read by
`load_scenario`), so the page shows the same one-line message as the command
line: file, key, what was expected. It may `inherit` a shipped scenario by
name. The temporary folder is removed at once; the app keeps the validated
values, not the file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from commissioning.model.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    packaged_scenarios,
)

MAX_UPLOAD_BYTES = 200_000
UPLOADED = " (uploaded)"


def shipped_files() -> list[str]:
    """Names of the scenario files shipped with the package, e.g. `two_tier.toml`."""
    return sorted(p.name for p in packaged_scenarios().glob("*.toml"))


def load_shipped(name: str) -> Scenario:
    """A shipped scenario by file name (raises ScenarioError if it does not load)."""
    return load_scenario(packaged_scenarios() / name)


def short_name(label: str) -> str:
    """A label for charts and file names: `two_tier.toml (uploaded)` -> `two_tier`."""
    return label.removesuffix(UPLOADED).removesuffix(".toml")


def load_upload(filename: str, content: bytes) -> tuple[str, Scenario]:
    """Validate an uploaded scenario file; returns its label and the scenario.

    Raises ScenarioError with a message that names the uploaded file (not the
    temporary copy), the key and what was expected.
    """
    name = Path(filename or "uploaded.toml").name
    if not name.endswith(".toml"):
        raise ScenarioError(name, "", "a scenario file ending in .toml")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ScenarioError(name, "", f"a scenario file under {MAX_UPLOAD_BYTES // 1000} kB "
                            f"(this one is {len(content) // 1000} kB)")
    with tempfile.TemporaryDirectory(prefix="commissioning-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            raise ScenarioError(_strip(exc.source, folder), exc.key, exc.expected,
                                exc.got) from None
    scenario.path = Path(name)
    return name + UPLOADED, scenario


def _strip(source: str, folder: str) -> str:
    return source.replace(folder + "/", "").replace(folder, "")

"""The button that uploads a scenario file: the size is checked before the content is sent.

`ipywidgets.FileUpload` sends a file's whole content over the websocket
before the server can look at it: a file over the server's message limit
(16 MB) was dropped with no message, and one under it arrived whole however
large. This button (a Vue template, `upload.vue`) sends only the file's name
and size when it is over `MAX_UPLOAD_BYTES`, so the page says so at once, and
the content otherwise. The server checks again what arrives: a rewritten
message may claim any name and size and send any bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import solara

from commissioning.model import Scenario, ScenarioError

from .scenario_files import MAX_UPLOAD_BYTES, check_size, load_upload, upload_name


@solara.component_vue("upload.vue")
def UploadButton(label: str, accept: str, max_bytes: int,
                 event_received: Callable[..., None]) -> None:
    """A button that opens the file chooser and sends the chosen file (see `upload.vue`)."""


def upload_from_browser(info: Any, buffers: list | None,
                        uploads: Mapping[str, Scenario]) -> tuple[str, Scenario]:
    """What the button sent, checked: the file's label and scenario, or ScenarioError."""
    if not isinstance(info, dict):
        raise ScenarioError("uploaded file", "", "a file")
    name = upload_name(info.get("name"))
    if not buffers:  # the browser said it was too big to send
        size = info.get("size")
        if isinstance(size, int) and not isinstance(size, bool):
            check_size(name, size)
        raise ScenarioError(name, "", "the file's content (none arrived; try again)")
    return load_upload(name, bytes(buffers[0]), uploads)


@solara.component
def UploadScenarioButton(on_file: Callable[[Any, list | None], None]) -> None:
    """The upload button as the pages show it."""
    UploadButton(label="Upload a scenario file (.toml)", accept=".toml",
                 max_bytes=MAX_UPLOAD_BYTES, event_received=on_file)

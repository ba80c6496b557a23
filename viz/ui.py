"""Small building blocks shared by the pages: safe handlers, pictures, text, number tiles.

Three rules of the app live here. No Python traceback may reach the page:
Solara replaces the whole page with one when an event handler raises, so
every handler goes through `guarded`, which logs the traceback on the server
and shows a sentence instead. Text is rendered to HTML in Python
(`markdown_html`), not with `solara.Markdown`, which asks a CDN for KaTeX on
every render and so fails offline (STACK.md, "CDN traps offline"). And
nothing a person typed is markup: a file name or scenario name goes into
Markdown only through `markdown_text` (an uploaded file named
`<img src=x onerror=...>.toml` ran its script on the Compare page, issue 19),
and into a picture only through `plain_title` (no mathematics, a bounded
length).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import markdown
import solara

from .runs import plain_message

log = logging.getLogger(__name__)


def guarded(action: Callable[..., Any], message: solara.Reactive[str | None],
            doing: str) -> Callable[..., None]:
    """An event handler that shows a message instead of raising into the page."""

    @functools.wraps(action)
    def handler(*args: Any) -> None:
        try:
            action(*args)
        except Exception as exc:
            log.exception("%s failed", doing)
            message.set(f"Could not {doing}: {plain_message(exc)}")

    return handler


def markdown_text(text: str) -> str:
    """Text that Markdown and HTML show as itself, never as markup.

    Every character but letters, digits and spaces becomes an HTML character
    reference, so none can open a tag, a link, emphasis or a table cell.
    """
    return "".join(c if c.isalnum() or c == " " else f"&#{ord(c)};" for c in str(text))


#: Characters of a person's text shown in a picture's title or key.
TITLE_CHARACTERS = 80


def plain_title(text: str, most: int = TITLE_CHARACTERS) -> str:
    """A person's text for a picture: one line, at most `most` characters.

    Draw it with `parse_math=False`: matplotlib would otherwise typeset
    `$...$` as mathematics (a 198 kB `$x+x+...$` name took 99 s a drawing).
    """
    text = " ".join(str(text).split())
    return text if len(text) <= most else text[:most - 1] + "…"


def markdown_html(text: str) -> str:
    """Markdown (tables, fenced code) as HTML, rendered on the server."""
    return markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])


@solara.component
def Prose(text: str, classes: tuple[str, ...] = ()) -> None:
    """A block of Markdown, shown as HTML with Solara's prose styles."""
    solara.HTML(tag="div", unsafe_innerHTML=markdown_html(text),
                classes=["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon", "prose",
                         *classes])


@solara.component
def Picture(png: bytes | None, alt: str, failure: str | None = None) -> None:
    """A PNG at the full width of its column (or the reason there is none)."""
    if failure:
        solara.Error(failure)
    elif png:
        with solara.Div(attributes={"aria-label": alt, "role": "img"}, classes=["picture"]):
            solara.Image(png, width="100%")


@solara.component
def Stat(label: str, value: str, detail: str = "") -> None:
    """A big number with its name, readable from the back of a classroom."""
    with solara.Div(classes=["stat"]):
        solara.Text(value, classes=["stat-value"])
        solara.Text(label, classes=["stat-label"])
        if detail:
            solara.Text(detail, classes=["stat-detail"])


@solara.component
def ErrorBoundary(children: list = [], on_reset: Callable[[], None] | None = None  # noqa: B006
                  ) -> None:
    """Shows its children, or, if drawing them failed, a sentence and a way to start again.

    The last line of defence against a traceback on the page: handlers are
    guarded one by one, but an error while a page draws itself is caught here.
    """
    exception, clear = solara.use_exception()
    if exception is None:
        solara.Column(children=children)
        return
    log.error("a page failed to draw", exc_info=exception)

    def start_again() -> None:
        if on_reset is not None:
            on_reset()
        clear()

    solara.Error(f"Something went wrong while drawing this page: {plain_message(exception)}")
    solara.Button("Start this page again", color="primary", on_click=start_again)


def draw_safely(draw: Callable[[], bytes], what: str) -> tuple[bytes | None, str | None]:
    """Run a drawing function; on failure return the reason instead of raising."""
    try:
        return draw(), None
    except Exception as exc:
        log.exception("drawing %s failed", what)
        return None, f"Could not draw {what}: {plain_message(exc)}"


def download_bytes(make: Callable[[], bytes | str], what: str) -> Callable[[], bytes]:
    """A FileDownload data callback that never raises (it returns an explanation instead)."""

    def data() -> bytes:
        try:
            out = make()
            return out.encode() if isinstance(out, str) else out
        except Exception as exc:
            log.exception("preparing %s failed", what)
            return f"Could not prepare {what}: {plain_message(exc)}\n".encode()

    return data

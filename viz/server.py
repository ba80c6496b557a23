"""The app's web server: Solara's own Starlette app, behind a guard, served by uvicorn.

    python -m commissioning.viz.server --host 127.0.0.1 --port 8765

(`commissioning app` runs this; see cli/app.py.) `solara run` serves
`solara.server.starlette:app` as it is and has no place to put anything in
front of it, so this module serves that same app the way Solara's
documentation describes for your own server ("Self hosted deployment": set
`SOLARA_APP`, run the ASGI app; Solara then runs in production mode),
wrapped in `Guard`. Everything Solara offers as a setting is set through its
own environment variables (solara/server/settings.py), before Solara is
imported, by `cli/app.py`:

- `SOLARA_SESSION_HTTP_ONLY=True` (class `Session`): the session cookie is
  HttpOnly, out of reach of any script on the page. Solara's front end never
  reads it (main-vuetify.js only defines its name).
- `SOLARA_KERNEL_CULL_TIMEOUT` (class `Kernel`): a tab that goes away
  without its close message (a killed browser, a closed laptop) is released
  after the session timeout instead of after 24 hours.

What Solara does not offer, `Guard` adds (issue 19), as an ASGI middleware in
Starlette's own style:

- **Websockets from another site are refused.** Solara's kernel endpoint
  (`/jupyter/api/kernels/{kernel_id}/{name}`, `kernel_connection` in
  solara/server/starlette.py) accepts any `Origin`, so a page on another site
  that a pupil or teacher visits could open and drive a session. A browser
  always sends `Origin` with a websocket; the guard refuses the handshake
  (HTTP 403) unless it names this server (the request's `Host`).
- **Every response carries a Content-Security-Policy** (scripts, styles,
  images, fonts and connections from this server only; no plugins; no
  framing), `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff` and
  `Referrer-Policy: no-referrer`. Solara's page needs inline scripts and
  `eval` (Vue compiles its templates in the browser), so the policy allows
  those; what it stops is a script sending anything to another site.
- **Diagnostics are off unless asked for**: `/resourcez` (`?verbose` lists
  the host's CPU, memory and threads) answers 404 without `--diagnostics`.
- **The asset cache is read-only to the world.** Solara serves its front end
  from a cache folder (`/_solara/cdn/...`, `StaticCdn` and `cdn_helper.get_path`
  in solara/server): a request for a path that is a *folder* there deletes the
  folder (`shutil.rmtree`, meant to clean an old layout), so one GET such as
  `/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1` wiped the app's front end
  for everyone; a path that is not there is fetched from the internet and
  written into the cache. The guard lets through only requests for files the
  cache already holds, and answers 404 to anything else.
- **Sessions are bounded.** Solara makes a session (a kernel, and a thread
  for its websocket) for any new kernel id a client connects to, and keeps
  it until the session timeout: a script opening connections in a loop
  could exhaust the server. Beyond `max_kernels` live sessions (twice the
  tabs served, `--max-sessions`, plus room for reloads) a connection to a
  new one is refused; a tab reconnecting to its own session never is. (The
  tabs themselves are limited by `sessions.py`, which tells the pupil.)

The server also caps a websocket message at `MAX_MESSAGE_BYTES` (uvicorn's
`ws_max_size`; its default is 16 MB): nothing a page sends legitimately is
larger than an upload of at most 200 kB.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

APP_MODULE = "commissioning.viz.app"
#: The app's one setting that is not Solara's: serve /resourcez (off unless asked for).
DIAGNOSTICS_ENV = "COMMISSIONING_DIAGNOSTICS"
DIAGNOSTIC_PATHS = ("/resourcez",)
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
KERNELS = ["jupyter", "api", "kernels"]

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",  # Solara's page and Vue's templates
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",  # this server's websocket included (CSP level 3)
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether a websocket's `Origin` is this server (as the browser reached it: `Host`).

    No `Origin` at all is not a browser (browsers always send one with a
    websocket), so no web page can be behind it: allowed.
    """
    if origin is None:
        return True
    if not host:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


CDN = "/_solara/cdn/"


def cached_file(cache: Path, path: str) -> bool:
    """Whether a `/_solara/cdn/` path names a file already in Solara's asset cache.

    The same mapping as Solara's `cdn_helper.get_path` (a bare package name
    means its `__main.js`), and never outside the cache folder.
    """
    relative = path[len(CDN):]
    parts = relative.replace("\\", "/").split("/")
    stored = relative if len(parts) != 1 else f"{relative}/__main.js"
    target = Path(os.path.normpath(cache / stored))
    return target.is_relative_to(os.path.normpath(cache)) and target.is_file()


def _live_sessions() -> dict:
    from solara.server.kernel_context import contexts  # Solara's live sessions, by kernel id

    return contexts


class Guard:
    """ASGI middleware: websocket origins checked, security headers added, diagnostics off."""

    def __init__(self, app: ASGIApp, diagnostics: bool = False, max_kernels: int = 1000,
                 asset_cache: Path | None = None):
        self.app = app
        self.diagnostics = diagnostics
        self.max_kernels = max_kernels
        self.asset_cache = asset_cache
        #: Kernel ids with a websocket open now (Solara lists a session a moment later).
        self.connected: Counter[str] = Counter()

    def _refusal(self, scope: Scope, kernel: str | None) -> str | None:
        origin, host = _header(scope, b"origin"), _header(scope, b"host")
        if not same_origin(origin, host):
            return f"a websocket from {origin!r} (this server is {host!r})"
        if kernel is not None:
            live = _live_sessions().keys() | self.connected.keys()
            if kernel not in live and len(live) >= self.max_kernels:
                return f"a new session beyond {self.max_kernels} live ones"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            parts = scope["path"].split("/")  # /jupyter/api/kernels/{kernel_id}/{name}
            kernel = parts[4] if len(parts) > 4 and parts[1:4] == KERNELS else None
            why = self._refusal(scope, kernel)
            if why:
                log.warning("refused %s", why)
                await send({"type": "websocket.close", "code": 1008})  # before accept: 403
                return
            if kernel is not None:
                self.connected[kernel] += 1
                try:
                    await self.app(scope, receive, send)
                finally:
                    self.connected[kernel] -= 1
                    if not self.connected[kernel]:
                        del self.connected[kernel]
                return
        elif scope["type"] == "http":
            path = scope["path"]
            if ((not self.diagnostics and path.rstrip("/") in DIAGNOSTIC_PATHS) or
                    (path.startswith(CDN) and not (self.asset_cache and
                                                   cached_file(self.asset_cache, path)))):
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/plain"), *SECURITY_HEADERS]})
                await send({"type": "http.response.body", "body": b"Not found"})
                return
            send = _with_headers(send)
        await self.app(scope, receive, send)


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            names = {key.lower() for key, _ in message.get("headers", ())}
            message["headers"] = [*message.get("headers", ()),
                                  *(h for h in SECURITY_HEADERS if h[0] not in names)]
        await send(message)
    return sending


def build_app(diagnostics: bool = False) -> ASGIApp:
    """Solara's Starlette app for this project's pages, behind the guard.

    Reads Solara's settings from the environment: call after setting them.
    """
    os.environ.setdefault("SOLARA_APP", APP_MODULE)
    from solara.server import settings
    from solara.server.starlette import app  # Solara reads its settings on import

    from .sessions import max_sessions

    return Guard(app, diagnostics, max_kernels=2 * max_sessions() + 20,
                 asset_cache=Path(settings.assets.proxy_cache_dir))


def serve(host: str, port: int) -> None:
    """Serve until stopped (Ctrl+C or SIGTERM), as `solara run --production` would."""
    import uvicorn

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)  # as solara run
    app = build_app(os.environ.get(DIAGNOSTICS_ENV, "") not in ("", "0", "False", "false"))
    config = uvicorn.Config(app, host=host, port=port, loop="asyncio", access_log=False,
                            log_level="warning", ws_max_size=MAX_MESSAGE_BYTES,
                            ws_per_message_deflate=False,
                            timeout_graceful_shutdown=5)
    uvicorn.Server(config).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the app (use `commissioning app`).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    try:
        serve(args.host, args.port)
    except KeyboardInterrupt:  # Ctrl-C reaches the whole terminal: `commissioning app`
        sys.exit(130)  # says "stopped"; the server has shut down, and adds no traceback


if __name__ == "__main__":
    main()

"""The server checks where requests come from, and says little about itself (issue 19).

Before: a websocket to a session's kernel was accepted with `Origin:
http://evil.example` (a page on another site could drive a session), no
Content-Security-Policy or X-Frame-Options was sent, the session cookie was
readable by scripts, `/resourcez?verbose` showed the host's CPU and memory to
anyone, and a tab that went away without closing kept its models for 24
hours. The server here is started as a teacher starts it (`commissioning
app`); the websockets are opened by a raw client, as a curious pupil would.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from commissioning.cli.app import server_env
from commissioning.viz.server import cached_file

from .app_server import running_app

websockets = pytest.importorskip("websockets")


@pytest.fixture(scope="module")
def diagnostics_url(tmp_path_factory) -> Iterator[str]:
    """A server with diagnostics on, for one tab at a time (22 live sessions at most)."""
    log = tmp_path_factory.mktemp("app") / "app.log"
    with running_app(log, ["--diagnostics", "--max-sessions", "1"]) as url:
        yield url


def kernel_socket(base: str) -> str:
    """The address of a new session's kernel websocket, as Solara's page opens it."""
    return (base.replace("http://", "ws://") +
            f"jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}")


def connect(base: str, origin: str | None) -> str:
    """Open the kernel websocket with this Origin: "accepted" or "refused <HTTP status>"."""
    async def attempt() -> str:
        headers = {} if origin is None else {"Origin": origin}
        try:
            async with websockets.connect(kernel_socket(base), additional_headers=headers,
                                          open_timeout=30):
                return "accepted"
        except websockets.exceptions.InvalidStatus as exc:
            return f"refused {exc.response.status_code}"
    return asyncio.run(attempt())


def flood(base: str, n: int) -> tuple[int, str]:
    """Open `n` connections to new sessions and hold them: how many opened, and then what."""
    async def attempt() -> tuple[int, str]:
        held = []
        try:
            for _ in range(n):
                held.append(await websockets.connect(kernel_socket(base), open_timeout=30))
            return len(held), "all accepted"
        except websockets.exceptions.InvalidStatus as exc:
            return len(held), f"refused {exc.response.status_code}"
        finally:
            for socket in held:
                await socket.close()
    return asyncio.run(attempt())


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.parametrize("origin", ["http://evil.example", "null",
                                    "http://127.0.0.1:1", "http://127.0.0.1.evil.example"])
def test_a_websocket_from_another_site_is_refused(app_url, origin):
    assert connect(app_url, origin) == "refused 403"


def test_a_websocket_from_the_app_itself_is_accepted(app_url):
    assert connect(app_url, app_url.rstrip("/")) == "accepted"
    assert connect(app_url, None) == "accepted"  # not a browser: no page can be behind it


def test_every_page_says_where_it_may_load_from_and_that_it_may_not_be_framed(app_url):
    for path in ("", "compare", "static/assets/favicon.png", "no-such-page"):
        _, headers, _ = get(app_url + path)
        policy = headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "connect-src 'self'" in policy and "object-src 'none'" in policy
        assert headers.get("x-frame-options") == "DENY"
        assert headers.get("x-content-type-options") == "nosniff"


def test_the_session_cookie_is_out_of_reach_of_scripts(app_url):
    _, headers, _ = get(app_url)
    cookie = headers["set-cookie"]
    assert cookie.startswith("solara-session-id=")
    assert "httponly" in cookie.lower()


def test_diagnostics_are_off_unless_asked_for(app_url, diagnostics_url):
    status, _, body = get(app_url + "resourcez?verbose")
    assert status == 404 and b"memory" not in body
    status, _, body = get(diagnostics_url + "resourcez?verbose")
    assert status == 200 and "kernels" in json.loads(body)


def test_the_session_timeout_is_solaras_cull_timeout():
    assert server_env()["SOLARA_KERNEL_CULL_TIMEOUT"] == "600s"  # ten minutes: a lesson's
    assert server_env(session_timeout=0.5)["SOLARA_KERNEL_CULL_TIMEOUT"] == "30s"
    assert server_env()["SOLARA_SESSION_HTTP_ONLY"] == "True"


@pytest.mark.parametrize(("option", "value"), [("--session-timeout", "0"),
                                               ("--session-timeout", "nan"),
                                               ("--max-sessions", "0")])
def test_a_bad_server_option_is_one_line(capsys, option, value):
    from commissioning.cli.main import main

    assert main(["app", "--port", "1", option, value]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {option}: expected") and "\n" not in err


def test_a_flood_of_new_sessions_is_cut_off(diagnostics_url):
    """A script opening sessions in a loop: each took a thread and memory until the timeout."""
    opened, then = flood(diagnostics_url, 40)
    assert then == "refused 403"
    assert opened <= 2 * 1 + 20  # twice the tabs served, plus room for reloads


def test_the_asset_cache_can_be_neither_emptied_nor_filled_from_outside(app_url):
    """A GET for a folder of Solara's asset cache deleted it (the whole front end, for
    everyone); a GET for a file not there made the server fetch it from the internet."""
    from solara.server import settings

    cache = Path(settings.assets.proxy_cache_dir)
    folder = cache / f"commissioning-test-{uuid.uuid4().hex}"
    try:
        (folder / "inside").mkdir(parents=True)
        (folder / "inside" / "kept.js").write_text("// kept\n")
    except OSError:
        pytest.skip(f"cannot write a test folder into Solara's asset cache {cache}")
    try:
        for path in (f"{folder.name}/inside", f"{folder.name}/inside/", folder.name):
            assert get(app_url + "_solara/cdn/" + path)[0] == 404
        assert (folder / "inside" / "kept.js").is_file()
        assert get(app_url + f"_solara/cdn/{folder.name}/inside/kept.js")[0] == 200
        assert get(app_url + "_solara/cdn/left-pad@1.3.0/index.js")[0] == 404
        assert not (cache / "left-pad@1.3.0").exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_only_files_in_the_cache_are_let_through(tmp_path):
    (tmp_path / "pkg@1" / "dist").mkdir(parents=True)
    (tmp_path / "pkg@1" / "dist" / "a.js").write_text("")
    (tmp_path / "solo@2").mkdir()
    (tmp_path / "solo@2" / "__main.js").write_text("")
    assert cached_file(tmp_path, "/_solara/cdn/pkg@1/dist/a.js")
    assert cached_file(tmp_path, "/_solara/cdn/solo@2")  # a bare name means its __main.js
    for path in ("pkg@1/dist", "pkg@1", "../../etc/passwd", "pkg@1/../../x", "missing@1/a.js"):
        assert not cached_file(tmp_path, "/_solara/cdn/" + path)

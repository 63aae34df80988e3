"""serve.py's middleware: every HTML page names the server's base URL before Streamlit's bundle loads."""

from __future__ import annotations

import gzip
from pathlib import Path

import off_loop
import pytest

from explorer.ui.index_page import BackendBaseUrl, base_path_script

ROOT = Path(__file__).resolve().parents[1]
PAGE = b"<!DOCTYPE html><html><head><title>x</title><script type=module src=./a.js></script></head></html>"


def served(body: bytes, headers: list[tuple[bytes, bytes]], *, method: str = "GET", chunks: int = 1,
           base_url_path: str = "") -> tuple[dict, bytes]:
    """What the middleware sends for an app that answers `body` (in `chunks` parts) with `headers`."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        size = -(-len(body) // chunks)
        for k in range(chunks):
            await send({"type": "http.response.body", "body": body[k * size:(k + 1) * size],
                        "more_body": k < chunks - 1})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    scope = {"type": "http", "method": method, "path": "/gradients", "headers": []}
    off_loop.run(BackendBaseUrl(app, base_url_path)(scope, receive, send))
    return sent[0], b"".join(m.get("body", b"") for m in sent[1:])


def header(start: dict, name: bytes) -> bytes | None:
    return dict(start["headers"]).get(name)


def test_an_html_page_gets_the_script_first_in_its_head_with_its_new_length():
    start, body = served(PAGE, [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(PAGE)).encode()), (b"etag", b'"abc"')])
    script = base_path_script("")
    assert body == PAGE.replace(b"<head>", b"<head>" + script)
    assert body.index(script) < body.index(b"<script type=module")  # before the bundle
    assert header(start, b"content-length") == str(len(body)).encode()
    assert header(start, b"etag") is None  # the file's validator no longer names this body


def test_a_gzipped_page_in_several_chunks_is_served_whole_and_plain():
    packed = gzip.compress(PAGE)
    start, body = served(packed, [(b"content-type", b"text/html"), (b"content-encoding", b"gzip"),
                                  (b"content-length", str(len(packed)).encode())], chunks=3)
    assert body == PAGE.replace(b"<head>", b"<head>" + base_path_script(""))
    assert header(start, b"content-encoding") is None
    assert header(start, b"content-length") == str(len(body)).encode()


@pytest.mark.parametrize("headers, method", [
    ([(b"content-type", b"application/javascript")], "GET"),  # the bundle itself
    ([(b"content-type", b"text/html")], "HEAD"),
    ([(b"content-type", b"text/html")], "POST"),
])
def test_everything_else_passes_through_untouched(headers, method):
    start, body = served(PAGE, headers, method=method, chunks=2)
    assert body == PAGE
    assert start["headers"] == headers


@pytest.mark.parametrize("base, expected", [("", '"/"'), ("explorer", '"/explorer"'),
                                            ("/class/rnn/", '"/class/rnn"')])
def test_the_base_url_is_the_servers_base_path_on_this_origin(base, expected):
    script = base_path_script(base).decode()
    assert f"BACKEND_BASE_URL: new URL({expected}, window.location.origin).href" in script
    assert script.startswith("<script>") and script.endswith("</script>")


def test_streamlit_run_serve_py_runs_it_as_an_asgi_app_of_app_py():
    from streamlit.web.server.app_discovery import discover_asgi_app

    found = discover_asgi_app(ROOT / "serve.py")
    assert found.is_asgi_app and found.import_string == "serve:app"
    assert 'st.App("app.py"' in (ROOT / "serve.py").read_text()

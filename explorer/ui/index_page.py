"""The page's HTML tells Streamlit's frontend where its server is, so a deep link asks nothing twice.

Opened at a page's own address (say ``/gradients``), Streamlit's frontend does not know the
server's base path: it probes ``/gradients/_stcore/health`` and ``host-config`` first, which the
server answers 404 on purpose, and only then ``/``. Its bundle skips the probe when
``window.__streamlit.BACKEND_BASE_URL`` is set before it loads. `BackendBaseUrl` is an ASGI
middleware (``serve.py`` hands it to ``st.App``) that writes that setting into every HTML
response: the server's own base path, the same for every page.
"""

from __future__ import annotations

import gzip
import json

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def base_path_script(base_url_path: str) -> bytes:
    """The ``<script>`` that sets the backend's base URL: this origin plus ``server.baseUrlPath``."""
    path = "/" + base_url_path.strip("/")
    return (f"<script>window.__streamlit = Object.assign({{}}, window.__streamlit, "
            f"{{BACKEND_BASE_URL: new URL({json.dumps(path)}, window.location.origin).href}})"
            f"</script>").encode()


def with_script(html: bytes, script: bytes) -> bytes:
    """`script` as the first child of ``<head>`` (before the bundle, which reads it once on load)."""
    head = html.find(b"<head>")
    if head < 0:
        return html
    at = head + len(b"<head>")
    return html[:at] + script + html[at:]


class BackendBaseUrl:
    """Adds `base_path_script` to every ``text/html`` response (the app's one page, at any path)."""

    def __init__(self, app: ASGIApp, base_url_path: str | None = None) -> None:
        self.app = app
        self.base_url_path = base_url_path

    def script(self) -> bytes:
        path = self.base_url_path
        if path is None:  # read when serving: the server's config is loaded by then
            from streamlit import config

            path = config.get_option("server.baseUrlPath") or ""
        return base_path_script(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if not MutableHeaders(raw=message["headers"]).get("content-type", "").startswith(
                        "text/html"):
                    start = None
                    await send(message)
                    return
                start = message  # held until the whole body is here
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = MutableHeaders(raw=start["headers"])
            html = b"".join(body)
            if headers.get("content-encoding") == "gzip":
                html = gzip.decompress(html)
                del headers["content-encoding"]
            html = with_script(html, self.script())
            headers["content-length"] = str(len(html))
            for validator in ("etag", "last-modified"):  # they name the file, not this body
                if validator in headers:
                    del headers[validator]
            await send(start)
            await send({"type": "http.response.body", "body": html})

        await self.app(scope, receive, rewrite)

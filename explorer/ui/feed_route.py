"""The feeds' route: ``GET /_explorer/feed/<token>?have=<gen>:<rev>`` answers a live chart (see
`explorer.feeds`). serve.py mounts it on the st.App; charts then ask it instead of riding in reruns."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from explorer.ui.server import feeds

PATH = "_explorer/feed"
NO_STORE = {"cache-control": "no-store"}


def answer(request: Request) -> JSONResponse:
    """A plain function: Starlette runs it on its thread pool, off the event loop."""
    have = request.query_params.get("have", "")[:64]
    data = feeds().answer(request.path_params["token"], have)
    if data is None:
        return JSONResponse({"error": "no such feed"}, status_code=404, headers=NO_STORE)
    return JSONResponse(data, headers=NO_STORE)


def feed_route(base_url_path: str = "") -> Route:
    """The route, under the server's base path; from now on charts ask it (`Feeds.served`)."""
    feeds().served = True
    base = "/".join(filter(None, ("", base_url_path.strip("/"))))
    return Route(f"{base}/{PATH}/{{token}}", answer, methods=["GET"])

"""The feeds' route: ``GET /_explorer/feed?f=<token>:<gen>:<rev>&f=…`` answers a page's live charts
(see `explorer.feeds`) by token. serve.py mounts it on the st.App; charts then ask it instead of
riding in reruns."""

from __future__ import annotations

import asyncio
import weakref

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from explorer.ui.server import feeds

PATH = "_explorer/feed"
NO_STORE = {"cache-control": "no-store"}
MOST = 32  # feeds one request may ask for (a page draws a handful)
THREADS = 8  # feed answers worked out at once: each takes about a millisecond of CPU, and more
# threads (Starlette's own pool has 40) only queue for the GIL beside the event loop and the scripts
_LIMITERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> its limiter


def _limiter() -> anyio.CapacityLimiter:
    """The running event loop's limiter (the server has one loop; tests make several)."""
    loop = asyncio.get_running_loop()
    if loop not in _LIMITERS:
        _LIMITERS[loop] = anyio.CapacityLimiter(THREADS)
    return _LIMITERS[loop]


async def answer(request: Request) -> JSONResponse:
    """Worked out on a thread, off the event loop, THREADS at a time. Tokens the server does not
    know are left out of the answer (the page's next rerun brings new ones)."""
    asked = [f.partition(":")[::2] for f in request.query_params.getlist("f")[:MOST]]
    answers = await anyio.to_thread.run_sync(
        feeds().answer_many, [(token, have[:64]) for token, have in asked], limiter=_limiter())
    return JSONResponse(answers, headers=NO_STORE)


def feed_route(base_url_path: str = "") -> Route:
    """The route, under the server's base path; from now on charts ask it (`Feeds.served`)."""
    feeds().served = True
    base = "/".join(filter(None, ("", base_url_path.strip("/"))))
    return Route(f"{base}/{PATH}", answer, methods=["GET"])

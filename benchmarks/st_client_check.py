"""Does the protocol client count chart updates the way a browser draws them? One Chromium session.

`benchmarks/classroom.py` calls a chart update a delivery of the `train_loss_chart` element whose
payload differs from the one before. Here a real Chromium opens the Train page and presses Train;
`lab.py`'s page-side sampler records each change of the loss chart's drawn data (every 20 ms),
while every websocket frame the page receives goes through the protocol client's own handling
(`Student._handle`: cache, ref_hash, element hooks), so both count the same session. Run:
`python -m benchmarks.st_client_check` (needs Chromium; not part of `make bench`).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from benchmarks.classroom import Student
from benchmarks.lab import PRESS_JS, READY_JS, _chromium, _context, live_app

QUERY = {"steps": "2000", "seed": str(int(time.time()) % 100_000 * 10 + 3)}
WINDOW_S = 120.0


class Mirror(Student):
    """The client's bookkeeping on someone else's frames: it sends nothing, so it keeps no timers."""

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        pass


def check() -> dict:
    with live_app() as (server, playwright, helpers), _chromium(playwright, helpers) as chromium:
        url = f"{server.url}/?{urlencode(QUERY)}"
        mirror, frames, events = Mirror(url, "chromium"), [], []
        context = _context(chromium, helpers.VIEWPORT, 20, events)
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived",
                                              lambda payload: frames.append((time.monotonic(), payload))))
        page.goto(url)
        page.wait_for_function(READY_JS, timeout=90_000)
        clicked = time.time() * 1000
        mirror.pressed_at = time.monotonic()
        page.evaluate(PRESS_JS)
        deadline = time.monotonic() + WINDOW_S
        while time.monotonic() < deadline and mirror.ended_at is None:
            page.wait_for_timeout(200)  # the sync API delivers the page's events while it waits
            for at, payload in frames:
                if isinstance(payload, bytes):
                    mirror._handle(payload, at)
            frames.clear()
        page.wait_for_timeout(1000)
        context.close()
    status = {e[2]: e[1] for e in events if e[0] == "w"}
    drawn = [e[1] for e in events if e[0] == "s" and e[1] >= clicked]
    delivered = [t for t in mirror.updates if mirror.first_point_at and t >= mirror.first_point_at]
    return {
        "drawn changes (Chromium)": len(drawn), "delivered changes (client)": len(delivered),
        "drawn/s while training": _per_s(drawn, status.get("Training"), status.get("Finished"), 1000),
        "delivered/s while training (client's rate)": mirror.rate(mirror.ended_at or time.monotonic()),
        "status seen": mirror.status, "errors": mirror.errors,
    }


def _per_s(times: list[float], start: float | None, stop: float | None, unit: float) -> float | None:
    if start is None or stop is None or stop - start < unit:
        return None
    return sum(start < t <= stop for t in times) / ((stop - start) / unit)


if __name__ == "__main__":
    for name, value in check().items():
        print(f"{name}: {value}")

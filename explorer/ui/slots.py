"""Script slots: how many page scripts (full runs and live panels' reruns) run at once, server-wide.

Streamlit runs each session's script in a thread of its own, and a server's Python runs one thread
at a time (the GIL). When a classroom presses Train within two seconds, a hundred script threads
want the GIL at once, and the event loop that answers every websocket waits its turn behind all of
them: a ping took seconds. Scripts wait for one of SLOTS instead (about the server's cores: one
runs while another is in numpy or torch), so the event loop only ever queues behind a few. The wait
is bounded: after WAIT_SECONDS a script runs anyway, so a page never freezes for good.

No streamlit here: app.py holds a slot around its pages, `ui.live_fragment` around a panel's rerun.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

SLOTS = max(2, min(4, os.cpu_count() or 2))
WAIT_SECONDS = 10.0

_slots = threading.BoundedSemaphore(SLOTS)
_held = threading.local()  # per thread: slots held (a full run calls its panel inline: once is enough)
_waiting = [0]  # scripts waiting for a slot now (a list: changed under _count)
_count = threading.Lock()


def waiting() -> int:
    """Scripts waiting for a slot now: a backlog of page views and clicks (`explorer.live.Pace`
    slows the live refreshes while there is one, so that they go first)."""
    return _waiting[0]


@contextlib.contextmanager
def script_slot(slots: threading.Semaphore = _slots, wait: float = WAIT_SECONDS) -> Iterator[bool]:
    """Hold a slot while the block runs (at once when this thread holds one); yields whether the
    slot was taken (False: the wait ran out and the block runs all the same)."""
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield True
        finally:
            _held.depth = depth
        return
    taken = slots.acquire(blocking=False)
    if not taken:
        with _count:
            _waiting[0] += 1
        try:
            taken = slots.acquire(timeout=wait)
        finally:
            with _count:
                _waiting[0] -= 1
    _held.depth = 1
    try:
        yield taken
    finally:
        _held.depth = 0
        if taken:
            slots.release()

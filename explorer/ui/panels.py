"""Live panels: fragments that rerun while a run is live, at a pace the whole server can afford."""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from explorer.ui.server import feeds, live_pace, session_id
from explorer.ui.slots import script_slot

REFRESH_SECONDS = 0.2
PANEL_SECONDS = 1.0  # a live panel's pace when its curves come from feeds (serve.py), unless it says
_FULL_RUN = contextvars.ContextVar("explorer_live_full_run", default=True)  # see live_fragment
_INTERVAL = contextvars.ContextVar("explorer_live_interval", default=REFRESH_SECONDS)
_FLOOR = contextvars.ContextVar("explorer_live_floor", default=REFRESH_SECONDS)
_ACTIVE = contextvars.ContextVar("explorer_live_active", default=False)  # the panel is live: feeds ask on
_MOVED = contextvars.ContextVar("explorer_live_moved", default=None)  # a live panel's charts: news?


def live_fragment(active: bool, every: float = REFRESH_SECONDS, fed: float = PANEL_SECONDS) -> Callable:
    """`@st.fragment` for a live panel: while `active`, it reruns every `every` seconds when the
    server is idle, and less often as the live panels of all sessions together cost more (see
    `explorer.live.Pace`), so that many sessions share the server instead of overrunning it.

    The interval reaches the browser in the fragment's AutoRerun message. `@st.fragment` sends
    that message only in a full script run; a new interval found in a fragment rerun is sent the
    same way by `_rerun_every`. Charts inside learn whether this run is a full script run (the
    page was drawn anew: a chart's figure is sent whole, see `live_chart`).

    Where feeds are served (serve.py), the panel's growing curves ask for their points themselves
    (`explorer.feeds`, every REFRESH_SECONDS at most), and so does its status line (`ui.status_line`),
    so the panel reruns every `fed` seconds at most, for its other views.
    """
    if feeds().served:
        every = max(every, fed)

    def decorate(body: Callable) -> Callable:
        name = f"{Path(body.__code__.co_filename).stem}.{body.__qualname__}"  # pages all run as __main__
        calls = iter((True,))  # decorated in a full script run: the first call is that run's

        @functools.wraps(body)
        def panel(*args, **kwargs):
            full = next(calls, False)
            moved = []  # a chart's payload brought something new (see _send)
            tokens = (_FULL_RUN.set(full), _INTERVAL.set(st.session_state.get(f"{name}_every") or every),
                      _FLOOR.set(every), _ACTIVE.set(active), _MOVED.set(moved))
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                with script_slot():  # a panel's rerun takes its turn like a page (app.py holds one)
                    result = body(*args, **kwargs)
            finally:
                for var, token in zip((_FULL_RUN, _INTERVAL, _FLOOR, _ACTIVE, _MOVED), tokens, strict=True):
                    var.reset(token)
            if active and not full:  # a full run's cost is the page's, not a refresh's
                seconds = live_pace().record(_panel_id(name), time.thread_time() - cpu,
                                             time.perf_counter() - wall, every, moved=any(moved))
                # told on every refresh that is not at the page's own pace, not only when it changes:
                # under load a fragment's output is often dropped (see live_pace), and the browser
                # keeps its timer when told the interval it already has
                told = st.session_state.get(f"{name}_every")
                if (told != seconds or seconds != every) and _rerun_every(seconds):
                    st.session_state[f"{name}_every"] = seconds
            return result

        seconds = live_pace().interval(_panel_id(name), every) if active else None
        st.session_state[f"{name}_every"] = seconds
        return st.fragment(run_every=seconds)(panel)
    return decorate


def live_load() -> float:
    """Inside a live panel: how many times slower than its own pace it refreshes now (≥ 1: the
    server is busy); costly views redraw that much less often too."""
    return max(1.0, _INTERVAL.get() / _FLOOR.get())


def _panel_id(name: str) -> tuple[str, str]:
    """A live panel of this session, as `Pace` counts them."""
    return session_id(), name


def _rerun_every(seconds: float) -> bool:
    """Send the running fragment's new interval to the browser: the AutoRerun message that
    `@st.fragment(run_every=...)` sends in full runs (its timer restarts only when the interval
    differs). Streamlit internals, pinned by constraints.txt; False (the interval stays the one
    of the last full run) where they are missing."""
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState, get_script_run_ctx

        ctx, fragment_id = get_script_run_ctx(), ThreadState.get().fragment_id
    except (ImportError, AttributeError, RuntimeError):
        return False
    if ctx is None or not fragment_id:
        return False
    msg = ForwardMsg()
    msg.auto_rerun.interval, msg.auto_rerun.fragment_id = seconds, fragment_id
    ctx.enqueue(msg)
    return True

"""A run's status line: what it is doing, its place in the queue, its speed."""

from __future__ import annotations

import functools

import streamlit as st

from explorer.jobs import Status
from explorer.jobs.progress import progress_line
from explorer.jobs.train import Snapshot
from explorer.live import LiveStatus
from explorer.ui.charts import live_status
from explorer.ui.panels import _ACTIVE
from explorer.ui.server import feeds, jobs


def status_line(snap: Snapshot, run=None) -> None:
    """The line with its progress bar, then the run's note and error. In a live panel where feeds
    are served (serve.py) and the run's handle `run` is given, the line asks for itself as often as
    the charts do (`explorer.feeds.StatusFeed`), so the panel around it may rerun seldom."""
    layer = jobs()
    line = functools.partial(_line, capacity=layer.capacity(), warming_up=layer.warming_up)
    if run is not None and feeds().served and _ACTIVE.get():
        status = st.session_state.get("run_status_live")
        if not (isinstance(status, LiveStatus) and status.source is run):
            status = st.session_state["run_status_live"] = LiveStatus(run)
        live_status("run_status", status, run.snapshot, line, snap)
    else:
        shown = line(snap)
        st.progress(shown["fraction"], text=shown["text"])
    if snap.note:
        st.info(snap.note)
    if snap.status == Status.ERROR and snap.error:
        st.error(snap.error)


def _line(snap: Snapshot, capacity: int, warming_up) -> dict:
    return progress_line(snap, capacity, warming_up())

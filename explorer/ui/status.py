"""A run's status line: what it is doing, its place in the queue, its speed."""

from __future__ import annotations

import streamlit as st

from explorer.jobs import Status
from explorer.jobs.progress import progress_line
from explorer.jobs.train import Snapshot
from explorer.ui.charts import live_status
from explorer.ui.panels import _ACTIVE
from explorer.ui.server import feeds, jobs


def status_line(snap: Snapshot, run=None) -> None:
    """The line with its progress bar, then the run's note and error. In a live panel where feeds
    are served (serve.py) and the run's handle `run` is given, the line asks for itself as often as
    the charts do (`explorer.feeds.StatusFeed`), so the panel around it may rerun seldom."""
    layer = jobs()
    capacity = layer.capacity()

    def line(now: Snapshot) -> dict:
        return progress_line(now, capacity, layer.warming_up())

    if run is not None and feeds().served and _ACTIVE.get():
        live_status("run_status", run, line, snap)
    else:
        shown = line(snap)
        st.progress(shown["fraction"], text=shown["text"])
    if snap.note:
        st.info(snap.note)
    if snap.status == Status.ERROR and snap.error:
        st.error(snap.error)

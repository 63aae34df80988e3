"""The server's shared pieces: its limits, its one job layer, a session's handles, the app's entry."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

import streamlit as st

from explorer.config import Limits
from explorer.feeds import Feeds
from explorer.jobs import Handle, JobLayer
from explorer.live import Pace
from explorer.ui import slots

FAVICON = str(Path(__file__).parent / "assets" / "favicon.png")  # served by the app, no outside host


def through_app() -> None:
    """Call first on every page. A fresh server's very first request, when it is a deep link
    (say /race), is served by Streamlit's legacy pages-folder mode: the page runs without
    app.py (no page config, no navigation, no workers). Switch that mode off and rerun, so
    app.py's `st.navigation` serves the same page."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()



@st.cache_resource(show_spinner=False)
def limits() -> Limits:
    return Limits.from_env()


@st.cache_resource(show_spinner="Starting the training workers…")
def jobs() -> JobLayer:
    """One job layer per server: every page's background work, every session's, queues here."""
    return JobLayer(limits())


def submit(kind: str, spec) -> Handle:
    """A handle on a job of this server's layer (see `explorer.jobs.registry` for the kinds)."""
    return jobs().submit(kind, spec)


@functools.cache  # process-wide, not st.cache_resource: the feeds' route reads it outside any script run
def live_pace() -> Pace:
    """One per server: what every session's live panels and feeds cost, hence how often each may refresh."""
    return Pace(backlog=slots.waiting)


@functools.cache
def feeds() -> Feeds:
    """The server's live-chart feeds (`explorer.feeds`), served by serve.py's route."""
    return Feeds(live_pace())


@st.cache_resource(scope="session", on_release=lambda session: feeds().drop(session))
def session_id() -> str:
    """This session's id for the server-wide tables (the pace's panels, the feeds); its feeds are
    forgotten when the tab closes."""
    return uuid.uuid4().hex


@st.cache_resource(scope="session", on_release=lambda runs: [r.stop() for r in runs.values()])
def _session_runs() -> dict:
    """This session's runs; Streamlit stops them when the tab closes."""
    return {}

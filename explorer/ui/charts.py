"""Live charts: one mounted Plotly chart in the browser, sent whole once and then only what changed."""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import streamlit as st

from explorer import export
from explorer.live import LiveChart, LiveStatus
from explorer.ui.panels import _ACTIVE, _FULL_RUN, _MOVED
from explorer.ui.server import feeds, session_id

_LIVE_JS = Path(__file__).parent / "assets" / "live_chart.js"
# The component sends its JS with every delta: a two-line stub that imports the module from the
# app's static folder (see publish_static; the query string changes with the file) keeps each
# refresh's payload small.
_LIVE_STUB = ('const url = new URL("app/static/live_chart.js?v=VERSION", document.baseURI).href;\n'
              "export default (args) => import(url).then((module) => module.default(args));\n")
_live_chart = st.components.v2.component(
    "rnn_explorer.live_chart", isolate_styles=False,  # plotly.js puts its styles in the page's <head>
    js=_LIVE_STUB.replace("VERSION", hashlib.sha1(_LIVE_JS.read_bytes()).hexdigest()[:12]))

def publish_static(static_dir: Path) -> None:
    """Put what `live_chart` loads in the app's static folder (served at app/static/ with
    `server.enableStaticServing`): its module, and the plotly.js of the installed plotly package."""
    for source in (_LIVE_JS, Path(plotly.__file__).parent / "package_data" / "plotly.min.js"):
        target = static_dir / source.name  # app.py calls this on every page view: plotly.js by size
        small = source.stat().st_size < 2**20
        if (not target.exists() or target.stat().st_size != source.stat().st_size
                or small and target.read_bytes() != source.read_bytes()):
            static_dir.mkdir(exist_ok=True)
            shutil.copyfile(source, target)



def live_chart(key: str, figure: go.Figure | Callable[[], go.Figure], version: Any = None,
               every: float = 0.0, shared: bool = False) -> None:
    """A chart that a live panel redraws several times a second, updated in place in the browser
    (Plotly.react) instead of drawn anew like `st.plotly_chart`: that cost headless Chromium about
    a quarter of a second per chart and refresh.

    `figure` is the figure, or a function that builds it. With a `version` (say, the step of the
    trace it draws) the figure is built again only when the version moves (and `every` seconds
    have passed since it last did); meanwhile a refresh sends a few bytes that say "unchanged",
    and the browser does nothing. For curves that grow by a few points per refresh, `live_curve`.
    `shared`: the version alone says what the figure is, in every session (say a run's config and
    the step of its recording): sessions watching the same run build it once between them.
    """
    ss, now = st.session_state, time.monotonic()
    chart = ss.get(f"{key}_live")
    if not isinstance(chart, LiveChart) or chart.curve is not None:
        chart = ss[f"{key}_live"] = LiveChart()
    if chart.stale(version, now, every):
        build = figure if callable(figure) else lambda: figure
        text = _shared_figure(key, version, build) if shared and version is not None else None
        chart.show(text or build().to_json(validate=False), version, now)
    _send(key, chart)


_SHARED: dict[tuple, str] = {}  # (key, version) -> figure JSON, the newest SHARED_FIGURES
SHARED_FIGURES = 64
_SHARED_LOCK = threading.Lock()


def _shared_figure(key: str, version: Hashable, build: Callable[[], go.Figure]) -> str | None:
    """The figure's JSON for (key, version), built by the first session that asks (None: the
    version cannot be a key)."""
    try:
        hash(version)
    except TypeError:
        return None
    with _SHARED_LOCK:
        text = _SHARED.get((key, version))
    if text is None:
        text = build().to_json(validate=False)
        with _SHARED_LOCK:
            _SHARED[(key, version)] = text
            while len(_SHARED) > SHARED_FIGURES:
                del _SHARED[next(iter(_SHARED))]
    return text


def live_curve(key: str, curve, run: Any, columns: Callable[[Any], tuple]) -> None:
    """A live chart of a curve that grows (`explorer.figures.training.Curve`: a learning curve,
    gradient norms, a race) from `run` (a handle: its `snapshot()`); `columns(snapshot)` gives the
    whole columns so far (say a run's steps and losses) and the curve takes only the rows it has
    not seen. `curve` is a new curve object with this refresh's settings; the kept one goes on while
    the settings are the same and `run` is the same object.

    Where feeds are served (serve.py), the chart asks for its points itself (`explorer.feeds`):
    this rerun only gives it its feed's token. Elsewhere (AppTest) each refresh sends the points
    that changed."""
    ss = st.session_state
    chart = ss.get(f"{key}_live")
    if not (isinstance(chart, LiveChart) and chart.follows(curve, run)):
        chart = ss[f"{key}_live"] = LiveChart(curve, run)
    if feeds().served:
        _follow(key, chart, curve, run, columns)
        return
    found = columns(run.snapshot())
    if chart.feed(*found) is None:
        chart = ss[f"{key}_live"] = LiveChart(curve, run)
        chart.feed(*found)
    _send(key, chart)


def _follow(key: str, chart: LiveChart, curve, run: Any, columns: Callable[[Any], tuple]) -> None:
    """The chart's feed: its token, whether the panel is live (the chart asks on by itself), and,
    when it is not, `at`: the rows so far (a new count, say a training step, makes it ask once)."""
    token = feeds().offer(session_id(), key, chart, curve, run.snapshot, columns)
    snap, live = run.snapshot(), _ACTIVE.get()
    rows = _rows(columns(snap)[0])
    seen = (rows, str(getattr(snap, "status", "")), getattr(snap, "queue_position", 0))
    if seen != st.session_state.get(f"{key}_seen") and (moved := _MOVED.get()) is not None:
        moved.append(key)  # news for the panel's pace (a panel with none slows down): rows, status, place
    st.session_state[f"{key}_seen"] = seen
    _live_chart(key=key, data={"feed": token, "live": live, "at": -1 if live else rows,
                               "config": json.dumps(export.chart_config(key))})


def live_status(key: str, run: Any, line: Callable[[Any], dict], snap: Any) -> None:
    """A run's status line drawn by the live chart's component, which asks for it with the page's
    charts (a `StatusFeed`): `line(snapshot)` says it (`explorer.jobs.progress.progress_line`) for
    `run` (a handle: its `snapshot()`; `snap` is this rerun's). When the run stops being live the
    component asks the panel to rerun once ("ended"), so the page catches up at once (its
    buttons, a diverged run's card) whatever the panel's pace."""
    status = st.session_state.get(f"{key}_live")
    if not (isinstance(status, LiveStatus) and status.source is run):
        status = st.session_state[f"{key}_live"] = LiveStatus(run)
    token = feeds().offer_status(session_id(), key, status, run.snapshot, line)
    status.show(line(snap))
    _live_chart(key=key, data={"feed": token, "live": _ACTIVE.get(), "gen": status.gen, "rev": status.rev,
                               "status": status.line}, on_ended_change=_ended)


def _ended() -> None:
    """The status line saw its run end: this rerun of the panel is all it asks."""


def _rows(first) -> int:
    """Rows in a curve's first column, or in all of a race's ({cell: (steps, values)})."""
    return sum(len(steps) for steps, *_ in first.values()) if isinstance(first, dict) else len(first)


def live_memo(key: str, version: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()` once per `version` in this session: a live panel's costly numbers (say a
    recording's eigenvalues) are not worked out again on every refresh."""
    kept = st.session_state.get(key)
    if kept is None or kept[0] != version:
        kept = st.session_state[key] = (version, compute())
    return kept[1]


def _send(key: str, chart: LiveChart) -> None:
    whole = _FULL_RUN.get() or st.session_state.pop(f"{key}_resend", False)
    data = chart.payload(whole)
    if chart.moved and (moved := _MOVED.get()) is not None:
        moved.append(key)
    if "figure" in data:
        data["config"] = json.dumps(export.chart_config(key))
    _live_chart(key=key, data=data, on_missing_change=functools.partial(_resend, key))


def _resend(key: str) -> None:
    """The browser lacks the figure of a payload (it missed the ones that carried it)."""
    st.session_state[f"{key}_resend"] = True

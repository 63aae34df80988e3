"""Pieces the views pages share: a view with its downloads, views in tabs (a link names the open
one) with their controls, the options every view reads, the time cursor."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from explorer import export, schema
from explorer.figures.trajectory import color_options
from explorer.pagestate import ViewControls, slug
from explorer.ui import url, widgets
from explorer.ui.charts import live_chart
from explorer.views import ViewOptions, views_for

CONTROLS = {"gate_lines": ("units",), "trajectory": ("dims", "color")}  # drawn above a view, when held
CONTROLLED = ViewControls()  # the controls of a page whose link does not hold them


def view_with_downloads(view, trace, options, key: str, version: Hashable = None,
                        figure: go.Figure | None = None) -> None:
    """A view's figure, and under it (folded) its downloads: interactive HTML and the data as CSV.
    In a live panel, `version` says what the figure draws: a `live_chart` builds it again only when
    that moves. `figure`: the view's figure as the page changed it (say, to share a colour scale)."""
    if version is None:
        figure = figure or view.figure(trace, options)
        st.plotly_chart(figure, key=key, config=export.chart_config(key))
    else:
        live_chart(key, lambda: view.figure(trace, options), version=version)
    with st.expander(f"Download: {view.title.lower()}", icon=":material/download:"):
        html, csv = st.columns(2)
        html.download_button("Figure (interactive HTML)",
                             lambda: export.figure_html(figure or view.figure(trace, options), key),
                             file_name=f"{key}.html", mime="text/html", key=f"{key}_html", on_click="ignore")
        csv.download_button("Data (CSV)", lambda: export.table_csv(view.table(trace, options)),
                            file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv", on_click="ignore")


def view_options(prefix: str, trace, state: Any = CONTROLLED, link: str = "", follow: Sequence[int] = (0,),
                 **chosen: Any) -> ViewOptions:
    """What every view of `trace` reads: the page's `chosen` (layer, example, cursor, classes …) and
    the view controls its `state` holds (keys `{prefix}_{link}units` …, drawn by `views_in_tabs`),
    each first kept within the recording's (`url.fit`: a link's value it lacks falls back with a
    notice; units to follow none of which it has: `follow`)."""
    url.fit(prefix, f"{link}units", range(trace.hidden_size), list(follow))
    if f"{link}color" in schema.settings(state):
        url.fit(prefix, f"{link}color", color_options(trace), "time")
    shown, base = vars(widgets.current(prefix, state)), ViewOptions()
    return ViewOptions(**chosen, units=shown.get(f"{link}units", base.units),
                       dims=shown.get(f"{link}dims", base.dims),
                       color_by=shown.get(f"{link}color", base.color_by)).fit(trace)


def views_in_tabs(prefix: str, trace, options, tabs: dict, state: Any = CONTROLLED, link: str = "") -> None:
    """Every view of `trace` whose tab is open, each with the controls its page's `state` holds for
    it (`CONTROLS`: the units to follow; the trajectory's projection and what colours its points),
    drawn by the one renderer (keys `{prefix}_{link}…`), and its downloads (`{prefix}_{link}<view>`)."""
    held = schema.settings(state)
    for view in (view for view in views_for(trace) if tabs[view.tab].open):
        with tabs[view.tab]:
            names = [link + name for name in CONTROLS.get(view.name, ()) if link + name in held]
            if names:
                widgets.form(prefix, state, names, into=st.columns(2)[:len(names)], context={"trace": trace})
            view_with_downloads(view, trace, options, f"{prefix}_{link}{view.name}")


def _move_cursor(key: str, delta: int, steps: int) -> None:
    st.session_state[key] = min(max(st.session_state.get(key, 0) + delta, 0), steps - 1)


def time_cursor(key: str, steps: int) -> int:
    """The time cursor: ◀ / ▶ (and the ← → keys) and a slider over 0..steps-1; its value."""
    ss = st.session_state
    ss[key] = min(max(int(ss.get(key, 0)), 0), steps - 1)  # a new trace may be shorter
    back, slider, ahead = st.columns([1, 14, 1], vertical_alignment="bottom")
    back.button("", icon=":material/chevron_left:", key=f"{key}_prev", on_click=_move_cursor,
                args=(key, -1, steps), shortcut="Left", help="One step back (←)")
    ahead.button("", icon=":material/chevron_right:", key=f"{key}_next", on_click=_move_cursor,
                 args=(key, 1, steps), shortcut="Right", help="One step on (→)")
    if steps > 1:
        slider.slider("Time step t (the cursor)", 0, steps - 1, key=key, persist_state="session")
    return ss[key]


def remembered_tabs(key: str, names: list[str]) -> dict:
    """st.tabs by name whose open tab outlives a visit to another page (st.tabs has no
    persist_state, so a copy is kept); only the open one should be drawn (`tab.open`)."""
    ss = st.session_state
    tab = ss.get(key, ss.get(f"{key}_kept"))
    tab = ss[f"{key}_kept"] = tab if tab in names else names[0]  # a new trace may lack it
    if ss.get(key) != tab:
        ss[key] = tab
    return dict(zip(names, st.tabs(names, key=key, on_change="rerun"), strict=True))


def linked_tabs(prefix: str, name: str, names: list[str]) -> dict:
    """`remembered_tabs` whose open tab is the page's setting `name` (key `{prefix}_{name}`): a link
    names the tab by its slug ('compare_moments'); one this page lacks falls back to the first tab,
    with a notice (`url.fit`). The address bar reads it back with `url.shown`."""
    ss, key = st.session_state, f"{prefix}_{name}"
    ss[key] = {slug(tab): tab for tab in names}.get(ss.get(key), ss.get(key))
    url.fit(prefix, name, names, names[0], write=slug)
    return remembered_tabs(key, names)

"""Forecast: a series of one's own (a CSV) or a generated one, forecast many steps ahead, trained live."""

import hashlib

import streamlit as st

from explorer import ui
from explorer.figures.forecast import horizon_figure, horizon_table, series_figure, time_axis
from explorer.figures.gradients import gradient_flow_line
from explorer.figures.training import LearningCurve
from explorer.forecast.baselines import BASELINES
from explorer.forecast.data import read_series_table, series_from_table
from explorer.forecast.generated import generate
from explorer.forecast.spec import ForecastSpec
from explorer.forecast.split import Split
from explorer.history import history_columns
from explorer.pagestate import ForecastPage
from explorer.textfile import MAX_TEXT_BYTES, UploadError
from explorer.views import tabs_for

P, RUN = "forecast", "forecast_run"
KEPT = f"{P}_kept_file"  # (name, bytes, sha256) of the upload: kept in the session, never in the URL
ss = st.session_state
TITLES = {"model": "the network"} | {name: b.title for name, b in BASELINES.items()}


def keep_upload() -> None:
    file = ss.get(f"{P}_file")
    data = None if file is None else file.getvalue()
    ss[KEPT] = None if file is None else (file.name, data, hashlib.sha256(data).hexdigest())


def chosen_series():
    """The series the settings name, and notes on how it was read; None (and a message) when it cannot be."""
    if page.source == "generated":
        return generate(ui.widgets.form(P, page, ["generated"], into=st.container()).generated), ()
    most = ui.limits().max_series_points
    st.file_uploader(f"A CSV file (a header row; comma, semicolon or tab separated; at most "
                     f"{MAX_TEXT_BYTES // 2**20} MB, {most:,} rows)", type=["csv", "tsv", "txt"],
                     key=f"{P}_file", max_upload_size=MAX_TEXT_BYTES // 2**20, on_change=keep_upload)
    if ss.get(KEPT) is None:
        st.info("Upload a CSV with a column of numbers (and, if you like, a column of times).")
        return None, ()
    name, data, digest = ss[KEPT]
    if ss.get(f"{P}_file") is None:  # back from another page: the uploader is empty, the file is kept
        st.caption(f"Showing **{name}** (sha256 {digest[:12]}…), uploaded earlier. Upload another to "
                   "replace it.")
    try:
        table = ui.live_memo(f"{P}_table", (digest, most), lambda: read_series_table(data, most))
    except UploadError as problem:
        st.error(f"**{name}** cannot be read. {problem}")
        return None, ()
    left, middle, right = st.columns(3)
    columns = list(table.columns)
    if ss.get(f"{P}_column") not in columns:
        ss[f"{P}_column"] = columns[-1]
    if ss.get(f"{P}_time") not in ["", *columns]:
        ss[f"{P}_time"] = columns[0] if len(columns) > 1 else ""
    column = left.selectbox("Values", columns, key=f"{P}_column", persist_state="session")
    time = middle.selectbox("Times", ["", *columns], key=f"{P}_time", persist_state="session",
                            format_func=lambda c: c or "none: the row order")
    missing = ui.widgets.form(P, page, ["missing"], into=[right]).missing
    try:
        loaded = series_from_table(table, column, time or None, missing, name=name, max_points=most)
    except UploadError as problem:
        st.error(f"**{name}**: {problem}")
        return None, ()
    return loaded.series, loaded.notes


ui.through_app()
st.title("Forecast a time series")
st.caption("Train on the first 70% of a series, then forecast the next 15% (validation) and the last 15% "
           "(test) many steps ahead, against forecasts with no network: repeat the last value, repeat the "
           "last season, and a linear autoregression fitted by least squares. The scaler and the network "
           "see the training part only.")
notices, starts = [], False  # starts: the link asks to train (read before the address bar is synced)
if ui.url.first_visit(P):  # the link: every setting but the uploaded file, and what the views show
    notices = ui.url.load(P, ForecastPage())[1]
    starts = ui.url.wants_run(notices)
    ui.url.remember(P, ForecastPage())  # what the views inside show waits for the trained network
ui.url.notify(notices)
page = ui.widgets.form(P, ForecastPage(), ["source"], into=st.container())
series, notes = chosen_series()
with st.sidebar:
    page = ui.widgets.form(P, page)
ui.url.sync((ui.url.shown(P, ForecastPage()), ForecastPage()))
for note in notes:
    st.info(note)
if series is None:
    st.stop()
spec = ForecastSpec(page.config(), series, horizon=page.horizon, shape=page.shape, season=page.season)
problems = spec.problems(ui.limits())
if starts and not problems:
    ui.hold(RUN, ui.submit("forecast", spec))
run = ui.current_run(RUN)
snap = None if run is None else run.snapshot()
live = snap is not None and snap.live
buttons = st.columns([1, 1, 4])
buttons[0].button("Train", key=f"{P}_start", type="primary", disabled=bool(problems),
                  on_click=lambda: ui.hold(RUN, ui.submit("forecast", spec)))
buttons[1].button("Stop", key=f"{P}_stop", disabled=not live, on_click=ui.stop_run, args=(RUN,))
for problem in problems:
    st.warning(problem)


def draw_series(shown: ForecastSpec, forecast=None) -> None:
    """The run's series (or the chosen one) with its split, and the forecasts made so far."""
    data = shown.series
    x = time_axis(len(data), data.time_array(), data.time_kind)
    paths = () if forecast is None else (forecast.drawn, forecast.paths)
    parts = Split.of(len(data)).parts()
    ui.live_chart(f"{P}_series_chart", lambda: series_figure(data.array(), x, parts, *paths, title=data.name),
                  version=(data, None if forecast is None else forecast.step))


@ui.live_fragment(live)
def live_panel() -> None:
    snap = None if run is None else run.snapshot()
    if snap is None:
        st.info("No run yet: press **Train**. The shaded parts are held out: the network never trains on "
                "them.")
        draw_series(spec)
        return
    ui.status_line(snap, run)
    ready = ui.live_memo(f"{P}_ready", snap.spec, snap.spec.prepare)  # numpy only: the split and scaler
    baseline = ready.task.baseline(snap.config.seq_len)
    draw_series(snap.spec, snap.forecast)
    left, right = st.columns(2)
    with left:
        curve = LearningCurve(name="training loss (normalised)", smooth=10, baseline=baseline.loss,
                              baseline_label=baseline.label)
        ui.live_curve(f"{P}_loss_chart", curve, run, history_columns("loss"))
    if snap.forecast is not None:
        test = snap.forecast.scores["test"]
        error = ui.widgets.current(P, ForecastPage()).error
        errors = test.mse if error == "mse" else test.mae
        with right:
            ui.live_chart(f"{P}_horizon_chart", lambda: horizon_figure(errors, TITLES, error.upper()),
                          version=(snap.spec, snap.forecast.step, error))
        found = "found on the training part" if not snap.spec.season else "given"
        found = found if snap.season_found else "none found: it repeats the last value"
        st.caption(f"Test part, {len(test.origins)} forecasts of {snap.spec.horizon} steps, in the data's "
                   f"units (at training step {snap.forecast.step}). Seasonal-naive's season: {snap.season} "
                   f"steps ({found}). Validation part: the network's MSE "
                   f"{snap.forecast.mse(part='validation'):.4g}.")
        st.dataframe(horizon_table(test.mse, test.mae, TITLES), hide_index=True)
    if live and not snap.live:
        st.rerun()  # the run ended: redraw the page once, with the views inside


live_panel()
if snap is not None and not snap.live and snap.trace is not None:
    trace = snap.trace
    st.subheader("Inside: windows of the training part")
    st.caption("The last probe recording: the hidden states and gates of each window, and how much of the "
               "forecast loss's gradient reaches each step back (how far back does the forecast look?).")
    ui.url.fit(P, "example", range(trace.batch_size), 0)
    example = ui.widgets.form(P, page, ["example"], into=st.container(), context={"trace": trace}).example
    ui.url.fit(P, "t", range(trace.seq_len), 0)
    cursor = ui.time_cursor(f"{P}_t", trace.seq_len)
    options = ui.view_options(P, trace, ForecastPage(), example=example, cursor=cursor)
    tabs = ui.linked_tabs(P, "tab", ["Gradient through time", *tabs_for(trace)])
    if tabs["Gradient through time"].open:
        flow = gradient_flow_line(trace.grad_norm[-1, 0], None if trace.cell_grad_norm is None else
                                  trace.cell_grad_norm[-1, 0], step=trace.step)
        flow.update_xaxes(title_text="time step t of the window")  # closed loop reads the loss at every step
        tabs["Gradient through time"].plotly_chart(flow, key=f"{P}_flow")
        tabs["Gradient through time"].caption(
            "Closed loop: the loss is read at every step, so each h_t gets gradient of its own. Direct: the "
            "loss is read at the end only, and the line shows how far back the forecast reaches.")
    ui.views_in_tabs(P, trace, options, tabs, ForecastPage())
    ui.url.sync((ui.url.shown(P, ForecastPage()), ForecastPage()))  # what a link gave and this lacks

"""Forecast: a series of one's own (a CSV) or a generated one, forecast many steps ahead, trained live."""

import hashlib

import streamlit as st

from explorer import RunConfig, ui
from explorer.cells import CELLS
from explorer.figures.forecast import horizon_figure, horizon_table, series_figure, time_axis
from explorer.figures.gradients import gradient_flow_line
from explorer.figures.training import LearningCurve
from explorer.forecast.baselines import BASELINES
from explorer.forecast.data import MISSING, read_series_table, series_from_table
from explorer.forecast.generated import GENERATORS, generate
from explorer.forecast.spec import MAX_HORIZON, ForecastSpec
from explorer.forecast.split import Split
from explorer.tasks.series import FORECAST_SHAPES
from explorer.textfile import MAX_TEXT_BYTES, UploadError
from explorer.views import ViewOptions, tabs_for

P, RUN = "forecast", "forecast_run"
KEPT = f"{P}_kept_file"  # (name, bytes, sha256) of the upload: kept in the session, never in the URL
ss = st.session_state
TITLES = {"model": "the network"} | {name: b.title for name, b in BASELINES.items()}
DEFAULTS = {"source": "generated", "generated": "seasonal", "missing": "refuse", "cell": "gru", "hidden": 32,
            "window": 48, "horizon": 12, "shape": "closed", "season": 0, "steps": 200, "lr": 1e-2, "seed": 0,
            "error": "MSE"}
for name, value in DEFAULTS.items():
    ss.setdefault(f"{P}_{name}", value)


def keep_upload() -> None:
    file = ss.get(f"{P}_file")
    data = None if file is None else file.getvalue()
    ss[KEPT] = None if file is None else (file.name, data, hashlib.sha256(data).hexdigest())


def chosen_series():
    """The series the settings name, and notes on how it was read; None (and a message) when it cannot be."""
    if ss[f"{P}_source"] == "generated":
        name = st.selectbox("Generated series", list(GENERATORS), key=f"{P}_generated",
                            persist_state="session", format_func=lambda g: GENERATORS[g].title)
        return generate(name), ()
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
    missing = right.radio("Missing values and gaps", list(MISSING), key=f"{P}_missing", horizontal=True,
                          persist_state="session")
    try:
        loaded = series_from_table(table, column, time or None, missing, name=name, max_points=most)
    except UploadError as problem:
        st.error(f"**{name}**: {problem}")
        return None, ()
    return loaded.series, loaded.notes


def settings() -> tuple[RunConfig, dict]:
    with st.sidebar:
        st.subheader("Model")
        cell = st.selectbox("Cell", list(CELLS), key=f"{P}_cell", format_func=lambda c: CELLS[c].title,
                            persist_state="session")
        hidden = st.select_slider("Hidden units", [8, 16, 32, 64, 128], key=f"{P}_hidden",
                                  persist_state="session")
        st.subheader("Forecast")
        window = st.number_input("Window (steps read)", 2, 1000, key=f"{P}_window", persist_state="session")
        horizon = st.number_input("Horizon (steps ahead)", 1, MAX_HORIZON, key=f"{P}_horizon",
                                  persist_state="session")
        shape = st.radio("How", list(FORECAST_SHAPES), key=f"{P}_shape", persist_state="session",
                         format_func=lambda s: FORECAST_SHAPES[s].title)
        season = st.number_input("Season for seasonal-naive (0: found)", 0, 5000, key=f"{P}_season",
                                 persist_state="session")
        st.segmented_control("Error drawn per step ahead", ["MSE", "MAE"], key=f"{P}_error", required=True,
                             persist_state="session")
        st.subheader("Training")
        steps = st.select_slider("Training steps", [50, 100, 200, 300, 500, 1000, 2000], key=f"{P}_steps",
                                 persist_state="session")
        lr = st.select_slider("Learning rate", [1e-3, 3e-3, 1e-2, 3e-2], key=f"{P}_lr",
                              persist_state="session")
        seed = st.number_input("Seed", 0, 2**31 - 1, key=f"{P}_seed", persist_state="session")
    config = RunConfig(task="series", cell=cell, hidden_size=hidden, seq_len=int(window), lr=lr, steps=steps,
                       seed=int(seed), probe_every=20)
    return config, dict(horizon=int(horizon), shape=shape, season=int(season))


ui.through_app()
st.title("Forecast a time series")
st.caption("Train on the first 70% of a series, then forecast the next 15% (validation) and the last 15% "
           "(test) many steps ahead, against forecasts with no network: repeat the last value, repeat the "
           "last season, and a linear autoregression fitted by least squares. The scaler and the network "
           "see the training part only.")
SOURCES = {"generated": "A generated one", "upload": "Your CSV"}
st.segmented_control("Series", list(SOURCES), key=f"{P}_source", required=True, persist_state="session",
                     format_func=SOURCES.get)
series, notes = chosen_series()
config, forecast = settings()
for note in notes:
    st.info(note)
if series is None:
    st.stop()
spec = ForecastSpec(config, series, **forecast)
problems = spec.problems(ui.limits())
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
    ui.status_line(snap)
    ready = ui.live_memo(f"{P}_ready", snap.spec, snap.spec.prepare)  # numpy only: the split and scaler
    baseline = ready.task.baseline(snap.config.seq_len)
    draw_series(snap.spec, snap.forecast)
    left, right = st.columns(2)
    with left:
        curve = LearningCurve(name="training loss (normalised)", smooth=10, baseline=baseline.loss,
                              baseline_label=baseline.label)
        history = snap.history.columns
        ui.live_curve(f"{P}_loss_chart", curve, run, history["step"], history["loss"])
    if snap.forecast is not None:
        test = snap.forecast.scores["test"]
        error = ss[f"{P}_error"]
        errors = test.mse if error == "MSE" else test.mae
        with right:
            ui.live_chart(f"{P}_horizon_chart", lambda: horizon_figure(errors, TITLES, error),
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
    example = st.selectbox("Window", range(trace.batch_size), key=f"{P}_example",
                           format_func=lambda b: f"{b + 1}")
    cursor = ui.time_cursor(f"{P}_t", trace.seq_len)
    ss.setdefault(f"{P}_dims", "2D")
    ss[f"{P}_units"] = [u for u in ss.get(f"{P}_units", [0]) if u < trace.hidden_size] or [0]
    options = ViewOptions(example=example, cursor=cursor, units=tuple(ss[f"{P}_units"]),
                          dims=3 if ss[f"{P}_dims"] == "3D" else 2).fit(trace)
    tabs = ui.remembered_tabs(f"{P}_tab", ["Gradient through time", *tabs_for(trace)])
    if tabs["Gradient through time"].open:
        flow = gradient_flow_line(trace.grad_norm[-1, 0], None if trace.cell_grad_norm is None else
                                  trace.cell_grad_norm[-1, 0], step=trace.step)
        flow.update_xaxes(title_text="time step t of the window")  # closed loop reads the loss at every step
        tabs["Gradient through time"].plotly_chart(flow, key=f"{P}_flow")
        tabs["Gradient through time"].caption(
            "Closed loop: the loss is read at every step, so each h_t gets gradient of its own. Direct: the "
            "loss is read at the end only, and the line shows how far back the forecast reaches.")
    ui.views_in_tabs(P, trace, options, tabs)

"""Streamlit glue: widgets -> `RunConfig`, the session's run, the live panels.

The only module of `explorer` that imports streamlit. Every widget key starts
with its page's prefix (``train_cell``, ``train_lr`` …), so tests find widgets by
key and pages never collide. Controls are data (`CONTROLS`); one renderer draws them.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import plotly
import plotly.graph_objects as go
import streamlit as st
import torch

from explorer import export
from explorer.cells import CELLS, resolve
from explorer.checkpoint import recurrent_file
from explorer.config import Limits, RunConfig
from explorer.inits import INITS
from explorer.jobs import Handle, JobLayer, Status
from explorer.jobs.train import Snapshot
from explorer.live import LiveChart, Pace
from explorer.presets import PRESETS
from explorer.script import ExportError, run_script, script_name
from explorer.tasks import TASKS
from explorer.trace import pack_traces
from explorer.views import MAX_UNITS, views_for

REFRESH_SECONDS = 0.2
TRAIN_RUN_KEY = "train_run"
FAVICON = str(Path(__file__).parent / "assets" / "favicon.png")  # served by the app, no outside host


@dataclass(frozen=True)
class Control:
    field: str  # the RunConfig field it sets
    label: str
    help: str
    kind: str  # "select", "slider", "toggle" or "int"
    section: str
    options: Callable[[dict], tuple] = lambda values: ()
    fmt: Callable[[Any], str] = str
    shown: Callable[[dict], bool] = lambda values: True


def through_app() -> None:
    """Call first on every page. A fresh server's very first request, when it is a deep link
    (say /race), is served by Streamlit's legacy pages-folder mode: the page runs without
    app.py (no page config, no navigation, no workers). Switch that mode off and rerun, so
    app.py's `st.navigation` serves the same page."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def _choices(*values):
    return lambda _: values


CONTROLS: tuple[Control, ...] = (
    Control("cell", "Cell", "The recurrence: a vanilla RNN squashes everything through one tanh "
            "(or ReLU); LSTM and GRU add gates that decide what to keep and what to forget.",
            "select", "Model", lambda _: tuple(CELLS), lambda c: CELLS[c].title),
    Control("num_layers", "Layers", "Stacked layers: each reads the sequence of states of the one below.",
            "slider", "Model", _choices(1, 2, 3, 4)),
    Control("bidirectional", "Bidirectional", "Also read the sequence backwards; the head sees both "
            "directions' states side by side.", "toggle", "Model"),
    Control("hidden_size", "Hidden units", "The size of h_t, the network's memory. More units remember "
            "more but train slower.", "slider", "Model", _choices(4, 8, 16, 32, 64, 128, 256)),
    Control("init", "Initialization", "How W_hh starts. Orthogonal keeps every direction's length; "
            "identity (IRNN) copies the state forward unchanged.", "select", "Model",
            lambda v: tuple(k for k, i in INITS.items() if i.applies_to(v["cell"])),
            lambda k: INITS[k].title),
    Control("spectral_radius", "Spectral radius of W_hh", "Rescale W_hh so its largest |eigenvalue| is "
            "this: below 1 gradients shrink at every step back in time, above 1 they can explode.",
            "slider", "Model", _choices(0.0, 0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0),
            lambda r: "as initialized" if r == 0 else f"{r:g}"),
    Control("forget_bias", "Forget-gate bias", "Start the forget gate open (f ≈ σ(b)): the cell keeps "
            "what it holds by default, so gradients survive long spans.", "slider", "Model",
            _choices(None, 0.0, 0.5, 1.0, 2.0, 3.0), lambda b: "PyTorch default" if b is None else f"{b:g}",
            lambda v: CELLS[v["cell"]].has_cell_state),
    Control("dropout", "Dropout between layers", "Randomly zero states between stacked layers while "
            "training.", "slider", "Model", _choices(0.0, 0.1, 0.2, 0.3, 0.5), lambda p: f"{p:g}",
            lambda v: v["num_layers"] > 1),
    Control("task", "Task", "What the network has to learn.", "select", "Task",
            lambda _: tuple(TASKS), lambda t: TASKS[t].title),
    Control("seq_len", "Sequence length", "How far back the network must remember: the longer, the "
            "harder for a vanilla RNN.", "int", "Task"),
    Control("optimizer", "Optimizer", "Adam adapts the step per weight; SGD with momentum is the classic.",
            "select", "Training", _choices("adam", "sgd"), str.capitalize),
    Control("lr", "Learning rate", "Step size. Too high and the loss explodes; too low and it crawls.",
            "slider", "Training", _choices(1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0),
            lambda v: f"{v:g}"),
    Control("momentum", "Momentum", "SGD only: how much of the last step carries into the next.",
            "slider", "Training", _choices(0.0, 0.5, 0.9, 0.95, 0.99), lambda v: f"{v:g}",
            lambda v: v["optimizer"] == "sgd"),
    Control("batch_size", "Batch size", "Sequences per step: larger is smoother and slower.", "slider",
            "Training", _choices(8, 16, 32, 64, 128, 256)),
    Control("clip", "Clip gradients", "Rescale the gradient when its norm passes the threshold: the "
            "standard cure for exploding gradients (it does nothing for vanishing ones).", "toggle",
            "Training"),
    Control("clip_norm", "Clip threshold", "The largest gradient norm allowed.", "slider", "Training",
            _choices(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0), lambda v: f"{v:g}", lambda v: v["clip"]),
    Control("steps", "Training steps", "How many batches to learn from.", "slider", "Training",
            _choices(50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000)),
    Control("seed", "Seed", "Same seed, same data and initial weights: the same run, every time.",
            "int", "Training"),
    Control("device", "Device", "Where training runs; auto picks a GPU when there is one.", "select",
            "Training", lambda _: ("auto", "cpu", "cuda") if torch.cuda.is_available() else ("auto", "cpu")),
    Control("probe_every", "Record every k steps", "How often the probe batch is recorded for the "
            "views inside the network.", "slider", "Training", _choices(1, 2, 5, 10, 25, 50, 100)),
)


# --- shared, server-wide ---------------------------------------------------------------
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


@st.cache_resource(scope="session", on_release=lambda runs: [r.stop() for r in runs.values()])
def _session_runs() -> dict:
    """This session's runs; Streamlit stops them when the tab closes."""
    return {}


# --- config widgets --------------------------------------------------------------------
def set_config(prefix: str, config: RunConfig) -> None:
    """Put a config into the widgets (call before they are drawn, or from a callback)."""
    for f in fields(RunConfig):
        st.session_state[f"{prefix}_{f.name}"] = getattr(config, f.name)


def config_controls(prefix: str) -> RunConfig:
    """The sidebar settings as a RunConfig; the widgets hold the state (see `set_config`)."""
    ss = st.session_state
    if f"{prefix}_cell" not in ss:
        set_config(prefix, RunConfig())
    values = {f.name: ss.get(f"{prefix}_{f.name}", getattr(RunConfig(), f.name)) for f in fields(RunConfig)}
    section = None
    with st.sidebar:
        for control in CONTROLS:
            key = f"{prefix}_{control.field}"
            if not control.shown(values):
                continue
            if control.section != section:
                section = control.section
                st.subheader(section)
            values[control.field] = _draw(control, key, values)
    return replace(RunConfig(), **values)


def _draw(control: Control, key: str, values: dict) -> Any:
    ss = st.session_state
    # persist_state: the setting outlives a visit to another page (Streamlit drops undrawn widgets)
    common = dict(label=control.label, key=key, help=control.help, persist_state="session")
    if control.kind == "toggle":
        return st.toggle(**common)
    if control.kind == "int":
        lo, hi = _int_bounds(control.field, values)
        ss[key] = min(max(int(ss[key]), lo), hi)
        return int(st.number_input(min_value=lo, max_value=hi, step=1, **common))
    options = control.options(values)
    if ss[key] not in options:  # a shared link may carry a value between the steps
        options = _with(options, ss[key]) if control.kind == "slider" else options
        if ss[key] not in options:
            ss[key] = options[0]
    if control.kind == "slider":
        return st.select_slider(options=options, format_func=control.fmt, **common)
    return st.selectbox(options=options, format_func=control.fmt, **common)


def _with(options: tuple, value) -> tuple:
    """A slider's steps plus a value a shared link carried."""
    if value is None:
        return options
    numbers = sorted({o for o in options if o is not None} | {value})
    return ((None,) if None in options else ()) + tuple(numbers)


def _int_bounds(field: str, values: dict) -> tuple[int, int]:
    if field == "seq_len":
        task = TASKS[values["task"]]
        return task.min_seq_len, min(task.max_seq_len, limits().max_seq_len)
    return 0, 2**31 - 1


def load_config_from_url(prefix: str) -> list[str]:
    """Once per session: the URL's settings into the widgets; returns notices for bad ones."""
    flag = f"{prefix}_url_loaded"
    if st.session_state.get(flag):
        return []
    st.session_state[flag] = True
    params = st.query_params.to_dict()
    config, notices = RunConfig.from_query(params)
    set_config(prefix, config)
    if params.get("run") == "1" and not notices:
        start_run(TRAIN_RUN_KEY, config)
    return notices


def share_url(config: RunConfig) -> str:
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(config.to_query() | {'run': '1'})}"


def sync_url(config: RunConfig) -> None:
    """The address bar always holds the current settings."""
    query = config.to_query()
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def apply_preset(prefix: str) -> None:
    """Callback of the preset picker."""
    name = st.session_state[f"{prefix}_preset"]
    if name in PRESETS:
        set_config(prefix, PRESETS[name].config())


# --- the session's run -----------------------------------------------------------------
def current_run(key: str):
    return st.session_state.get(key)


def lab_snapshot() -> Snapshot | None:
    """What the Train page's run shows now (other pages look inside it), or None."""
    run = current_run(TRAIN_RUN_KEY)
    return None if run is None else run.snapshot()


def start_run(key: str, config: RunConfig, paused: bool = False):
    """Stop this session's run (if any) and start `config`; it may queue, or replay from cache."""
    stop_run(key)
    problems = config.validate(limits())
    if problems:
        st.session_state[f"{key}_problems"] = problems
        return None
    st.session_state.pop(f"{key}_problems", None)
    run = submit("train", config)
    if paused:
        run.pause()
    hold(key, run)
    return run


def hold(key: str, handle) -> None:
    """Keep this session's handle (a run, a race, a sweep: anything with `stop()`) under `key`,
    stopping the one it replaces; Streamlit stops it too when the tab closes."""
    stop_run(key)
    st.session_state[key] = _session_runs()[key] = handle


def stop_run(key: str) -> None:
    run = st.session_state.get(key)
    if run is not None:
        run.stop()


def pause_run(key: str) -> None:
    if (run := st.session_state.get(key)) is not None:
        run.pause()


def resume_run(key: str) -> None:
    if (run := st.session_state.get(key)) is not None:
        run.resume()


def step_run(key: str, config: RunConfig) -> None:
    run = st.session_state.get(key)
    if run is None or run.snapshot().status.ended:
        run = start_run(key, config, paused=True)
    if run is not None:
        run.step()


def reset_run(key: str, prefix: str) -> None:
    stop_run(key)
    st.session_state.pop(key, None)
    _session_runs().pop(key, None)
    set_config(prefix, RunConfig())
    st.session_state[f"{prefix}_preset"] = "custom"


# --- status --------------------------------------------------------------------------
def status_line(snap: Snapshot) -> None:
    total = snap.config.steps
    parts = [f"**{snap.status.text}**"]
    if snap.status == Status.QUEUED and jobs().warming_up():
        parts.append("the training workers are starting (a few seconds, once per server)")
    elif snap.status == Status.QUEUED:
        parts.append(f"{snap.queue_position} in the queue — the server trains "
                     f"{jobs().capacity()} runs at a time")
    parts.append(f"step {snap.step} of {total}")
    rate = steps_per_second(snap)
    if rate:
        parts.append(f"{rate:.0f} steps/s")
        if snap.active and snap.step < total:
            parts.append(f"about {(total - snap.step) / rate:.0f} s left")
    if snap.device:
        parts.append(f"on {snap.device}")
    st.progress(min(snap.step / total, 1.0), text=" · ".join(parts))
    if snap.note:
        st.info(snap.note)
    if snap.status == Status.ERROR and snap.error:
        st.error(snap.error)


def steps_per_second(snap: Snapshot, window: int = 50) -> float:
    elapsed = snap.history.columns["elapsed"]
    if len(elapsed) < 2:
        return 0.0
    k = min(window, len(elapsed) - 1)
    spent = elapsed[-1] - elapsed[-1 - k]
    return k / spent if spent > 0 else 0.0


def downloads(snap: Snapshot, prefix: str) -> None:
    """Metrics as CSV, the model as safetensors, the probe traces as .npz.

    Each file is built when its button is clicked (a callable `data`), not on every redraw:
    packing the traces of a live run five times a second cost more than the page itself.
    """
    name = f"{snap.config.cell}-{snap.config.task}-T{snap.config.seq_len}-seed{snap.config.seed}"
    script_download(snap.config, f"{prefix}_dl_script")
    cols = st.columns(4)
    cols[0].download_button("Metrics (CSV)", snap.history.to_csv, f"{name}-metrics.csv", "text/csv",
                            key=f"{prefix}_dl_metrics", on_click="ignore")
    if snap.traces:
        cols[1].download_button("Probe traces (.npz)", lambda: pack_traces(snap.traces), f"{name}-traces.npz",
                                key=f"{prefix}_dl_traces", on_click="ignore")
    if snap.model is not None:
        cols[2].download_button("Model (safetensors)", snap.model, f"{name}.safetensors",
                                key=f"{prefix}_dl_model", on_click="ignore",
                                help="The whole model: embedding, recurrent layer and head.")
        cols[3].download_button("Recurrent layer only", lambda: recurrent_file(snap.model),
                                f"{name}-rnn.safetensors", key=f"{prefix}_dl_rnn", on_click="ignore",
                                help="Keys as torch.nn names them: load_state_dict works on a fresh "
                                     f"{module_name(snap.config)} of the same size.")


def script_download(config: RunConfig, key: str) -> None:
    """The run as one standalone PyTorch script (explorer/script.py), or why there is none."""
    try:
        text = run_script(config, limits())
    except ExportError as reason:
        st.caption(f"No standalone script for this run: {reason}")
        return
    st.download_button("Run as a PyTorch script (.py)", text, script_name(config), "text/x-python", key=key,
                       on_click="ignore", icon=":material/code:",
                       help="One file, torch and numpy only: the same data, model and steps; it prints the "
                            "same held-out loss. Hand it out as homework.")


def module_name(config: RunConfig) -> str:
    """nn.LSTM for a torch.nn cell; the SpecRNN subclass (explorer.recurrence) for the others."""
    spec = resolve(config.cell, config.custom_cell)
    return f"nn.{spec.module.__name__}" if spec.fused else f"explorer.recurrence.{spec.module.__name__}"


# --- live panels and their charts --------------------------------------------------------
_LIVE_JS = Path(__file__).parent / "assets" / "live_chart.js"
# The component sends its JS with every delta: a two-line stub that imports the module from the
# app's static folder (see publish_static; the query string changes with the file) keeps each
# refresh's payload small.
_LIVE_STUB = ('const url = new URL("app/static/live_chart.js?v=VERSION", document.baseURI).href;\n'
              "export default (args) => import(url).then((module) => module.default(args));\n")
_live_chart = st.components.v2.component(
    "rnn_explorer.live_chart", isolate_styles=False,  # plotly.js puts its styles in the page's <head>
    js=_LIVE_STUB.replace("VERSION", hashlib.sha1(_LIVE_JS.read_bytes()).hexdigest()[:12]))
_FULL_RUN = contextvars.ContextVar("explorer_live_full_run", default=True)  # see live_fragment
_INTERVAL = contextvars.ContextVar("explorer_live_interval", default=REFRESH_SECONDS)
_MOVED = contextvars.ContextVar("explorer_live_moved", default=None)  # a live panel's charts: news?


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


@st.cache_resource(show_spinner=False)
def live_pace() -> Pace:
    """One per server: what every session's live panels cost, hence how often each may refresh."""
    return Pace()


def live_fragment(active: bool, every: float = REFRESH_SECONDS) -> Callable:
    """`@st.fragment` for a live panel: while `active`, it reruns every `every` seconds when the
    server is idle, and less often as the live panels of all sessions together cost more (see
    `explorer.live.Pace`), so that many sessions share the server instead of overrunning it.

    The interval reaches the browser in the fragment's AutoRerun message. `@st.fragment` sends
    that message only in a full script run; a new interval found in a fragment rerun is sent the
    same way by `_rerun_every`. Charts inside learn whether this run is a full script run (the
    page was drawn anew: a chart's figure is sent whole, see `live_chart`).
    """
    def decorate(body: Callable) -> Callable:
        name = f"{Path(body.__code__.co_filename).stem}.{body.__qualname__}"  # pages all run as __main__
        calls = iter((True,))  # decorated in a full script run: the first call is that run's

        @functools.wraps(body)
        def panel(*args, **kwargs):
            full = next(calls, False)
            moved = []  # a chart's payload brought something new (see _send)
            tokens = (_FULL_RUN.set(full), _INTERVAL.set(st.session_state.get(f"{name}_every") or every),
                      _MOVED.set(moved))
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                result = body(*args, **kwargs)
            finally:
                for var, token in zip((_FULL_RUN, _INTERVAL, _MOVED), tokens, strict=True):
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


def live_seconds() -> float:
    """Inside a live panel: its refresh interval now (longer when the server is busy)."""
    return _INTERVAL.get()


def _panel_id(name: str) -> tuple[str, str]:
    """A live panel of this session, as `Pace` counts them."""
    ss = st.session_state
    if "live_session" not in ss:
        ss.live_session = uuid.uuid4().hex
    return ss.live_session, name


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


def live_chart(key: str, figure: go.Figure | Callable[[], go.Figure], version: Any = None,
               every: float = 0.0) -> None:
    """A chart that a live panel redraws several times a second, updated in place in the browser
    (Plotly.react) instead of drawn anew like `st.plotly_chart`: that cost headless Chromium about
    a quarter of a second per chart and refresh.

    `figure` is the figure, or a function that builds it. With a `version` (say, the step of the
    trace it draws) the figure is built again only when the version moves (and `every` seconds
    have passed since it last did); meanwhile a refresh sends a few bytes that say "unchanged",
    and the browser does nothing. For curves that grow by a few points per refresh, `live_curve`.
    """
    ss, now = st.session_state, time.monotonic()
    chart = ss.get(f"{key}_live")
    if not isinstance(chart, LiveChart) or chart.curve is not None:
        chart = ss[f"{key}_live"] = LiveChart()
    if chart.stale(version, now, every):
        fig = figure() if callable(figure) else figure
        chart.show(fig.to_json(validate=False), version, now)
    _send(key, chart)


def live_curve(key: str, curve, run: Any, *columns) -> None:
    """A live chart of a curve that grows (`explorer.figures.training.Curve`: a learning curve,
    gradient norms, a race): each refresh passes the whole columns so far (say a run's history)
    and the curve takes only the rows it has not seen; the browser gets only the points that
    changed. `curve` is a new curve object with this refresh's settings; the kept one goes on
    while the settings are the same and `run` (what it draws) is the same object."""
    ss = st.session_state
    chart = ss.get(f"{key}_live")
    if not (isinstance(chart, LiveChart) and chart.follows(curve, run)) or chart.feed(*columns) is None:
        chart = ss[f"{key}_live"] = LiveChart(curve, run)
        chart.feed(*columns)
    _send(key, chart)


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


# --- pieces the views pages share --------------------------------------------------------
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


def views_in_tabs(prefix: str, trace, options, tabs: dict, colour_by: list[str] | None = None) -> None:
    """Every view of `trace` whose tab is open, each with the controls it reads from the session
    (units to follow; the trajectory's projection, and what colours its points when `colour_by`
    offers a choice) and its downloads."""
    for view in (view for view in views_for(trace) if tabs[view.tab].open):
        with tabs[view.tab]:
            if view.name == "gate_lines":
                st.multiselect("Units to follow", range(trace.hidden_size), key=f"{prefix}_units",
                               max_selections=MAX_UNITS, persist_state="session")
            if view.name == "trajectory":
                left, right = st.columns(2)
                left.segmented_control("Projection", ["2D", "3D"], key=f"{prefix}_dims", required=True,
                                       persist_state="session")
                if colour_by:
                    right.segmented_control("Colour points by", colour_by, key=f"{prefix}_color",
                                            required=True, persist_state="session")
            view_with_downloads(view, trace, options, f"{prefix}_{view.name}")


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

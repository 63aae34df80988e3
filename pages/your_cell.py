"""Your cell: write a cell's update equations, see them checked, train it live, look inside it."""

from dataclasses import replace

import streamlit as st

from explorer import RunConfig, custom_cell, ui
from explorer.figures.training import LearningCurve
from explorer.history import history_columns
from explorer.tasks import TASKS
from explorer.views import tabs_for

P = "your_cell"
RUN_KEY = f"{P}_run"
TASK_NAMES = ("sine", "adding", "parity", "mod3")
SETTINGS = ("task", "hidden_size", "steps", "seq_len")  # RunConfig's settings this page draws
BASE = RunConfig(task="sine", hidden_size=16, steps=200, seq_len=20)
ss = st.session_state

ui.through_app()
st.title("Your cell")
st.caption("Write a recurrent cell's update equations, one per line. They are checked as you type, "
           "then the cell trains on a task like any other, and every view shows its gates.")

if f"{P}_text" not in ss:
    ss[f"{P}_text"] = custom_cell.EXAMPLE
left, right = st.columns([3, 2], gap="large")
with left:
    text = st.text_area("Equations", key=f"{P}_text", height=180, max_chars=custom_cell.MAX_CHARS,
                        persist_state="session")
with right:
    st.markdown(
        "**The language.** `x` is the input x_t; `h` (and `c`, if a line assigns it) the state, "
        "previous until its line updates it; a gate is one lowercase letter. Weights by prefix: "
        "`W_…` (H × F, times x), `U_…` (H × H, times a vector), `b_…` and `p_…` (H). "
        "Operators `+ - * @`, parentheses, numbers; functions `σ` (or `sigmoid`), `tanh`, `relu`. "
        "Nothing you write is run as Python.")
found = custom_cell.problems(text)
for problem in found:
    st.error(problem, icon=":material/error:")
if not found:
    cell = custom_cell.cell_from_text(text)
    with st.expander(f"Checked: gates {', '.join(cell.gate_names) or 'none'}; states "
                     f"{', '.join(cell.states)}; {len(cell.extra_params)} weights", expanded=True):
        for line in cell.equations:
            st.latex(line)

if ui.url.first_visit(P):  # the link: the run's settings (the equations stay this page's text)
    ui.url.notify(ui.url.load(P, BASE)[1])
chosen = ui.widgets.form(P, BASE, SETTINGS, into=st.columns(len(SETTINGS)), offer={"task": TASK_NAMES})
ui.url.sync((chosen, BASE))
config = replace(chosen, cell="custom", custom_cell=text, probe_every=max(5, chosen.steps // 20))
problems = [] if found else config.validate(ui.limits())
go_col, stop_col, _ = st.columns([1, 1, 4])
if go_col.button("Train", key=f"{P}_start", type="primary", disabled=bool(found or problems)):
    ui.start_run(RUN_KEY, config)  # the text travels in the config; the worker compiles it again
if stop_col.button("Stop", key=f"{P}_stop"):
    ui.stop_run(RUN_KEY)
for problem in problems + ss.get(f"{RUN_KEY}_problems", []):
    st.warning(problem)

run = ui.current_run(RUN_KEY)
live = run is not None and run.snapshot().live


@ui.live_fragment(live)
def live_panel() -> None:
    snap = None if run is None else run.snapshot()
    if snap is None:
        st.info("Press **Train** to train your cell.")
        return
    ui.status_line(snap, run)
    if snap.error:
        st.error(snap.error)
    baseline = TASKS[snap.config.task].baseline(snap.config.seq_len)
    curve = LearningCurve(name="loss", smooth=10, baseline=baseline.loss, baseline_label=baseline.label)
    ui.live_curve(f"{P}_loss_chart", curve, run, history_columns("loss"))
    trace = snap.trace
    if trace is None:
        return
    cursor = ui.time_cursor(f"{P}_t", trace.length(0))  # the views show probe example 1
    options = ui.view_options(P, trace, cursor=cursor)
    tabs = ui.remembered_tabs(f"{P}_tab", tabs_for(trace))
    ui.views_in_tabs(P, trace, options, tabs)
    if live and not snap.live:
        st.rerun()  # the run ended: redraw the page once


live_panel()

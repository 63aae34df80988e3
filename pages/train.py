"""Train: pick a cell and a task, press Train, watch the loss and the hidden states move."""

import streamlit as st

from explorer import ui
from explorer.figures import hidden_heatmap, learning_curve
from explorer.tasks import TASKS

RUN_KEY = ui.TRAIN_RUN_KEY

st.title("Train a recurrent network")
st.caption("Choose a cell and a task in the sidebar, then press **Train**. "
           "The curves and the hidden states update while it learns.")

config = ui.config_controls("train")
problems = config.validate()
task = TASKS[config.task]
with st.expander(f"Task: {task.title}", expanded=False):
    st.markdown(task.description)

left, right, _ = st.columns([1, 1, 4])
if left.button("Train", key="train_start", type="primary", disabled=bool(problems)):
    ui.start_run(RUN_KEY, config)
if right.button("Stop", key="train_stop"):
    ui.stop_run(RUN_KEY)
for problem in problems:
    st.warning(problem)

run = ui.current_run(RUN_KEY)
running = run is not None and run.snapshot().active


@st.fragment(run_every=ui.REFRESH_SECONDS if running else None)
def live_panel() -> None:
    if run is None:
        st.info("No run yet: press **Train**.")
        return
    snap = run.snapshot()
    ui.status_line(snap)
    run_task = TASKS[snap.config.task]
    baseline = run_task.baseline(snap.config.seq_len)
    h = snap.history
    loss_col, metric_col = st.columns(2)
    loss_col.plotly_chart(
        learning_curve(h.array("step"), h.array("loss"), name="loss", baseline=baseline.loss,
                       baseline_label=baseline.label, smooth=10),
        key="train_loss_chart")
    metric_col.plotly_chart(
        learning_curve(h.array("step"), h.array("metric"), name=run_task.metric_name,
                       baseline=baseline.metric, baseline_label=baseline.label, smooth=10),
        key="train_metric_chart")
    if snap.trace is not None:
        st.plotly_chart(hidden_heatmap(snap.trace), key="train_hidden_chart")
    if running and not snap.active:
        st.rerun()  # the run ended: redraw the page once, without the timer


live_panel()

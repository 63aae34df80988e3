"""The live training lab: settings -> a run in a worker -> curves that update as it learns."""

from dataclasses import replace

import numpy as np
import streamlit as st

from explorer import RunConfig, ui
from explorer.figures import hidden_heatmap, learning_curve, predictions_figure
from explorer.figures.training import GradientNormCurve, LearningCurve
from explorer.history import history_columns
from explorer.presets import PRESETS
from explorer.tasks import task_for

RUN = ui.TRAIN_RUN_KEY
VIEWS_SECONDS = 3.0  # between two redraws of the probe's views while training, on an idle server

ui.through_app()
st.title("Train a recurrent network")
notices = ui.load_config_from_url("train")
if "train_preset" not in st.session_state:  # a link to a preset's settings picks it
    st.session_state["train_preset"] = ui.matching("train", ui.widgets.current("train", RunConfig()))
with st.sidebar:
    ui.picker("train", "train")
config = ui.config_controls("train")
ui.sync_url(config)
ui.url.notify(notices)
preset = PRESETS.get(st.session_state.get("train_preset"))
if preset is not None and preset.config() == config:
    st.info(f"**{preset.title}.** {preset.lesson}")
task = task_for(config.task, config.corpus)
with st.expander(f"Task: {task.title}"):
    st.markdown(task.description)

problems = config.validate(ui.limits())
snap = ui.lab_snapshot()
live = snap is not None and snap.live
paused = snap is not None and snap.status == "paused"
buttons = st.columns(6)
buttons[0].button("Train", key="train_start", type="primary", disabled=bool(problems),
                  on_click=ui.start_run, args=(RUN, config), help="Start a new run with these settings.")
buttons[1].button("Pause", key="train_pause", disabled=not (live and not paused),
                  on_click=ui.pause_run, args=(RUN,))
buttons[2].button("Step", key="train_step", disabled=bool(problems), on_click=ui.step_run,
                  args=(RUN, config), help="Pause, then advance exactly one training step.")
buttons[3].button("Resume", key="train_resume", disabled=not paused,
                  on_click=ui.resume_run, args=(RUN,))
buttons[4].button("Stop", key="train_stop", disabled=not live, on_click=ui.stop_run, args=(RUN,))
buttons[5].button("Reset", key="train_reset", on_click=ui.reset_run, args=(RUN, "train"),
                  help="Stop, forget the run, and go back to the default settings.")
for problem in problems + st.session_state.get(f"{RUN}_problems", []):
    st.warning(problem)


def apply_fix(change: dict) -> None:
    """A one-click fix from the diverged card: change the settings and train again."""
    fixed = replace(ui.lab_snapshot().config, **change)
    ui.set_config("train", fixed)
    st.session_state["train_preset"] = "custom"
    ui.start_run(RUN, fixed)
    st.session_state["train_fixed"] = True  # the card is in the live panel: see live_panel


# where feeds are served the curves and the status line ask for themselves: the panel reruns for
# the probe's views alone
@ui.live_fragment(live, fed=VIEWS_SECONDS)
def live_panel() -> None:
    if st.session_state.pop("train_fixed", False):  # a fix clicked in this fragment: redraw the whole
        st.rerun(scope="app")  # page, so the sidebar, the URL and the panel's timer follow the new run
    snap = ui.lab_snapshot()
    if snap is None:
        st.info("No run yet: press **Train** (or pick a preset first).")
        # the empty chart shows the bar to beat, and loads the chart library before the first run
        baseline = task.baseline(config.seq_len)
        ui.live_chart("train_empty_chart", lambda: learning_curve(
            np.array([]), np.array([]), name="loss", baseline=baseline.loss, baseline_label=baseline.label),
            version=(baseline.loss, baseline.label), shared=True)  # one figure for every session
        return
    run = ui.current_run(RUN)
    ui.status_line(snap, run)
    if snap.status == "diverged" and snap.divergence is not None:
        with st.container(border=True):
            st.error(f"**Diverged at step {snap.divergence.step}.** {snap.divergence.explain()}",
                     icon=":material/error:")
            fix = st.columns(2)
            fix[0].button("Turn clipping on and train again", key="train_fix_clip", on_click=apply_fix,
                          args=({"clip": True, "clip_norm": 1.0},))
            fix[1].button("Lower the learning rate ×10 and train again", key="train_fix_lr",
                          on_click=apply_fix, args=({"lr": snap.config.lr / 10},))
    run_task, h = task_for(snap.config.task, snap.config.corpus), snap.history
    baseline = run_task.baseline(snap.config.seq_len)
    left, right = st.columns(2)  # one pair of columns (each refresh redraws every block it holds)
    with left:  # the curves take only the steps they have not seen: see ui.live_curve
        ui.live_curve("train_loss_chart", LearningCurve(
            name="loss", smooth=10, baseline=baseline.loss, baseline_label=baseline.label),
            run, history_columns("loss"))
        ui.live_curve("train_grad_chart", GradientNormCurve(
            snap.config.clip_norm if snap.config.clip else None,
            None if snap.divergence is None else snap.divergence.step),
            run, history_columns("grad_norm", "grad_norm_clipped"))
    with right:
        ui.live_curve("train_metric_chart", LearningCurve(
            name=run_task.metric_name, smooth=10, baseline=baseline.metric, baseline_label=baseline.label),
            run, history_columns("metric"))
    if snap.trace is not None:
        # the probe's views change with each recording; building them costs more than a whole
        # refresh: every VIEWS_SECONDS while training, less often as the server gets busy; sessions
        # watching the same run build them once between them
        every = VIEWS_SECONDS * ui.live_load() if snap.active else 0
        seen = dict(version=(snap.config, snap.trace.step), every=every, shared=True)
        with right:
            ui.live_chart("train_predictions_chart", lambda: predictions_figure(
                snap.trace, run_task.output, run_task.target_kind, run_task.classes), **seen)
        ui.live_chart("train_hidden_chart", lambda: hidden_heatmap(snap.trace), **seen)
    if len(h) and not snap.active:  # not redrawn on every refresh of a training run: pause to download
        with st.expander("Download this run"):
            ui.downloads(snap, "train")
            st.text_input("Share link (same settings, same seed, same result)", ui.share_url(snap.config),
                          key="train_share", disabled=True)
    if live and not snap.live:
        st.rerun()  # the run ended: redraw the page once so the buttons match


live_panel()

"""Streamlit glue: widgets -> `RunConfig`, the per-session run handle, live panels.

The only module of `explorer` that imports streamlit. Every widget key starts
with its page's prefix, so tests find widgets by key and pages never collide.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from explorer.cells import CELLS
from explorer.config import RunConfig
from explorer.runs import Snapshot, ThreadRun
from explorer.tasks import TASKS

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
HIDDEN_SIZES = (4, 8, 16, 32, 64, 128, 256)
STEP_CHOICES = (50, 100, 200, 300, 500, 1000, 2000, 3000, 5000)
REFRESH_SECONDS = 0.25
STATUS_TEXT = {
    "starting": "Starting…",
    "training": "Training",
    "finished": "Finished",
    "stopped": "Stopped",
    "diverged": "Diverged",
    "error": "Could not train",
}


def config_controls(prefix: str, base: RunConfig | None = None) -> RunConfig:
    """The sidebar block of model, task and training settings, as a RunConfig."""
    base = base or RunConfig()
    ss = st.session_state
    with st.sidebar:
        st.subheader("Model")
        cell = st.selectbox("Cell", list(CELLS), index=list(CELLS).index(base.cell),
                            format_func=lambda c: CELLS[c].title, key=f"{prefix}_cell",
                            help="The recurrence: a vanilla RNN squashes everything through one "
                                 "tanh (or ReLU); LSTM and GRU add gates that decide what to keep.")
        hidden = st.select_slider("Hidden units", HIDDEN_SIZES, value=base.hidden_size,
                                  key=f"{prefix}_hidden",
                                  help="The size of h_t, the network's memory.")
        st.subheader("Task")
        task_name = st.selectbox("Task", list(TASKS), index=list(TASKS).index(base.task),
                                 format_func=lambda t: TASKS[t].title, key=f"{prefix}_task",
                                 help="What the network has to learn.")
        task = TASKS[task_name]
        seq_key = f"{prefix}_seq_len"
        if seq_key in ss:  # a new task may allow a different range: keep the value inside it
            ss[seq_key] = min(max(int(ss[seq_key]), task.min_seq_len), task.max_seq_len)
        seq_len = st.number_input(
            "Sequence length", min_value=task.min_seq_len, max_value=task.max_seq_len,
            value=min(max(base.seq_len, task.min_seq_len), task.max_seq_len), step=1,
            key=seq_key,
            help="How far back the network must remember: longer is harder for a vanilla RNN.",
        )
        st.subheader("Training")
        lr = st.select_slider("Learning rate", LEARNING_RATES, value=_nearest(base.lr, LEARNING_RATES),
                              format_func=lambda v: f"{v:g}", key=f"{prefix}_lr",
                              help="Step size of Adam. Too high and the loss explodes.")
        clip = st.toggle("Clip gradients", value=base.clip, key=f"{prefix}_clip",
                         help="Rescale the gradient when its norm exceeds the threshold: "
                              "the standard cure for exploding gradients.")
        clip_norm = st.number_input("Clip threshold", min_value=0.01, max_value=100.0,
                                    value=base.clip_norm, step=0.5, key=f"{prefix}_clip_norm",
                                    disabled=not clip, help="The largest gradient norm allowed.")
        steps = st.select_slider("Training steps", STEP_CHOICES,
                                 value=_nearest(base.steps, STEP_CHOICES), key=f"{prefix}_steps",
                                 help="How many batches to learn from.")
    return replace(base, cell=cell, hidden_size=int(hidden), task=task_name, seq_len=int(seq_len),
                   lr=float(lr), clip=bool(clip), clip_norm=float(clip_norm), steps=int(steps))


def _nearest(value, choices):
    return min(choices, key=lambda c: abs(c - value))


def current_run(key: str) -> ThreadRun | None:
    return st.session_state.get(key)


def start_run(key: str, config: RunConfig) -> ThreadRun:
    """Stop this session's run (if any) and start a new one."""
    stop_run(key)
    run = ThreadRun(config).start()
    st.session_state[key] = run
    return run


TRAIN_RUN_KEY = "train_run"


def lab_snapshot() -> Snapshot | None:
    """What the Train page's run shows now (other pages look inside it), or None."""
    run = current_run(TRAIN_RUN_KEY)
    return None if run is None else run.snapshot()


def stop_run(key: str) -> None:
    run = st.session_state.get(key)
    if run is not None:
        run.stop()


def status_line(snap: Snapshot) -> None:
    total = snap.config.steps
    text = f"**{STATUS_TEXT.get(snap.status, snap.status)}** — step {snap.step} of {total}"
    if len(snap.history):
        elapsed = snap.history.columns["elapsed"][-1]
        if elapsed > 0:
            text += f" · {snap.step / elapsed:.0f} steps/s"
    if snap.device:
        text += f" · on {snap.device}"
    st.progress(min(snap.step / total, 1.0), text=text)
    if snap.status == "diverged" and snap.divergence is not None:
        st.error(snap.divergence.explain(), icon="💥")
    if snap.status == "error" and snap.error:
        st.error(snap.error)

"""The session's runs: start, hold, pause, step, resume, stop; the Train page's run for the others."""

from __future__ import annotations

import streamlit as st

from explorer.config import RunConfig
from explorer.jobs.train import Snapshot
from explorer.ui import widgets
from explorer.ui.presets import CUSTOM
from explorer.ui.server import _session_runs, limits, submit

TRAIN_RUN_KEY = "train_run"


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
    """Stop and forget the run, and put the default settings (no preset) back in the widgets."""
    stop_run(key)
    st.session_state.pop(key, None)
    _session_runs().pop(key, None)
    widgets.put(prefix, RunConfig())
    st.session_state[f"{prefix}_preset"] = CUSTOM

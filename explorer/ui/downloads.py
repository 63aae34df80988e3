"""A finished run's files: metrics CSV, probe traces, the model and its recurrent layer."""

from __future__ import annotations

import streamlit as st

from explorer.cells import resolve
from explorer.checkpoint import recurrent_file
from explorer.config import RunConfig
from explorer.jobs.train import Snapshot
from explorer.script import ExportError, run_script, script_name
from explorer.trace import pack_traces
from explorer.ui.server import limits


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

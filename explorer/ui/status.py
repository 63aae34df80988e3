"""A run's status line: what it is doing, its place in the queue, its speed."""

from __future__ import annotations

import streamlit as st

from explorer.jobs import Status
from explorer.jobs.train import Snapshot
from explorer.ui.server import jobs


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

"""A run's progress line, as words: what it does, its place in the queue, its speed, time left.

No streamlit: a page draws it (`explorer.ui.status`), and so does a live status feed
(`explorer.feeds.StatusFeed`), which brings it to the browser several times a second.
"""

from __future__ import annotations

from explorer.jobs.status import Status


def progress_line(snap, capacity: int, warming_up: bool) -> dict:
    """{"fraction": done in [0, 1], "text": the line (markdown: the status in bold), "ended": the
    run is over (finished, stopped, diverged or failed)} for a run's
    snapshot (`explorer.jobs.train.Snapshot`) on a server that trains `capacity` runs at once and
    whose workers may still be `warming_up`."""
    total = snap.config.steps
    parts = [f"**{snap.status.text}**"]
    if snap.status == Status.QUEUED and warming_up:
        parts.append("the training workers are starting (a few seconds, once per server)")
    elif snap.status == Status.QUEUED:
        parts.append(f"{snap.queue_position} in the queue — the server trains {capacity} runs at a time")
    parts.append(f"step {snap.step} of {total}")
    rate = steps_per_second(snap)
    if rate:
        parts.append(f"{rate:.0f} steps/s")
        if snap.active and snap.step < total:
            parts.append(f"about {(total - snap.step) / rate:.0f} s left")
    if snap.device:
        parts.append(f"on {snap.device}")
    return {"fraction": min(snap.step / total, 1.0), "text": " · ".join(parts), "ended": snap.status.ended}


def steps_per_second(snap, window: int = 50) -> float:
    """Training steps per second over the last `window` steps of the run's history."""
    elapsed = snap.history.columns["elapsed"]
    if len(elapsed) < 2:
        return 0.0
    k = min(window, len(elapsed) - 1)
    spent = elapsed[-1] - elapsed[-1 - k]
    return k / spent if spent > 0 else 0.0

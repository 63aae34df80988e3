"""Figures of a run's progress: learning curves against the task's baseline."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.theme import BASELINE_COLOR, SERIES_COLORS, apply_layout


def learning_curve(
    steps: np.ndarray,
    values: np.ndarray,
    *,
    name: str,
    baseline: float | None = None,
    baseline_label: str = "baseline",
    log_y: bool = False,
    smooth: int = 0,
) -> go.Figure:
    """A training curve (y = `name` per step) with the memoryless baseline drawn dashed.

    smooth > 1 adds a trailing moving average over that many steps on top of the raw
    (faint) values, so a noisy per-batch loss still shows its trend.
    """
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    fig = go.Figure()
    smoothing = smooth > 1 and len(values) >= smooth
    fig.add_trace(go.Scatter(
        x=steps, y=values, mode="lines", name=name,
        line=dict(color=SERIES_COLORS[0], width=1 if smoothing else 2),
        opacity=0.35 if smoothing else 1.0,
    ))
    if smoothing:
        kernel = np.ones(smooth) / smooth
        trend = np.convolve(values, kernel, mode="valid")
        fig.add_trace(go.Scatter(x=steps[smooth - 1:], y=trend, mode="lines",
                                 name=f"{name} (mean of {smooth})",
                                 line=dict(color=SERIES_COLORS[0], width=2.5)))
    if baseline is not None and np.isfinite(baseline):
        fig.add_hline(y=baseline, line=dict(color=BASELINE_COLOR, dash="dash"),
                      annotation_text=baseline_label, annotation_position="top right")
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text=name, type="log" if log_y else "linear")
    return apply_layout(fig)


def gradient_norm_curve(steps: np.ndarray, before: np.ndarray, after: np.ndarray,
                        threshold: float | None = None) -> go.Figure:
    """The gradient norm per step before and after clipping (log scale), the threshold dashed."""
    fig = go.Figure([
        go.Scatter(x=steps, y=before, mode="lines", name="before clipping",
                   line=dict(color=SERIES_COLORS[1], width=1.5)),
        go.Scatter(x=steps, y=after, mode="lines", name="after clipping",
                   line=dict(color=SERIES_COLORS[0], width=1.5)),
    ])
    if threshold is not None:
        fig.add_hline(y=threshold, line=dict(color=BASELINE_COLOR, dash="dash"),
                      annotation_text=f"clip at {threshold:g}", annotation_position="top left")
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text="gradient norm", type="log", dtick=1, exponentformat="power")
    return apply_layout(fig)

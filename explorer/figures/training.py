"""Figures of a run's progress: learning curves against the task's baseline.

Long runs are drawn from at most `MAX_POINTS` points per line (each the mean, or
for gradient spikes the maximum, of a bin of consecutive steps), so a 20,000-step
run redraws as fast as a short one; the legend says when that happened.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import plotly.graph_objects as go

from explorer.theme import SERIES_COLORS, apply_layout, reference_line

MAX_POINTS = 500
DIVERGED_COLOR = "#CC0000"


def bin_steps(steps: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS,
              reduce=np.nanmean) -> tuple[np.ndarray, np.ndarray, int]:
    """(x, y, k): `values` reduced over bins of k consecutive steps, x the last step of each bin."""
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    n = len(values)
    if n <= max_points:
        return steps, values, 1
    k = math.ceil(n / max_points)
    bins = math.ceil(n / k)
    padded = np.full(bins * k, np.nan)
    padded[:n] = values
    x = steps[np.minimum(np.arange(bins) * k + k - 1, n - 1)]
    with warnings.catch_warnings():  # a bin of nothing drawable (all NaN) stays NaN: a gap
        warnings.simplefilter("ignore", RuntimeWarning)
        return x, reduce(padded.reshape(bins, k), axis=1), k


def _binned_name(name: str, k: int, how: str = "mean") -> str:
    return name if k == 1 else f"{name} ({how} of every {k} steps)"


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
    x, y, k = bin_steps(steps, values)
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines", name=_binned_name(name, k),
        line=dict(color=SERIES_COLORS[0], width=1 if smoothing else 2),
        opacity=0.35 if smoothing else 1.0,
    ))
    if smoothing:
        kernel = np.ones(smooth) / smooth
        x, trend, _ = bin_steps(steps[smooth - 1:], np.convolve(values, kernel, mode="valid"))
        fig.add_trace(go.Scatter(x=x, y=trend, mode="lines", name=f"{name} (mean of {smooth})",
                                 line=dict(color=SERIES_COLORS[0], width=2.5)))
    if baseline is not None and np.isfinite(baseline):
        reference_line(fig, baseline, baseline_label, log_y=log_y)
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text=name, type="log" if log_y else "linear")
    return apply_layout(fig)


def gradient_norm_curve(steps: np.ndarray, before: np.ndarray, after: np.ndarray,
                        threshold: float | None = None, diverged_at: int | None = None) -> go.Figure:
    """The gradient norm per training step before and after clipping, on a log scale.

    threshold: the clip norm (None: clipping off, one line); the steps where the norm passed it
    are marked. diverged_at: the step the run blew up, a red line (its non-finite norm cannot be
    drawn). Long runs keep each bin's largest norm, so no spike disappears in the drawing.
    """
    steps, before, after = (np.asarray(a, dtype=float) for a in (steps, before, after))
    drawable = np.where(np.isfinite(before) & (before > 0), before, np.nan)
    x, top, k = bin_steps(steps, drawable, reduce=np.nanmax)
    fig = go.Figure(go.Scatter(x=x, y=top, mode="lines", name=_binned_name("before clipping", k, "max"),
                               line=dict(color=SERIES_COLORS[1], width=1.5)))
    if threshold is not None:
        _, clipped_top, _ = bin_steps(steps, np.where(np.isfinite(after) & (after > 0), after, np.nan),
                                      reduce=np.nanmax)
        fig.add_trace(go.Scatter(x=x, y=clipped_top, mode="lines",
                                 name=_binned_name("after clipping", k, "max"),
                                 line=dict(color=SERIES_COLORS[0], width=1.5)))
        acted = int(np.sum(drawable > threshold))
        marked = top > threshold
        fig.add_trace(go.Scatter(x=x[marked], y=top[marked], mode="markers", name=f"clipped ({acted} steps)",
                                 marker=dict(color=SERIES_COLORS[1], symbol="x", size=6)))
        reference_line(fig, threshold, f"clip at {threshold:g}", log_y=True, left=True)
    if diverged_at is not None:
        fig.add_vline(x=diverged_at, line=dict(color=DIVERGED_COLOR, width=2),
                      annotation_text=f"diverged at step {diverged_at}", annotation_position="top left")
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text="gradient norm", type="log", dtick=1, exponentformat="power")
    return apply_layout(fig)

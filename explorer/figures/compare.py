"""Figures that compare cells: a race's loss curves and gradient profiles, and the memory-span sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.gradients import FLOOR_LABEL, flow_traces
from explorer.gradients import FLOOR
from explorer.theme import BASELINE_COLOR, CELL_COLORS, SERIES_COLORS, apply_layout, reference_line

CURSOR_COLOR = "#333333"
LOSS_TICKS = [k * 10.0 ** e for e in range(-4, 2) for k in (1, 3)]  # 0.0001, 0.0003, ... 30


def _color(cell: str, k: int) -> str:
    return CELL_COLORS.get(cell, SERIES_COLORS[k % len(SERIES_COLORS)])


def _trend(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last `window` finite values (fewer at the start); NaN where none."""
    finite = np.isfinite(values)
    sums = np.cumsum(np.insert(np.where(finite, values, 0.0), 0, 0.0))  # (n+1,)
    counts = np.cumsum(np.insert(finite, 0, False))
    end = np.arange(1, len(values) + 1)
    start = np.maximum(end - window, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums[end] - sums[start]) / (counts[end] - counts[start])


def race_loss_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], titles: Mapping[str, str],
                     *, name: str = "loss", baseline: float | None = None, baseline_label: str = "",
                     cursor: float | None = None, smooth: int = 25) -> go.Figure:
    """Each cell's training curve (steps, values), overlaid: a trailing mean over `smooth` steps
    drawn bold on the faint raw values; the task baseline dashed; the time cursor as a line."""
    fig = go.Figure()
    for k, (cell, (steps, values)) in enumerate(curves.items()):
        color, title = _color(cell, k), titles.get(cell, cell)
        values = np.asarray(values, dtype=float)
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines", line=dict(color=color, width=1),
                                 opacity=0.3, name=f"{title} (raw)", showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=steps, y=_trend(values, smooth) if len(values) else values,
                                 mode="lines", name=title, line=dict(color=color, width=2.5)))
    if baseline is not None and np.isfinite(baseline):
        reference_line(fig, baseline, baseline_label, log_y=True, left=True)
    if cursor is not None:
        fig.add_vline(x=cursor, line=dict(color=CURSOR_COLOR, width=1, dash="dot"))
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text=f"{name} (log scale)", type="log", tickvals=LOSS_TICKS,
                     ticktext=[f"{v:g}" for v in LOSS_TICKS])
    return apply_layout(fig, title=f"Training {name}, same data and seed for every cell")


def race_flow_figure(profiles: Mapping[str, np.ndarray], titles: Mapping[str, str],
                     cell_profiles: Mapping[str, np.ndarray] | None = None,
                     steps: Mapping[str, int] | None = None) -> go.Figure:
    """One panel per cell, side by side on a shared log axis: ||dL/dh_t|| (T,) against t,
    and ||dL/dc_t|| (dashed) for cells that have one."""
    cells = list(profiles)
    subtitles = [titles.get(c, c) + (f" — step {steps[c]}" if steps and c in steps else "") for c in cells]
    fig = make_subplots(rows=1, cols=max(1, len(cells)), shared_yaxes=True, subplot_titles=subtitles,
                        horizontal_spacing=0.04)
    for col, cell in enumerate(cells, start=1):
        color = _color(cell, col - 1)
        fig.add_traces(flow_traces(profiles[cell], "‖dL/dh_t‖", color), rows=1, cols=col)
        if cell_profiles and cell_profiles.get(cell) is not None:
            for trace in flow_traces(cell_profiles[cell], "‖dL/dc_t‖", color):
                trace.line.dash = "dash"
                fig.add_trace(trace, row=1, col=col)
        fig.add_hline(y=FLOOR, line=dict(color=BASELINE_COLOR, dash="dot", width=1), row=1, col=col)
        fig.update_xaxes(title_text="time step t", row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text=f"gradient norm (floor: {FLOOR_LABEL})", row=1, col=1)
    apply_layout(fig, title="Gradient reaching each time step (solid ‖dL/dh_t‖, dashed ‖dL/dc_t‖)",
                 height=340)
    fig.update_layout(showlegend=False, margin=dict(t=80))
    return fig


def sweep_figure(seq_lens: Sequence[int], results: Mapping[str, Mapping[int, float]],
                 titles: Mapping[str, str], baseline: Mapping[int, float], *, metric: str,
                 baseline_label: str = "baseline") -> go.Figure:
    """Final metric against sequence length, one line per cell, the task's baseline dashed.

    results: cell -> {seq_len: metric}; points not computed yet are simply absent.
    """
    lens = np.asarray(sorted(seq_lens))
    fig = go.Figure()
    for k, (cell, points) in enumerate(results.items()):
        xs = [t for t in lens if t in points]
        fig.add_trace(go.Scatter(x=xs, y=[points[t] for t in xs], mode="lines+markers",
                                 name=titles.get(cell, cell), marker=dict(size=9),
                                 line=dict(color=_color(cell, k), width=2.5)))
    fig.add_trace(go.Scatter(x=lens, y=[baseline.get(int(t), np.nan) for t in lens], mode="lines",
                             name=baseline_label, line=dict(color=BASELINE_COLOR, dash="dash")))
    fig.update_xaxes(title_text="sequence length T (log scale)", type="log", tickvals=lens,
                     ticktext=[str(t) for t in lens])
    fig.update_yaxes(title_text=f"final {metric} (held out)")
    return apply_layout(fig, title="How far back can each cell remember?", height=380)

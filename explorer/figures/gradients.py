"""Figures of gradient flow: ||dL/dh_t|| through time and over training, and what clipping did.

Gradient norms span dozens of decades, so every axis here is logarithmic, and values
below `FLOOR` (exact zeros included) are drawn *on* a dotted floor line, marked, rather
than silently left out.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.gradients import FLOOR, floored
from explorer.theme import SEQUENTIAL, SERIES_COLORS, apply_layout, reference_line

H_COLOR, C_COLOR = SERIES_COLORS[0], SERIES_COLORS[2]  # dL/dh blue, dL/dc green
FLOOR_LABEL = f"below {FLOOR:.0e}"  # "below 1e-30"


def add_floor(fig: go.Figure) -> None:
    """The dotted line that values too small to draw sit on."""
    reference_line(fig, FLOOR, FLOOR_LABEL, log_y=True, dash="dot")


def flow_traces(norms: np.ndarray, name: str, color: str, **where) -> list[go.Scatter]:
    """A log-scale line of norms (T,), plus the points that fell below the floor, marked."""
    t = np.arange(len(norms))
    y, below = floored(norms)
    line = go.Scatter(x=t, y=y, mode="lines", name=name, line=dict(color=color, width=2),
                      hovertemplate="t = %{x}<br>%{y:.3g}<extra>" + name + "</extra>", **where)
    traces = [line]
    if below.any():
        traces.append(go.Scatter(x=t[below], y=y[below], mode="markers", name=f"{name} {FLOOR_LABEL}",
                                 marker=dict(color=color, symbol="triangle-down", size=7),
                                 hovertemplate="t = %{x}: " + FLOOR_LABEL + "<extra></extra>", **where))
    return traces


def gradient_flow_line(grad_norm: np.ndarray, cell_grad_norm: np.ndarray | None = None,
                       step: int | None = None) -> go.Figure:
    """||dL/dh_t|| (and ||dL/dc_t||) against the time step t, for one probe recording (T,)."""
    fig = go.Figure(flow_traces(grad_norm, "‖dL/dh_t‖", H_COLOR))
    if cell_grad_norm is not None:
        fig.add_traces(flow_traces(cell_grad_norm, "‖dL/dc_t‖", C_COLOR))
    add_floor(fig)
    fig.update_xaxes(title_text="time step t (the loss is read at the end)")
    fig.update_yaxes(title_text="gradient norm", type="log", exponentformat="power")
    title = "Gradient reaching each time step" + (f" — training step {step}" if step is not None else "")
    return apply_layout(fig, title=title)


def gradient_flow_heatmap(steps: np.ndarray, norms: np.ndarray, name: str = "‖dL/dh_t‖") -> go.Figure:
    """log10 of the gradient norm over (training step × time step): norms (N, T), steps (N,).

    The colour bar is labelled in powers of ten; its lowest colour means "below 1e-30".
    """
    z = np.log10(floored(norms)[0]) if norms.size else np.zeros((0, 0))  # (N, T)
    low = np.log10(FLOOR)
    top = float(np.nanmax(z)) if np.isfinite(z).any() else 0.0
    ticks = np.unique(np.linspace(low, max(top, low + 1), 6).round())
    fig = go.Figure(go.Heatmap(
        z=z, x=np.arange(z.shape[1]), y=np.asarray(steps, dtype=float), colorscale=SEQUENTIAL,
        zmin=low, zmax=max(top, low + 1),
        colorbar=dict(title=name, tickvals=ticks,
                      ticktext=[FLOOR_LABEL if v == low else f"1e{int(v)}" for v in ticks]),
        hovertemplate="training step %{y}<br>t = %{x}<br>log10 = %{z:.1f}<extra></extra>",
    ))
    fig.update_xaxes(title_text="time step t")
    fig.update_yaxes(title_text="training step", tickvals=steps if len(steps) < 6 else None)
    return apply_layout(fig, title=f"{name} over training (colour: log10)")

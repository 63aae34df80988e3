"""Connectivity: ‖∂y_t/∂x_k‖ for every prediction t and input k, as a heatmap on a log scale,
with the row of one prediction as a line under it (how far back it leans).

Data: C (T, T) from `explorer.connectivity` (rows t = predictions, columns k = inputs).
Values under FLOOR (float64 underflow, or exactly 0 above the diagonal of a forward-only
layer) are drawn at the floor, never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.theme import SEQUENTIAL, apply_layout

FLOOR = 1e-12


def connectivity_figure(c: np.ndarray, labels: list[str] | None = None, cursor: int = 0,
                        title: str = "Connectivity ‖∂y_t/∂x_k‖") -> go.Figure:
    """Heatmap of log10 C (T, T) and the row t = `cursor`; `labels` name the T inputs."""
    steps = c.shape[0]
    cursor = int(min(max(cursor, 0), steps - 1))
    shown = np.log10(np.maximum(c, FLOOR)).astype(np.float32)  # (T, T)
    names = [f"{k} {_show(labels[k])}" if labels else str(k) for k in range(steps)]
    fig = make_subplots(rows=2, cols=1, row_heights=[0.7, 0.3], vertical_spacing=0.12,
                        subplot_titles=("every prediction t (row) × input k (column)",
                                        f"prediction t = {names[cursor]}: how far back it leans"))
    fig.add_trace(go.Heatmap(
        z=shown, x=np.arange(steps), y=np.arange(steps), colorscale=SEQUENTIAL,
        colorbar=dict(title="log10", len=0.65, y=0.66, thickness=12), customdata=np.broadcast_to(
            np.array(names, dtype=object)[None, :], shown.shape),
        hovertemplate="prediction t=%{y}<br>input k=%{customdata}<br>log10 ‖∂y_t/∂x_k‖ %{z:.2f}"
                      "<extra></extra>"), row=1, col=1)
    fig.add_shape(type="line", x0=-0.5, x1=steps - 0.5, y0=cursor, y1=cursor, row=1, col=1,
                  line=dict(color="#D55E00", width=1))
    fig.add_trace(go.Scatter(x=np.arange(steps), y=np.maximum(c[cursor], FLOOR), mode="lines+markers",
                             line=dict(color="#0072B2"), text=names, name=f"t = {cursor}",
                             hovertemplate="input %{text}<br>‖∂y_t/∂x_k‖ %{y:.3g}<extra></extra>"),
                  row=2, col=1)
    fig.update_yaxes(autorange="reversed", title_text="prediction t", row=1, col=1)
    fig.update_yaxes(type="log", title_text="norm", row=2, col=1)
    fig.update_xaxes(title_text="input k", row=2, col=1)
    if labels and steps <= 80:
        for row in (1, 2):
            fig.update_xaxes(tickvals=list(range(steps)), ticktext=[_show(s) for s in labels[:steps]],
                             tickangle=0, row=row, col=1)
    return apply_layout(fig, title, height=560).update_layout(margin_t=80)  # room above the subplot title


def connectivity_table(c: np.ndarray, labels: list[str] | None = None) -> pd.DataFrame:
    """One row per (t, k): the prediction, the input, the norm."""
    t, k = np.indices(c.shape)
    frame = pd.DataFrame({"t": t.ravel(), "k": k.ravel(), "norm": c.ravel()})
    if labels:
        frame["input"] = [labels[i] for i in k.ravel()]
    return frame


def _show(char: str) -> str:
    return {"\n": "⏎", " ": "␣"}.get(char, char)

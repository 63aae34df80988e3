"""Packing made visible (data from `explorer.packing.Packing`, as numpy).

    final_states  h_n of the padded run and of the packed run side by side, rows = sequences,
                  and ‖difference‖ per row: zero on full-length rows only
    step_grid     the B × T steps of a padded batch: real steps and the padding a packed run skips
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.theme import DIVERGING, SERIES_COLORS, apply_layout


def _rows(lengths: np.ndarray) -> list[str]:
    return [f"row {b} (n={int(n)})" for b, n in enumerate(lengths)]


def final_states(lengths: np.ndarray, padded: np.ndarray, packed: np.ndarray) -> go.Figure:
    """(B,) lengths, (B, H) h_n twice."""
    rows, gap = _rows(lengths), np.linalg.norm(padded - packed, axis=1)
    limit = float(max(np.abs(padded).max(), np.abs(packed).max(), 1e-6))
    fig = make_subplots(rows=1, cols=3, column_widths=[0.4, 0.4, 0.2], horizontal_spacing=0.06,
                        subplot_titles=("h_n, padded batch (steps through padding)",
                                        "h_n, packed (stops at each length)", "‖difference‖"))
    for col, states in ((1, padded), (2, packed)):
        fig.add_trace(go.Heatmap(z=states, y=rows, x=list(range(states.shape[1])), zmin=-limit, zmax=limit,
                                 colorscale=DIVERGING, showscale=col == 2, colorbar=dict(x=1.02, len=0.9),
                                 hovertemplate="%{y}, unit %{x}: %{z:.3f}<extra></extra>"), 1, col)
    full = lengths == lengths.max()
    fig.add_trace(go.Bar(x=gap, y=rows, orientation="h", marker_color=np.where(full, SERIES_COLORS[2],
                                                                               SERIES_COLORS[1]).tolist(),
                         hovertemplate="%{y}: %{x:.3g}<extra></extra>", showlegend=False), 1, 3)
    for col in (1, 2, 3):
        fig.update_yaxes(autorange="reversed", row=1, col=col, showticklabels=col == 1)
        fig.update_xaxes(title_text="unit" if col < 3 else "", row=1, col=col)
    return apply_layout(fig, None, height=160 + 30 * len(rows))


def step_grid(lengths: np.ndarray) -> go.Figure:
    """1 where a row has a real step at time t, 0 for padding; the rows a packed run steps at each t
    (`batch_sizes`) are the column sums of the ones."""
    steps = int(lengths.max())
    real = (np.arange(steps)[None, :] < lengths[:, None]).astype(float)  # (B, T)
    fig = go.Figure(go.Heatmap(
        z=real, x=list(range(steps)), y=_rows(lengths), zmin=0, zmax=1, showscale=False,
        colorscale=[[0, "#EEEEEE"], [1, SERIES_COLORS[0]]], xgap=2, ygap=2,
        text=np.where(real > 0, "step", "pad"), texttemplate="%{text}",
        hovertemplate="%{y}, t=%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="time step t", tickmode="array", tickvals=list(range(steps)),
                     ticktext=[f"{t}<br>{int(real[:, t].sum())} rows" for t in range(steps)])
    padded, packed = real.size, int(real.sum())
    title = (f"Padded: {padded} steps · packed: {packed} steps ({padded - packed} padding steps skipped, "
             f"{1 - packed / padded:.0%})")
    return apply_layout(fig, title, height=140 + 30 * len(lengths))

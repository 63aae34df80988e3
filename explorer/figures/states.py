"""Figures of what the recurrence holds: hidden states over time."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.theme import DIVERGING, apply_layout
from explorer.trace import Trace

DIRECTION_NAMES = ("forward", "backward")


def hidden_heatmap(trace: Trace, layer: int = 0, direction: int = 0, example: int = 0) -> go.Figure:
    """h_t of one probe example as a units × time heatmap, tokens on the time axis.

    Colour is centred on 0 (blue negative, red positive); padded steps are blank.
    """
    h = trace.hidden[layer, direction, example].T  # (H, T)
    labels = trace.token_labels(example)
    steps = np.arange(trace.seq_len)
    limit = float(np.nanmax(np.abs(h))) if np.isfinite(h).any() else 1.0
    fig = go.Figure(go.Heatmap(
        z=h, x=steps, y=np.arange(trace.hidden_size),
        colorscale=DIVERGING, zmid=0.0, zmin=-limit, zmax=limit,
        customdata=np.broadcast_to(np.asarray(labels, dtype=object), h.shape),
        hovertemplate="unit %{y}<br>step %{x} (%{customdata})<br>h = %{z:.3f}<extra></extra>",
        colorbar=dict(title="h"),
    ))
    tick_every = max(1, trace.seq_len // 25)
    fig.update_xaxes(title_text="time step (input)", tickmode="array",
                     tickvals=steps[::tick_every],
                     ticktext=[f"{t}<br>{labels[t]}" if trace.vocab else str(t)
                               for t in steps[::tick_every]])
    fig.update_yaxes(title_text="hidden unit", autorange="reversed")
    title = f"Hidden state h_t, layer {layer + 1}"
    if trace.num_directions > 1:
        title += f" ({DIRECTION_NAMES[direction]})"
    return apply_layout(fig, title=f"{title} — probe example {example + 1}, step {trace.step}")

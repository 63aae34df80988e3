"""Hidden states of every layer and direction, units × time, and what the task head reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.timeline import (
    DIRECTION_ARROWS,
    DIRECTION_NAMES,
    column_box,
    finish,
    head_kind,
    heatmap_window,
    last_step,
    moment,
    time_ticks,
)
from explorer.theme import DIVERGING
from explorer.trace import Trace

HEAD = "head"  # name of the shapes that mark what the head reads
HEAD_COLOR = "#009E73"


def hidden_layers(trace: Trace, example: int = 0, cursor: int = 0) -> go.Figure:
    """h_t of one probe example: one heatmap per layer (rows, top layer first) and direction
    (columns, forward then backward), on one colour scale centred on 0.

    The top layer's columns that the head reads are outlined: for a one-answer task the
    forward state at the last real step and the backward state at step 0; for an
    answer-per-step task the concatenation [h→_t ; h←_t] at every step (said in the title).
    """
    layers, dirs, units = trace.num_layers, trace.num_directions, trace.hidden_size
    window = heatmap_window(cursor, trace.seq_len, units * layers * dirs)
    steps = window.steps
    h = trace.hidden[:, :, example]  # (L, D, T, H)
    limit = float(np.nanmax(np.abs(h))) if np.isfinite(h).any() else 1.0
    titles = [f"layer {layer + 1} {DIRECTION_ARROWS[d]} {DIRECTION_NAMES[d]}" if dirs > 1
              else f"layer {layer + 1}" for layer in reversed(range(layers)) for d in range(dirs)]
    fig = make_subplots(rows=layers, cols=dirs, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=min(0.12, 0.3 / layers))
    shapes = []
    for layer in reversed(range(layers)):  # top layer first, as drawn
        row = layers - layer
        for d in range(dirs):
            fig.add_trace(go.Heatmap(
                z=h[layer, d, window.start:window.stop].T.astype(np.float32), x=steps,
                y=np.arange(units), coloraxis="coloraxis", name=titles[(row - 1) * dirs + d],
                hovertemplate="unit %{y}<br>step %{x}<br>h = %{z:.3f}<extra></extra>",
            ), row=row, col=d + 1)
            shapes.append(column_box(cursor, (row - 1) * dirs + d + 1))
    reads, head = _head(trace, example, window.start, window.stop)
    fig.update_layout(coloraxis=dict(colorscale=DIVERGING, cmid=0.0, cmin=-limit, cmax=limit,
                                     colorbar=dict(title="h")))
    fig.update_xaxes(**time_ticks(trace, steps, example, max_ticks=24 // dirs), row=layers)
    fig.update_xaxes(title_text="time step (input)", row=layers)
    fig.update_yaxes(autorange="reversed")
    fig.update_yaxes(title_text="unit", col=1)
    title = f"Hidden state h_t — probe example {example + 1}{moment(trace)}"
    return finish(fig, "hidden", title, cursor, [reads, window.note()], height=140 + 200 * layers,
                  shapes=shapes + head)


def _head(trace: Trace, example: int, start: int, stop: int) -> tuple[str, list[dict]]:
    """A sentence saying what the head reads, and shapes outlining those columns of the top
    layer (subplot row 1) when it reads one step per direction."""
    kind, dirs = head_kind(trace), trace.num_directions
    if kind != "many_to_one":
        reads = "the head reads" if kind else "the layer outputs"
        return f"{reads} {'h_t' if dirs == 1 else '[h→_t ; h←_t]'} at every step", []
    columns = [last_step(trace, example), 0][:dirs]
    boxes = [column_box(t, d + 1, name=HEAD, color=HEAD_COLOR, dash="dash", width=3)
             for d, t in enumerate(columns) if start <= t < stop]
    if dirs == 1:
        return f"the head reads h_t at step {columns[0]} (dashed green)", boxes
    return f"the head reads [h→ at step {columns[0]} ; h← at step 0] (dashed green)", boxes


def hidden_table(trace: Trace, example: int = 0) -> pd.DataFrame:
    """Every h_t of one example: a row per step, a column per layer, direction and unit."""
    h = trace.hidden[:, :, example].transpose(2, 0, 1, 3)  # (T, L, D, H)
    names = [f"h_l{layer + 1}_{DIRECTION_NAMES[d]}_u{u}" for layer in range(trace.num_layers)
             for d in range(trace.num_directions) for u in range(trace.hidden_size)]
    values = pd.DataFrame(h.reshape(trace.seq_len, -1), columns=names)
    return pd.concat([pd.DataFrame({"step": np.arange(trace.seq_len),
                                    "input": trace.token_labels(example)}), values], axis=1)

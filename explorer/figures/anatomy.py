"""One cell, one step: where each gate sits on its squashing curve, and every value the step makes."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.theme import apply_layout, gate_color

CURVES = {"σ": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "ReLU": lambda v: np.maximum(v, 0)}
CURVE_OF = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}  # a step's activation kind -> its curve
CURVE_LABEL_AT = {"σ": -0.75, "tanh": -0.75, "ReLU": 0.5}  # × the reach: σ labelled near 0, tanh near -1
UNIT_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "pentagon")
STATE_COLORS = {"h_prev": "#999999", "c_prev": "#BBBBBB", "y_prev": "#BBBBBB", "c": "#555555", "h": "#000000",
                "y": "#555555"}
STATE_NAMES = {"h_prev": "h<sub>t-1</sub>", "c_prev": "c<sub>t-1</sub>", "y_prev": "y<sub>t-1</sub>",
               "c": "c<sub>t</sub>", "h": "h<sub>t</sub>", "y": "y<sub>t</sub>"}


def cell_step_figure(cell_type: str, pre: dict[str, np.ndarray], post: dict[str, np.ndarray],
                     states: dict[str, np.ndarray], kinds: dict[str, str]) -> go.Figure:
    """Left: σ / tanh curves with every block's (pre-activation, value) per unit marked.
    Right: every value of the step per unit (previous state, gates, new state) as bars.

    pre, post: block name (i f g o / r z n / h) -> (H,); states: h_prev, c_prev, c, h (y_prev, y)
    -> (H,); kinds: block -> its activation (sigmoid, tanh, relu), as `stepthrough.Step.kinds` holds."""
    units = len(next(iter(post.values())))
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.1,
                        subplot_titles=["each pre-activation on its curve", "every value of this step"])
    reach = max(6.0, *(float(np.abs(v).max()) + 0.5 for v in pre.values()))
    grid = np.linspace(-reach, reach, 241)
    used = dict.fromkeys(CURVE_OF[kinds[b]] for b in pre)
    for name in used:  # each curve named on its own flat tail, where no point sits
        fig.add_trace(go.Scatter(x=grid, y=CURVES[name](grid), mode="lines", name=name, showlegend=False,
                                 line=dict(color="#CCCCCC", width=2), hoverinfo="skip"), row=1, col=1)
        x = reach * CURVE_LABEL_AT[name]
        fig.add_annotation(x=x, y=float(CURVES[name](x)), text=name, showarrow=False, yshift=10,
                           font=dict(color="#888888"), row=1, col=1)
    # a point's block is its colour and its unit its shape (a legend entry each): no text on the
    # curve, where the points of a step often sit on top of each other; hover names each one
    for block in pre:
        color = STATE_COLORS["h"] if block == "h" else gate_color(block)
        fig.add_trace(go.Scatter(
            x=pre[block], y=post[block], mode="markers", name=block, legendgroup=block, showlegend=False,
            text=[f"{block}{u}" for u in range(units)], marker=dict(size=11, color=color,
                                                                    symbol=UNIT_SYMBOLS[:units]),
            hovertemplate="%{text}<br>pre-activation %{x:.3f}<br>value %{y:.3f}<extra></extra>",
        ), row=1, col=1)
    for u in range(units):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"unit {u}",
                                 marker=dict(size=10, color="#888888", symbol=UNIT_SYMBOLS[u])), row=1, col=1)
    quantities = {k: states[k] for k in ("h_prev", "c_prev", "y_prev") if k in states}
    quantities |= {b: v for b, v in post.items() if b != "h"}  # the gates; a vanilla RNN's h is its state
    quantities |= {k: states[k] for k in ("c", "h", "y") if k in states}
    labels = [f"unit {u}" for u in range(units)]
    for name, values in quantities.items():
        fig.add_trace(go.Bar(x=labels, y=values, name=STATE_NAMES.get(name, name), legendgroup=name,
                             marker_color=STATE_COLORS.get(name) or gate_color(name),
                             text=[f"{v:.2f}" for v in values], textposition="outside",
                             hovertemplate=f"{STATE_NAMES.get(name, name)} = %{{y:.4f}}"
                                           "<extra>%{x}</extra>"),
                      row=1, col=2)
    fig.update_xaxes(title_text="pre-activation", row=1, col=1)
    fig.update_yaxes(title_text="value after the squashing function", row=1, col=1)
    apply_layout(fig, title="One step of the cell, every intermediate value", height=470)
    fig.update_layout(barmode="group", margin=dict(t=90, b=90),
                      legend=dict(orientation="h", x=1, xanchor="right", y=-0.14, yanchor="top"))
    return fig

"""One look for every figure: a colour per gate, colour-blind-safe scales, shared layout.

Gate colours come from the Okabe–Ito palette (distinguishable with the common
colour-vision deficiencies) and mean the same gate on every page.
"""

from __future__ import annotations

import plotly.graph_objects as go

GATE_COLORS = {
    "i": "#0072B2",  # LSTM input gate: blue
    "f": "#D55E00",  # LSTM forget gate: vermillion
    "g": "#009E73",  # LSTM cell candidate: green
    "o": "#CC79A7",  # LSTM output gate: purple
    "r": "#E69F00",  # GRU reset gate: orange
    "z": "#56B4E9",  # GRU update gate: sky blue
    "n": "#009E73",  # GRU candidate: green, like the LSTM candidate
}
SERIES_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
CELL_COLORS = {"rnn_tanh": "#D55E00", "rnn_relu": "#E69F00", "lstm": "#0072B2", "gru": "#009E73"}
BASELINE_COLOR = "#777777"

DIVERGING = "RdBu_r"  # signed values (hidden states in [-1, 1]): blue negative, red positive
SEQUENTIAL = "Viridis"  # non-negative values (gates in [0, 1], gradient norms)


def apply_layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=60, r=20, t=50 if title else 20, b=45),
        template="plotly_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        hovermode="closest",
    )
    return fig

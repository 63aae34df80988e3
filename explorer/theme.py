"""One look for every figure: a colour per gate, colour-blind-safe scales, shared layout.

Gate colours come from the Okabe–Ito palette (distinguishable with the common
colour-vision deficiencies) and mean the same gate on every page.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import plotly.io as pio

from explorer.cellspec import CELL_SPECS, gate_colors

# gate -> colour and cell -> colour, read from the cells' own entries (explorer.cellspec)
GATE_COLORS = gate_colors()
SERIES_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
CELL_COLORS = {name: cell.color for name, cell in CELL_SPECS.items() if cell.color}
BASELINE_COLOR = "#777777"

DIVERGING = "RdBu_r"  # signed values (hidden states in [-1, 1]): blue negative, red positive
SEQUENTIAL = "Viridis"  # non-negative values (gates in [0, 1], gradient norms)

# Set once, not per figure: `update_layout(template=...)` re-validated the whole template and
# was half the cost of building a small figure.
pio.templates.default = "plotly_white"


def gate_color(name: str) -> str:
    """A gate's colour; a custom cell's new gate gets a series colour of its own."""
    return gate_colors().get(name) or SERIES_COLORS[sum(map(ord, name)) % len(SERIES_COLORS)]


def apply_layout(fig: go.Figure, title: str | None = None, height: int = 320) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin=dict(l=60, r=20, t=50 if title else 20, b=45),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        hovermode="closest",
    )
    return fig


def legend_below(fig: go.Figure, entries: int) -> go.Figure:
    """Legends of more than two entries go under the plot, where they cover no title."""
    if entries > 2:
        fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
                          margin=dict(b=40 + 22 * ((entries + 1) // 2)), height=fig.layout.height + 60)
    return fig


def reference_line(fig: go.Figure, y: float, text: str = "", *, log_y: bool = False, dash: str = "dash",
                   left: bool = False, above: bool = True, outside: bool = False) -> go.Figure:
    """A labelled dashed horizontal line across the plot (a baseline, a clip threshold).

    Cheaper than `add_hline` (which validates the figure several times over), and right on log
    axes, where an annotation's y is log10 of the value but a shape's is the value itself.
    `outside`: the label goes in the right margin (made wide enough), where no curve can cover it.
    """
    fig.add_shape(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y,
                  line=dict(color=BASELINE_COLOR, dash=dash, width=1))
    if text and outside:
        lines = text.split("<br>")
        fig.add_annotation(x=1, xref="x domain", y=math.log10(y) if log_y else y, yref="y", text=text,
                           showarrow=False, xanchor="left", xshift=4, align="left",
                           font=dict(color=BASELINE_COLOR, size=11))
        fig.update_layout(margin=dict(r=12 + 6 * max(map(len, lines))))
    elif text:
        fig.add_annotation(x=0 if left else 1, xref="x domain", y=math.log10(y) if log_y else y, yref="y",
                           text=text, showarrow=False, xanchor="left" if left else "right",
                           yanchor="bottom" if above else "top", font=dict(color=BASELINE_COLOR, size=11))
    return fig

"""Figures of an encoder-decoder: where each output step looks, what it reads, what it wrote.

Numpy arrays and token lists in, `go.Figure` out; no torch. Axes are positions with the
tokens as tick labels (tokens repeat, so they cannot be categories themselves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import get_colorscale, sample_colorscale

from explorer.theme import BASELINE_COLOR, DIVERGING, SEQUENTIAL, SERIES_COLORS, apply_layout

CORRECT, WRONG = SERIES_COLORS[2], SERIES_COLORS[1]  # green, vermillion (Okabe–Ito)


def _ticks(tokens: Sequence[str], two_lines: bool = True) -> dict:
    """Position and token on each tick: "3<br>7" below a column, "3: 7" beside a row."""
    form = "{t}<br>{tok}" if two_lines else "{t}: {tok}"
    return dict(tickmode="array", tickvals=list(range(len(tokens))),
                ticktext=[form.format(t=t, tok=tok) for t, tok in enumerate(tokens)])


def attention_heatmap(weights: np.ndarray, source: Sequence[str], outputs: Sequence[str],
                      selected: int | None = None, title: str | None = None) -> go.Figure:
    """α (T, S) as decoder steps (rows, top to bottom) × encoder steps, tokens on both axes.

    Rows sum to 1; colour runs from 0 to the largest weight. `selected` outlines one row.
    """
    weights = np.asarray(weights, dtype=float)
    steps, width = weights.shape
    fig = go.Figure(go.Heatmap(
        z=weights, x=np.arange(width), y=np.arange(steps), colorscale=SEQUENTIAL, zmin=0.0,
        zmax=max(float(np.nanmax(weights)), 1e-9) if weights.size else 1.0,
        customdata=np.array([[f"{o} ← {s}" for s in source] for o in outputs], dtype=object),
        hovertemplate="output %{y} ← input %{x}<br>%{customdata}<br>α = %{z:.3f}<extra></extra>",
        colorbar=dict(title="α"),
    ))
    if selected is not None:
        fig.add_shape(type="rect", x0=-0.5, x1=width - 0.5, y0=selected - 0.5, y1=selected + 0.5,
                      line=dict(color=WRONG, width=3))
    fig.update_xaxes(title_text="encoder step (input)", side="bottom", **_ticks(source))
    fig.update_yaxes(title_text="decoder step (output)", autorange="reversed", **_ticks(outputs, False))
    return apply_layout(fig, title=title, height=max(320, 60 + 28 * steps))


def attention_bars(weights: np.ndarray, source: Sequence[str], title: str | None = None) -> go.Figure:
    """One decoder step's α over the encoder steps, as bars."""
    weights = np.asarray(weights, dtype=float)
    fig = go.Figure(go.Bar(x=np.arange(len(weights)), y=weights, marker_color=SERIES_COLORS[0],
                           customdata=list(source),
                           hovertemplate="input %{x} (%{customdata})<br>α = %{y:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="encoder step (input)", **_ticks(source))
    fig.update_yaxes(title_text="attention weight α", range=[0, 1])
    return apply_layout(fig, title=title, height=280)


def context_vector(context: np.ndarray, title: str | None = None) -> go.Figure:
    """c_t = Σ_j α_tj h_j as one bar per unit, blue negative and red positive.

    Each bar gets its colour as a string: given numbers and a colour scale, plotly.js still reads
    every number as a colour for the hover label and warns once per bar per redraw."""
    context = np.asarray(context, dtype=float)
    limit = max(float(np.abs(context).max()) if context.size else 0.0, 1e-9)
    share = list((context / limit + 1) / 2)  # -limit..limit -> 0..1 on the scale
    colors = sample_colorscale(get_colorscale(DIVERGING), share) if share else []
    fig = go.Figure(go.Bar(
        x=np.arange(len(context)), y=context, marker=dict(color=colors),
        hovertemplate="unit %{x}<br>c = %{y:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="unit of the context vector c_t")
    fig.update_yaxes(title_text="c_t")
    return apply_layout(fig, title=title, height=280)


def token_comparison(target: Sequence[str], decodings: Mapping[str, Sequence[str]],
                     title: str | None = None) -> go.Figure:
    """The target and each decoding, token by token: green where a token matches the target
    at its position, vermillion where it does not (or is missing or extra)."""
    names = ["target", *decodings]
    rows = [list(target), *(list(d) for d in decodings.values())]
    width = max(1, max(len(r) for r in rows))
    text = [[r[i] if i < len(r) else "" for i in range(width)] for r in rows]
    correct = np.array([[1.0 if (i < len(r) and i < len(target) and r[i] == target[i]) else 0.0
                         for i in range(width)] for r in rows])
    correct[0] = [1.0 if i < len(target) else np.nan for i in range(width)]
    blank = np.array([[t == "" and i >= len(target) for i, t in enumerate(row)] for row in text])
    correct[blank] = np.nan  # neither decoded nor expected: no colour
    fig = go.Figure(go.Heatmap(
        z=correct, x=np.arange(width), y=np.arange(len(names)), text=text, texttemplate="%{text}",
        textfont=dict(size=16), colorscale=[[0, WRONG], [1, CORRECT]], zmin=0, zmax=1, showscale=False,
        xgap=2, ygap=2, hovertemplate="position %{x}: %{text}<extra></extra>"))
    fig.update_xaxes(title_text="output position", dtick=1)
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(names))), ticktext=names,
                     autorange="reversed")
    return apply_layout(fig, title=title, height=90 + 45 * len(names))


def bottleneck_curve(lengths: Sequence[int], accuracy: Mapping[str, Sequence[float]],
                     names: Mapping[str, str] | None = None, baseline: Sequence[float] | None = None,
                     baseline_label: str = "baseline", x_title: str = "input length") -> go.Figure:
    """Exact match against input length, one line per attention kind (the attention papers' figure),
    and the trivial rule's exact match at each length, dashed."""
    fig = go.Figure()
    for i, (kind, values) in enumerate(accuracy.items()):
        fig.add_trace(go.Scatter(
            x=list(lengths), y=np.asarray(values, dtype=float), mode="lines+markers",
            name=(names or {}).get(kind, kind), line=dict(color=SERIES_COLORS[i % len(SERIES_COLORS)],
                                                          width=2.5)))
    if baseline is not None:
        fig.add_trace(go.Scatter(x=list(lengths), y=np.asarray(baseline, dtype=float), mode="lines",
                                 name=f"baseline: {baseline_label}",
                                 line=dict(color=BASELINE_COLOR, dash="dash")))
    fig.update_xaxes(title_text=x_title, tickmode="array", tickvals=list(lengths))
    fig.update_yaxes(title_text="exact match", range=[-0.02, 1.02], tickformat=".0%")
    return apply_layout(fig, height=360).update_layout(showlegend=True)

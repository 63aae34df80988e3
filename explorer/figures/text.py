"""Figures of the character-level language model: the loss against its baselines, a text
coloured by one unit per character, and the distribution a character was drawn from.

Plain data in (numpy, strings), `go.Figure` out; no torch.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from explorer.figures.training import LearningCurve
from explorer.theme import DIVERGING, SEQUENTIAL, SERIES_COLORS, apply_layout, reference_line

LINE_WIDTH = 60  # characters per row of the coloured text
SHOWN_CHARS = {"\n": "⏎", " ": "·"}


def show(char: str) -> str:
    return SHOWN_CHARS.get(char, char)


class CharLossCurve(LearningCurve):
    """Loss in nats/char per step against the unigram line (dashed) and the bigram line (dotted);
    the right axis says the same in bits/char."""

    def __init__(self, unigram: float, bigram: float, smooth: int = 10):
        super().__init__(name="loss (nats/char)", baseline=unigram, smooth=smooth,
                         baseline_label=f"unigram {unigram:.2f} nats = {unigram / math.log(2):.2f} bits/char")
        self.spec += (bigram,)
        self.bigram = bigram

    def figure(self) -> go.Figure:
        fig = super().figure()
        reference_line(fig, self.bigram, f"bigram {self.bigram:.2f} nats = {self.bigram / math.log(2):.2f} "
                       "bits/char", dash="dot", left=True, above=False)
        return fig


def _rows(text: str, width: int) -> list[list[int]]:
    """Character indices per drawn row: a row ends at a newline (drawn) or after `width`."""
    rows, row = [], []
    for k, char in enumerate(text):
        row.append(k)
        if char == "\n" or len(row) == width:
            rows.append(row)
            row = []
    return rows + ([row] if row else [])


def units_over_text(text: str, values: np.ndarray, title: str = "", signed: bool = True,
                    width: int = LINE_WIDTH) -> go.Figure:
    """`text` laid out in rows, each character's cell coloured by `values` (T,): one unit's
    activation at that character (after reading it). signed: a [-1, 1] scale around 0 (h, c,
    tanh gates); else [0, 1] (sigmoid gates)."""
    rows = _rows(text, width)
    z = np.full((len(rows), width), np.nan)  # (rows, width)
    chars = np.full((len(rows), width), "", dtype=object)
    for r, row in enumerate(rows):
        z[r, :len(row)] = values[row]
        chars[r, :len(row)] = [show(text[k]) for k in row]
    limit = max(float(np.nanmax(np.abs(values))), 1e-9) if signed else 1.0
    fig = go.Figure(go.Heatmap(
        z=z, text=chars, texttemplate="%{text}", textfont=dict(family="monospace", size=13),
        colorscale=DIVERGING if signed else SEQUENTIAL, zmin=-limit if signed else 0.0, zmax=limit,
        xgap=1, ygap=1, colorbar=dict(thickness=12),
        hovertemplate="'%{text}'<br>activation %{z:.3f}<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, autorange="reversed")
    return apply_layout(fig, title, height=80 + 26 * len(rows))


def next_char_figure(top: list[tuple[str, float]], chosen: str, title: str = "") -> go.Figure:
    """The likeliest next characters and their probabilities; the one drawn highlighted."""
    chars = [show(c) for c, _ in top]
    colors = [SERIES_COLORS[1] if c == chosen else SERIES_COLORS[0] for c, _ in top]
    fig = go.Figure(go.Bar(x=chars, y=[p for _, p in top], marker_color=colors,
                           hovertemplate="'%{x}' p = %{y:.3f}<extra></extra>"))
    fig.update_yaxes(title_text="probability", range=[0, 1])
    fig.update_xaxes(title_text="next character", type="category")
    return apply_layout(fig, title, height=260)

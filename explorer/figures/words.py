"""Figures of the Names and Tagging pages: numpy in, Plotly out.

    confusion_matrix      (C, C) counts, row = true class: where the model's mistakes go
    prefix_probabilities  (T, C) P(class | the first t letters): a name classified as it is read
    tag_comparison        (T, C) tag probabilities per word, from both directions and from the
                          forward states alone: the words the backward direction decides
    name_path             a typed name's h_t through state space (the trajectory view), each
                          point labelled with the letter just read
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.figures.trajectory import trajectory
from explorer.theme import SEQUENTIAL, apply_layout
from explorer.trace import Trace


def confusion_matrix(confusion: np.ndarray, classes: tuple[str, ...], title: str = "") -> go.Figure:
    """Colour: the share of each true class (row) given each answer; text: the counts."""
    counts = np.asarray(confusion)
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    fig = go.Figure(go.Heatmap(
        z=shares, x=list(classes), y=list(classes), zmin=0, zmax=1, colorscale=SEQUENTIAL,
        text=counts, texttemplate="%{text}", colorbar=dict(title="share of row", tickformat=".0%"),
        hovertemplate="true %{y}, answered %{x}: %{text} (%{z:.0%} of the row)<extra></extra>"))
    fig.update_xaxes(title_text="answer", side="bottom")
    fig.update_yaxes(title_text="true class", autorange="reversed")
    return apply_layout(fig, title or "Confusion matrix (held-out)", height=360 + 12 * len(classes))


def prefix_probabilities(letters: tuple[str, ...], probs: np.ndarray, classes: tuple[str, ...]) -> go.Figure:
    """One column per letter: the model's answer had the name stopped there."""
    x = [f"{t + 1}: {c}" for t, c in enumerate(letters)]
    fig = go.Figure(go.Heatmap(
        z=np.asarray(probs).T, x=x, y=list(classes), zmin=0, zmax=1, colorscale=SEQUENTIAL,
        texttemplate="%{z:.0%}", colorbar=dict(title="P", tickformat=".0%"),
        hovertemplate="after '%{x}': P(%{y}) = %{z:.1%}<extra></extra>"))
    fig.update_xaxes(title_text="letters read so far", type="category")
    fig.update_yaxes(autorange="reversed")
    word = "".join(letters)
    return apply_layout(fig, f"P(language | the first t letters of “{word}”)", height=300)


def tag_comparison(words: tuple[str, ...], probs: np.ndarray, classes: tuple[str, ...],
                   forward_probs: np.ndarray | None = None) -> go.Figure:
    """The chosen tag of every word (text) and its probability (colour); a second row with the
    backward states zeroed, the differing words outlined."""
    rows = [("both directions", np.asarray(probs))]
    if forward_probs is not None:
        rows.append(("forward states only", np.asarray(forward_probs)))
    tags = np.array([[classes[i] for i in p.argmax(-1)] for _, p in rows])  # (R, T)
    confidence = np.stack([p.max(-1) for _, p in rows])
    x = [f"{t + 1}: {w}" for t, w in enumerate(words)]
    fig = go.Figure(go.Heatmap(
        z=confidence, x=x, y=[name for name, _ in rows], zmin=0, zmax=1, colorscale=SEQUENTIAL,
        text=tags, texttemplate="%{text}", colorbar=dict(title="P(tag)", tickformat=".0%"),
        hovertemplate="%{x}, %{y}: %{text} (%{z:.0%})<extra></extra>"))
    if forward_probs is not None:
        for t in np.flatnonzero(tags[0] != tags[1]):
            fig.add_shape(type="rect", x0=t - 0.5, x1=t + 0.5, y0=-0.5, y1=1.5,
                          line=dict(color="#D55E00", width=3))
    fig.update_xaxes(type="category")
    fig.update_yaxes(autorange="reversed")
    title = "Tags per word" + (" — outlined: the words whose tag the backward direction decides"
                               if forward_probs is not None else "")
    return apply_layout(fig, title, height=140 + 70 * len(rows))


def name_path(trace: Trace, letters: tuple[str, ...]) -> go.Figure:
    """`trajectory` of a one-name trace (T ≤ 24 points, none thinned out), its points lettered."""
    fig = trajectory(trace)
    fig.update_traces(selector=dict(mode="markers"), mode="markers+text", text=list(letters),
                      textposition="top center")
    fig.update_traces(selector=dict(mode="markers+text", name="step 0"), visible=False)  # no cursor here
    return fig.update_layout(title=dict(text=f"h_t through “{''.join(letters)}”, letter by letter "
                                             "(its 2 principal components)", subtitle_text=""))

"""The path h_t takes through state space, projected by PCA onto its 2 or 3 main directions.

PCA in numpy, no scikit-learn: with X the centred states of every probe example and
real step, the principal directions are the eigenvectors of XᵀX (the right singular
vectors of X = U S Vᵀ, eigenvalues S²), and PC k explains S_k² / Σ S² of the variance.
The H×H eigen-decomposition is used rather than the SVD of the tall X: on a loaded
2-core machine it took ~0.1 s where the SVD of 8000×256 states took 1–10 s. Each
component's sign is chosen so that its largest loading is positive, so the picture
does not flip at random between moments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.figures.timeline import (
    CURSOR,
    CURSOR_COLOR,
    MAX_POINTS,
    decimate,
    finish,
    head_kind,
    layer_name,
    moment,
)
from explorer.theme import SEQUENTIAL, SERIES_COLORS
from explorer.trace import Trace

COLOR_BY = ("time", "target")


def pca(points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, H) points -> scores (N, k), explained variance shares (k,), components (k, H).

    Rows with a NaN (padded steps) get NaN scores and do not shape the components;
    components beyond what the data span are zero."""
    real = np.isfinite(points).all(axis=1)
    data = points[real].astype(np.float64)
    components = np.zeros((k, points.shape[1]))
    explained = np.zeros(k)
    mean = data.mean(axis=0) if len(data) else np.zeros(points.shape[1])
    if len(data) > 1:
        centred = data - mean
        eigenvalues, vectors = np.linalg.eigh(centred.T @ centred)  # ascending
        order = np.argsort(eigenvalues)[::-1][:k]
        top = vectors[:, order].T  # (n, H)
        largest = top[np.arange(len(top)), np.argmax(np.abs(top), axis=1)]
        components[:len(top)] = top * np.where(largest < 0, -1.0, 1.0)[:, None]
        total = float(np.clip(eigenvalues, 0, None).sum())
        explained[:len(top)] = np.clip(eigenvalues[order], 0, None) / total if total > 0 else 0.0
    scores = np.full((len(points), k), np.nan)
    scores[real] = (data - mean) @ components.T
    return scores, explained, components


def color_options(trace: Trace) -> tuple[str, ...]:
    """"time" always; "target" when the trace has targets to colour by."""
    return COLOR_BY if trace.targets is not None and head_kind(trace) is not None else COLOR_BY[:1]


def point_targets(trace: Trace) -> np.ndarray:
    """(B, T) the target of every point: per step for answer-per-step tasks, else the example's."""
    batch, steps = trace.batch_size, trace.seq_len
    targets = np.asarray(trace.targets)
    if head_kind(trace) == "many_to_many":
        return targets.reshape(batch, steps, -1)[..., 0]
    return np.repeat(targets.reshape(batch, -1)[:, :1], steps, axis=1)


CAMERA_EYE = dict(x=1.8, y=1.8, z=1.1)  # where a 3D trajectory is seen from


def trajectory(trace: Trace, layer: int = 0, direction: int = 0, cursor: int = 0, dims: int = 2,
               color_by: str = "time", classes: tuple[str, ...] | None = None) -> go.Figure:
    """Every probe example's h_t path (grey lines), its points coloured by time or target, and
    the cursor step's point of every example ringed."""
    h = trace.hidden[layer, direction]  # (B, T, H)
    scores, explained, _ = pca(h.reshape(-1, trace.hidden_size), dims)
    scores = scores.reshape(trace.batch_size, trace.seq_len, dims)  # (B, T, k)
    window = decimate(trace.seq_len, max(2, MAX_POINTS // trace.batch_size))
    steps = window.steps
    scatter = go.Scatter3d if dims == 3 else go.Scatter
    axes = lambda s: dict(zip("xyz", (s[..., i] for i in range(dims)), strict=False))  # noqa: E731
    gap = np.full((trace.batch_size, 1, dims), np.nan)  # breaks the line between examples
    lines = np.concatenate([scores[:, steps], gap], axis=1).reshape(-1, dims)
    fig = go.Figure(scatter(**axes(lines), mode="lines", name="paths", hoverinfo="skip",
                            line=dict(color="#BBBBBB", width=2), showlegend=False))
    ids = np.broadcast_to(np.arange(trace.batch_size)[:, None], (trace.batch_size, len(steps)))
    times = np.broadcast_to(steps[None, :], ids.shape)
    points = scores[:, steps]  # (B, S, k)
    hover = "example %{customdata[0]}, step %{customdata[1]}<extra></extra>"
    custom = np.stack([ids + 1, times], axis=-1).reshape(-1, 2)
    values = point_targets(trace)[:, steps] if color_by == "target" else times
    if color_by == "target" and values.dtype.kind in "iu":
        for c in np.unique(values):
            chosen = values == c
            fig.add_trace(scatter(**axes(points[chosen]), mode="markers", customdata=custom[chosen.ravel()],
                                  name=classes[int(c)] if classes else f"class {int(c)}",
                                  marker=dict(size=4 if dims == 3 else 6,
                                              color=SERIES_COLORS[int(c) % len(SERIES_COLORS)]),
                                  hovertemplate=hover))
    else:
        label = "target" if color_by == "target" else "step"
        fig.add_trace(scatter(**axes(points.reshape(-1, dims)), mode="markers", customdata=custom,
                              name=label, showlegend=False, hovertemplate=hover,
                              marker=dict(size=4 if dims == 3 else 6, color=values.ravel().astype(np.float32),
                                          colorscale=SEQUENTIAL, colorbar=dict(title=label))))
    fig.add_trace(scatter(**axes(scores[:, cursor]), mode="markers+text", name=f"step {cursor}",
                          legendgroup=CURSOR, text=[f"{b + 1}" for b in range(trace.batch_size)],
                          textposition="top center",
                          marker=dict(size=8 if dims == 3 else 15, color="rgba(0,0,0,0)",
                                      line=dict(color=CURSOR_COLOR, width=2.5)),
                          hovertemplate=f"example %{{text}}, step {cursor}<extra></extra>"))
    names = [f"PC{i + 1} ({explained[i]:.0%} of variance)" for i in range(dims)]
    if dims == 3:
        # the camera further back than plotly's (1.25, 1.25, 1.25): from there the cube's bottom
        # corner and two axis titles fell outside the figure
        fig.update_layout(scene=dict(xaxis_title=names[0], yaxis_title=names[1], zaxis_title=names[2],
                                     camera=dict(eye=CAMERA_EYE)))
    else:
        fig.update_xaxes(title_text=names[0])
        fig.update_yaxes(title_text=names[1])
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom"))
    title = f"Trajectory of h_t, {layer_name(trace, layer, direction)} — {trace.batch_size} probe examples"
    notes = [f"ringed: step {cursor} of every example", window.note()]
    return finish(fig, "trajectory", title + moment(trace), cursor, notes, height=520)


def trajectory_table(trace: Trace, layer: int = 0, direction: int = 0, dims: int = 3) -> pd.DataFrame:
    """Every point: example, step, its principal-component scores (and target, when known)."""
    h = trace.hidden[layer, direction]
    scores, _, _ = pca(h.reshape(-1, trace.hidden_size), dims)
    frame = {"example": np.repeat(np.arange(1, trace.batch_size + 1), trace.seq_len),
             "step": np.tile(np.arange(trace.seq_len), trace.batch_size)}
    frame |= {f"pc{i + 1}": scores[:, i] for i in range(scores.shape[1])}
    if "target" in color_options(trace):
        frame["target"] = point_targets(trace).ravel()
    return pd.DataFrame(frame)

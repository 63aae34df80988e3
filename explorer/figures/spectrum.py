"""Figures of why gradients vanish: the spectrum of W_hh and the decay it predicts.

Each step back in time multiplies the gradient by diag(act') W_hh (see `explorer.gradients`),
so the eigenvalues and singular values of W_hh set how fast it shrinks or grows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.figures.gradients import add_floor, flow_traces
from explorer.gradients import Spectrum, floored, power_curve
from explorer.theme import BASELINE_COLOR, CELL_COLORS, GATE_COLORS, SERIES_COLORS, apply_layout, legend_below

UNIT_COLOR = "#444444"


def _color(gate: str, cell: str) -> str:
    return GATE_COLORS.get(gate) or CELL_COLORS.get(cell, SERIES_COLORS[0])


def _label(gate: str) -> str:
    """The matrix's name: W_hh, one gate's block W_hi…, or a product named in full (W_yh·W_hy)."""
    return gate if gate.startswith("W") else f"W_h{gate}" if gate else "W_hh"


def eigenvalue_figure(spectra: Sequence[Spectrum], cell: str = "") -> go.Figure:
    """Eigenvalues of each W_hh block in the complex plane, against the unit circle.

    Inside the circle a direction shrinks at every step, outside it grows.
    """
    fig = go.Figure()
    fig.add_shape(type="circle", x0=-1, y0=-1, x1=1, y1=1, line=dict(color=UNIT_COLOR, dash="dash"))
    reach = 1.1
    for s in spectra:
        ev = s.eigenvalues[np.isfinite(s.eigenvalues)]
        fig.add_trace(go.Scatter(
            x=ev.real, y=ev.imag, mode="markers", name=f"{_label(s.gate)} (ρ = {s.radius:.3g})",
            marker=dict(color=_color(s.gate, cell), size=6, opacity=0.8),
            hovertemplate="%{x:.3f} %{y:+.3f}i<extra></extra>",
        ))
        if ev.size:
            reach = max(reach, float(np.abs(ev).max()) * 1.1)
    fig.update_xaxes(title_text="real part", range=[-reach, reach], zeroline=True)
    fig.update_yaxes(title_text="imaginary part", range=[-reach, reach], scaleanchor="x", scaleratio=1)
    apply_layout(fig, title="Eigenvalues of W_hh (dashed: the unit circle)", height=380)
    return legend_below(fig, len(spectra))


def singular_value_figure(spectra: Sequence[Spectrum], cell: str = "") -> go.Figure:
    """The singular values of each W_hh block, largest first, against 1."""
    fig = go.Figure([
        go.Scatter(x=np.arange(1, len(s.singular_values) + 1), y=s.singular_values, mode="lines+markers",
                   name=f"{_label(s.gate)} (σ_max = {s.sigma_max:.3g})",
                   line=dict(color=_color(s.gate, cell)), marker=dict(size=4))
        for s in spectra
    ])
    fig.add_hline(y=1.0, line=dict(color=BASELINE_COLOR, dash="dash"), annotation_text="1")
    fig.update_xaxes(title_text="index (largest first)")
    fig.update_yaxes(title_text="singular value", rangemode="tozero")
    apply_layout(fig, title="Singular values of W_hh", height=380)
    return legend_below(fig, len(spectra))


def spectral_series_figure(steps: np.ndarray, radius: Mapping[str, np.ndarray],
                           sigma_max: Mapping[str, np.ndarray], cell: str = "") -> go.Figure:
    """Spectral radius (solid) and largest singular value (dashed) of each block over training."""
    fig = go.Figure()
    for gate, values in radius.items():
        color = _color(gate, cell)
        fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers", name=f"ρ({_label(gate)})",
                                 line=dict(color=color), marker=dict(size=4)))
        fig.add_trace(go.Scatter(x=steps, y=sigma_max[gate], mode="lines", name=f"σ_max({_label(gate)})",
                                 line=dict(color=color, dash="dash")))
    fig.add_hline(y=1.0, line=dict(color=BASELINE_COLOR, dash="dot"))
    fig.update_xaxes(title_text="training step", rangemode="tozero")
    fig.update_yaxes(title_text="ρ and σ_max", rangemode="tozero")
    apply_layout(fig, title="Spectral radius and σ_max over training")
    return legend_below(fig, 2 * len(radius))


def decay_figure(measured: np.ndarray, predictions: Mapping[str, float],
                 measured_label: str = "measured ‖dL/dh_{T-k}‖ / ‖dL/dh_T‖") -> go.Figure:
    """The measured decay ratio against k (T,), and each prediction base^k drawn dashed.

    predictions: label -> per-step factor, e.g. {"bound (γ·σ_max)^k": 1.1, "ρ^k": 0.6}.
    """
    fig = go.Figure(flow_traces(measured, measured_label, SERIES_COLORS[0]))
    for (label, base), color in zip(predictions.items(), SERIES_COLORS[1:], strict=False):
        if not np.isfinite(base):
            continue
        curve, _ = floored(power_curve(base, len(measured)))
        fig.add_trace(go.Scatter(x=np.arange(len(measured)), y=curve, mode="lines", name=label,
                                 line=dict(color=color, dash="dash", width=2)))
    add_floor(fig)
    fig.update_xaxes(title_text="k, steps back from the end")
    fig.update_yaxes(title_text="ratio", type="log", exponentformat="power")
    return apply_layout(fig, title="Measured decay against theory")

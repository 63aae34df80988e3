"""What the gates do over time: heatmaps per gate, lines for chosen units, and saturation.

Gates are post-activation values. The sigmoid gates (LSTM i, f, o; GRU r, z) live in
[0, 1]; the candidates (LSTM g, GRU n) are tanh, in [-1, 1]. A sigmoid gate is
*saturated* below 0.05 or above 0.95 (shut or wide open, its gradient nearly 0);
a candidate when |value| > 0.95. Colours: `theme.GATE_COLORS`, one per gate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.cellspec import gate_titles, tanh_gates
from explorer.figures.timeline import (
    MAX_POINTS,
    column_box,
    cursor_line,
    decimate,
    finish,
    heatmap_window,
    layer_name,
    moment,
    time_ticks,
)
from explorer.theme import DIVERGING, GATE_COLORS, gate_color
from explorer.trace import Trace

# read from the cells' own entries (explorer.cellspec, torch-free); a name means one gate everywhere
GATE_TITLES = gate_titles()
TANH_GATES = tanh_gates()
LOW, HIGH = 0.05, 0.95
STATE_COLORS = {"c": "#555555", "h": "#000000"}


def gate_title(name: str) -> str:
    """'forget gate f'; a custom cell's gate by its name."""
    return gate_titles().get(name, f"{name}_t")


def gate_heatmaps(trace: Trace, layer: int = 0, direction: int = 0, example: int = 0,
                  cursor: int = 0) -> go.Figure:
    """One units × time heatmap per gate (and the LSTM cell state c_t), sharing the time axis."""
    panels = list(trace.gates) + (["c"] if trace.cell is not None else [])
    window = heatmap_window(cursor, trace.seq_len, trace.hidden_size * len(panels))
    steps = window.steps
    titles = [gate_title(p) if p != "c" else "cell state c" for p in panels]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=0.25 / len(panels))
    for row, name in enumerate(panels, start=1):
        values = (trace.cell if name == "c" else trace.gates[name])[layer, direction, example]  # (T, H)
        domain = fig.layout[f"yaxis{row if row > 1 else ''}"].domain
        fig.add_trace(go.Heatmap(
            z=values[window.start:window.stop].T.astype(np.float32), x=steps,
            y=np.arange(trace.hidden_size), name=titles[row - 1], **_scale(name, values),
            colorbar=dict(title=name, len=(domain[1] - domain[0]) * 0.9, y=sum(domain) / 2, thickness=12),
            hovertemplate=f"{name}<br>unit %{{y}}<br>step %{{x}}<br>value %{{z:.3f}}<extra></extra>",
        ), row=row, col=1)
    for annotation, name in zip(fig.layout.annotations, panels, strict=True):
        annotation.font = dict(color=GATE_COLORS.get(name, STATE_COLORS["c"]), size=13)
    fig.update_yaxes(autorange="reversed", title_text="unit")
    fig.update_xaxes(**time_ticks(trace, steps, example), row=len(panels))
    fig.update_xaxes(title_text="time step (input)", row=len(panels))
    title = f"Gates, {layer_name(trace, layer, direction)} — probe example {example + 1}{moment(trace)}"
    shapes = [column_box(cursor, row) for row in range(1, len(panels) + 1)]
    return finish(fig, "gates", title, cursor, [window.note()], height=110 + 150 * len(panels), shapes=shapes)


def _scale(name: str, values: np.ndarray) -> dict:
    """Sigmoid gates: white to the gate's colour over [0, 1]; candidates and c: diverging around 0."""
    if name == "c":
        limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        return dict(colorscale=DIVERGING, zmid=0.0, zmin=-limit, zmax=limit)
    if name in tanh_gates():
        return dict(colorscale=DIVERGING, zmid=0.0, zmin=-1.0, zmax=1.0)
    return dict(colorscale=[[0.0, "#FFFFFF"], [1.0, gate_color(name)]], zmin=0.0, zmax=1.0)


def gate_lines(trace: Trace, layer: int = 0, direction: int = 0, example: int = 0,
               units: tuple[int, ...] = (0,), cursor: int = 0) -> go.Figure:
    """For each chosen unit, every gate over time as a line in its gate colour, with h_t (and c_t)."""
    units = tuple(units) or (0,)
    window = decimate(trace.seq_len, MAX_POINTS)
    steps = window.steps
    fig = make_subplots(rows=len(units), cols=1, shared_xaxes=True, vertical_spacing=0.08 / len(units),
                        subplot_titles=[f"unit {u}" for u in units])
    series = [(name, trace.gates[name], gate_color(name), "solid") for name in trace.gates]
    if trace.cell is not None:
        series.append(("c", trace.cell, STATE_COLORS["c"], "dash"))
    series.append(("h", trace.hidden, STATE_COLORS["h"], "dot"))
    lines, placement = [], dict(rows=[], cols=[])
    for row, unit in enumerate(units, start=1):
        for name, values, color, dash in series:
            lines.append(go.Scatter(
                x=steps, y=values[layer, direction, example, steps, unit].astype(np.float32), mode="lines",
                name=gate_title(name), legendgroup=name, showlegend=row == 1,
                line=dict(color=color, dash=dash, width=1.8),
                hovertemplate=f"unit {unit}, step %{{x}}<br>{name} = %{{y:.3f}}<extra></extra>",
            ))
            placement["rows"].append(row)
            placement["cols"].append(1)
    fig.add_traces(lines, **placement)
    fig.update_xaxes(title_text="time step", row=len(units))
    title = (f"Gates of chosen units, {layer_name(trace, layer, direction)} — probe example {example + 1}"
             + moment(trace))
    return finish(fig, "gate_lines", title, cursor, [window.note()], height=max(360, 130 + 170 * len(units)),
                  shapes=[cursor_line(cursor, row) for row in range(1, len(units) + 1)])


def saturation_shares(trace: Trace, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
    """Gate name -> (T,) share of its values that are saturated, over the probe batch and units
    (padded steps ignored)."""
    shares = {}
    for name, values in trace.gates.items():
        v = values[layer, direction]  # (B, T, H)
        real = np.isfinite(v)
        with np.errstate(invalid="ignore"):
            saturated = np.abs(v) > HIGH if name in tanh_gates() else (v < LOW) | (v > HIGH)
        counts = real.sum(axis=(0, 2))
        shares[name] = np.where(counts > 0, (saturated & real).sum(axis=(0, 2)) / np.maximum(counts, 1),
                                np.nan)
    return shares


def saturation(trace: Trace, layer: int = 0, direction: int = 0, cursor: int = 0) -> go.Figure:
    """Per step, the share of saturated gate values, one line per gate."""
    fig = go.Figure()
    steps = np.arange(trace.seq_len)
    for name, share in saturation_shares(trace, layer, direction).items():
        rule = "|value| > 0.95" if name in tanh_gates() else "< 0.05 or > 0.95"
        fig.add_trace(go.Scatter(x=steps, y=share.astype(np.float32), mode="lines", name=gate_title(name),
                                 line=dict(color=gate_color(name), width=2),
                                 hovertemplate=f"{name}: %{{y:.1%}} {rule} at step %{{x}}<extra></extra>"))
    fig.update_yaxes(title_text="share saturated", range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(title_text="time step")
    title = f"Gate saturation, {layer_name(trace, layer, direction)} — whole probe batch{moment(trace)}"
    note = "share of values < 0.05 or > 0.95 (candidates: |value| > 0.95), over examples and units"
    return finish(fig, "saturation", title, cursor, [note], height=360, shapes=[cursor_line(cursor)])


def gate_table(trace: Trace, layer: int = 0, direction: int = 0, example: int = 0) -> pd.DataFrame:
    """Every gate value (and c_t) of one example: a row per step, a column per gate and unit."""
    parts = dict(trace.gates) | ({"c": trace.cell} if trace.cell is not None else {})
    frame = pd.DataFrame({"step": np.arange(trace.seq_len)})
    blocks = [pd.DataFrame(values[layer, direction, example],
                           columns=[f"{name}_u{u}" for u in range(trace.hidden_size)])
              for name, values in parts.items()]
    return pd.concat([frame, *blocks], axis=1)


def saturation_table(trace: Trace, layer: int = 0, direction: int = 0) -> pd.DataFrame:
    shares = saturation_shares(trace, layer, direction)
    return pd.DataFrame({"step": np.arange(trace.seq_len)} | {f"saturated_{k}": v for k, v in shares.items()})

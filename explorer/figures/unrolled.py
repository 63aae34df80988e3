"""The recurrence unrolled: the cell drawn once per time step, with the probe example's numbers.

    y_t            ŷ (target)        (one answer per step, or one at the end)
     ↑
    [cell] →h_t→ [cell] →h_t→ …     one row per layer and direction (backward rows point left)
     ↑
    x_t            the token or values that entered at step t

Drawn with Plotly shapes and annotations on hidden axes; long sequences show a
window of steps around the cursor. Hovering a cell shows its h_t (and c_t).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.cellspec import CELL_SPECS
from explorer.figures.timeline import (
    CURSOR,
    CURSOR_COLOR,
    DIRECTION_ARROWS,
    DIRECTION_NAMES,
    around,
    finish,
    head_kind,
    input_labels,
    last_step,
    moment,
    output_labels,
)
from explorer.trace import Trace

CELL_LABELS = {name: cell.label for name, cell in CELL_SPECS.items()}
BOX_FILL, CURSOR_FILL, PAD_FILL = "#E8EEF5", "#FFF3B0", "#FFFFFF"
HALF_W, HALF_H = 0.32, 0.25  # cell box half-width and half-height, in step / row units


def unrolled_diagram(trace: Trace, example: int = 0, cursor: int = 0,
                     classes: tuple[str, ...] | None = None, width: int = 9) -> go.Figure:
    """One cell box per step (a window of `width` steps around the cursor) and per layer and
    direction, x_t below, y_t above, h_t (and c_t) on the arrows between boxes."""
    window = around(cursor, trace.seq_len, width)
    steps = window.steps
    rows = [(layer, d) for layer in range(trace.num_layers) for d in range(trace.num_directions)]
    real = last_step(trace, example)
    top = len(rows) + 1  # the y_t row; x_t is row 0, layer-directions rows 1..len(rows)
    k_cursor = cursor - window.start
    inputs = input_labels(trace, example)
    lines = 2 + max(label.count("<br>") for label in inputs)  # of the x_t labels, hanging from y = 0.4
    bottom = 0.2 - 0.22 * lines
    sketch = _Sketch()
    sketch.shapes.append(dict(type="rect", x0=k_cursor - 0.46, x1=k_cursor + 0.46, y0=bottom + 0.05,
                              y1=top + 0.55, name=CURSOR, line=dict(color=CURSOR_COLOR, width=1.5),
                              fillcolor="rgba(240,228,66,0.15)", layer="below"))
    answers = _answers(trace, example, classes)
    for k, t in enumerate(steps):
        sketch.text(k, 0.4, f"x<sub>{t}</sub><br><b>{inputs[t] if t <= real else 'pad'}</b>", size=12,
                    yanchor="top")
        if t <= real:
            sketch.arrow(k, 0.45, k, 1 - HALF_H)  # x_t into the first layer
            sketch.shapes.append(dict(type="line", x0=k, x1=k, y0=1, y1=len(rows), layer="below",
                                      line=dict(color="#999999", width=1)))  # up through the layers
        if t in answers:
            sketch.arrow(k, len(rows) + HALF_H, k, top - 0.3)
            sketch.text(k, top, answers[t], size=13)
    fig = go.Figure()
    for r, (layer, d) in enumerate(rows):
        _draw_row(fig, sketch, trace, example, steps, r + 1, layer, d, cursor, real)
    fig.update_layout(annotations=sketch.annotations, showlegend=False, plot_bgcolor="white")
    fig.update_xaxes(visible=False, range=[-0.75, len(steps) - 0.25], fixedrange=True)
    fig.update_yaxes(visible=False, range=[bottom, top + 0.6], fixedrange=True)
    title = f"Unrolled {CELL_LABELS.get(trace.cell_type, trace.cell_type)} — probe example {example + 1}"
    note = window.note() or f"all {trace.seq_len} steps"
    return finish(fig, "unrolled", title + moment(trace), cursor, [f"step {cursor} highlighted", note],
                  height=200 + 110 * len(rows) + 16 * lines, shapes=sketch.shapes)


class _Sketch:
    """Shapes and annotations collected as plain dicts and set once (adding them one by one
    to a figure re-validates the whole list each time: seconds for a few hundred)."""

    def __init__(self) -> None:
        self.shapes: list[dict] = []
        self.annotations: list[dict] = []

    def text(self, x: float, y: float, text: str, size: int = 11, yanchor: str = "middle") -> None:
        self.annotations.append(dict(x=x, y=y, text=text, showarrow=False, yanchor=yanchor,
                                     font=dict(size=size, color="#222222")))

    def arrow(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.annotations.append(dict(x=x1, y=y1, ax=x0, ay=y0, axref="x", ayref="y", text="",
                                     showarrow=True, arrowhead=2, arrowwidth=1.2, arrowcolor="#333333"))


def _draw_row(fig: go.Figure, sketch: _Sketch, trace: Trace, example: int, steps: np.ndarray, y: float,
              layer: int, d: int, cursor: int, real: int) -> None:
    """One layer-direction: a box per step, arrows carrying h (and c) between them, hover values."""
    label = f"{CELL_LABELS.get(trace.cell_type, trace.cell_type)} {DIRECTION_ARROWS[d]}"
    if trace.num_layers > 1:
        label = f"L{layer + 1} {label}"
    carried = CELL_SPECS[trace.cell_type].carried if trace.cell_type in CELL_SPECS else ("h", "c")
    carried = [p for p in carried if p == "h" or p in trace.states or (p == "c" and trace.cell is not None)]
    states = list(zip(carried, (0.09, -0.09), strict=False))
    step_back = 1 if d == 0 else -1  # where the incoming state comes from, in steps and boxes
    for k, t in enumerate(steps):
        fill = PAD_FILL if t > real else CURSOR_FILL if t == cursor else BOX_FILL
        sketch.shapes.append(dict(type="rect", x0=k - HALF_W, x1=k + HALF_W, y0=y - HALF_H, y1=y + HALF_H,
                                  fillcolor=fill, line=dict(color="#333333", width=2.5 if t == cursor else 1,
                                                            dash="dot" if t > real else "solid")))
        sketch.text(k, y, label)
        if t > real:
            continue
        source = t - step_back
        x_from, x_to = k - step_back * (1 - HALF_W), k - step_back * HALF_W
        for name, dy in states:
            sketch.arrow(x_from, y + dy, x_to, y + dy)
            sketch.text((x_from + x_to) / 2, y + dy + (0.1 if dy > 0 else -0.1),
                        f"{name}<sub>{source}</sub>" if 0 <= source <= real else f"{name}=0")
    fig.add_trace(go.Scatter(
        x=np.arange(len(steps)), y=np.full(len(steps), y), mode="markers",
        marker=dict(size=28, color="rgba(0,0,0,0)"), name=label,
        hovertext=[_hover(trace, example, layer, d, t, real) for t in steps], hoverinfo="text",
    ))


def _hover(trace: Trace, example: int, layer: int, d: int, t: int, real: int) -> str:
    if t > real:
        return f"step {t}: padding (this example has {real + 1} steps)"
    lines = [f"layer {layer + 1} {DIRECTION_NAMES[d]}, step {t}",
             "h_t = " + _vector(trace.hidden[layer, d, example, t])]
    if trace.cell is not None:
        lines.append("c_t = " + _vector(trace.cell[layer, d, example, t]))
    for name, values in trace.states.items():
        lines.append(f"{name}_t = " + _vector(values[layer, d, example, t]))
    for name, values in trace.gates.items():
        lines.append(f"{name} (mean over units) = {np.mean(values[layer, d, example, t]):.3f}")
    return "<br>".join(lines)


def _vector(v: np.ndarray, shown: int = 6) -> str:
    text = ", ".join(f"{x:.3g}" for x in v[:shown])
    return f"[{text}{', …' if len(v) > shown else ''}] (norm {np.linalg.norm(v):.3f})"


def _answers(trace: Trace, example: int, classes: tuple[str, ...] | None) -> dict[int, str]:
    """Step -> "ŷ … (target …)" where the head answers: every real step, or the last one."""
    kind = head_kind(trace)
    if kind is None:
        return {}
    pred = np.asarray(trace.predictions[example])
    target = None if trace.targets is None else np.asarray(trace.targets[example])
    if kind == "many_to_one":
        pred, target = pred[None], None if target is None else target.reshape(1, -1)
        if target is not None and target.dtype.kind in "iu":
            target = target[:, 0]
        at = [last_step(trace, example)]
    else:
        at = list(range(last_step(trace, example) + 1))
    shown = output_labels(pred, classes)
    wanted = output_labels(target, classes) if target is not None else None
    return {t: f"ŷ<sub>{t}</sub> <b>{shown[i if kind == 'many_to_one' else t]}</b>"
            + (f"<br>target {wanted[i if kind == 'many_to_one' else t]}" if wanted else "")
            for i, t in enumerate(at)}


def unrolled_table(trace: Trace, example: int = 0, classes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per step: what entered, what came out, and the norm of every layer-direction's h_t."""
    answers = _answers(trace, example, classes)
    frame = {"step": np.arange(trace.seq_len), "input": input_labels(trace, example),
             "answer": [answers.get(t, "").replace("<br>", " ") for t in range(trace.seq_len)]}
    for layer in range(trace.num_layers):
        for d in range(trace.num_directions):
            frame[f"norm_h_l{layer + 1}_{DIRECTION_NAMES[d]}"] = np.linalg.norm(
                trace.hidden[layer, d, example], axis=-1)
    return pd.DataFrame(frame)

"""The time axis shared by every inside view: windows around the cursor, ticks, the cursor mark.

Long sequences stay fast by drawing fewer steps: heatmaps draw a window of steps
around the cursor, lines and point clouds every k-th step. A figure that does
either says so in its subtitle (`Window.note`). Every view marks the cursor the
same way, so a page (and a test) can read it back: shapes named "cursor" (a trace in
legend group "cursor") and ``layout.meta["cursor"]`` = the highlighted step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from explorer.trace import Trace

CURSOR = "cursor"  # name of the shapes (legend group of the traces) that mark the cursor step
CURSOR_COLOR = "#111111"
MAX_CELLS = 80_000  # heatmap cells per figure: ~0.3 MB of float32 JSON, drawn in well under a second
MAX_POINTS = 4_000  # points per line, or per point cloud, before decimating
DIRECTION_ARROWS = ("→", "←")
DIRECTION_NAMES = ("forward", "backward")


@dataclass(frozen=True)
class Window:
    """The steps a figure draws: ``range(start, stop, stride)`` out of ``total``."""

    start: int
    stop: int
    total: int
    stride: int = 1

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.start, self.stop, self.stride)

    @property
    def whole(self) -> bool:
        return self.start == 0 and self.stop == self.total and self.stride == 1

    def note(self) -> str:
        """What a reader must know about the steps left out ("" when none are)."""
        if self.stride > 1:
            return f"1 step in {self.stride} drawn, of {self.total}"
        if not self.whole:
            return f"steps {self.start}–{self.stop - 1} of {self.total}, a window around the cursor"
        return ""


def around(cursor: int, total: int, width: int) -> Window:
    """At most `width` consecutive steps containing `cursor`, centred on it where possible."""
    width = max(1, min(width, total))
    start = min(max(0, cursor - width // 2), total - width)
    return Window(start, start + width, total)


def heatmap_window(cursor: int, total: int, rows: int, max_cells: int = MAX_CELLS) -> Window:
    """A window for a heatmap with `rows` rows (units × panels), within the cell budget."""
    return around(cursor, total, max(16, max_cells // max(1, rows)))


def decimate(total: int, max_points: int) -> Window:
    """Every k-th step, so that at most `max_points` remain."""
    return Window(0, total, total, max(1, math.ceil(total / max(1, max_points))))


def time_ticks(trace: Trace, steps: np.ndarray, example: int, max_ticks: int = 25) -> dict:
    """x-axis tick settings: the step number and, for token inputs, the token under it."""
    labels = trace.token_labels(example)
    shown = steps[:: max(1, math.ceil(len(steps) / max_ticks))]
    text = [f"{t}<br>{labels[t]}" if trace.vocab else str(t) for t in shown]
    return dict(tickmode="array", tickvals=shown.tolist(), ticktext=text, tickangle=0)


def column_box(step: int, subplot: int = 1, name: str = CURSOR, color: str = CURSOR_COLOR,
               dash: str = "solid", width: float = 2) -> dict:
    """A shape outlining one step's column (step ± ½) over the whole height of a subplot
    (numbered as plotly numbers axes: row by row, from 1)."""
    x, y = _axes(subplot)
    return dict(type="rect", name=name, xref=x, yref=f"{y} domain", x0=step - 0.5, x1=step + 0.5, y0=0, y1=1,
                line=dict(color=color, width=width, dash=dash), fillcolor="rgba(0,0,0,0)", layer="above")


def cursor_line(step: int, subplot: int = 1) -> dict:
    """A shape: a dotted vertical line at the cursor step, for line charts."""
    x, y = _axes(subplot)
    return dict(type="line", name=CURSOR, xref=x, yref=f"{y} domain", x0=step, x1=step, y0=0, y1=1,
                line=dict(color=CURSOR_COLOR, width=1.5, dash="dot"))


def _axes(subplot: int) -> tuple[str, str]:
    suffix = "" if subplot == 1 else str(subplot)
    return f"x{suffix}", f"y{suffix}"


def finish(fig: go.Figure, view: str, title: str, cursor: int, notes: list[str], height: int,
           shapes: tuple[dict, ...] | list[dict] = ()) -> go.Figure:
    """Shared layout: title, a subtitle with what was left out, the cursor in ``meta``, and the
    figure's shapes, as plain dicts set at once (adding shapes one by one, or setting them
    twice, re-validates every one each time: seconds for a few hundred)."""
    subtitle = " · ".join(n for n in notes if n)
    if shapes:
        fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    fig.update_layout(
        title=dict(text=title, subtitle=dict(text=subtitle)),
        height=height,
        margin=dict(l=60, r=20, t=105 if subtitle else 70, b=45),
        hovermode="closest",
        meta={"view": view, CURSOR: int(cursor)},
    )
    return fig


def moment(trace: Trace) -> str:
    """", training step N" for a trace recorded during training; "" for a bare module's."""
    return f", training step {trace.step}" if trace.task else ""


def layer_name(trace: Trace, layer: int, direction: int) -> str:
    name = f"layer {layer + 1}"
    return f"{name} {DIRECTION_NAMES[direction]}" if trace.num_directions > 1 else name


def head_kind(trace: Trace) -> str | None:
    """What the task head reads: "many_to_one" (one prediction per sequence),
    "many_to_many" (one per step), or None when the trace has no head (a bare layer)."""
    if trace.predictions is None:
        return None
    return "many_to_one" if np.ndim(trace.predictions) == 2 else "many_to_many"


def last_step(trace: Trace, example: int) -> int:
    """The example's last real step (sequences may be right-padded)."""
    if trace.lengths is None:
        return trace.seq_len - 1
    return int(trace.lengths[example]) - 1


def layer_input(trace: Trace, layer: int, example: int) -> np.ndarray:
    """x_t as `layer` reads it, (T, F): the layer input for layer 0, else the concatenated
    outputs [h→_t ; h←_t] of the layer below (padded steps NaN)."""
    if layer == 0:
        if trace.layer_input is None:
            raise ValueError("this trace has no recorded layer input")
        return trace.layer_input[example]
    return np.concatenate(list(trace.hidden[layer - 1, :, example]), axis=-1)


def input_labels(trace: Trace, example: int, digits: int = 3) -> list[str]:
    """What entered at each step, as text: the token, or its values (at most 3, then …)."""
    if trace.vocab is not None and trace.inputs is not None and np.ndim(trace.inputs) == 2:
        return trace.token_labels(example)
    if trace.inputs is not None and np.ndim(trace.inputs) == 3:
        values = trace.inputs[example]
    elif trace.layer_input is not None:
        values = trace.layer_input[example]
    else:
        return [""] * trace.seq_len
    more = "<br>…" if values.shape[1] > 3 else ""
    return ["<br>".join(_number(v, digits) for v in row[:3]) + more for row in values]


def output_labels(values: np.ndarray, classes: tuple[str, ...] | None, digits: int = 3) -> list[str]:
    """Predictions or targets per item as text: class scores -> the chosen class, class ids -> their
    names, values -> numbers. `values` is (N, C) scores, (N,) ids or (N, D) values."""
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        return [classes[int(v)] if classes else str(int(v)) for v in values.reshape(len(values), -1)[:, 0]]
    if classes is not None and values.ndim == 2 and values.shape[1] == len(classes):
        return [classes[int(i)] for i in np.argmax(values, axis=1)]
    rows = values.reshape(len(values), -1)
    return [", ".join(_number(v, digits) for v in row[:3]) for row in rows]


def _number(value: float, digits: int) -> str:
    return "0" if abs(value) < 10 ** -digits else f"{value:.{digits}g}"

"""One recurrent step, number by number: the equations of `explorer.cells` evaluated in numpy.

`from_trace` takes what one step of a recorded layer read (x_t, the previous state
and the layer's own torch.nn parameters, all from a `Trace`); `step` evaluates the
cell's equations (see `explorer.cells` for them) keeping every intermediate for
every unit; `unit_latex` writes them out for one unit with this step's numbers,
and `dot_table` lists the products inside each matrix row, so a reader can redo
the arithmetic. numpy only: the anatomy page calls `step` with weights from sliders.

For a backward direction the previous state is h_{t+1}: it reads the sequence from the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.figures.timeline import last_step, layer_input
from explorer.trace import Trace

# gate names in torch.nn's stacking order, as in explorer.cells.CELLS; "h" names a vanilla RNN's one block
BLOCKS = {"rnn_tanh": ("h",), "rnn_relu": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
TANH_BLOCKS = frozenset({"g", "n"})
LATEX = {
    "rnn_tanh": [r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})"],
    "rnn_relu": [r"h_t = \mathrm{ReLU}(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})"],
    "lstm": [r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})",
             r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
             r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})",
             r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
             r"c_t = f_t \odot c_{t-1} + i_t \odot g_t",
             r"h_t = o_t \odot \tanh(c_t)"],
    "gru": [r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})",
            r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
            r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
            r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}"],
}


@dataclass(frozen=True)
class StepInput:
    """What one step reads. weights: torch.nn's weight_ih (G*H, F), weight_hh (G*H, H),
    bias_ih and bias_hh (G*H,) of one layer-direction, without the _l{k} suffix."""

    cell_type: str
    x: np.ndarray  # (F,) x_t as this layer reads it
    h_prev: np.ndarray  # (H,) the state the step starts from
    c_prev: np.ndarray | None  # (H,) LSTM only
    weights: dict[str, np.ndarray]
    backward: bool = False


@dataclass(frozen=True)
class Step:
    """Every intermediate of one step, per block name (i f g o / r z n / h), each (H,)."""

    inp: StepInput
    from_x: dict[str, np.ndarray]  # W_i· x_t + b_i·
    from_h: dict[str, np.ndarray]  # W_h· h_prev + b_h·
    pre: dict[str, np.ndarray]  # the pre-activation
    post: dict[str, np.ndarray]  # after σ / tanh / ReLU
    c: np.ndarray | None
    h: np.ndarray


@dataclass(frozen=True)
class Explanation:
    """One step of one unit, ready to show: equations, the same with numbers, the products inside."""

    equations: list[str]  # LaTeX, symbols only
    numbers: list[str]  # LaTeX, this step's numbers for the unit
    products: pd.DataFrame  # see dot_table
    recorded: float  # h_t of the unit as the trace recorded it
    recomputed: float  # h_t recomputed here from x_t, the previous state and the weights


def explain(trace: Trace, layer: int, direction: int, example: int, t: int, unit: int) -> Explanation:
    """Everything the step-through shows; ValueError (with a message) for a padded step."""
    s = step(from_trace(trace, layer, direction, example, t))
    return Explanation(equations(trace.cell_type, direction == 1), unit_latex(s, unit), dot_table(s, unit),
                       float(trace.hidden[layer, direction, example, t, unit]), float(s.h[unit]))


def from_trace(trace: Trace, layer: int, direction: int, example: int, t: int) -> StepInput:
    """What step t of one layer-direction read, from the trace (zero initial state, as recorded)."""
    if trace.cell_type not in BLOCKS:
        raise ValueError(f"no step-through for cell type '{trace.cell_type}'")
    last = last_step(trace, example)
    if not 0 <= t <= last:
        raise ValueError(f"Step {t} is padding for probe example {example + 1}: it has {last + 1} steps.")
    prev = t - 1 if direction == 0 else t + 1
    fresh = not 0 <= prev <= last
    h_prev = np.zeros(trace.hidden_size) if fresh else trace.hidden[layer, direction, example, prev]
    c_prev = None
    if trace.cell is not None:
        c_prev = np.zeros(trace.hidden_size) if fresh else trace.cell[layer, direction, example, prev]
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    if f"weight_hh{suffix}" not in trace.params:
        raise ValueError("This recording does not hold the layer's weights, so its steps cannot be redone.")
    rows = trace.params[f"weight_hh{suffix}"].shape[0]
    weights = {name: np.asarray(trace.params.get(name + suffix, np.zeros(rows)), dtype=np.float64)
               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    x = np.asarray(layer_input(trace, layer, example)[t], dtype=np.float64)
    c_prev = None if c_prev is None else np.asarray(c_prev, dtype=np.float64)
    h_prev = np.asarray(h_prev, dtype=np.float64)
    return StepInput(trace.cell_type, x, h_prev, c_prev, weights, backward=direction == 1)


def step(inp: StepInput) -> Step:
    """Evaluate the cell's equations, keeping every intermediate."""
    blocks = BLOCKS[inp.cell_type]
    w = inp.weights
    gi = w["weight_ih"] @ inp.x + w["bias_ih"]  # (G*H,)
    gh = w["weight_hh"] @ inp.h_prev + w["bias_hh"]  # (G*H,)
    from_x = dict(zip(blocks, np.split(gi, len(blocks)), strict=True))
    from_h = dict(zip(blocks, np.split(gh, len(blocks)), strict=True))
    pre = {b: from_x[b] + from_h[b] for b in blocks}
    if inp.cell_type == "gru":
        post = {b: _sigmoid(pre[b]) for b in "rz"}
        pre["n"] = from_x["n"] + post["r"] * from_h["n"]
        post["n"] = np.tanh(pre["n"])
        h = (1 - post["z"]) * post["n"] + post["z"] * inp.h_prev
        return Step(inp, from_x, from_h, pre, post, None, h)
    if inp.cell_type == "lstm":
        post = {b: np.tanh(pre[b]) if b in TANH_BLOCKS else _sigmoid(pre[b]) for b in blocks}
        c = post["f"] * inp.c_prev + post["i"] * post["g"]
        return Step(inp, from_x, from_h, pre, post, c, post["o"] * np.tanh(c))
    h = np.tanh(pre["h"]) if inp.cell_type == "rnn_tanh" else np.maximum(pre["h"], 0.0)
    return Step(inp, from_x, from_h, pre, {"h": h}, None, h)


def equations(cell_type: str, backward: bool = False) -> list[str]:
    """The cell's equations in LaTeX (previous state h_{t+1} when reading backwards)."""
    return [_direction(line, backward) for line in LATEX[cell_type]]


def unit_latex(s: Step, unit: int) -> list[str]:
    """The same equations, one line each, with this step's numbers for one unit."""
    u, lines = unit, []
    act = {"rnn_tanh": r"\tanh", "rnn_relu": r"\mathrm{ReLU}"}
    for b in BLOCKS[s.inp.cell_type]:
        fn = act.get(s.inp.cell_type) or (r"\tanh" if b in TANH_BLOCKS else r"\sigma")
        xs = rf"\underbrace{{{_n(s.from_x[b][u])}}}_{{W_{{i{b}}}x_t + b_{{i{b}}}}}"
        hs = rf"\underbrace{{{_p(s.from_h[b][u])}}}_{{W_{{h{b}}}h_{{t-1}} + b_{{h{b}}}}}"
        gate = s.post[b][u]
        mix = rf"{_p(s.post['r'][u])} \cdot {hs}" if b == "n" else hs
        lines.append(rf"{b}_t = {fn}({xs} + {mix}) = {fn}({_n(s.pre[b][u])}) = {_n(gate)}")
    if s.inp.cell_type == "lstm":
        p = s.post
        lines.append(rf"c_t = {_p(p['f'][u])} \cdot {_p(s.inp.c_prev[u])} + {_p(p['i'][u])} \cdot "
                     rf"{_p(p['g'][u])} = {_n(s.c[u])}")
        lines.append(rf"h_t = {_p(p['o'][u])} \cdot \tanh({_n(s.c[u])}) = {_n(s.h[u])}")
    elif s.inp.cell_type == "gru":
        z = s.post["z"][u]
        lines.append(rf"h_t = (1 - {_n(z)}) \cdot {_p(s.post['n'][u])} + {_n(z)} \cdot "
                     rf"{_p(s.inp.h_prev[u])} = {_n(s.h[u])}")
    return [_direction(line, s.inp.backward) for line in lines]


def dot_table(s: Step, unit: int) -> pd.DataFrame:
    """The products inside each block's pre-activation for one unit: a row per input term
    (x_t[j], h_prev[j], and the two biases as value 1), a column of weights per block.
    Summing value × weight over the x rows and b_ih gives `from_x`; over h rows and b_hh, `from_h`."""
    blocks, hidden = BLOCKS[s.inp.cell_type], len(s.h)
    rows = [k * hidden + unit for k in range(len(blocks))]
    prev = "h_{t+1}" if s.inp.backward else "h_{t-1}"
    w = s.inp.weights
    frame = pd.DataFrame({
        "term": [f"x_t[{j}]" for j in range(len(s.inp.x))] + [f"{prev}[{j}]" for j in range(hidden)]
        + ["b_ih", "b_hh"],
        "value": np.concatenate([s.inp.x, s.inp.h_prev, [1.0, 1.0]]),
    })
    for b, r in zip(blocks, rows, strict=True):
        frame[f"weight ({b})"] = np.concatenate([w["weight_ih"][r], w["weight_hh"][r],
                                                 [w["bias_ih"][r], w["bias_hh"][r]]])
    return frame


def example_weights(cell_type: str, input_size: int, hidden_size: int,
                    seed: int = 0) -> dict[str, np.ndarray]:
    """Small random weights in torch.nn's layout, for trying a cell by hand."""
    rng = np.random.default_rng(seed)
    rows = len(BLOCKS[cell_type]) * hidden_size
    return {"weight_ih": rng.uniform(-1, 1, (rows, input_size)).round(2),
            "weight_hh": rng.uniform(-1, 1, (rows, hidden_size)).round(2),
            "bias_ih": rng.uniform(-0.5, 0.5, rows).round(2), "bias_hh": np.zeros(rows)}


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * v))  # = 1 / (1 + e^-v), without overflow


def _n(v: float) -> str:
    return f"{float(v):.4f}"


def _p(v: float) -> str:
    """A number as a factor: negative ones in parentheses."""
    return f"({_n(v)})" if float(v) < 0 else _n(v)


def _direction(line: str, backward: bool) -> str:
    return line.replace("t-1", "t+1") if backward else line

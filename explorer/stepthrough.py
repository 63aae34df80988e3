"""One recurrent step, number by number: the cell's own step (`explorer.cellspec`) run in numpy.

`from_trace` takes what one step of a recorded layer read (x_t, the previous state
and the layer's own torch.nn parameters, all from a `Trace`); `step` evaluates the
cell's step function (written once, for torch and numpy) keeping every intermediate for
every unit; `unit_latex` writes them out for one unit with this step's numbers,
and `dot_table` lists the products inside each matrix row, so a reader can redo
the arithmetic. numpy only: the anatomy page calls `step` with weights from sliders.

For a backward direction the previous state is h_{t+1}: it reads the sequence from the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from explorer.cellspec import ACTIVATION_LATEX, NUMPY, cell_spec
from explorer.figures.timeline import last_step, layer_input
from explorer.trace import Trace


@dataclass(frozen=True)
class StepInput:
    """What one step reads. weights: one layer-direction's parameters by torch.nn's names
    without the _l{k} suffix (weight_ih (G*H, F), weight_hh (G*H, H), bias_ih, bias_hh (G*H,),
    and the cell's extras); prev: the previous value of state parts other than h and c (y)."""

    cell_type: str
    x: np.ndarray  # (F,) x_t as this layer reads it
    h_prev: np.ndarray  # (H,) the state the step starts from
    c_prev: np.ndarray | None  # (H,) LSTMs only
    weights: dict[str, np.ndarray]
    backward: bool = False
    prev: dict[str, np.ndarray] = field(default_factory=dict)

    def state(self) -> tuple[np.ndarray, ...]:
        values = {"h": self.h_prev, "c": self.c_prev} | self.prev
        return tuple(values[p] for p in cell_spec(self.cell_type).states)


@dataclass(frozen=True)
class Step:
    """Every intermediate of one step, per block name (i f g o / r z n / h), each (H,)."""

    inp: StepInput
    from_x: dict[str, np.ndarray]  # W_i· x_t + b_i·
    from_h: dict[str, np.ndarray]  # W_h· h_prev + b_h· (W_y· y_prev for the Jordan network)
    pre: dict[str, np.ndarray]  # the pre-activation
    post: dict[str, np.ndarray]  # after σ / tanh / ReLU, and derived gates (CIFG's i = 1 - f)
    c: np.ndarray | None
    h: np.ndarray
    kinds: dict[str, str] = field(default_factory=dict)  # block -> sigmoid, tanh, relu, derived
    states: dict[str, np.ndarray] = field(default_factory=dict)  # every new state part


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
    try:
        spec = cell_spec(trace.cell_type, trace.cell_text)
    except KeyError:
        raise ValueError(f"no step-through for cell type '{trace.cell_type}'") from None
    last = last_step(trace, example)
    if not 0 <= t <= last:
        raise ValueError(f"Step {t} is padding for probe example {example + 1}: it has {last + 1} steps.")
    prev = t - 1 if direction == 0 else t + 1
    fresh = not 0 <= prev <= last
    recorded = {"h": trace.hidden, "c": trace.cell} | trace.states
    before = {}
    for part in spec.states:
        values = recorded[part][layer, direction, example]
        before[part] = np.asarray(np.zeros(values.shape[-1]) if fresh else values[prev], dtype=np.float64)
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    first = next(iter(spec.param_shapes(1, 1, 1)))
    if f"{first}{suffix}" not in trace.params:
        raise ValueError("This recording does not hold the layer's weights, so its steps cannot be redone.")
    rows = trace.params[f"{first}{suffix}"].shape[0]
    weights = {name: np.asarray(trace.params.get(name + suffix, np.zeros(rows)), dtype=np.float64)
               for name in spec.param_shapes(1, 1, 1)}
    x = np.asarray(layer_input(trace, layer, example)[t], dtype=np.float64)
    return StepInput(trace.cell_type, x, before["h"], before.get("c"), weights, backward=direction == 1,
                     prev={k: v for k, v in before.items() if k not in ("h", "c")})


def step(inp: StepInput) -> Step:
    """Evaluate the cell's own step function in numpy, keeping every intermediate."""
    spec = cell_spec(inp.cell_type)
    rec = SimpleNamespace(from_x={}, from_h={}, pre={}, post={}, kinds={})

    def act(name, kind, pre):
        rec.pre[name], rec.kinds[name] = pre, kind
        rec.post[name] = NUMPY.act(name, kind, pre)
        return rec.post[name]

    def derived(name, value):
        rec.post[name], rec.kinds[name] = value, "derived"
        return value

    def blocks(xs, hs):
        rec.from_x.update(xs)
        rec.from_h.update(hs)
        return xs, hs

    ops = SimpleNamespace(**vars(NUMPY) | {"act": act, "derived": derived, "blocks": blocks})
    new_state, _ = spec.step(ops, inp.x, inp.state(), inp.weights)
    states = dict(zip(spec.states, new_state, strict=True))
    return Step(inp, rec.from_x, rec.from_h, rec.pre, rec.post, states.get("c"), states["h"], rec.kinds,
                states)


def equations(cell_type: str, backward: bool = False) -> list[str]:
    """The cell's equations in LaTeX (previous state h_{t+1} when reading backwards)."""
    return [_direction(line, backward) for line in cell_spec(cell_type).equations]


def unit_latex(s: Step, unit: int) -> list[str]:
    """The same equations, one line each, with this step's numbers for one unit: first every
    block's pre-activation and value, then the other equations with the numbers put in."""
    spec, u, lines = cell_spec(s.inp.cell_type), unit, []
    rec = spec.recurrent
    for b, pre in s.pre.items():
        fn = ACTIVATION_LATEX[s.kinds[b]]
        gate = spec.gate(b)
        if b in s.from_x and b in s.from_h:
            xs = rf"\underbrace{{{_n(s.from_x[b][u])}}}_{{W_{{i{b}}}x_t + b_{{i{b}}}}}"
            hs = rf"\underbrace{{{_p(s.from_h[b][u])}}}_{{W_{{{rec}{b}}}{rec}_{{t-1}} + b_{{h{b}}}}}"
            mix = rf"{_p(s.post[gate.scaled_by][u])} \cdot {hs}" if gate and gate.scaled_by else hs
            lines.append(rf"{b}_t = {fn}({xs} + {mix}) = {fn}({_n(pre[u])}) = {_n(s.post[b][u])}")
        else:
            lines.append(rf"{b}_t = {fn}({_n(pre[u])}) = {_n(s.post[b][u])}")
    values = {f"{k}_t": v for k, v in (s.post | s.states).items()}
    values |= {f"{k}_{{t-1}}": v for k, v in zip(spec.states, s.inp.state(), strict=True)}
    for equation in spec.equations:
        lhs, rhs = equation.split(" = ", 1)
        if lhs[0] in s.pre:
            continue  # shown above, block by block
        result = values[lhs]
        if "W_" in rhs or len(result) <= u:  # a matrix product: the whole vector
            lines.append(rf"{lhs} = {rhs} = [{', '.join(_n(v) for v in result)}]")
            continue
        numbers = re.sub(r"[a-z]_(?:t|\{t-1\})", lambda m: _p(values[m.group(0)][u]), rhs)
        lines.append(rf"{lhs} = {numbers.replace(chr(92) + 'odot', chr(92) + 'cdot')} = {_n(result[u])}")
    return [_direction(line, s.inp.backward) for line in lines]


def dot_table(s: Step, unit: int) -> pd.DataFrame:
    """The products inside each block's pre-activation for one unit: a row per input term
    (x_t[j], the recurrent input's [j], and the two biases as value 1), a column of weights per
    block. Summing value × weight over the x rows and b_ih gives `from_x`; over the rest, `from_h`."""
    spec, hidden = cell_spec(s.inp.cell_type), len(s.h)
    rec = spec.recurrent
    r_prev = s.inp.state()[spec.states.index(rec)]
    prev = f"{rec}_{{t+1}}" if s.inp.backward else f"{rec}_{{t-1}}"
    w = s.inp.weights
    frame = pd.DataFrame({
        "term": [f"x_t[{j}]" for j in range(len(s.inp.x))] + [f"{prev}[{j}]" for j in range(len(r_prev))]
        + ["b_ih", "b_hh"],
        "value": np.concatenate([s.inp.x, r_prev, [1.0, 1.0]]),
    })
    for k, b in enumerate(spec.blocks):
        r = k * hidden + unit
        column = np.concatenate([w["weight_ih"][r], w[spec.recurrent_weight][r],
                                 [w["bias_ih"][r], w["bias_hh"][r]]])
        recurrent = frame["value"].to_numpy()[len(s.inp.x):] @ column[len(s.inp.x):]
        if np.isclose(recurrent, s.from_h[b][unit]):  # not a block that reads something else (MGU's n: f ⊙ h)
            frame[f"weight ({b})"] = column
    return frame


def example_weights(cell_type: str, input_size: int, hidden_size: int,
                    seed: int = 0) -> dict[str, np.ndarray]:
    """Small random weights in torch.nn's layout, for trying a cell by hand (y, if any, of size H)."""
    rng = np.random.default_rng(seed)
    shapes = cell_spec(cell_type).param_shapes(input_size, hidden_size, hidden_size)
    rows = shapes["weight_ih"][0]
    weights = {"weight_ih": rng.uniform(-1, 1, (rows, input_size)).round(2)}
    for name, shape in shapes.items():
        if name == "bias_hh":
            weights[name] = np.zeros(rows)
        elif name != "weight_ih":
            weights[name] = rng.uniform(-1 if name.startswith("weight") else -0.5,
                                        1 if name.startswith("weight") else 0.5, shape).round(2)
    return weights


def _n(v: float) -> str:
    return f"{float(v):.4f}"


def _p(v: float) -> str:
    """A number as a factor: negative ones in parentheses."""
    return f"({_n(v)})" if float(v) < 0 else _n(v)


def _direction(line: str, backward: bool) -> str:
    return line.replace("t-1", "t+1") if backward else line

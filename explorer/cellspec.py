"""Cells as data: one torch-free description per recurrent cell, its step written once.

A `Cell` names its state parts (h; c for the LSTMs; the fed-back output y for the Jordan
network), its gates (name, title, colour, activation), its equations in LaTeX, which state
carries the gradient lesson, and one step function ``step(op, x_t, state, w) -> (state, gates)``.
``op`` is a small array-ops namespace (`NUMPY` here; `explorer.cells.TORCH` for tensors), so the
same lines train and replay in torch and redo a step in numpy (step-through, anatomy).
``w`` maps a parameter name without its ``_l{k}`` suffix to an array in torch.nn's layout:
``weight_ih`` (G·H, F) and ``weight_hh`` (G·H, H) stack the cell's ``blocks`` in order.
Shapes: x_t (B, F) or (F,), every state and gate (B, H) or (H,).

The equations of each cell are in its ``equations`` (shown by the step-through and the
anatomy page); the variants of the LSTM are those of Greff et al., "LSTM: A Search Space
Odyssey" (2017); the minimal gated unit is Zhou et al. (2016); the Jordan network (1986)
feeds its output y, not its hidden state, back.

Adding a cell: write its step here and add a `Cell` to `CELL_SPECS` (plus, when torch.nn
has no fused module for it, nothing else: `explorer.recurrence.SpecRNN` trains any entry).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

ACTIVATION_LATEX = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}", "identity": "",
                    "derived": ""}
TANH_LIKE = frozenset({"tanh"})  # gates in [-1, 1]; the others (sigmoid) live in [0, 1]


@dataclass(frozen=True)
class Gate:
    name: str  # key in Trace.gates, one letter by convention
    title: str  # "forget gate"
    color: str  # the same on every page (Okabe–Ito)
    activation: str = "sigmoid"  # sigmoid, tanh, relu; "derived" when computed from other gates
    scaled_by: str = ""  # GRU candidate: pre = W_x x + b_x + r ⊙ (W_h h + b_h)

    @property
    def label(self) -> str:
        return f"{self.title} {self.name}"


@dataclass(frozen=True)
class Carry:
    """What carries the cell's memory, for the gradient lesson: the state whose gradient is
    measured and the gate whose mean predicts its decay per step (mean^k)."""

    state: str  # "c" or "h"
    gate: str  # "f", "z"
    symbol: str  # how the page writes the mean: "f̄"


Ops = Any  # a namespace with linear, split, rows, sigmoid, tanh, relu, act, derived, blocks
StepFn = Callable[[Ops, Any, tuple, Mapping[str, Any]], tuple[tuple, dict]]


@dataclass(frozen=True)
class Cell:
    name: str  # registry key and URL value
    title: str  # shown in menus
    label: str  # short, on the unrolled diagram
    color: str  # the cell's colour in races
    states: tuple[str, ...]  # state parts, h first
    blocks: tuple[str, ...]  # the stacked (H, ·) blocks of weight_ih / weight_hh, in order
    gates: tuple[Gate, ...]  # what a Trace records per step (post-activation)
    equations: tuple[str, ...]  # LaTeX, once
    step: StepFn
    carry: Carry | None = None  # the gradient lesson; None: vanilla-like (W_hh's spectrum) or none
    torch_module: str = ""  # "LSTM": trains as the fused torch.nn layer; "": as SpecRNN
    module_kwargs: Mapping[str, Any] = field(default_factory=dict)
    recurrent: str = "h"  # the state part weight_hh reads (y for Jordan: weight_yh)
    output: str = "h"  # the state part the layer outputs (y for Jordan: the head is inside)
    extra_params: tuple[str, ...] = ()  # per-layer vectors/matrices beyond the four (see param_shapes)
    lesson: str = ""  # one line: what this cell shows
    source: str = ""  # a custom cell's equations as written (explorer.custom_cell), else ""

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.gates)

    @property
    def gate_titles(self) -> tuple[str, ...]:
        return tuple(g.title for g in self.gates)

    @property
    def gate_count(self) -> int:
        return len(self.blocks)

    @property
    def has_cell_state(self) -> bool:
        return "c" in self.states

    @property
    def owns_head(self) -> bool:
        """The recurrence computes its own output (Jordan's y): no head after it."""
        return self.output != "h"

    @property
    def carried(self) -> tuple[str, ...]:
        """The state parts the next step reads (the Jordan network carries y, not h)."""
        return tuple(p for p in self.states if not (self.owns_head and p == "h"))

    @property
    def recurrent_weight(self) -> str:
        return "weight_hh" if self.recurrent == "h" else f"weight_{self.recurrent}h"

    def gate(self, name: str) -> Gate | None:
        return next((g for g in self.gates if g.name == name), None)

    def param_shapes(self, input_size: int, hidden: int, output_size: int = 0) -> dict[str, tuple[int, ...]]:
        """Every parameter of one layer-direction, by name (no _l{k} suffix), torch.nn's layout."""
        g = len(self.blocks) * hidden
        r = output_size if self.recurrent == "y" else hidden
        shapes = {"weight_ih": (g, input_size), self.recurrent_weight: (g, r), "bias_ih": (g,),
                  "bias_hh": (g,)} if self.blocks else {}  # a custom cell names each weight itself
        extra = {"weight_hy": (output_size, hidden), "bias_hy": (output_size,), "W_": (hidden, input_size),
                 "U_": (hidden, hidden)}
        for name in self.extra_params:
            shapes[name] = extra.get(name, extra.get(name[:2], (hidden,)))
        return shapes


def split_blocks(op: Ops, x, r, w: Mapping[str, Any], names: tuple[str, ...], weight: str = "weight_hh"):
    """W_ih x + b_ih and W_h· r + b_hh, cut into one (…, H) piece per block name."""
    xs = op.split(op.linear(x, w["weight_ih"], w.get("bias_ih")), len(names))
    rs = op.split(op.linear(r, w[weight], w.get("bias_hh")), len(names))
    return op.blocks(dict(zip(names, xs, strict=True)), dict(zip(names, rs, strict=True)))


# ---- the steps, each written once -------------------------------------------------------------

def rnn_tanh_step(op, x, state, w):
    xs, hs = split_blocks(op, x, state[0], w, ("h",))
    return (op.act("h", "tanh", xs["h"] + hs["h"]),), {}


def rnn_relu_step(op, x, state, w):
    xs, hs = split_blocks(op, x, state[0], w, ("h",))
    return (op.act("h", "relu", xs["h"] + hs["h"]),), {}


def jordan_step(op, x, state, w):
    h, y = state
    xs, ys = split_blocks(op, x, y, w, ("h",), "weight_yh")
    h = op.act("h", "tanh", xs["h"] + ys["h"])
    return (h, op.linear(h, w["weight_hy"], w.get("bias_hy"))), {}


def _lstm_gates(op, x, state, w, blocks, peep=False):
    h, c = state
    xs, hs = split_blocks(op, x, h, w, blocks)
    pre = {b: xs[b] + hs[b] for b in blocks}
    if peep:  # Gers & Schmidhuber: i and f look at c_{t-1}; o looks at c_t (below)
        pre["i"], pre["f"] = pre["i"] + w["peephole_i"] * c, pre["f"] + w["peephole_f"] * c
    out = {b: op.act(b, "tanh" if b == "g" else "sigmoid", pre[b]) for b in blocks if b != "o" or not peep}
    return out, pre


def lstm_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("i", "f", "g", "o"))[0]
    c = g["f"] * state[1] + g["i"] * g["g"]
    return (g["o"] * op.tanh(c), c), g


def lstm_cifg_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("f", "g", "o"))[0]
    g["i"] = op.derived("i", 1 - g["f"])
    c = g["f"] * state[1] + g["i"] * g["g"]
    return (g["o"] * op.tanh(c), c), g


def lstm_nfg_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("i", "g", "o"))[0]
    c = state[1] + g["i"] * g["g"]
    return (g["o"] * op.tanh(c), c), g


def lstm_nig_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("f", "g", "o"))[0]
    c = g["f"] * state[1] + g["g"]
    return (g["o"] * op.tanh(c), c), g


def lstm_nog_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("i", "f", "g"))[0]
    c = g["f"] * state[1] + g["i"] * g["g"]
    return (op.tanh(c), c), g


def lstm_noaf_step(op, x, state, w):
    g = _lstm_gates(op, x, state, w, ("i", "f", "g", "o"))[0]
    c = g["f"] * state[1] + g["i"] * g["g"]
    return (g["o"] * c, c), g


def lstm_peephole_step(op, x, state, w):
    g, pre = _lstm_gates(op, x, state, w, ("i", "f", "g", "o"), peep=True)
    c = g["f"] * state[1] + g["i"] * g["g"]
    g["o"] = op.act("o", "sigmoid", pre["o"] + w["peephole_o"] * c)
    return (g["o"] * op.tanh(c), c), g


def gru_step(op, x, state, w):
    h = state[0]
    xs, hs = split_blocks(op, x, h, w, ("r", "z", "n"))
    r = op.act("r", "sigmoid", xs["r"] + hs["r"])
    z = op.act("z", "sigmoid", xs["z"] + hs["z"])
    n = op.act("n", "tanh", xs["n"] + r * hs["n"])
    return ((1 - z) * n + z * h,), {"r": r, "z": z, "n": n}


def mgu_step(op, x, state, w):
    h = state[0]
    xf, xn = op.split(op.linear(x, w["weight_ih"], w.get("bias_ih")), 2)
    wf, wn = op.rows(w["weight_hh"], 2)
    bf, bn = op.rows(w["bias_hh"], 2) if w.get("bias_hh") is not None else (None, None)
    xs, hs = op.blocks({"f": xf}, {"f": op.linear(h, wf, bf)})
    f = op.act("f", "sigmoid", xs["f"] + hs["f"])
    xs, hs = op.blocks({"n": xn}, {"n": op.linear(f * h, wn, bn)})  # the candidate reads f ⊙ h_{t-1}
    n = op.act("n", "tanh", xs["n"] + hs["n"])
    return ((1 - f) * h + f * n,), {"f": f, "n": n}


# ---- the registry ----------------------------------------------------------------------------

BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY, YELLOW, GREY = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#777777")
GATE_I, GATE_F = Gate("i", "input gate", BLUE), Gate("f", "forget gate", VERMILLION)
GATE_G, GATE_O = Gate("g", "cell candidate", GREEN, "tanh"), Gate("o", "output gate", PURPLE)
I_COUPLED = Gate("i", "input gate", BLUE, "derived")
IFGO = (GATE_I, GATE_F, GATE_G, GATE_O)

_GATE_EQ = {
    "i": r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})",
    "f": r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
    "g": r"g_t = \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})",
    "o": r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})",
}
_C = r"c_t = f_t \odot c_{t-1} + i_t \odot g_t"
_H = r"h_t = o_t \odot \tanh(c_t)"
_LSTM_CARRY = Carry("c", "f", "f̄")


def _lstm(name, title, step, blocks, gates, tail, lesson, carry=_LSTM_CARRY, extra=(), torch_module="",
          color="", equations=None):
    eqs = equations or tuple(_GATE_EQ[b] for b in blocks) + tail
    return Cell(name, title, "LSTM", color, ("h", "c"), blocks, gates, eqs,
                step, carry, torch_module, extra_params=extra, lesson=lesson)


CELL_SPECS: dict[str, Cell] = {c.name: c for c in (
    Cell("rnn_tanh", "Vanilla RNN (tanh)", "RNN", VERMILLION, ("h",), ("h",), (),
         (r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})",), rnn_tanh_step,
         torch_module="RNN", module_kwargs={"nonlinearity": "tanh"}),
    Cell("rnn_relu", "Vanilla RNN (ReLU)", "RNN", ORANGE, ("h",), ("h",), (),
         (r"h_t = \mathrm{ReLU}(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})",), rnn_relu_step,
         torch_module="RNN", module_kwargs={"nonlinearity": "relu"}),
    _lstm("lstm", "LSTM", lstm_step, ("i", "f", "g", "o"), IFGO, (_C, _H), "", torch_module="LSTM",
          color=BLUE),
    Cell("gru", "GRU", "GRU", GREEN, ("h",), ("r", "z", "n"),
         (Gate("r", "reset gate", ORANGE), Gate("z", "update gate", SKY),
          Gate("n", "candidate", GREEN, "tanh", scaled_by="r")),
         (r"r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr})",
          r"z_t = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz})",
          r"n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))",
          r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}"),
         gru_step, Carry("h", "z", "z̄"), torch_module="GRU"),
    Cell("jordan", "Jordan network (output fed back)", "Jordan", PURPLE, ("h", "y"), ("h",), (),
         (r"h_t = \tanh(W_{ih} x_t + b_{ih} + W_{yh} y_{t-1} + b_{hh})", r"y_t = W_{hy} h_t + b_{hy}"),
         jordan_step, recurrent="y", output="y", extra_params=("weight_hy", "bias_hy"),
         lesson="Only y_{t-1} is fed back: enough to continue a sine, too little to hold a number."),
    _lstm("lstm_cifg", "LSTM, coupled input-forget gate (CIFG)", lstm_cifg_step, ("f", "g", "o"),
          (I_COUPLED, GATE_F, GATE_G, GATE_O), (r"i_t = 1 - f_t", _C, _H),
          "One gate fewer: i = 1 − f. Costs little."),
    _lstm("lstm_nfg", "LSTM, no forget gate (NFG)", lstm_nfg_step, ("i", "g", "o"), (GATE_I, GATE_G, GATE_O),
          (r"c_t = c_{t-1} + i_t \odot g_t", _H), "The 1997 LSTM: c only accumulates. Hurts most.",
          carry=None),
    _lstm("lstm_nig", "LSTM, no input gate (NIG)", lstm_nig_step, ("f", "g", "o"), (GATE_F, GATE_G, GATE_O),
          (r"c_t = f_t \odot c_{t-1} + g_t", _H), "Every candidate is written in full."),
    _lstm("lstm_nog", "LSTM, no output gate (NOG)", lstm_nog_step, ("i", "f", "g"), (GATE_I, GATE_F, GATE_G),
          (_C, r"h_t = \tanh(c_t)"), "The whole memory is always shown."),
    _lstm("lstm_noaf", "LSTM, no output activation (NOAF)", lstm_noaf_step, ("i", "f", "g", "o"),
          IFGO, (_C, r"h_t = o_t \odot c_t"),
          "h is unbounded: hurts most, with NFG."),
    _lstm("lstm_peephole", "LSTM with peepholes", lstm_peephole_step, ("i", "f", "g", "o"), IFGO,
          (), "The gates also read c (Gers & Schmidhuber 2000).",
          extra=("peephole_i", "peephole_f", "peephole_o"),
          equations=(r"i_t = \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi} + p_i \odot c_{t-1})",
           r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf} + p_f \odot c_{t-1})",
           _GATE_EQ["g"], _C,
           r"o_t = \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho} + p_o \odot c_t)", _H)),
    Cell("mgu", "Minimal gated unit (MGU)", "MGU", SKY, ("h",), ("f", "n"),
         (GATE_F, Gate("n", "candidate", GREEN, "tanh")),
         (r"f_t = \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})",
          r"n_t = \tanh(W_{in} x_t + b_{in} + W_{hn} (f_t \odot h_{t-1}) + b_{hn})",
          r"h_t = (1 - f_t) \odot h_{t-1} + f_t \odot n_t"),
         mgu_step, lesson="One gate (Zhou et al. 2016): a GRU whose reset and update gates are one."),
)}


def _gates() -> dict[str, Gate]:
    """Gate name -> its Gate, the built-in cells' first: a name means the same gate everywhere,
    and a custom cell's gate that reuses a letter does not rename or recolour it."""
    found: dict[str, Gate] = {}
    for cell in sorted(CELL_SPECS.values(), key=lambda c: bool(c.source)):
        for g in cell.gates:
            found.setdefault(g.name, g)
    return found


def gate_titles() -> dict[str, str]:
    return {name: g.label for name, g in _gates().items()}


def gate_colors() -> dict[str, str]:
    return {name: g.color for name, g in _gates().items() if g.color}


def tanh_gates() -> frozenset[str]:
    return frozenset(name for name, g in _gates().items() if g.activation in TANH_LIKE)


def cell_spec(name: str, source: str = "") -> Cell:
    """The registry entry of a cell; a custom cell's is compiled from its `source` text when this
    process has not seen it yet (see explorer.custom_cell)."""
    if name not in CELL_SPECS and source:
        from explorer.custom_cell import cell_from_text

        cell_from_text(source)
    if name in CELL_SPECS:
        return CELL_SPECS[name]
    raise KeyError(f"unknown cell '{name}'")


# ---- numpy ops ---------------------------------------------------------------------------------

def _sigmoid(v):
    return 0.5 * (1.0 + np.tanh(0.5 * v))  # = 1 / (1 + e^-v), without overflow


def _np_linear(x, weight, bias=None):
    out = x @ np.asarray(weight).T
    return out if bias is None else out + bias


ACTIVATIONS_NP = {"sigmoid": _sigmoid, "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0),
                  "identity": lambda v: v}


def make_ops(linear, split, rows, activations) -> SimpleNamespace:
    """An ops namespace; `act`, `derived` and `blocks` pass values through (a recorder overrides them)."""
    return SimpleNamespace(
        linear=linear, split=split, rows=rows, sigmoid=activations["sigmoid"], tanh=activations["tanh"],
        relu=activations["relu"], act=lambda name, kind, pre: activations[kind](pre),
        derived=lambda name, value: value, blocks=lambda xs, hs: (xs, hs))


NUMPY = make_ops(_np_linear, lambda v, n: np.split(v, n, axis=-1), lambda v, n: np.split(v, n, axis=0),
                 ACTIVATIONS_NP)


def run_numpy(cell: Cell, x: np.ndarray, state: tuple, weights: Mapping[str, np.ndarray]):
    """One step in numpy: (state, gates)."""
    return cell.step(NUMPY, x, state, weights)

"""The recorded cells, written gate by gate, reading torch.nn's own parameters.

Each cell steps as ``step(x_t, state, w) -> (state, gates)`` where ``state`` is
always a tuple, ``w`` is a ``CellWeights`` holding one layer-direction's
``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` exactly as
``torch.nn.RNN/LSTM/GRU`` store them (``weight_ih_l{k}[_reverse]``; biases may
be None when ``bias=False``), and ``gates`` maps a gate name to its
post-activation value. Shapes: x_t (B, F), h (B, H), gates (B, H).

Vanilla RNN::

    h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)          act = tanh or relu

LSTM (gate order i, f, g, o in the stacked weights, as torch.nn.LSTM)::

    i = σ(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = σ(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)   cell candidate
    o = σ(W_io x + b_io + W_ho h + b_ho)      output gate
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

GRU (gate order r, z, n; PyTorch's formulation, where r multiplies the
*projected* previous state, not h itself as in Cho et al.)::

    r = σ(W_ir x + b_ir + W_hr h + b_hr)      reset gate
    z = σ(W_iz x + b_iz + W_hz h + b_hz)      update gate
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))   candidate
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

Adding a cell: write its step function and add a ``CellSpec`` to ``CELLS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F


class CellWeights(NamedTuple):
    weight_ih: Tensor  # (G*H, F)
    weight_hh: Tensor  # (G*H, H)
    bias_ih: Tensor | None  # (G*H,)
    bias_hh: Tensor | None  # (G*H,)


State = tuple[Tensor, ...]
Gates = dict[str, Tensor]
StepFn = Callable[[Tensor, State, CellWeights], tuple[State, Gates]]


def _projections(x: Tensor, h: Tensor, w: CellWeights) -> tuple[Tensor, Tensor]:
    return F.linear(x, w.weight_ih, w.bias_ih), F.linear(h, w.weight_hh, w.bias_hh)  # (B, G*H)


def rnn_tanh_step(x: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
    gi, gh = _projections(x, state[0], w)
    return (torch.tanh(gi + gh),), {}


def rnn_relu_step(x: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
    gi, gh = _projections(x, state[0], w)
    return (torch.relu(gi + gh),), {}


def lstm_step(x: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
    h, c = state
    gi, gh = _projections(x, h, w)
    i, f, g, o = (gi + gh).chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c = f * c + i * g
    h = o * torch.tanh(c)
    return (h, c), {"i": i, "f": f, "g": g, "o": o}


def gru_step(x: Tensor, state: State, w: CellWeights) -> tuple[State, Gates]:
    h = state[0]
    gi, gh = _projections(x, h, w)
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,), {"r": r, "z": z, "n": n}


@dataclass(frozen=True)
class CellSpec:
    name: str  # registry key and URL value
    title: str  # shown in menus
    module: type[nn.RNNBase]  # the fused torch.nn layer that trains
    module_kwargs: dict  # extra constructor arguments (nonlinearity)
    mode: str  # torch's RNNBase.mode, to recognise a user's module
    step: StepFn
    gates: tuple[str, ...]  # names in torch's stacking order
    gate_titles: tuple[str, ...]  # human names, same order
    has_cell_state: bool

    @property
    def gate_count(self) -> int:
        return max(1, len(self.gates))


CELLS: dict[str, CellSpec] = {
    spec.name: spec
    for spec in (
        CellSpec("rnn_tanh", "Vanilla RNN (tanh)", nn.RNN, {"nonlinearity": "tanh"}, "RNN_TANH",
                 rnn_tanh_step, (), (), False),
        CellSpec("rnn_relu", "Vanilla RNN (ReLU)", nn.RNN, {"nonlinearity": "relu"}, "RNN_RELU",
                 rnn_relu_step, (), (), False),
        CellSpec("lstm", "LSTM", nn.LSTM, {}, "LSTM", lstm_step, ("i", "f", "g", "o"),
                 ("input gate", "forget gate", "cell candidate", "output gate"), True),
        CellSpec("gru", "GRU", nn.GRU, {}, "GRU", gru_step, ("r", "z", "n"),
                 ("reset gate", "update gate", "candidate"), False),
    )
}


def spec_for_module(module: nn.Module) -> CellSpec:
    """The registry entry that replays a torch.nn.RNN/LSTM/GRU."""
    mode = getattr(module, "mode", None)
    for spec in CELLS.values():
        if spec.mode == mode:
            return spec
    raise TypeError(
        f"expected a torch.nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}"
    )


def layer_weights(module: nn.RNNBase, layer: int, direction: int) -> CellWeights:
    """One layer-direction's parameters, by torch.nn's own names."""
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    get = lambda name: getattr(module, name + suffix, None)  # noqa: E731
    return CellWeights(get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"))

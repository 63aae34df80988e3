"""`SpecRNN`: any `cellspec.Cell` as a trainable layer, shaped like torch.nn.RNN/LSTM/GRU.

torch.nn has fused layers for four cells; every other cell (the Jordan network, the LSTM's
ablations, the minimal gated unit, a custom cell) trains as a `SpecRNN`, which steps the cell's
own function over time. It names its parameters as torch.nn does (``weight_ih_l{k}[_reverse]``,
plus the cell's extras such as ``weight_hy_l0``), takes ``(B, T, F)`` or ``(T, B, F)`` inputs,
and returns ``(output, state)``, ``state`` a tuple of ``(L·D, B, ·)`` tensors, one per state part.

The `Recurrence` protocol is what the model and the replay ask of a layer. A cell whose
recurrence needs its own output (Jordan: y_{t-1} is fed back) owns its head: the layer outputs
y, and the model puts no head after it.

`run_direction` is the loop both this layer and `explorer.record.trace_rnn` run, so the replay
of a SpecRNN is its forward pass, step by step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Protocol

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from explorer.cellspec import Cell

StepHook = Callable[[int, tuple, dict], tuple[tuple, dict]]  # (t, state, gates) -> (state, gates)


class Recurrence(Protocol):
    """What SequenceModel and trace_rnn need from a recurrent layer."""

    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    batch_first: bool

    def forward(self, x: Tensor, state=None) -> tuple[Tensor, object]: ...


def run_direction(step, w: Mapping, inputs: Tensor, state: tuple, mask: Tensor | None, reverse: bool,
                  hook: StepHook | None = None):
    """Step one direction through time. inputs (B, T, F); returns the per-step state tuples and gates.

    step: (x_t, state, w) -> (state, gates) on tensors. Padded steps (mask False) keep the state,
    as a packed sequence does. `hook` may change each step's state and gates (interventions)."""
    steps = inputs.shape[1]
    states: list[tuple | None] = [None] * steps
    gates: list[dict | None] = [None] * steps
    for t in reversed(range(steps)) if reverse else range(steps):
        new_state, gate_values = step(inputs[:, t], state, w)
        if hook is not None:
            new_state, gate_values = hook(t, new_state, gate_values)
        if mask is not None:
            keep = mask[:, t, None]
            new_state = tuple(torch.where(keep, n, s) for n, s in zip(new_state, state, strict=True))
        state = new_state
        states[t], gates[t] = state, gate_values
    return states, gates


class SpecRNN(nn.Module):
    """A multi-layer, optionally bidirectional recurrence of any cell. Subclassed per cell by
    `spec_module`, so that ``spec.module(input_size, hidden_size, ...)`` builds one like torch.nn."""

    cell: Cell

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 output_size: int | None = None, **_):
        super().__init__()
        if self.cell.owns_head and (num_layers != 1 or bidirectional):
            raise ValueError(f"the {self.cell.title} has one layer, read forwards")
        if self.cell.owns_head and not output_size:
            raise ValueError(f"the {self.cell.title} needs output_size: its recurrence computes y")
        self.mode = self.cell.name
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = bidirectional
        self.output_size = output_size or hidden_size
        dirs = 2 if bidirectional else 1
        bound = 1.0 / math.sqrt(hidden_size)  # torch.nn's own init: U(-1/√H, 1/√H)
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * dirs
            for d in range(dirs):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                for name, shape in self.cell.param_shapes(width, hidden_size, self.output_size).items():
                    if name.startswith("bias") and not bias:
                        continue
                    value = torch.empty(shape).uniform_(-bound, bound)
                    self.register_parameter(name + suffix, nn.Parameter(value))

    def state_sizes(self) -> tuple[int, ...]:
        return tuple(self.output_size if part == "y" else self.hidden_size for part in self.cell.states)

    def weights(self, layer: int, direction: int, dtype=None) -> dict[str, Tensor | None]:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        names = self.cell.param_shapes(1, 1, 1)
        w = {n: getattr(self, n + suffix, None) for n in names}
        return w if dtype is None else {n: None if p is None else p.to(dtype) for n, p in w.items()}

    def forward(self, x: Tensor, state: tuple | Tensor | None = None, lengths: Tensor | None = None):
        from explorer.cells import TORCH

        xb = x if self.batch_first else x.transpose(0, 1)  # (B, T, F)
        batch, steps = xb.shape[:2]
        dirs = 2 if self.bidirectional else 1
        if state is None:
            state = tuple(xb.new_zeros(self.num_layers * dirs, batch, n) for n in self.state_sizes())
        elif isinstance(state, Tensor):
            state = (state,)
        mask = None if lengths is None else (
            torch.arange(steps, device=xb.device)[None, :] < lengths.to(xb.device)[:, None])
        step = lambda x_t, s, w: self.cell.step(TORCH, x_t, s, w)  # noqa: E731
        out_index = self.cell.states.index(self.cell.output)
        finals, layer_input = [], xb
        for layer in range(self.num_layers):
            outputs = []
            for d in range(dirs):
                k = layer * dirs + d
                states, _ = run_direction(step, self.weights(layer, d), layer_input,
                                          tuple(s[k] for s in state), mask, reverse=d == 1)
                out = torch.stack([s[out_index] for s in states], dim=1)  # (B, T, ·)
                outputs.append(out if mask is None else out * mask[..., None])
                finals.append(_final(states, lengths, d == 1))
            layer_input = torch.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout)
        final = tuple(torch.stack([f[p] for f in finals]) for p in range(len(self.cell.states)))
        output = layer_input if self.batch_first else layer_input.transpose(0, 1)
        return output, final


def _final(states: list[tuple], lengths: Tensor | None, backward: bool) -> tuple:
    """The state a direction ends in: at the last real step forwards, at t=0 backwards."""
    if backward or lengths is None:
        return states[0] if backward else states[-1]
    return states[-1]  # padded steps kept the state, so the last step holds the last real one


_CLASSES: dict[int, type[SpecRNN]] = {}


def spec_module(cell: Cell) -> type[SpecRNN]:
    """The SpecRNN subclass of one cell (named after it, e.g. JordanRNN)."""
    if id(cell) not in _CLASSES:
        name = "".join(part.title() for part in cell.name.split("_")) + "RNN"
        _CLASSES[id(cell)] = type(name, (SpecRNN,), {"cell": cell, "__module__": __name__})
    return _CLASSES[id(cell)]

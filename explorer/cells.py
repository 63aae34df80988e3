"""The recorded cells, on torch: the registry of `explorer.cellspec` with the modules that train them.

Every cell's equations and its one step function live in `explorer.cellspec` (torch-free, so
figures and the step-through read the same entry); here each gets the torch side:

- ``module``: the fused torch.nn layer (``nn.RNN/LSTM/GRU``) when torch has one, else
  `explorer.recurrence.SpecRNN`, which steps the spec's own function and names its parameters
  as torch.nn does (``weight_ih_l{k}[_reverse]``);
- ``step(x_t, state, w) -> (state, gates)`` on tensors, ``w`` a `CellWeights` or a dict of one
  layer-direction's parameters without the ``_l{k}`` suffix (biases may be None when ``bias=False``).

Shapes: x_t (B, F), every state and gate (B, H). The replay (`explorer.record.trace_rnn`) runs
``step`` over time and equals the fused module to 1e-5 (tests/test_cells.py).

Adding a cell: one `Cell` in `explorer.cellspec.CELL_SPECS`; this registry follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from explorer.cellspec import CELL_SPECS, Cell, make_ops


class CellWeights(NamedTuple):
    weight_ih: Tensor  # (G*H, F)
    weight_hh: Tensor  # (G*H, H)
    bias_ih: Tensor | None  # (G*H,)
    bias_hh: Tensor | None  # (G*H,)


State = tuple[Tensor, ...]
Gates = dict[str, Tensor]

TORCH = make_ops(F.linear, lambda v, n: v.chunk(n, dim=-1), lambda v, n: v.chunk(n, dim=0),
                 {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda v: v})
_MODES = {"RNN": lambda kw: f"RNN_{kw['nonlinearity'].upper()}", "LSTM": lambda kw: "LSTM",
          "GRU": lambda kw: "GRU"}


@dataclass(frozen=True, eq=False)
class CellSpec:
    """A `cellspec.Cell` with its torch side. Reads through to the cell for everything else."""

    cell: Cell

    def __getattr__(self, name):  # title, states, blocks, carry, equations, owns_head …
        if name == "cell":
            raise AttributeError(name)
        return getattr(self.cell, name)

    @property
    def gates(self) -> tuple[str, ...]:
        """Gate names as a Trace records them."""
        return self.cell.gate_names

    @property
    def fused(self) -> bool:
        """Trains as a torch.nn layer (whose state dicts upload and load)."""
        return bool(self.cell.torch_module)

    @property
    def mode(self) -> str:
        """torch's RNNBase.mode for a fused cell; the cell's name for a SpecRNN."""
        if self.fused:
            return _MODES[self.cell.torch_module](self.cell.module_kwargs)
        return self.cell.name

    @cached_property
    def module(self) -> type[nn.Module]:
        if self.fused:
            return getattr(nn, self.cell.torch_module)
        from explorer.recurrence import spec_module

        return spec_module(self.cell)

    def step(self, x: Tensor, state: State, w: CellWeights | Mapping) -> tuple[State, Gates]:
        return self.cell.step(TORCH, x, state, w._asdict() if isinstance(w, CellWeights) else w)


def register(cell: Cell) -> CellSpec:
    """Add a cell to CELLS (the spec registry too); used by tests and custom cells."""
    CELL_SPECS[cell.name] = cell
    CELLS[cell.name] = CellSpec(cell)
    return CELLS[cell.name]


def unregister(name: str) -> None:
    CELL_SPECS.pop(name, None)
    CELLS.pop(name, None)


CELLS: dict[str, CellSpec] = {name: CellSpec(cell) for name, cell in CELL_SPECS.items()}
FUSED_CELLS: tuple[str, ...] = tuple(name for name, spec in CELLS.items() if spec.fused)  # torch.nn's four


def built_in() -> tuple[str, ...]:
    """The cells menus offer: the built-in ones (a custom cell, once compiled, is in CELLS too)."""
    return tuple(name for name, spec in CELLS.items() if not spec.cell.source)


def resolve(name: str, custom_text: str = "") -> CellSpec:
    """A registry entry by name; "custom" compiles `custom_text` (explorer.custom_cell) and registers it."""
    if name == "custom":
        from explorer.custom_cell import cell_from_text

        cell = cell_from_text(custom_text)
        for stale in [n for n, spec in CELLS.items() if spec.cell.source and n not in CELL_SPECS]:
            del CELLS[stale]  # custom_cell keeps the newest few; so does this registry
        return CELLS.get(cell.name) or register(cell)
    return CELLS[name]


def spec_for_module(module: nn.Module) -> CellSpec:
    """The registry entry that replays a torch.nn.RNN/LSTM/GRU (or a SpecRNN)."""
    if isinstance(getattr(module, "cell", None), Cell):
        return CELLS.get(module.cell.name) or CellSpec(module.cell)
    mode = getattr(module, "mode", None)
    for spec in CELLS.values():
        if spec.fused and spec.mode == mode:
            return spec
    raise TypeError(
        f"expected a torch.nn.RNN, nn.LSTM or nn.GRU, got {type(module).__name__}"
    )


def layer_weights(module: nn.Module, layer: int, direction: int) -> dict[str, Tensor | None]:
    """One layer-direction's parameters by torch.nn's own names, without the suffix."""
    spec = spec_for_module(module)
    suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
    names = spec.cell.param_shapes(1, 1, 1)
    return {name: getattr(module, name + suffix, None) for name in names}

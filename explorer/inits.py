"""Initializations of the recurrent weights, the knobs that decide gradient flow at step 0.

Each entry rewrites a torch.nn.RNN/LSTM/GRU's parameters in place. For the
gated cells W_hh stacks G blocks of (H, H) (i f g o, or r z n); every block is
treated as its own recurrence. `set_spectral_radius` rescales each block so
its largest |eigenvalue| equals the radius asked for: the per-step factor that
bounds how fast gradients shrink or grow through time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from explorer.cells import spec_for_module


def _keep(module: nn.RNNBase) -> None:
    """PyTorch's own: every weight and bias U(-1/√H, 1/√H)."""


def _orthogonal(module: nn.RNNBase) -> None:
    """W_hh blocks orthogonal (all singular values 1), W_ih Xavier-uniform, biases 0."""
    for name, p in module.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.data.split(module.hidden_size, dim=0):
                nn.init.orthogonal_(block)
        elif name.startswith("weight"):  # W_ih, and a Jordan network's W_yh and W_hy
            nn.init.xavier_uniform_(p.data)
        else:
            nn.init.zeros_(p.data)


def _identity(module: nn.RNNBase) -> None:
    """IRNN (Le et al., 2015): W_hh = I, biases 0, W_ih small Gaussian. For vanilla RNNs."""
    for name, p in module.named_parameters():
        if name.startswith("weight_hh"):
            p.data.copy_(torch.eye(module.hidden_size, dtype=p.dtype))
        elif name.startswith("weight_ih"):
            nn.init.normal_(p.data, std=0.01)
        else:
            nn.init.zeros_(p.data)


@dataclass(frozen=True)
class Init:
    name: str
    title: str
    apply: Callable[[nn.RNNBase], None]
    cells: tuple[str, ...] | None = None  # the cells it applies to; None: all

    def applies_to(self, cell: str) -> bool:
        return self.cells is None or cell in self.cells


INITS: dict[str, Init] = {
    init.name: init
    for init in (
        Init("default", "PyTorch default", _keep),
        Init("orthogonal", "Orthogonal W_hh", _orthogonal),
        Init("identity", "Identity W_hh (IRNN)", _identity, ("rnn_tanh", "rnn_relu")),
    )
}


@torch.no_grad()
def set_spectral_radius(module: nn.RNNBase, radius: float) -> None:
    """Rescale every (H, H) block of every W_hh to spectral radius `radius`."""
    for name, p in module.named_parameters():
        if name.startswith("weight_hh"):
            for block in p.data.split(module.hidden_size, dim=0):
                rho = torch.linalg.eigvals(block.double()).abs().max().item()
                if rho > 0:
                    block.mul_(radius / rho)


@torch.no_grad()
def set_forget_bias(module: nn.RNNBase, value: float) -> None:
    """LSTMs: b_if + b_hf = value (b_ih carries it, b_hh's forget block is zeroed)."""
    spec = spec_for_module(module)
    if not spec.has_cell_state or "f" not in spec.blocks or not module.bias:
        return  # e.g. the LSTM without a forget gate (NFG)
    h = module.hidden_size
    rows = slice(spec.blocks.index("f") * h, (spec.blocks.index("f") + 1) * h)
    for name, p in module.named_parameters():
        if name.startswith("bias_ih"):
            p.data[rows] = value
        elif name.startswith("bias_hh"):
            p.data[rows] = 0.0


def initialize(module: nn.RNNBase, init: str, spectral_radius: float = 0.0,
               forget_bias: float | None = None) -> None:
    """Apply an init by name, then the optional radius and forget-gate bias."""
    INITS[init].apply(module)
    if spectral_radius > 0:
        set_spectral_radius(module, spectral_radius)
    if forget_bias is not None:
        set_forget_bias(module, forget_bias)

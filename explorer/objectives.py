"""Loss and metric per kind of target: entries, not branches.

    class:      loss = cross-entropy,  metric = accuracy (share of correct argmax)
    regression: loss = mean squared error, metric = the same MSE

Masks select the steps that count (many-to-many tasks); they are (B, T) bool.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn import functional as F


def _select(pred: Tensor, target: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
    if mask is None:
        return pred, target
    return pred[mask], target[mask]  # (N, O), (N,) or (N, D)


def _cross_entropy(pred, target, mask):
    p, t = _select(pred, target, mask)
    return F.cross_entropy(p.reshape(-1, p.shape[-1]), t.reshape(-1))


def _accuracy(pred, target, mask):
    p, t = _select(pred, target, mask)
    return (p.argmax(-1) == t).float().mean()


def _mse(pred, target, mask):
    p, t = _select(pred, target, mask)
    return F.mse_loss(p, t)


@dataclass(frozen=True)
class Objective:
    loss: Callable[[Tensor, Tensor, Tensor | None], Tensor]
    metric: Callable[[Tensor, Tensor, Tensor | None], Tensor]
    target_dtype: torch.dtype


OBJECTIVES: dict[str, Objective] = {
    "class": Objective(_cross_entropy, _accuracy, torch.long),
    "regression": Objective(_mse, _mse, torch.float32),
}

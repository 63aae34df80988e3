"""OPTIMIZERS: name -> how a run's optimizer is made from its config. The one list: the config's
choices, every page's menu, the CLI and the docs read it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Optimizer:
    title: str
    make: Callable[[Any, Any], Any]  # (parameters, config) -> a torch.optim optimizer


def _adam(params, cfg):
    import torch

    return torch.optim.Adam(params, lr=cfg.lr)


def _sgd(params, cfg):
    import torch

    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)


OPTIMIZERS: dict[str, Optimizer] = {
    "adam": Optimizer("Adam", _adam),
    "sgd": Optimizer("SGD with momentum", _sgd),
}

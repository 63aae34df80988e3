"""Connectivity: how strongly each input x_k drives each output y_t of a many-to-many model.

    C[t, k] = ‖∂y_t / ∂x_k‖_F

y_t (O,) is the head's output at step t (a language model's logits), x_k (F,) the vector the
recurrent layer reads at step k (a token's embedding, or the task's values), as RNNbow and
Distill's "Memorization in RNNs" draw it: a row is one prediction, and how far back along the
row the values stay large is how far back that prediction leans. For a layer read forwards
only, C[t, k] = 0 for k > t.

Exact, in float64 (so spans far below float32's range still show): each (t, o) is one copy of
the sequence in a batch whose output cotangent is one-hot at y_t[o]; one backward pass gives
∂y_t[o]/∂x_k for every k, and the squares summed over o and the features give C².
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import Tensor

CHUNK_STEPS = 65_536  # sequence steps per backward pass: T · O copies of T steps, in chunks


def connectivity(model, x: Tensor, max_rows: int | None = None) -> np.ndarray:
    """C (T, T) for one sequence `x`: token ids (T,) or values (T, F), through a `SequenceModel`
    whose task is many-to-many; `max_rows` copies per backward pass (default: CHUNK_STEPS / T).
    The work grows as T² · O: callers bound it."""
    if model.task.output != "many_to_many":
        raise ValueError("connectivity needs a model with an output at every step (many-to-many)")
    model = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        inputs = model.encode(x[None]).double()  # (1, T, F)
        outputs = model.read_out(model.rnn(inputs)[0]).shape[-1]  # O
    steps = inputs.shape[1]
    max_rows = max_rows or max(1, CHUNK_STEPS // steps)
    squares = torch.zeros(steps, steps, dtype=torch.float64, device=inputs.device)  # (T_out, T_in)
    rows = torch.arange(steps * outputs, device=inputs.device)
    for chunk in rows.split(max_rows):
        t, o = chunk // outputs, chunk % outputs  # (n,) each
        copies = inputs.expand(len(chunk), -1, -1).clone().requires_grad_(True)  # (n, T, F)
        y = model.read_out(model.rnn(copies)[0])  # (n, T, O)
        cotangent = torch.zeros_like(y)
        cotangent[torch.arange(len(chunk)), t, o] = 1.0
        (grad,) = torch.autograd.grad(y, copies, cotangent)  # (n, T, F): ∂y_t[o]/∂x_k
        squares.index_add_(0, t, (grad**2).sum(-1))
    return squares.sqrt().cpu().numpy()

"""The trainable model: input encoding -> a real torch.nn recurrent layer -> a task head.

    tokens (B, T) --Embedding--> (B, T, E) ┐
    values (B, T, F) ----------------------┴--> nn.RNN/LSTM/GRU --> output (B, T, D*H)
        many_to_many: head(output)                     -> (B, T, O)
        many_to_one:  head([h_fwd at the last real step; h_bwd at t=0]) -> (B, O)

Cells torch.nn has no layer for train as `explorer.recurrence.SpecRNN`. A cell that owns its
head (the Jordan network, whose y_t is fed back) outputs y (B, T, O) itself: no head follows.

Real values enter the recurrence as they are (W_ih is already the linear map),
so x_t in every view is the task's own numbers. Variable-length batches are
packed, so padding never reaches the recurrence. Layout is batch-first.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from explorer.cells import resolve
from explorer.config import RunConfig
from explorer.inits import initialize
from explorer.tasks import Task


class SequenceModel(nn.Module):
    def __init__(self, task: Task, cell: str = "lstm", hidden_size: int = 32,
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 embedding_size: int = 16, custom_cell: str = ""):
        super().__init__()
        spec = resolve(cell, custom_cell)
        self.task = task
        if task.input_kind == "tokens":
            self.encoder: nn.Module = nn.Embedding(task.input_size, embedding_size)
            rnn_input = embedding_size
        else:
            self.encoder = nn.Identity()
            rnn_input = task.input_size
        extra = {"output_size": task.output_size} if spec.owns_head else {}
        self.rnn = spec.module(
            rnn_input, hidden_size, num_layers=num_layers, bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0, batch_first=True, **spec.module_kwargs, **extra,
        )
        self.fused = spec.fused
        self.head = nn.Identity() if spec.owns_head else nn.Linear(
            hidden_size * (2 if bidirectional else 1), task.output_size)
        self.width = task.output_size if spec.owns_head else hidden_size  # one direction's output

    @classmethod
    def from_config(cls, cfg: RunConfig, task: Task) -> SequenceModel:
        model = cls(task, cfg.cell, cfg.hidden_size, cfg.num_layers, cfg.bidirectional,
                    cfg.dropout, cfg.embedding_size, cfg.custom_cell)
        initialize(model.rnn, cfg.init, cfg.spectral_radius, cfg.forget_bias)
        return model

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)  # (B, T, F_in)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        inputs = self.encode(x)
        steps = inputs.shape[1]
        if lengths is None:
            output, _ = self.rnn(inputs)  # (B, T, D*H)
        elif not self.fused:  # a SpecRNN keeps the state over padded steps, as packing does
            output, _ = self.rnn(inputs, lengths=lengths)
        else:
            packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            output, _ = self.rnn(packed)
            output, _ = pad_packed_sequence(output, batch_first=True, total_length=steps)
        return self.read_out(output, lengths)

    def read_out(self, output: Tensor, lengths: Tensor | None = None) -> Tensor:
        """The head applied to the recurrent output, as the task's shape asks."""
        if self.task.output == "many_to_many":
            return self.head(output)  # (B, T, O)
        return self.head(final_states(output, lengths, self.width))  # (B, O)


    def can_free_run(self) -> bool:
        """Whether predictions can be fed back as inputs: a next-value task, read forwards only."""
        return (self.task.output == "many_to_many" and self.task.target_kind == "regression"
                and self.task.input_kind == "real" and self.task.output_size == self.task.input_size
                and not self.rnn.bidirectional)

    @torch.no_grad()
    def free_run(self, prefix: Tensor, horizon: int) -> Tensor:
        """Closed-loop forecast: read `prefix` (B, T0, F), then feed each prediction back in as
        the next input for `horizon` steps. Returns (B, horizon, F): the values after the prefix."""
        if not self.can_free_run():
            raise ValueError("free-running needs a next-value regression task and a forward-only layer")
        output, state = self.rnn(self.encode(prefix))
        value = self.head(output[:, -1:])  # (B, 1, F): the prediction of the next value
        values = [value]
        for _ in range(horizon - 1):
            output, state = self.rnn(value, state)
            value = self.head(output)
            values.append(value)
        return torch.cat(values, dim=1)


def final_states(output: Tensor, lengths: Tensor | None, hidden_size: int) -> Tensor:
    """What a many-to-one head reads: the forward state at the last real step, and
    for a bidirectional layer the backward state at t=0 (it has read everything)."""
    batch, steps, width = output.shape
    last = (lengths.to(output.device) - 1) if lengths is not None else torch.full(
        (batch,), steps - 1, device=output.device)
    forward = output[torch.arange(batch, device=output.device), last, :hidden_size]  # (B, H)
    if width == hidden_size:
        return forward
    return torch.cat([forward, output[:, 0, hidden_size:]], dim=-1)  # (B, 2H)

"""The task contract: every task samples batches the same way.

A task is data, not a branch: `Task` says what the input looks like, what the
head must predict, how to score it and what a model with no memory would score.
The trainer, the UI and the tests read these fields; nothing switches on names.

Layout is batch-first everywhere: B = batch, T = time steps, F = features.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

InputKind = Literal["tokens", "real"]
OutputKind = Literal["many_to_one", "many_to_many"]
TargetKind = Literal["class", "regression"]


@dataclass(frozen=True)
class Batch:
    """One batch of sequences, as numpy arrays.

    x: (B, T) int64 token ids for token tasks, (B, T, F) float32 for real-valued ones.
    y: targets. many_to_one: (B,) int64 classes or (B, D) float32 values;
       many_to_many: (B, T) int64 classes or (B, T, D) float32 values.
    lengths: (B,) int64 true lengths for variable-length inputs (padding after), else None.
    loss_mask: (B, T) bool, the steps whose targets enter the loss (many_to_many only);
       None means every real step.
    metric_mask: (B, T) bool, the steps the task metric is measured on (many_to_many only);
       None means the same as loss_mask.
    """

    x: np.ndarray
    y: np.ndarray
    lengths: np.ndarray | None = None
    loss_mask: np.ndarray | None = None
    metric_mask: np.ndarray | None = None

    @property
    def batch_size(self) -> int:
        return int(self.x.shape[0])

    @property
    def seq_len(self) -> int:
        return int(self.x.shape[1])


@dataclass(frozen=True)
class Baseline:
    """What a model without memory scores: the line a learning curve must cross."""

    loss: float
    metric: float
    label: str  # shown on the chart, e.g. "predict 1: MSE 1/6"


@dataclass(frozen=True)
class Task:
    name: str  # registry key and URL value
    title: str  # shown in menus
    description: str  # one paragraph with a worked example; shown in the app
    input_kind: InputKind
    input_size: int  # vocabulary size for tokens, feature count for real values
    output: OutputKind
    target_kind: TargetKind
    output_size: int  # number of classes, or regression dimensions
    metric_name: str  # "accuracy" (higher is better) or "mse" (lower is better)
    sample: Callable[[np.random.Generator, int, int], Batch]  # (rng, batch_size, seq_len)
    baseline: Callable[[int], Baseline]  # seq_len -> the memoryless score
    default_seq_len: int
    min_seq_len: int
    max_seq_len: int
    vocab: tuple[str, ...] | None = None  # token id -> label, for token inputs
    classes: tuple[str, ...] | None = None  # class id -> label, for class targets
    on_corpus: Callable[[str], Task] | None = None  # reads a corpus: the task on RunConfig.corpus
    held_out: Callable[[np.random.Generator, int, int], Batch] | None = None  # data never trained on

    @property
    def higher_is_better(self) -> bool:
        return self.metric_name == "accuracy"

"""Training an encoder-decoder: the config block, teacher-forcing schedules and the trainer.

    trainer = Seq2SeqTrainer(Seq2SeqConfig(task="reverse", seq_len=12))
    for row in trainer.fit():          # one dict of numbers per optimizer step
        print(row["step"], row["loss"], row["teacher_ratio"])

Loss: mean cross-entropy over the real target tokens (<eos> included), padding ignored.
Adam with a cosine learning-rate decay to 0 at the last step (so the last steps settle
rather than wander), gradient norm clipped. Same config and seed, same run. A run whose
loss or gradient turns NaN/inf stops with status "diverged" and a `Divergence` saying why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from explorer import schema
from explorer.cells import CELLS, FUSED_CELLS
from explorer.checks import type_problems
from explorer.jobs.status import Status
from explorer.schema import setting
from explorer.seq2seq.decode import encode, exact_match, unroll
from explorer.seq2seq.model import ATTENTIONS, Seq2Seq
from explorer.seq2seq.tasks import PAD, TASKS, PairBatch
from explorer.train import Divergence, sigma_max


def _constant(start: float, progress: float) -> float:
    return start


def _linear(start: float, progress: float) -> float:
    return start * (1.0 - progress)


def _inverse_sigmoid(start: float, progress: float) -> float:
    return start / (1.0 + math.exp(10.0 * (progress - 0.5)))


# Scheduled sampling (Bengio et al., 2015): the chance ε of feeding the true previous token
# falls over training, progress = step / steps in [0, 1], ε_0 = the configured ratio.
SCHEDULES: dict[str, tuple[str, Callable[[float, float], float]]] = {
    "constant": ("constant: ε = ε_0", _constant),
    "linear": ("linear decay: ε = ε_0 (1 − progress)", _linear),
    "inverse_sigmoid": ("inverse sigmoid: ε = ε_0 / (1 + e^{10 (progress − ½)})", _inverse_sigmoid),
}


def _length_bounds(values, limits) -> tuple[int, int] | None:
    task = TASKS.get(values["task"])
    return None if task is None else (task.min_len, task.max_len)


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Every setting of one encoder-decoder run; each field's `setting` (explorer/schema.py) is what
    the Attention page draws, its link carries and `validate` checks."""

    # model
    cell: str = setting("gru", "Cell", "The encoder's layer and the decoder's cell.", section="Model",
                        choices=lambda: FUSED_CELLS, fmt=lambda c: CELLS[c].title)
    hidden_size: int = setting(64, "Hidden units", "Decoder units; a bidirectional encoder has half per "
                               "direction.", section="Model", steps=(16, 32, 64, 128), bounds=(2, 512))
    embedding_size: int = setting(32, "Embedding size", "Size of the learned vector per character.",
                                  bounds=(1, 256))
    bidirectional: bool = setting(True, "Bidirectional encoder", "The encoder reads both ways, so h_j knows "
                                  "what is before and after.", section="Model")
    attention: str = setting("additive", "Attention", "None (one context vector), additive (Bahdanau), "
                             "dot or general (Luong).", section="Model", choices=lambda: ATTENTIONS,
                             fmt=lambda a: ATTENTIONS[a].title)
    # task
    task: str = setting("reverse", "Task", "What the encoder-decoder learns to write.", section="Task",
                        choices=lambda: TASKS, fmt=lambda t: TASKS[t].title, order=1)
    seq_len: int = setting(12, "Longest input", "The longest source (in the task's unit); each example "
                           "draws its own length.", section="Task", bounds=_length_bounds,
                           message="Length for '{task}' must be between {low} and {high}.",
                           enabled=lambda v: v["task"] in TASKS and not TASKS[v["task"]].fixed_length,
                           fallback=lambda v: TASKS[v["task"]].default_len if v["task"] in TASKS else None)
    # training
    lr: float = setting(1e-2, "Learning rate", "Adam's starting rate, decayed to 0 by the last step.",
                        bounds=(1e-6, 1.0))
    batch_size: int = setting(64, "Batch size", "Pairs per step.", bounds=(1, 1024))
    clip_norm: float = setting(1.0, "Clip threshold", "Gradient norm clipping threshold (inf: none).",
                               bounds=(1e-3, math.inf))
    steps: int = setting(300, "Training steps", "Optimizer steps; the defaults reach ≥95% exact match on "
                         "reverse at length 12.", section="Training",
                         steps=(50, 100, 200, 300, 500, 1000, 2000), bounds=(1, 20_000))
    teacher_forcing: float = setting(1.0, "Teacher forcing ε₀", "The chance of feeding the decoder the true "
                                     "previous token, not its own guess (1: always).", section="Training",
                                     steps=tuple(k / 10 for k in range(11)), bounds=(0.0, 1.0))
    schedule: str = setting("constant", "Schedule (scheduled sampling)", "How that chance changes over "
                            "training.", section="Training", choices=lambda: SCHEDULES,
                            fmt=lambda k: SCHEDULES[k][0])
    seed: int = setting(0, "Seed", "Same seed, same run.", bounds=(0, 2**31 - 1))
    # recording
    eval_every: int = setting(25, "Evaluate every", "Steps between held-out exact-match checks and probe "
                              "recordings.", bounds=(1, 10_000))
    eval_size: int = setting(256, "Held-out pairs", "Held-out pairs for exact match.", bounds=(1, 4096))
    probe_size: int = setting(8, "Probe size", "Pairs whose insides are recorded.", bounds=(1, 64))

    def validate(self) -> list[str]:
        """Problems a person can fix; empty when the config can run. Each field's own checks are its
        setting's; here, what spans fields."""
        problems = type_problems(self)
        if problems:  # the checks below compare numbers: they need the right types
            return problems
        problems = schema.problems(self)
        if self.bidirectional and self.hidden_size % 2:
            problems.append("A bidirectional encoder splits the hidden units in two: use an even number.")
        return problems

    def teacher_ratio(self, step: int) -> float:
        """ε at an optimizer step (1-based): the schedule at progress (step - 1) / steps."""
        return SCHEDULES[self.schedule][1](self.teacher_forcing, (step - 1) / self.steps)


def make_model(cfg: Seq2SeqConfig) -> Seq2Seq:
    task = TASKS[cfg.task]
    return Seq2Seq(len(task.source_vocab), len(task.target_vocab), cfg.cell, cfg.hidden_size,
                   cfg.embedding_size, cfg.bidirectional, cfg.attention)


def tensors(batch: PairBatch) -> tuple[Tensor, Tensor, Tensor]:
    return torch.as_tensor(batch.src), torch.as_tensor(batch.src_len), torch.as_tensor(batch.tgt)


def sequence_loss(logits: Tensor, tgt: Tensor) -> Tensor:
    """Mean cross-entropy over real target tokens; logits (B, T, V), tgt (B, T)."""
    return F.cross_entropy(logits.flatten(0, 1), tgt.flatten(), ignore_index=PAD)


class Seq2SeqTrainer:
    def __init__(self, cfg: Seq2SeqConfig):
        if not isinstance(cfg, Seq2SeqConfig):
            raise TypeError(f"Seq2SeqTrainer needs a Seq2SeqConfig (got a {type(cfg).__name__}).")
        problems = cfg.validate()
        if problems:
            raise ValueError(" ".join(problems))
        self.cfg, self.task = cfg, TASKS[cfg.task]
        torch.manual_seed(cfg.seed)
        self.model = make_model(cfg)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda i: 0.5 * (1 + math.cos(math.pi * min(i, cfg.steps) / cfg.steps)))
        self.data_rng = np.random.default_rng(cfg.seed)
        self.coin = torch.Generator().manual_seed(cfg.seed)  # teacher-forcing draws
        self.held_out = self.task.sample(np.random.default_rng([cfg.seed, 2]), cfg.eval_size, cfg.seq_len)
        self.probe = self.task.sample(np.random.default_rng([cfg.seed, 1]), cfg.probe_size, cfg.seq_len)
        self.step_count, self.elapsed = 0, 0.0
        self.status = Status.STARTING  # then TRAINING, and FINISHED or DIVERGED
        self.divergence: Divergence | None = None

    @property
    def done(self) -> bool:
        return self.status in (Status.FINISHED, Status.DIVERGED)

    def step(self) -> dict[str, float]:
        """One optimizer step on a fresh batch; the numbers of that step. A loss or gradient
        that is not finite ends the run ("diverged") without changing the weights."""
        if self.done:
            raise RuntimeError(f"the run is already {self.status}")
        start = time.perf_counter()
        self.model.train()
        ratio = self.cfg.teacher_ratio(self.step_count + 1)
        src, src_len, tgt = tensors(self.task.sample(self.data_rng, self.cfg.batch_size, self.cfg.seq_len))
        out = unroll(self.model, encode(self.model, src, src_len), tgt.shape[1], tgt, ratio, self.coin)
        loss = sequence_loss(out.logits, tgt)
        self.optimizer.zero_grad(set_to_none=True)
        loss_value, grad_norm = float(loss.detach()), math.nan
        if math.isfinite(loss_value):
            loss.backward()
            grad_norm = float(nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip_norm))
        self.step_count += 1
        if math.isfinite(loss_value) and math.isfinite(grad_norm):
            self.optimizer.step()
            self.scheduler.step()
            self.status = Status.FINISHED if self.step_count >= self.cfg.steps else Status.TRAINING
        else:
            self.status = Status.DIVERGED
            self.divergence = Divergence(
                self.step_count, loss_value, grad_norm,
                sigma_max(self.model.decoder.weight_hh, self.cfg.hidden_size),
                "loss" if not math.isfinite(loss_value) else "gradient")
        real = tgt != PAD
        accuracy = float(((out.tokens == tgt) & real).sum() / real.sum())
        self.elapsed += time.perf_counter() - start
        return {"step": self.step_count, "loss": loss_value, "token_accuracy": accuracy,
                "teacher_ratio": ratio, "forced": out.forced, "grad_norm": grad_norm,
                "elapsed": self.elapsed}

    def fit(self) -> Iterator[dict[str, float]]:
        while not self.done:
            yield self.step()

    def evaluate(self, batch: PairBatch | None = None) -> float:
        """Greedy exact match on a batch (default: the held-out one)."""
        return float(exact_match(self.model, self.task, batch or self.held_out).float().mean())

    def eval_due(self) -> bool:
        return self.step_count % self.cfg.eval_every == 0 or self.done

    def accuracy_by_length(self, lengths: list[int], per_length: int = 128) -> list[float]:
        """Greedy exact match on fresh pairs of exactly each length (its own seed)."""
        rng = np.random.default_rng([self.cfg.seed, 3])
        return [self.evaluate(self.task.sample(rng, per_length, n, min_len=n)) for n in lengths]

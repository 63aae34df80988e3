"""`Trainer`: one seeded training run, stepped by whoever drives it (CLI, worker, test).

    trainer = Trainer(RunConfig(cell="lstm", task="adding", seq_len=50))
    for progress in trainer.fit():        # one Progress per optimizer step
        print(progress.step, progress.loss, progress.trace is not None)

Same config and seed, same run: data come from a numpy generator seeded with
`seed`, weights from `torch.manual_seed(seed)`. A run whose loss or gradient
turns NaN/inf stops with status "diverged" and a `Divergence` saying why; it
never raises. One that blows up without turning infinite (SGD at a high rate, a loose
clip) ends "finished", and `end_note()` says it ended far above where it started.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from explorer.cells import spec_for_module
from explorer.checks import Problems
from explorer.config import Limits, RunConfig
from explorer.connectivity import connectivity
from explorer.jobs.status import Status
from explorer.models import SequenceModel
from explorer.objectives import OBJECTIVES
from explorer.optimizers import OPTIMIZERS
from explorer.record import trace_rnn
from explorer.tasks import Batch, Task, task_for
from explorer.trace import Trace

CONNECTIVITY_EVERY = 10  # probes between two connectivity maps (each costs T·O backward passes)
CONNECTIVITY_BUDGET = 300_000  # T² · O at most (about a second): longer probes go without one
FAR_ABOVE = 10.0  # a run ending this many times above its start and its baseline has blown up
RECENT = 20  # the training losses end_note looks at by default



class ConfigError(Problems):
    """A config that cannot run; `problems` are messages for a person."""


@dataclass(frozen=True)
class Divergence:
    step: int
    loss: float
    grad_norm: float
    sigma_max: float  # largest singular value of W_hh (layer 0) when it happened
    reason: str  # "loss" or "gradient": which turned non-finite first

    def explain(self) -> str:
        what = "The loss" if self.reason == "loss" else "The gradient"
        return (
            f"{what} became infinite or NaN at step {self.step} (gradient norm {self.grad_norm:.3g}). "
            f"The largest singular value of W_hh was {self.sigma_max:.3g}: each step back in time can "
            "multiply the gradient by up to that much, so over many steps it explodes. "
            "Clip the gradient norm, or lower the learning rate."
        )


@dataclass(frozen=True)
class Progress:
    step: int  # optimizer steps done
    loss: float
    metric: float
    grad_norm: float  # before clipping
    grad_norm_clipped: float  # what the optimizer used
    status: Status  # TRAINING, FINISHED or DIVERGED
    elapsed: float  # seconds of training so far
    trace: Trace | None = None  # a probe recording, every probe_every steps
    divergence: Divergence | None = None


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError(["No CUDA GPU is available here; choose cpu or auto."])
    return torch.device(name)


class Trainer:
    def __init__(self, cfg: RunConfig, limits: Limits | None = None, task: Task | None = None):
        """`task`: the task to learn instead of the registry's `cfg.task` (say, a series of one's own)."""
        if not isinstance(cfg, RunConfig):
            raise TypeError(f"Trainer needs a RunConfig (got a {type(cfg).__name__}): "
                            "Trainer(RunConfig(cell='gru', ...)).")
        limits = limits or Limits()
        problems = cfg.validate(limits)
        if problems:
            raise ConfigError(problems)
        self.cfg = cfg
        try:
            self.task = task or task_for(cfg.task, cfg.corpus)
        except LookupError as missing:
            raise ConfigError([str(missing)]) from None
        self.objective = OBJECTIVES[self.task.target_kind]
        self.device = resolve_device(cfg.device)
        torch.manual_seed(cfg.seed)
        self.model = SequenceModel.from_config(cfg, self.task).to(self.device)
        n_params = sum(p.numel() for p in self.model.parameters())
        if n_params > limits.max_parameters:
            raise ConfigError([f"The model has {n_params:,} parameters; the limit is "
                               f"{limits.max_parameters:,}. Use fewer units or layers."])
        self.optimizer = OPTIMIZERS[cfg.optimizer].make(self.model.parameters(), cfg)
        self.data_rng = np.random.default_rng(cfg.seed)
        self.probe = self.task.sample(np.random.default_rng([cfg.seed, 1]), cfg.probe_size,
                                      cfg.seq_len)
        self.step_count = 0
        self.probes = 0  # probe traces recorded
        self.elapsed = 0.0
        self.status = Status.STARTING
        self.divergence: Divergence | None = None
        self.first_loss = math.nan
        self.recent_losses: deque[float] = deque(maxlen=RECENT)

    @property
    def done(self) -> bool:
        return self.status in (Status.FINISHED, Status.DIVERGED)

    def tensors(self, batch: Batch) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """x, y, lengths, loss mask on the device."""
        x = torch.as_tensor(batch.x, device=self.device)
        y = torch.as_tensor(batch.y, device=self.device, dtype=self.objective.target_dtype)
        lengths = None if batch.lengths is None else torch.as_tensor(batch.lengths)
        mask = _step_mask(batch, batch.loss_mask) if self.task.output == "many_to_many" else None
        return x, y, lengths, None if mask is None else torch.as_tensor(mask, device=self.device)

    def step(self) -> Progress:
        """One optimizer step on a fresh batch."""
        if self.done:
            raise RuntimeError(f"the run is already {self.status}")
        start = time.perf_counter()
        self.model.train()
        batch = self.task.sample(self.data_rng, self.cfg.batch_size, self.cfg.seq_len)
        x, y, lengths, mask = self.tensors(batch)
        pred = self.model(x, lengths)
        loss = self.objective.loss(pred, y, mask)
        self.optimizer.zero_grad(set_to_none=True)
        loss_value = float(loss.detach())
        grad_norm = clipped = math.nan
        if math.isfinite(loss_value):
            loss.backward()
            max_norm = self.cfg.clip_norm if self.cfg.clip else math.inf
            params = [p for p in self.model.parameters() if p.grad is not None]
            grad_norm = float(nn.utils.clip_grad_norm_(params, max_norm))  # the norm before clipping
            clipped = float(nn.utils.get_total_norm([p.grad for p in params]))  # measured after
        self.step_count += 1
        if not (math.isfinite(loss_value) and math.isfinite(grad_norm)):
            return self._diverge(loss_value, grad_norm, start)
        self.optimizer.step()
        self.first_loss = loss_value if self.step_count == 1 else self.first_loss
        self.recent_losses.append(loss_value)
        with torch.no_grad():
            metric = float(self.objective.metric(pred, y, _metric_mask(batch, mask, self.device)))
        self.elapsed += time.perf_counter() - start
        self.status = Status.FINISHED if self.step_count >= self.cfg.steps else Status.TRAINING
        trace = self.probe_trace() if self._probe_due() else None
        return Progress(self.step_count, loss_value, metric, grad_norm, clipped, self.status,
                        self.elapsed, trace)

    def fit(self, steps: int | None = None) -> Iterator[Progress]:
        """Step until the configured number of steps (or `steps` more), or divergence."""
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 0):
            raise ValueError(f"steps must be a whole number of steps, 0 or more (got {steps!r}).")
        for _ in range(steps if steps is not None else self.cfg.steps - self.step_count):
            if self.done:
                return
            yield self.step()

    def probe_trace(self) -> Trace:
        """Record the fixed probe batch through the current weights."""
        self.model.eval()
        x, y, lengths, mask = self.tensors(self.probe)
        predictions: list[Tensor] = []

        def loss_fn(output: Tensor) -> Tensor:
            pred = self.model.read_out(output, lengths)
            predictions.append(pred.detach())
            return self.objective.loss(pred, y, mask)

        inputs = self.model.encode(x).detach()
        trace = trace_rnn(self.model.rnn, inputs, loss_fn, lengths=self.probe.lengths)
        self.model.zero_grad(set_to_none=True)
        trace.inputs, trace.targets, trace.lengths = self.probe.x, self.probe.y, self.probe.lengths
        trace.predictions = predictions[0].float().cpu().numpy()
        trace.head = {k: v.detach().float().cpu().numpy() for k, v in self.model.head.named_parameters()}
        trace.loss_mask = None if mask is None else mask.cpu().numpy()
        trace.vocab, trace.step, trace.task = self.task.vocab, self.step_count, self.task.name
        if self.model.can_free_run():
            trace.forecast = self.forecast(x).float().cpu().numpy()
        real = x[0] if lengths is None else x[0, :int(lengths[0])]
        affordable = len(real) ** 2 * self.task.output_size <= CONNECTIVITY_BUDGET
        if (self.task.output == "many_to_many" and affordable
                and (self.probes % CONNECTIVITY_EVERY == 0 or self.status == Status.FINISHED)):
            trace.connectivity = connectivity(self.model, real)
        self.probes += 1
        return trace

    def forecast(self, x: Tensor) -> Tensor:
        """Free-run over the second half of `x`, having read the first: the targets[:, T//2 - 1:]."""
        start = x.shape[1] // 2
        return self.model.free_run(x[:, :start], x.shape[1] - start + 1)

    @torch.no_grad()
    def forecast_mse(self, batch_size: int = 256) -> float | None:
        """Mean squared error of the free-running forecast on held-out data (next-value tasks)."""
        if not self.model.can_free_run():
            return None
        self.model.eval()
        batch = self.task.sample(np.random.default_rng([self.cfg.seed, 2]), batch_size, self.cfg.seq_len)
        x, y, _, _ = self.tensors(batch)
        forecast = self.forecast(x)
        return float(((forecast - y[:, x.shape[1] // 2 - 1:]) ** 2).mean())

    @torch.no_grad()
    def evaluate(self, batch_size: int = 256) -> tuple[float, float]:
        """Loss and metric on a held-out batch: the task's held-out data where it has some (a
        series' validation part), else fresh samples from its own seed, never trained on."""
        self.model.eval()
        batch = (self.task.held_out or self.task.sample)(np.random.default_rng([self.cfg.seed, 2]),
                                                         batch_size, self.cfg.seq_len)
        x, y, lengths, mask = self.tensors(batch)
        pred = self.model(x, lengths)
        loss = float(self.objective.loss(pred, y, mask))
        return loss, float(self.objective.metric(pred, y, _metric_mask(batch, mask, self.device)))

    def end_note(self, loss: float | None = None) -> str:
        """A word for a run that did not diverge but ended far above where it started and above
        the task's baseline (a finite blow-up); '' when it did not. `loss`: the loss it ended at,
        e.g. `evaluate()`'s; by default the median of the last training losses."""
        if self.divergence is not None or (loss is None and not self.recent_losses):
            return ""
        loss = float(np.median(self.recent_losses)) if loss is None else loss
        baseline = self.task.baseline(self.cfg.seq_len)
        bar = FAR_ABOVE * max(baseline.loss, self.first_loss if math.isfinite(self.first_loss) else 0.0)
        if math.isfinite(loss) and (bar <= 0 or loss <= bar):
            return ""
        cure = (f"clip the gradient at a smaller norm than {self.cfg.clip_norm:g}" if self.cfg.clip
                else "turn gradient clipping on")
        return (f"The run ended with a loss of {loss:.3g}, far above where it started "
                f"({self.first_loss:.3g}) and above the baseline ({baseline.label}): the weights blew up "
                f"without turning infinite. Lower the learning rate ({self.cfg.lr:g}) or {cure}.")

    def sigma_max(self) -> float:
        """Largest singular value over the (H, H) blocks of layer 0's W_hh."""
        name = spec_for_module(self.model.rnn).recurrent_weight + "_l0"
        if not hasattr(self.model.rnn, name):  # a custom cell names its weights itself
            return math.nan
        return sigma_max(getattr(self.model.rnn, name), self.model.rnn.hidden_size)

    def _probe_due(self) -> bool:
        return self.step_count % self.cfg.probe_every == 0 or self.status == Status.FINISHED

    def _diverge(self, loss: float, grad_norm: float, start: float) -> Progress:
        self.elapsed += time.perf_counter() - start
        self.status = Status.DIVERGED
        self.divergence = Divergence(
            self.step_count, loss, grad_norm, self.sigma_max(),
            "loss" if not math.isfinite(loss) else "gradient",
        )
        return Progress(self.step_count, loss, math.nan, grad_norm, math.nan, self.status,
                        self.elapsed, divergence=self.divergence)


def sigma_max(w_hh: Tensor, hidden_size: int) -> float:
    """Largest singular value over the (H, H) gate blocks of a recurrent weight (G·H, H)."""
    w = w_hh.detach().double()
    if not torch.isfinite(w).all():
        return math.inf
    return max(float(torch.linalg.matrix_norm(b, ord=2)) for b in w.split(hidden_size, dim=0))


def _step_mask(batch: Batch, mask: np.ndarray | None) -> np.ndarray | None:
    """The (B, T) steps that count, real steps only; None when all count."""
    real = None
    if batch.lengths is not None:
        real = np.arange(batch.seq_len)[None, :] < batch.lengths[:, None]
    if mask is None:
        return real
    return mask if real is None else (mask & real)


def _metric_mask(batch: Batch, loss_mask: Tensor | None, device) -> Tensor | None:
    if batch.metric_mask is None:
        return loss_mask
    return torch.as_tensor(_step_mask(batch, batch.metric_mask), device=device)

"""Kinds "train" (one run of a `RunConfig`: the Train and Gradients pages, sweep points) and
"example" (the same, on the quick lane: the Inside page's one-second examples)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.config import Limits, RunConfig
from explorer.history import History
from explorer.jobs.kind import QUICK_LANE, JobKind, View
from explorer.jobs.status import Status, WithStatus
from explorer.trace import Trace, TraceHistory


@dataclass
class Snapshot(WithStatus):
    """A run as a page draws it."""

    config: RunConfig
    status: Status = Status.STARTING
    history: History = field(default_factory=History)
    trace: Trace | None = None  # the latest probe recording
    traces: list[Trace] = field(default_factory=list)  # probe recordings over training, thinned
    divergence: Any = None  # explorer.train.Divergence when status is "diverged"
    error: str | None = None  # a message for a person when status is "error"
    device: str = ""
    queue_position: int = 0  # 1 = next to start; 0 = not queued
    note: str = ""  # e.g. why the run stopped by itself
    model: bytes | None = None  # safetensors of the trained model, once the run has ended

    @property
    def live(self) -> bool:
        """Worth redrawing: moving on, or paused while a requested step may arrive."""
        return self.active or self.status == Status.PAUSED

    @property
    def step(self) -> int:
        return len(self.history)


class TrainWork:
    task = None  # the Task to learn instead of the registry's (a person's own text: TextWork)

    def __init__(self, config: RunConfig, limits: Limits):
        self.config, self.limits = config, limits

    def begin(self) -> dict:
        from explorer.train import Trainer

        self.trainer = Trainer(self.config, self.limits, task=self.task)
        return {"device": str(self.trainer.device), "trace": self.trainer.probe_trace()}

    def advance(self):
        return self.trainer.step()  # a Progress: numbers and, every probe_every steps, a Trace

    @property
    def done(self) -> bool:
        return self.trainer.done

    def end(self) -> dict:
        from explorer.checkpoint import model_file

        end_note = getattr(self.trainer, "end_note", None)
        return {"status": self.trainer.status if self.trainer.done else Status.STOPPED,
                "divergence": self.trainer.divergence, "model": model_file(self.trainer.model, self.config),
                "note": end_note() if end_note else ""}


class TrainState:
    def __init__(self, config: RunConfig):
        self.config = config
        self.history = History()
        self.traces = TraceHistory()
        self.divergence = None
        self.model: bytes | None = None

    def started(self, payload: dict) -> None:
        self.traces.append(payload["trace"])

    def progressed(self, progress) -> None:
        self.history.append(progress)
        if progress.trace is not None:
            self.traces.append(progress.trace)

    def ended(self, payload: dict) -> None:
        self.divergence, self.model = payload.get("divergence"), payload.get("model")

    def snapshot(self, view: View) -> Snapshot:
        shown, h = view.shown, self.history
        history = History({k: v[:shown] for k, v in h.columns.items()}) if shown < len(h) else h.copy()
        traces = [t for t in self.traces.traces if t.step <= shown]
        return Snapshot(self.config, view.status, history, traces[-1] if traces else None, traces,
                        self.divergence if view.status == Status.DIVERGED else None, view.error,
                        view.device, view.queue_position, view.note,
                        self.model if view.status.ended else None)


def _steps(config: RunConfig) -> int:
    return config.steps


TRAIN = JobKind("train", TrainWork, TrainState, _steps)
EXAMPLE = JobKind("example", TrainWork, TrainState, _steps, lane=QUICK_LANE)

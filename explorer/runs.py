"""A training run in the background: the page keeps only this handle.

`ThreadRun` drives a `Trainer` in a daemon thread and publishes a `Snapshot`
(status, history, latest probe trace) that a page reads as often as it likes.
Readers never touch the trainer; the worker never touches the UI.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field

from explorer.background import Background
from explorer.config import Limits, RunConfig
from explorer.history import History
from explorer.trace import Trace, TraceHistory
from explorer.train import ConfigError, Divergence, Trainer

ACTIVE = ("queued", "starting", "training")  # the run moves on without the user


@dataclass
class Snapshot:
    config: RunConfig
    status: str = "starting"  # queued, starting, training, paused, finished, stopped, diverged, error
    history: History = field(default_factory=History)
    trace: Trace | None = None  # the latest probe recording
    traces: list[Trace] = field(default_factory=list)  # probe recordings over training, thinned
    divergence: Divergence | None = None
    error: str | None = None  # a message for a person when status is "error"
    device: str = ""
    queue_position: int = 0  # 1 = next to start; 0 = not queued
    note: str = ""  # e.g. why the run stopped by itself
    model: bytes | None = None  # safetensors of the trained model, once the run has ended

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def live(self) -> bool:
        """Worth redrawing: moving on, or paused while a requested step may arrive."""
        return self.active or self.status == "paused"

    @property
    def step(self) -> int:
        return len(self.history)


class ThreadRun(Background):
    thread_name = "rnn-explorer-run"

    def __init__(self, config: RunConfig, limits: Limits | None = None):
        super().__init__()
        self._snapshot = Snapshot(config)
        self._limits = limits
        self._traces = TraceHistory()

    def snapshot(self) -> Snapshot:
        """A consistent copy, safe to read while training goes on."""
        with self._lock:
            s = self._snapshot
            return Snapshot(s.config, s.status, s.history.copy(), s.trace,
                            list(self._traces.traces), s.divergence, s.error, s.device)

    def _work(self) -> None:
        try:
            trainer = Trainer(self._snapshot.config, self._limits)
            first = trainer.probe_trace()
            with self._lock:
                self._snapshot.trace, self._snapshot.status = first, "training"
                self._traces.append(first)
                self._snapshot.device = str(trainer.device)
            for progress in trainer.fit():
                if self._stop.is_set():
                    break
                with self._lock:
                    s = self._snapshot
                    s.history.append(progress)
                    if progress.trace is not None:
                        s.trace = progress.trace
                        self._traces.append(progress.trace)
                    s.status, s.divergence = progress.status, progress.divergence
            with self._lock:
                if self._snapshot.status in ACTIVE:
                    self._snapshot.status = "stopped"
        except ConfigError as exc:
            self._fail(" ".join(exc.problems))
        except Exception:  # a worker must report, never die silently
            self._fail("Training failed unexpectedly:\n" + traceback.format_exc(limit=3))

    def _fail(self, message: str) -> None:
        with self._lock:
            self._snapshot.status, self._snapshot.error = "error", message

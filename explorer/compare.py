"""Cells compared on equal terms: a race, and a memory-span sweep.

    race = layer.submit("race", tuple(race_configs(base, ["rnn_tanh", "lstm", "gru"])))
    race.snapshot().runs["lstm"].history          # one Snapshot per cell (explorer.jobs.race)

    sweep = Sweep(sweep_configs(base, ["rnn_tanh", "gru"], [10, 50, 100]), lambda c: layer.submit("train", c))
    sweep.start().snapshot().results              # RunConfig -> SweepPoint, as they finish

A race is one job whose worker steps every cell in turn. A sweep's points are ordinary "train"
jobs, submitted one after another, so identical points (another session's too) are trained
once and finished ones come back from the job layer's cache at once. The sweep moves on to
its next point whenever it is looked at (`snapshot`, `join`): it needs no thread of its own.

A point's score is the task metric averaged over the last `TAIL` training steps: each of
those batches is freshly sampled and scored *before* the network trains on it, so it is
held-out data, and 50 × batch sequences make the average steady.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from explorer.cells import CELLS
from explorer.config import Limits, RunConfig
from explorer.jobs.status import Status, WithStatus
from explorer.jobs.train import Snapshot
from explorer.trace import Trace
from explorer.train import ConfigError

MIN_CELLS, MAX_CELLS = 2, 4
MAX_SWEEP_POINTS = 40
TAIL = 50  # steps averaged for a sweep point's score


class RunHandle(Protocol):
    """What a sweep needs of a job handle (`explorer.jobs.Handle`)."""

    def stop(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...
    def snapshot(self) -> Snapshot: ...


def race_configs(base: RunConfig, cells: Sequence[str], limits: Limits | None = None) -> list[RunConfig]:
    """`base` once per cell, nothing else changed; ConfigError with messages if it cannot race."""
    problems = []
    if not MIN_CELLS <= len(cells) <= MAX_CELLS or len(set(cells)) != len(cells):
        problems.append(f"Choose {MIN_CELLS} to {MAX_CELLS} different cells to race.")
    configs = [replace(base, cell=c) for c in dict.fromkeys(cells)]
    for cfg in configs:
        problems += [p for p in cfg.validate(limits) if p not in problems]
    if problems:
        raise ConfigError(problems)
    return configs


@dataclass(frozen=True)
class SweepPoint:
    """One cached run of a sweep: its score at the end of the step budget."""

    loss: float
    metric: float  # the task's metric, mean of the last TAIL steps; NaN when the run diverged
    status: str  # finished or diverged
    seconds: float  # training wall time


def score(snap: Snapshot) -> SweepPoint:
    """A finished (or diverged) run's SweepPoint."""
    h = snap.history
    seconds = float(h.columns["elapsed"][-1]) if len(h) else 0.0
    if snap.status == "diverged":
        return SweepPoint(math.nan, math.nan, "diverged", seconds)
    tail = slice(-min(TAIL, len(h)), None)
    return SweepPoint(float(h.array("loss")[tail].mean()), float(h.array("metric")[tail].mean()),
                      snap.status, seconds)


def sweep_configs(base: RunConfig, cells: Sequence[str], seq_lens: Sequence[int],
                  limits: Limits | None = None) -> list[RunConfig]:
    """One config per (cell, seq_len), recording nothing along the way; ConfigError if any is invalid."""
    if not cells or not seq_lens:
        raise ConfigError(["Choose at least one cell and one sequence length."])
    if len(cells) * len(seq_lens) > MAX_SWEEP_POINTS:
        raise ConfigError([f"A sweep has at most {MAX_SWEEP_POINTS} points; "
                           f"{len(cells)} cells × {len(seq_lens)} lengths is {len(cells) * len(seq_lens)}."])
    quiet = replace(base, probe_every=10_000, probe_size=1)  # the probe is not looked at
    configs = [replace(quiet, cell=c, seq_len=int(t)) for c in cells for t in sorted(set(seq_lens))]
    problems: list[str] = []
    for cfg in configs:
        problems += [f"{CELLS[cfg.cell].title if cfg.cell in CELLS else cfg.cell}, T={cfg.seq_len}: {p}"
                     for p in cfg.validate(limits)]
    if problems:
        raise ConfigError(problems[:5])
    return configs


@dataclass
class SweepSnapshot(WithStatus):
    configs: list[RunConfig]
    results: dict[RunConfig, SweepPoint] = field(default_factory=dict)
    status: Status = Status.STARTING
    current: RunConfig | None = None  # the point being trained now
    current_step: int = 0  # its training steps so far
    error: str | None = None
    queue_position: int = 0  # of the current point

    @property
    def progress(self) -> float:
        """Share of the sweep's training steps done, counting the current point's."""
        total = sum(c.steps for c in self.configs)
        done = sum(c.steps for c in self.results) + self.current_step
        return min(done / total, 1.0) if total else 1.0


class Sweep:
    """Every point of a sweep, one job after another, through `submit` (the job layer's)."""

    def __init__(self, configs: Sequence[RunConfig], submit: Callable[[RunConfig], RunHandle]):
        self._configs, self._submit = list(configs), submit
        self._results: dict[RunConfig, SweepPoint] = {}
        self._status, self._error = Status.STARTING, None
        self._run: RunHandle | None = None  # the current point's job

    def start(self) -> Sweep:
        self._advance()
        return self

    def stop(self) -> None:
        if self._run is not None:
            self._run.stop()
            self._run = None
        if self._status.active:
            self._status = Status.STOPPED

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every point is done (or the sweep ended otherwise); True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._advance():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._run.join(left)
        return True

    def snapshot(self) -> SweepSnapshot:
        self._advance()
        current = self._run.snapshot() if self._run is not None else None
        return SweepSnapshot(self._configs, dict(self._results), self._status,
                             None if current is None else current.config,
                             0 if current is None else current.step, self._error,
                             0 if current is None else current.queue_position)

    def _advance(self) -> bool:
        """Score every point whose job has ended and submit the next; True while one still runs."""
        while self._status.active:
            if self._run is None:
                todo = [c for c in self._configs if c not in self._results]
                if not todo:
                    self._status = Status.FINISHED
                    break
                self._run, self._status = self._submit(todo[0]), Status.TRAINING
            snap = self._run.snapshot()
            if snap.active:
                return True
            self._run = None
            if snap.status in (Status.FINISHED, Status.DIVERGED):
                self._results[snap.config] = score(snap)
            else:
                self._status = Status.ERROR if snap.status == Status.ERROR else Status.STOPPED
                self._error = snap.error
        return False


def nearest_trace(traces: Sequence[Trace], step: float) -> Trace | None:
    """The recording nearest to a training step (the race's one time cursor), or None."""
    return min(traces, key=lambda t: abs(t.step - step)) if traces else None

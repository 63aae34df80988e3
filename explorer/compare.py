"""Cells compared on equal terms: a race, and a memory-span sweep.

    race = Race(race_configs(base, ["rnn_tanh", "lstm", "gru"])).start()
    race.snapshot().runs["lstm"].history          # one Snapshot per cell

    sweep = Sweep(sweep_configs(base, ["rnn_tanh", "gru"], [10, 50, 100])).start()
    sweep.snapshot().results                      # RunConfig -> SweepPoint, as they finish

Both are handles with the interface of `explorer.runs.ThreadRun` (start, stop, join,
snapshot), so a page polls them the same way. Runs come from a factory (default: a
`ThreadRun` each), so a worker pool's `submit` can stand in. A sweep runs its points one
after the other from one background thread that only waits on them; every finished point
lands in `CACHE`, keyed by its config (seed included), so a second sweep, another
session's too, reuses it, and two sweeps asking for the same point compute it once.

A point's score is the task metric averaged over the last `TAIL` training steps: each of
those batches is freshly sampled and scored *before* the network trains on it, so it is
held-out data, and 50 × batch sequences make the average steady.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from explorer.background import Background
from explorer.cells import CELLS
from explorer.config import Limits, RunConfig
from explorer.runs import Snapshot, ThreadRun
from explorer.trace import Trace
from explorer.train import ConfigError

MIN_CELLS, MAX_CELLS = 2, 4
MAX_SWEEP_POINTS = 40
TAIL = 50  # steps averaged for a sweep point's score


class RunHandle(Protocol):
    def stop(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...
    def snapshot(self) -> Snapshot: ...


RunFactory = Callable[[RunConfig], RunHandle]  # returns a run already going


def _thread_run(config: RunConfig) -> RunHandle:
    return ThreadRun(config).start()


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


@dataclass
class RaceSnapshot:
    runs: dict[str, Snapshot]  # cell -> its run's snapshot, in race order

    @property
    def active(self) -> bool:
        return any(s.active for s in self.runs.values())

    @property
    def step(self) -> int:
        return max((s.step for s in self.runs.values()), default=0)


class Race:
    """Two to four runs that differ only in their cell, started together."""

    def __init__(self, configs: Sequence[RunConfig], factory: RunFactory = _thread_run):
        self.configs = list(configs)
        self._factory = factory
        self._runs: dict[str, RunHandle] = {}

    def start(self) -> Race:
        self._runs = {cfg.cell: self._factory(cfg) for cfg in self.configs}
        return self

    def stop(self) -> None:
        for run in self._runs.values():
            run.stop()

    def join(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for run in self._runs.values():
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not run.join(left):
                return False
        return True

    def snapshot(self) -> RaceSnapshot:
        return RaceSnapshot({cell: run.snapshot() for cell, run in self._runs.items()})


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


class ResultCache:
    """Finished points by config, least recently used dropped first; one computation per key."""

    def __init__(self, max_entries: int = 512):
        self.max_entries = max_entries
        self._done: OrderedDict[RunConfig, SweepPoint] = OrderedDict()
        self._busy: dict[RunConfig, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: RunConfig) -> SweepPoint | None:
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
            return self._done.get(key)

    def compute(self, key: RunConfig, fn: Callable[[], SweepPoint | None],
                stop: threading.Event | None = None) -> SweepPoint | None:
        """The cached point, else fn()'s (kept unless None); waits while another thread computes it."""
        while True:
            with self._lock:
                if key in self._done:
                    self._done.move_to_end(key)
                    return self._done[key]
                busy = self._busy.get(key)
                if busy is None:
                    busy = self._busy[key] = threading.Event()
                    break
            while not busy.wait(0.2):
                if stop is not None and stop.is_set():
                    return None
        try:
            point = fn()
            if point is not None:
                with self._lock:
                    self._done[key] = point
                    while len(self._done) > self.max_entries:
                        self._done.popitem(last=False)
            return point
        finally:
            with self._lock:
                del self._busy[key]
            busy.set()

    def clear(self) -> None:
        with self._lock:
            self._done.clear()


CACHE = ResultCache()


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
class SweepSnapshot:
    configs: list[RunConfig]
    results: dict[RunConfig, SweepPoint] = field(default_factory=dict)
    status: str = "starting"  # starting, training, finished, stopped, error
    current: RunConfig | None = None  # the point being trained now
    current_step: int = 0  # its training steps so far
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("starting", "training")

    @property
    def progress(self) -> float:
        """Share of the sweep's training steps done, counting the current point's."""
        total = sum(c.steps for c in self.configs)
        done = sum(c.steps for c in self.results) + self.current_step
        return min(done / total, 1.0) if total else 1.0


class Sweep(Background):
    """Run every point of a sweep, one at a time, from one background thread, through `cache`."""

    thread_name = "rnn-explorer-sweep"

    def __init__(self, configs: Sequence[RunConfig], factory: RunFactory = _thread_run,
                 cache: ResultCache = CACHE):
        super().__init__()
        self._state = SweepSnapshot(list(configs))
        self._factory, self._cache = factory, cache
        self._run: RunHandle | None = None  # the point training now

    def snapshot(self) -> SweepSnapshot:
        with self._lock:
            s, run = self._state, self._run
            copy = SweepSnapshot(s.configs, dict(s.results), s.status, s.current, 0, s.error)
        if run is not None and copy.current is not None:
            copy.current_step = run.snapshot().step
        return copy

    def _train(self, cfg: RunConfig) -> SweepPoint | None:
        """One point through the factory; None when the sweep was stopped first."""
        run = self._factory(cfg)
        with self._lock:
            self._run = run
        while not run.join(0.2):
            if self._stop.is_set():
                run.stop()
                return None
        snap = run.snapshot()
        if snap.status == "error":
            raise ConfigError([snap.error or "A run of the sweep failed."])
        return score(snap) if snap.status in ("finished", "diverged") else None

    def _work(self) -> None:
        try:
            for cfg in self._state.configs:
                if self._stop.is_set():
                    break
                with self._lock:
                    self._state.status, self._state.current = "training", cfg
                point = self._cache.compute(cfg, lambda c=cfg: self._train(c), self._stop)
                if point is None:
                    break
                with self._lock:
                    self._state.results[cfg] = point
                    self._run = None
            with self._lock:
                s = self._state
                s.status = "finished" if len(s.results) == len(s.configs) else "stopped"
                s.current, self._run = None, None
        except Exception as exc:  # a worker must report, never die silently
            message = " ".join(exc.problems) if isinstance(exc, ConfigError) else (
                "The sweep failed unexpectedly:\n" + traceback.format_exc(limit=3))
            with self._lock:
                self._state.status, self._state.error, self._state.current = "error", message, None


def nearest_trace(traces: Sequence[Trace], step: float) -> Trace | None:
    """The recording nearest to a training step (the race's one time cursor), or None."""
    return min(traces, key=lambda t: abs(t.step - step)) if traces else None

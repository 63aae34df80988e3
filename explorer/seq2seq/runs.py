"""Encoder-decoder runs in the background: the page keeps only a handle and reads snapshots.

`Seq2SeqRun` has the interface of `explorer.runs.ThreadRun` (start, stop, join, snapshot).
At most `SLOTS` runs train at once per server (one per CPU core; each torch op on one
thread); the rest wait as "queued". Runs are shared by config: `start_run` hands back a
finished twin at once, or joins a twin still training — so a class pressing Train on the
same settings shares one computation, and a shared run stops only when every session that
started it has stopped it. `bottleneck` trains the
pair behind the bottleneck curve — without attention and with it — once per config, one
job at a time per server, and keeps the result.
"""

from __future__ import annotations

import copy
import os
import threading
import traceback
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from explorer.background import Background
from explorer.seq2seq.model import Seq2Seq
from explorer.seq2seq.record import record_probe
from explorer.seq2seq.train import Seq2SeqConfig, Seq2SeqTrainer
from explorer.trace import Trace

ACTIVE = ("queued", "starting", "training")
KEEP_FINISHED = 32  # finished runs (and curves) kept per server
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)  # runs training at once, server-wide
WAIT_POLL_SECONDS = 0.2  # a queued run checks this often whether it was stopped


@dataclass
class Seq2SeqSnapshot:
    config: Seq2SeqConfig
    run_id: str  # unique per run: with the probe step, a cache key for what `model` decodes
    status: str = "queued"  # queued, starting, training, finished, stopped, error
    rows: list[dict[str, float]] = field(default_factory=list)  # one per optimizer step
    evals: list[tuple[int, float]] = field(default_factory=list)  # (step, held-out exact match)
    encoder: Trace | None = None  # the latest probe recording of each stream
    decoder: Trace | None = None
    model: Seq2Seq | None = None  # a frozen copy of the weights at the latest probe, for decoding
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def step(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[float]:
        return [row[name] for row in self.rows]


class Seq2SeqRun(Background):
    thread_name = "seq2seq-run"

    def __init__(self, config: Seq2SeqConfig):
        super().__init__()
        self._snapshot = Seq2SeqSnapshot(config, uuid.uuid4().hex)
        self._holders = 1  # sessions that started this run and have not stopped it

    def follow(self) -> Follower | None:
        """A handle for one more session; the run stops once every handle has stopped. None
        when it is already stopping: its last holder let go."""
        with self._lock:
            if self._stop.is_set():
                return None
            self._holders += 1
        return Follower(self)

    def stop(self) -> None:
        """One holder is done with the run (call once per holder; `Follower` makes sure)."""
        with self._lock:
            self._holders -= 1
            if self._holders <= 0:
                self._stop.set()

    def snapshot(self) -> Seq2SeqSnapshot:
        """A consistent copy, safe to read while training goes on."""
        with self._lock:
            return replace(self._snapshot, rows=list(self._snapshot.rows), evals=list(self._snapshot.evals))

    def _work(self) -> None:
        while not SLOTS.acquire(timeout=WAIT_POLL_SECONDS):
            if self._stop.is_set():
                with self._lock:
                    self._snapshot.status = "stopped"
                return
        try:
            self._train()
        finally:
            SLOTS.release()
            with _LOCK:
                if _LIVE.get(self._snapshot.config) is self:
                    del _LIVE[self._snapshot.config]

    def _train(self) -> None:
        with self._lock:
            self._snapshot.status = "starting"
        try:
            trainer = Seq2SeqTrainer(self._snapshot.config)
            self._probe(trainer)
            with self._lock:
                self._snapshot.status = "training"
            while not trainer.done and not self._stop.is_set():
                row = trainer.step()
                with self._lock:
                    self._snapshot.rows.append(row)
                if trainer.eval_due():
                    self._probe(trainer)
            with self._lock:
                self._snapshot.status = trainer.status if trainer.done else "stopped"  # or "diverged"
                self._snapshot.error = trainer.divergence and trainer.divergence.explain()
            if trainer.done:
                _remember(_FINISHED, self._snapshot.config, self)
        except Exception:  # a worker must report, never die silently
            with self._lock:
                self._snapshot.status = "error"
                self._snapshot.error = "Training failed unexpectedly:\n" + traceback.format_exc(limit=3)

    def _probe(self, trainer: Seq2SeqTrainer) -> None:
        exact = trainer.evaluate()
        encoder, decoder = record_probe(trainer.model, trainer.task, trainer.probe, trainer.step_count)
        frozen = copy.deepcopy(trainer.model).eval()
        with self._lock:
            s = self._snapshot
            s.evals.append((trainer.step_count, exact))
            s.encoder, s.decoder, s.model = encoder, decoder, frozen


_FINISHED: OrderedDict[Seq2SeqConfig, Seq2SeqRun] = OrderedDict()
_LIVE: dict[Seq2SeqConfig, Seq2SeqRun] = {}  # runs queued or training, by config
_LOCK = threading.Lock()


def _remember(store: OrderedDict, key, value) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > KEEP_FINISHED:
        store.popitem(last=False)


class Follower:
    """One session's handle on a (possibly shared) run: stop() lets go once, however often called."""

    def __init__(self, run: Seq2SeqRun):
        self.run = run
        self._stopped = threading.Event()

    def stop(self) -> None:
        if not self._stopped.is_set():
            self._stopped.set()
            self.run.stop()

    def join(self, timeout: float | None = None) -> bool:
        return self.run.join(timeout)

    def snapshot(self) -> Seq2SeqSnapshot:
        return self.run.snapshot()


def start_run(config: Seq2SeqConfig) -> Follower:
    """A handle on a finished run of this exact config if the server has one, else on its twin
    still training (shared), else on a new run, started (it queues while every slot is busy)."""
    with _LOCK:
        run = _FINISHED.get(config)
        if run is None and (live := _LIVE.get(config)) is not None and live.snapshot().active:
            run = live
        if run is not None and (follower := run.follow()) is not None:
            return follower
        run = _LIVE[config] = Seq2SeqRun(config)
    run.start()
    return Follower(run)


@dataclass
class Curve:
    """Exact match against source length for each attention kind, from one config."""

    config: Seq2SeqConfig  # the with-attention run; its seq_len is the longest length trained
    lengths: list[int]
    status: str = "queued"  # queued, training, finished, error
    progress: float = 0.0  # fraction of all training steps done
    accuracy: dict[str, list[float]] = field(default_factory=dict)  # attention kind -> per length
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "training")


class CurveJob(Background):
    """Trains `config` without attention and with it, then measures both at every length."""

    thread_name = "seq2seq-curve"
    _one_at_a_time = threading.Lock()

    def __init__(self, config: Seq2SeqConfig, lengths: list[int]):
        super().__init__()
        self._curve = Curve(config, lengths)

    def snapshot(self) -> Curve:
        with self._lock:
            return replace(self._curve, accuracy=dict(self._curve.accuracy))

    def _work(self) -> None:
        curve = self._curve
        kinds = ["none", curve.config.attention]
        try:
            with self._one_at_a_time, SLOTS:
                for done_before, kind in enumerate(kinds):
                    trainer = Seq2SeqTrainer(replace(curve.config, attention=kind))
                    with self._lock:
                        curve.status = "training"
                    for row in trainer.fit():
                        with self._lock:
                            curve.progress = (done_before + row["step"] / trainer.cfg.steps) / len(kinds)
                    accuracy = trainer.accuracy_by_length(curve.lengths)
                    with self._lock:
                        curve.accuracy[kind] = accuracy
            with self._lock:
                curve.status = "finished"
        except Exception:
            with self._lock:
                curve.status = "error"
                curve.error = "The curve could not be computed:\n" + traceback.format_exc(limit=3)


_CURVES: OrderedDict[tuple, CurveJob] = OrderedDict()
_CURVES_LOCK = threading.Lock()


def bottleneck(config: Seq2SeqConfig, lengths: list[int]) -> CurveJob:
    """The server's curve job for this config and lengths, started on first request."""
    key = (config, tuple(lengths))
    with _CURVES_LOCK:
        job = _CURVES.get(key)
        if job is None or job.snapshot().status == "error":
            job = CurveJob(config, list(lengths)).start()
            _remember(_CURVES, key, job)
        return job


def curve_lengths(min_len: int, longest: int, points: int = 6) -> list[int]:
    """At most `points` evenly spaced lengths ending at `longest` (24 -> 4, 8, ..., 24)."""
    step = max(1, -(-longest // points))
    return list(range(longest, min_len - 1, -step))[::-1]

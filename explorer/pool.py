"""Training for a whole classroom: a bounded pool of worker processes, a queue, a cache.

    pool = WorkerPool(Limits())          # one per server
    run = pool.submit(config)            # a PoolRun: this session's view of a job
    run.snapshot()                       # status, history, traces, place in queue
    run.pause(); run.step(); run.resume(); run.stop()

A *job* is one training computation; a *run* is one session's view of it. Runs
never see another session's controls: identical configs (same seed, so the same
result) share one job, and a finished job is cached, so thirty people pressing
the same preset train it once and later presses replay it at once. Each run has
its own cursor over the job's steps: pausing freezes the cursor, stepping moves
it by one (asking the worker for the step when it is not there yet), and the
worker itself pauses or stops only when every run watching it has.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing as mp
import queue
import sys
import threading
import time
import types
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from explorer.config import Limits, RunConfig
from explorer.history import History
from explorer.runs import Snapshot
from explorer.trace import TraceHistory
from explorer.train import Divergence
from explorer.workers import worker_main

ENDED = ("finished", "stopped", "diverged", "error")


@dataclass
class Job:
    id: int
    config: RunConfig
    status: str = "queued"  # queued, starting, training, then one of ENDED
    history: History = field(default_factory=History)
    traces: TraceHistory = field(default_factory=TraceHistory)
    divergence: Divergence | None = None
    error: str | None = None
    note: str = ""
    device: str = ""
    model: bytes | None = None  # safetensors of the trained model, once ended
    worker: int | None = None
    worker_paused: bool = False
    stopping: bool = False  # told to stop (no watcher left): new runs of its config get a new job
    runs: set[int] = field(default_factory=set)  # ids of the runs still watching

    @property
    def ended(self) -> bool:
        return self.status in ENDED


class WorkerPool:
    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        context = mp.get_context("spawn")  # fork would copy the server's threads and torch state
        self._outbox = context.Queue()
        self._inboxes = [context.Queue() for _ in range(self.limits.worker_count)]
        self._processes = [
            context.Process(target=worker_main, args=(inbox, self._outbox), daemon=True,
                            name=f"rnn-explorer-worker-{i}")
            for i, inbox in enumerate(self._inboxes)
        ]
        for process in self._processes:
            _start(process)
        self._idle = list(range(len(self._processes)))
        self._queue: deque[Job] = deque()
        self._jobs: dict[int, Job] = {}  # not yet ended
        self._finished: OrderedDict[RunConfig, Job] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._closed = False
        self._paused_runs: set[int] = set()
        self._reader = threading.Thread(target=self._read, name="rnn-explorer-pool", daemon=True)
        self._reader.start()
        atexit.register(self.shutdown)  # before the interpreter ends the daemon workers

    # --- sessions' side -------------------------------------------------------------
    def submit(self, config: RunConfig) -> PoolRun:
        """A run of `config`: a cached result, a job already training it, or a new job."""
        with self._lock:
            job = self._finished.get(config)
            if job is not None:
                self._finished.move_to_end(config)
            else:
                job = next((j for j in self._jobs.values() if j.config == config and not j.stopping), None)
            if job is None:
                job = Job(next(self._ids), config)
                self._jobs[job.id] = job
                self._queue.append(job)
            run = PoolRun(self, job, next(self._ids))
            job.runs.add(run.id)
            self._reconcile(job)
            self._dispatch()
            return run

    def queue_position(self, job: Job) -> int:
        """1 for the next job to start; 0 when not queued."""
        with self._lock:
            return next((i + 1 for i, j in enumerate(self._queue) if j is job), 0)

    @property
    def busy_workers(self) -> int:
        with self._lock:
            return len(self._processes) - len(self._idle)

    def shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for inbox in self._inboxes:
                inbox.put(("shutdown", None))
        for process in self._processes:
            process.join(timeout=2)
            if process.is_alive():
                process.terminate()

    # --- runs' side -----------------------------------------------------------------
    def _leave(self, job: Job, run_id: int) -> None:
        with self._lock:
            job.runs.discard(run_id)
            self._reconcile(job)

    def _reconcile(self, job: Job, wants_step: bool = False) -> None:
        """Make the worker match its watchers: stop when none, pause when all have paused."""
        with self._lock:
            if job.ended:
                return
            if not job.runs:
                if job in self._queue:
                    self._queue.remove(job)
                    self._end(job, {"status": "stopped"})
                elif job.worker is not None:
                    self._send(job, "stop")
                    job.stopping = True
                return
            paused = all(run_id in self._paused_runs for run_id in job.runs)
            if job.worker is not None and paused != job.worker_paused:
                self._send(job, "pause" if paused else "resume")
            job.worker_paused = paused
            if wants_step and job.worker is not None:
                self._send(job, "step")

    def _send(self, job: Job, command: str) -> None:
        self._inboxes[job.worker].put((command, job.id))

    # --- workers' side --------------------------------------------------------------
    def _dispatch(self) -> None:
        with self._lock:
            while self._idle and self._queue and not self._closed:
                job, worker = self._queue.popleft(), self._idle.pop(0)
                job.worker, job.status = worker, "starting"
                self._inboxes[worker].put(("run", job.id, job.config, self.limits))
                if job.worker_paused:
                    self._send(job, "pause")

    def _read(self) -> None:
        while not self._closed:
            try:
                kind, job_id, payload = self._outbox.get(timeout=0.5)
            except queue.Empty:
                self._check_workers()
                continue
            except (EOFError, OSError):
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None:
                    continue
                if kind == "start":
                    job.status, job.device = "training", payload["device"]
                    job.traces.append(payload["trace"])
                elif kind == "progress":
                    job.history.append(payload)
                    if payload.trace is not None:
                        job.traces.append(payload.trace)
                elif kind == "end":
                    self._end(job, payload)

    def _end(self, job: Job, payload: dict) -> None:
        job.status = payload["status"]
        job.divergence = payload.get("divergence")
        job.error, job.note, job.model = payload.get("error"), payload.get("note", ""), payload.get("model")
        self._jobs.pop(job.id, None)
        if job.worker is not None:
            self._idle.append(job.worker)
            job.worker = None
        if job.status in ("finished", "diverged"):
            self._finished[job.config] = job
            while len(self._finished) > self.limits.cached_runs:
                self._finished.popitem(last=False)
        self._dispatch()

    def _check_workers(self) -> None:
        """A worker that died (out of memory, killed) fails its job and is replaced."""
        with self._lock:
            for i, process in enumerate(self._processes):
                if process.is_alive() or self._closed or sys.is_finalizing():
                    continue
                for job in [j for j in self._jobs.values() if j.worker == i]:
                    job.worker = None
                    self._end(job, {"status": "error", "error": "The training process stopped "
                                    "unexpectedly (out of memory?). Try a smaller model."})
                context = mp.get_context("spawn")
                self._inboxes[i] = context.Queue()
                self._processes[i] = context.Process(
                    target=worker_main, args=(self._inboxes[i], self._outbox), daemon=True,
                    name=f"rnn-explorer-worker-{i}")
                _start(self._processes[i])
                if i not in self._idle:
                    self._idle.append(i)
            self._dispatch()


def _start(process) -> None:
    """Start a spawned worker without re-running the page script in it.

    Streamlit runs app.py as ``__main__``, and spawn would import that module again in
    the child (starting a pool inside the pool). The worker needs nothing from it, so
    the child is started as if ``__main__`` were a bare module.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        sys.modules["__main__"] = main


class PoolRun:
    """One session's view of a job, with its own pause/step cursor. Same interface as ThreadRun."""

    def __init__(self, pool: WorkerPool, job: Job, run_id: int):
        self._pool, self._job, self.id = pool, job, run_id
        self._cursor: int | None = None  # None: follow the job; else show this many steps
        self._stopped = False

    @property
    def job_id(self) -> int:
        return self._job.id

    def pause(self) -> None:
        with self._pool._lock:
            if self._stopped or self._cursor is not None:
                return
            self._cursor = len(self._job.history)
            self._pool._paused_runs.add(self.id)
            self._pool._reconcile(self._job)

    def resume(self) -> None:
        with self._pool._lock:
            if self._stopped:
                return
            self._cursor = None
            self._pool._paused_runs.discard(self.id)
            self._pool._reconcile(self._job)

    def step(self) -> None:
        """Pause if needed, then show exactly one more step."""
        with self._pool._lock:
            if self._stopped:
                return
            self.pause()
            if self._cursor >= self._job.config.steps:
                return
            self._cursor += 1
            if self._cursor > len(self._job.history):
                self._pool._reconcile(self._job, wants_step=True)

    def stop(self) -> None:
        with self._pool._lock:
            if self._stopped:
                return
            if self._cursor is None:
                self._cursor = len(self._job.history)
            self._stopped = True
            self._pool._paused_runs.discard(self.id)
            self._pool._leave(self._job, self.id)

    def join(self, timeout: float | None = None) -> bool:
        """Wait until this run shows an ended (or paused) state; True when it does."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.snapshot().active:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def snapshot(self) -> Snapshot:
        with self._pool._lock:
            job = self._job
            shown = len(job.history) if self._cursor is None else min(self._cursor, len(job.history))
            history = History({k: v[:shown] for k, v in job.history.columns.items()})
            traces = [t for t in job.traces.traces if t.step <= shown]
            return Snapshot(
                job.config, self._status(shown), history, traces[-1] if traces else None, traces,
                job.divergence if job.status == "diverged" else None, job.error, job.device,
                queue_position=self._pool.queue_position(job) if job.status == "queued" else 0,
                note=job.note, model=job.model if job.ended else None,
            )

    def _status(self, shown: int) -> str:
        job = self._job
        at_end = shown >= len(job.history)
        if job.ended and at_end:
            return job.status
        if self._stopped:
            return "stopped"
        if self._cursor is not None:
            return "paused"
        return job.status

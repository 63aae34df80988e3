"""The one run layer: every background computation of every page is a job here.

    layer = JobLayer(Limits())                   # one per server
    run = layer.submit("train", config)          # a Handle: this session's view of a job
    run.snapshot()                               # what the page draws (the kind's snapshot type)
    run.pause(); run.step(); run.resume(); run.stop()
    reading = layer.call("decode", spec)         # a quick job, waited for

A *job* is one computation; a *handle* is one session's view of it. Identical specs of the
same kind (same seed, so the same result) share one job, and a finished job is cached, so
thirty people pressing the same preset train it once and later presses replay it at once.
Each handle has its own cursor over the job's progress: pausing freezes the cursor, stepping
moves it by one (asking the worker for the step when it is not there yet), and the worker
pauses or stops only when every handle watching has. A handle dropped without `stop()` stops.

Jobs wait in a queue per lane ("train": one worker per core; "quick": decodes and one-second
examples, which never wait behind training) and run on a `Backend`: the worker processes of
this machine by default (`ProcessBackend`); another backend (a cluster) can run the same jobs.
"""

from __future__ import annotations

import atexit
import itertools
import threading
import time
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from explorer.config import Limits
from explorer.jobs.kind import QUICK_LANE, TRAIN_LANE, JobKind, State, View
from explorer.jobs.registry import JOB_KINDS
from explorer.jobs.status import Status

QUICK_CACHE = 256  # finished quick jobs (decodes, examples) kept
QUICK_SECONDS = 30.0  # the most a quick job may take


class JobLayerClosed(RuntimeError):
    """The layer was shut down (the server is stopping): no new job can start."""


class Backend(Protocol):
    """Runs jobs somewhere and reports back through the `sink` it was made with:
    sink(job_id, "started" | "ended", payload), sink(job_id, "progress", [payload, ...]) with the
    reports of one or more steps in order, and sink(None, "ready", lane) when a worker of that
    lane becomes free for the first time."""

    def free(self, lane: str) -> int: ...
    def ready(self, lane: str) -> int: ...  # workers able to take a job (free or busy)
    def capacity(self, lane: str) -> int: ...
    def start(self, job_id: int, kind: str, spec: Hashable, limits: Limits, lane: str) -> None: ...
    def command(self, job_id: int, command: str) -> None: ...  # pause, resume, step, stop
    def shutdown(self) -> None: ...


Sink = Callable[[int | None, str, Any], None]
BackendFactory = Callable[[Limits, Sink], Backend]


@dataclass(eq=False)
class Job:
    id: int
    kind: JobKind
    spec: Hashable
    state: State
    status: Status = Status.QUEUED
    steps: int = 0  # progress reports arrived
    error: str | None = None
    note: str = ""
    device: str = ""
    worker_paused: bool = False
    stopping: bool = False  # told to stop (no handle left): a new submit of its spec gets a new job
    running: bool = False  # handed to the backend and not ended
    steps_wanted: int = 0  # single steps asked for while paused, before a worker took the job
    handles: set[int] = field(default_factory=set)  # handles still watching
    paused: set[int] = field(default_factory=set)  # handles that have paused

    @property
    def key(self) -> tuple[str, Hashable]:
        return self.kind.name, self.spec


def _process_backend(limits: Limits, sink: Sink) -> Backend:
    from explorer.jobs.processes import ProcessBackend

    return ProcessBackend(limits, sink)


class JobLayer:
    def __init__(self, limits: Limits | None = None, backend: BackendFactory = _process_backend):
        self.limits = limits or Limits()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)  # notified on every report
        self._queues: dict[str, deque[Job]] = {TRAIN_LANE: deque(), QUICK_LANE: deque()}
        self._jobs: dict[int, Job] = {}  # not yet ended
        self._finished: dict[str, OrderedDict] = {TRAIN_LANE: OrderedDict(), QUICK_LANE: OrderedDict()}
        self._ids = itertools.count(1)
        self._closed = False
        self._quick_limits = replace(self.limits, max_seconds=min(self.limits.max_seconds, QUICK_SECONDS))
        self._backend = backend(self.limits, self._report)
        atexit.register(self.shutdown)  # before the interpreter ends the daemon workers

    # --- sessions' side -------------------------------------------------------------
    def submit(self, kind: str, spec: Hashable) -> Handle:
        """A handle on `spec`'s job: a cached result, a job already running it, or a new one."""
        job_kind = JOB_KINDS[kind]
        with self._lock:
            if self._closed:
                raise JobLayerClosed("The server is shutting down and takes no new runs; reload the page.")
            finished = self._finished[job_kind.lane]
            job = finished.get((kind, spec))
            if job is not None:
                finished.move_to_end((kind, spec))
            else:
                job = next((j for j in self._jobs.values() if j.key == (kind, spec) and not j.stopping), None)
            if job is None:
                job = Job(next(self._ids), job_kind, spec, job_kind.state(spec))
                self._jobs[job.id] = job
                self._queues[job_kind.lane].append(job)
            handle = Handle(self, job, next(self._ids))
            job.handles.add(handle.id)
            self._reconcile(job)
            self._dispatch()
            return handle

    def call(self, kind: str, spec: Hashable, timeout: float = 30.0) -> Any:
        """Run a quick job and wait for its snapshot; TimeoutError or ValueError (with words) if none."""
        handle = self.submit(kind, spec)
        try:
            if not handle.join(timeout):
                raise TimeoutError(f"No answer within {timeout:.0f} s: the server is busy; try again.")
            with self._lock:
                if handle._job.status != Status.FINISHED:
                    raise ValueError(handle._job.error or f"The {kind} job ended {handle._job.status}.")
            return handle.snapshot()
        finally:
            handle.stop()

    def queue_position(self, job: Job) -> int:
        """1 for the next job to start in its lane; 0 when not queued."""
        with self._lock:
            queue = self._queues[job.kind.lane]
            return next((i + 1 for i, j in enumerate(queue) if j is job), 0)

    @property
    def backend(self) -> Backend:
        return self._backend

    def capacity(self, lane: str = TRAIN_LANE) -> int:
        """Jobs of this lane that run at once."""
        return self._backend.capacity(lane)

    def warming_up(self, lane: str = TRAIN_LANE) -> bool:
        """No worker of the lane takes jobs yet (a fresh server, or every worker being replaced)."""
        return self._backend.ready(lane) == 0

    def shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for queue in self._queues.values():
                while queue:
                    self._end(queue.popleft(), {"status": Status.STOPPED, "note": "The server shut down."})
        self._backend.shutdown()
        with self._lock:
            for job in list(self._jobs.values()):
                self._end(job, {"status": Status.STOPPED, "note": "The server shut down."})

    # --- handles' side --------------------------------------------------------------
    def _leave(self, job: Job, handle_id: int) -> None:
        with self._lock:
            job.handles.discard(handle_id)
            job.paused.discard(handle_id)
            self._reconcile(job)

    def _reconcile(self, job: Job, wants_step: bool = False) -> None:
        """Make the worker match its watchers: stop when none, pause when all have paused."""
        if job.status.ended:
            return
        if not job.handles:
            if not job.running:
                self._queues[job.kind.lane].remove(job)
                self._end(job, {"status": Status.STOPPED})
            elif not job.stopping:
                job.stopping = True
                self._backend.command(job.id, "stop")
            return
        paused = job.paused >= job.handles
        if job.running and paused != job.worker_paused:
            self._backend.command(job.id, "pause" if paused else "resume")
        job.worker_paused = paused
        if wants_step:
            if job.running:
                self._backend.command(job.id, "step")
            else:
                job.steps_wanted += 1

    # --- the backend's side -----------------------------------------------------------
    def _dispatch(self) -> None:
        with self._lock:
            for lane, queue in self._queues.items():
                while queue and not self._closed and self._backend.free(lane) > 0:
                    job = queue.popleft()
                    job.status, job.running = Status.STARTING, True
                    limits = self.limits if lane == TRAIN_LANE else self._quick_limits
                    self._backend.start(job.id, job.kind.name, job.spec, limits, lane)
                    if job.worker_paused:
                        self._backend.command(job.id, "pause")
                    for _ in range(job.steps_wanted):
                        self._backend.command(job.id, "step")

    def _report(self, job_id: int | None, event: str, payload: Any) -> None:
        """A backend's report; runs on the backend's thread."""
        with self._lock:
            job = self._jobs.get(job_id) if job_id is not None else None
            if job is not None:
                if event == "started":
                    job.status = Status.TRAINING
                    job.device = payload.get("device", "") if isinstance(payload, dict) else ""
                    job.state.started(payload)
                elif event == "progress":  # the reports of a few steps at once
                    for report in payload:
                        job.steps += 1
                        job.state.progressed(report)
                elif event == "ended":
                    job.running = False
                    self._end(job, payload)
            self._dispatch()
            self._changed.notify_all()

    def _end(self, job: Job, payload: dict) -> None:
        job.status = Status(payload["status"])
        job.error, job.note = payload.get("error"), payload.get("note", "")
        job.state.ended(payload)
        self._jobs.pop(job.id, None)
        if job.status in (Status.FINISHED, Status.DIVERGED):
            finished = self._finished[job.kind.lane]
            finished[job.key] = job
            bound = self.limits.cached_runs if job.kind.lane == TRAIN_LANE else QUICK_CACHE
            while len(finished) > bound:
                finished.popitem(last=False)
        self._changed.notify_all()


class Handle:
    """One session's view of a job, with its own pause/step cursor."""

    def __init__(self, layer: JobLayer, job: Job, handle_id: int):
        self._layer, self._job, self.id = layer, job, handle_id
        self._cursor: int | None = None  # None: follow the job; else show this many reports
        self._stopped = False
        self._release = weakref.finalize(self, layer._leave, job, handle_id)  # dropped = stopped
        self._release.atexit = False

    @property
    def job_id(self) -> int:
        return self._job.id

    def pause(self) -> None:
        with self._layer._lock:
            if self._stopped or self._cursor is not None:
                return
            self._cursor = self._job.steps
            self._job.paused.add(self.id)
            self._layer._reconcile(self._job)

    def resume(self) -> None:
        with self._layer._lock:
            if self._stopped:
                return
            self._cursor = None
            self._job.paused.discard(self.id)
            self._layer._reconcile(self._job)

    def step(self) -> None:
        """Pause if needed, then show exactly one more report (one training step)."""
        with self._layer._lock:
            if self._stopped:
                return
            self.pause()
            if self._cursor >= self._job.kind.total(self._job.spec):
                return
            self._cursor += 1
            if self._cursor > self._job.steps:
                self._layer._reconcile(self._job, wants_step=True)

    def stop(self) -> None:
        with self._layer._lock:
            if self._stopped:
                return
            if self._cursor is None:
                self._cursor = self._job.steps
            self._stopped = True
            self._release()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until this handle shows an ended (or paused) state; True when it does."""
        return self._until(lambda: not self._status().active, timeout)

    def wait(self, predicate: Callable[[Any], bool], timeout: float | None = None):
        """Wait until predicate(snapshot) holds, woken by each report; that snapshot, or None at timeout."""
        snap = None

        def holds() -> bool:
            nonlocal snap
            snap = self.snapshot()
            return predicate(snap)

        return snap if self._until(holds, timeout) else None

    def _until(self, condition: Callable[[], bool], timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._layer._changed:
            while not condition():
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._layer._changed.wait(left)
            return True

    def snapshot(self):
        with self._layer._lock:
            job, status = self._job, self._status()
            shown = job.steps if self._cursor is None else min(self._cursor, job.steps)
            position = self._layer.queue_position(job) if status == Status.QUEUED else 0
            return job.state.snapshot(View(status, shown, position, job.error, job.note, job.device, job.id))

    def _status(self) -> Status:
        job = self._job
        shown = job.steps if self._cursor is None else min(self._cursor, job.steps)
        if job.status.ended and shown >= job.steps:
            return job.status
        if self._stopped:
            return Status.STOPPED
        if self._cursor is not None:
            return Status.PAUSED
        return job.status

"""The default backend: worker processes on this machine, one job at a time each.

Each worker has a pipe of its own (no lock is shared with a process that can die), says
"ready" once torch is loaded and warm, and sends a heartbeat every `BEAT_SECONDS` from a
thread of its own. One supervisor thread in the server reads every pipe and watches:

- a worker that exits (killed, out of memory) or whose pipe breaks fails its job with a
  message, and is replaced;
- a worker silent for `SILENT_SECONDS` (stopped, hung) is killed, fails its job, is replaced;
- a worker never outlives the server: the kernel kills it when the supervisor thread that
  started it ends (Linux's parent-death signal), and it exits by itself when its parent's
  pid changes or its pipe closes.

Worker protocol, over the pipe:
    server -> worker   ("run", job_id, kind, spec, limits) | (command, job_id) | ("shutdown",)
                       command: "pause", "resume", "step" (one step while paused), "stop"
    worker -> server   ("ready",) | ("beat",) | ("started" | "ended", job_id, payload)
                       ("progress", job_id, [payload, ...])   the reports of the last BATCH_SECONDS
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import types
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

from explorer.config import Limits
from explorer.jobs.kind import QUICK_LANE, TRAIN_LANE
from explorer.jobs.status import Status

BEAT_SECONDS = 0.5
SILENT_SECONDS = 5.0  # a ready worker quiet this long is taken for hung
START_SECONDS = 120.0  # a new worker must say "ready" within this (imports torch, warms up)
PAUSED_POLL_SECONDS = 0.2
BATCH_SECONDS = 0.05  # progress reports go out together at most this often: one message, not one per step
DIED = ("The training process stopped unexpectedly (out of memory, or killed). "
        "It has been replaced: try again, perhaps with a smaller model.")
HUNG = (f"The training process stopped answering for {SILENT_SECONDS:.0f} s and was replaced. "
        "Try again.")


@dataclass(eq=False)
class _Worker:
    index: int
    lane: str
    process: mp.process.BaseProcess
    conn: Connection
    send_lock: threading.Lock
    started: float
    last_heard: float
    ready: bool = False
    job: int | None = None

    def send(self, message: tuple) -> bool:
        try:
            with self.send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):  # a broken pipe: the supervisor replaces the worker
            return False


class ProcessBackend:
    def __init__(self, limits: Limits, sink, lanes: dict[str, int] | None = None):
        self._sink = sink
        self._lanes = lanes or {TRAIN_LANE: limits.worker_count, QUICK_LANE: 1}
        self._context = mp.get_context("spawn")  # fork would copy the server's threads and torch state
        self._lock = threading.Lock()
        self._workers: list[_Worker | None] = [None] * sum(self._lanes.values())
        self._closed, spawned = threading.Event(), threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, args=(spawned,), name="rnn-explorer-jobs",
                                            daemon=True)
        self._supervisor.start()
        spawned.wait()  # the processes exist (they say "ready" later, once torch is loaded)

    # --- the layer's side -----------------------------------------------------------
    def capacity(self, lane: str) -> int:
        return self._lanes.get(lane, 0)

    def ready(self, lane: str) -> int:
        """Workers of the lane that have loaded torch and take jobs (a new one needs a few seconds)."""
        with self._lock:
            return sum(1 for w in self._workers if w and w.lane == lane and w.ready)

    def free(self, lane: str) -> int:
        with self._lock:
            return sum(1 for w in self._workers if w and w.lane == lane and w.ready and w.job is None)

    def start(self, job_id: int, kind: str, spec, limits: Limits, lane: str) -> None:
        with self._lock:
            worker = next(w for w in self._workers if w and w.lane == lane and w.ready and w.job is None)
            worker.job = job_id
        worker.send(("run", job_id, kind, spec, limits))

    def command(self, job_id: int, command: str) -> None:
        with self._lock:
            worker = next((w for w in self._workers if w and w.job == job_id), None)
        if worker is not None:
            worker.send((command, job_id))

    def pids(self, lane: str | None = None) -> list[int]:
        """The worker processes now (of one lane, or all)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w and w.process.pid and lane in (None, w.lane)]

    def shutdown(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._supervisor.join(timeout=10)

    # --- the supervisor thread ----------------------------------------------------------
    def _supervise(self, spawned: threading.Event) -> None:
        """Start every worker (from this thread, which lives as long as the backend: their
        parent-death signal is tied to it), then read and watch them until shut down."""
        for index, lane in enumerate(lane for lane, n in self._lanes.items() for _ in range(n)):
            self._spawn(index, lane)
        spawned.set()
        while not self._closed.is_set():
            with self._lock:
                workers = [w for w in self._workers if w]
            by_conn = {w.conn: w for w in workers}
            by_sentinel = {w.process.sentinel: w for w in workers}
            for ready in wait([*by_conn, *by_sentinel], timeout=BEAT_SECONDS):
                if ready in by_conn:
                    self._read(by_conn[ready])
                elif (worker := by_sentinel[ready]) in by_conn.values():
                    self._read(worker)  # its last words first
                    self._lose(worker, DIED)
            self._check_silence()
        self._stop_all()

    def _read(self, worker: _Worker) -> None:
        """Everything the worker has sent so far."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                worker.last_heard = time.monotonic()
                self._on_message(worker, message)
        except (EOFError, OSError):
            self._lose(worker, DIED)

    def _on_message(self, worker: _Worker, message: tuple) -> None:
        kind = message[0]
        if kind == "beat":
            return
        if kind == "ready":
            with self._lock:
                worker.ready = True
            self._sink(None, "ready", worker.lane)
            return
        _, job_id, payload = message
        if kind == "ended":
            with self._lock:
                if worker.job == job_id:
                    worker.job = None
        self._sink(job_id, kind, payload)

    def _check_silence(self) -> None:
        now = time.monotonic()
        with self._lock:
            workers = [w for w in self._workers if w]
        for worker in workers:
            silent = worker.ready and now - worker.last_heard > SILENT_SECONDS
            if silent or (not worker.ready and now - worker.started > START_SECONDS):
                self._lose(worker, HUNG)

    def _lose(self, worker: _Worker, reason: str) -> None:
        """Fail the worker's job, end the process for sure, start another in its place."""
        with self._lock:
            if self._workers[worker.index] is not worker:
                return  # already replaced
            job, worker.job, worker.ready = worker.job, None, False
        _end_process(worker)
        if job is not None:
            self._sink(job, "ended", {"status": Status.ERROR, "error": reason})
        if not self._closed.is_set():
            self._spawn(worker.index, worker.lane)

    def _spawn(self, index: int, lane: str) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(target=worker_main, args=(theirs, lane), daemon=True,
                                        name=f"rnn-explorer-worker-{index}-{lane}")
        _start_bare(process)
        theirs.close()  # the worker holds its end: when it dies, ours reads EOF
        now = time.monotonic()
        with self._lock:
            self._workers[index] = _Worker(index, lane, process, ours, threading.Lock(), now, now)

    def _stop_all(self) -> None:
        with self._lock:
            workers, self._workers = [w for w in self._workers if w], [None] * len(self._workers)
        for worker in workers:
            worker.send(("shutdown",))
        deadline = time.monotonic() + 2.0
        for worker in workers:
            worker.process.join(timeout=max(0.0, deadline - time.monotonic()))
            _end_process(worker)
            if worker.job is not None:
                self._sink(worker.job, "ended", {"status": Status.STOPPED, "note": "The server shut down."})


def _end_process(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.kill()  # works on a stopped (SIGSTOP) process too
    worker.process.join(timeout=5)
    worker.conn.close()


def _start_bare(process) -> None:
    """Start a spawned worker without re-running the page script in it.

    Streamlit runs app.py as ``__main__``, and spawn would import that module again in the
    child (starting a pool inside the pool). The worker needs nothing from it, so the child is
    started as if ``__main__`` were a bare module.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        process.start()
    finally:
        sys.modules["__main__"] = main


# --- inside the worker process ------------------------------------------------------------
def worker_main(conn: Connection, lane: str) -> None:
    """Process entry point: heartbeat, load torch, say ready, run jobs until told to shut down."""
    _die_with_parent()
    os.environ["OMP_NUM_THREADS"] = "1"  # before torch loads: one thread per worker
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    channel = _Channel(conn)
    threading.Thread(target=channel.beat, args=(os.getppid(),), name="heartbeat", daemon=True).start()
    import torch

    torch.set_num_threads(1)
    _warm_up()
    channel.send(("ready",))
    while True:
        message = channel.receive()
        if message is None or message[0] == "shutdown":
            return
        if message[0] == "run":
            if run_job(channel, *message[1:]) == "shutdown":
                return


class _Channel:
    """The worker's end of its pipe: sends from two threads, receives with a timeout."""

    def __init__(self, conn: Connection):
        self.conn, self.lock = conn, threading.Lock()

    def send(self, message: tuple) -> None:
        try:
            with self.lock:
                self.conn.send(message)
        except (OSError, ValueError):
            os._exit(0)  # the server is gone

    def receive(self, timeout: float | None = None) -> tuple | None:
        """The next message; None when none came within `timeout` (None: wait)."""
        try:
            if timeout is not None and not self.conn.poll(timeout):
                return None
            return self.conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the server is gone

    def beat(self, parent: int) -> None:
        while True:
            time.sleep(BEAT_SECONDS)
            if os.getppid() != parent:
                os._exit(0)
            self.send(("beat",))


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGKILL when the thread that started us ends."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not Linux: the heartbeat thread's parent check remains
        pass


def _warm_up() -> None:
    """Train two tiny steps now, while idle: the first optimizer step imports torch's compiler
    stack (seconds), which a person would otherwise wait for after pressing Train."""
    from explorer.config import RunConfig
    from explorer.optimizers import OPTIMIZERS
    from explorer.train import Trainer

    try:
        for optimizer in OPTIMIZERS:
            Trainer(RunConfig(hidden_size=4, seq_len=4, batch_size=2, steps=1, optimizer=optimizer)).step()
    except Exception:  # noqa: BLE001 - warming up is an optimisation, never a reason to fail
        pass


def run_job(channel: _Channel, job_id: int, kind: str, spec, limits: Limits) -> str | None:
    """One job to its end, steered by commands; "shutdown" when told to shut down meanwhile."""
    from explorer.jobs.registry import JOB_KINDS
    from explorer.train import ConfigError

    try:
        work = JOB_KINDS[kind].work(spec, limits)
        channel.send(("started", job_id, work.begin()))
    except ConfigError as exc:
        channel.send(("ended", job_id, {"status": Status.ERROR, "error": " ".join(exc.problems)}))
        return None
    except Exception as exc:  # noqa: BLE001 - a worker reports, never dies silently
        channel.send(("ended", job_id, {"status": Status.ERROR, "error": f"Could not start: {exc}"}))
        return None
    deadline = time.monotonic() + limits.max_seconds
    paused, allowed, stop, note = False, 0, None, ""
    reports, sent = [], time.monotonic()
    try:
        while not work.done:
            waiting = paused and allowed == 0
            message = channel.receive(PAUSED_POLL_SECONDS if waiting else 0.0)
            while message is not None:
                command = message[0]
                if command == "shutdown":
                    stop = "shutdown"
                elif message[1] == job_id:
                    if command == "stop":
                        stop = stop or "stop"
                    elif command == "pause":
                        paused, allowed = True, 0
                    elif command == "resume":
                        paused = False
                    elif command == "step":
                        allowed += 1
                message = channel.receive(0.0)
            if stop is None and time.monotonic() > deadline:
                stop, note = "stop", f"Stopped at the time limit of {limits.max_seconds:.0f} s per run."
            if stop is not None:
                break
            if paused and allowed == 0:
                continue
            allowed = max(0, allowed - 1)
            reports.append(work.advance())
            if paused or work.done or time.monotonic() - sent >= BATCH_SECONDS:
                channel.send(("progress", job_id, reports))
                reports, sent = [], time.monotonic()
        if reports:
            channel.send(("progress", job_id, reports))
        ended = work.end()
    except Exception as exc:  # noqa: BLE001
        if reports:
            channel.send(("progress", job_id, reports))
        channel.send(("ended", job_id, {"status": Status.ERROR, "error": f"Training failed: {exc}"}))
        return stop
    if stop is not None:
        ended["status"] = Status.STOPPED
    ended["note"] = note or ended.get("note", "")
    channel.send(("ended", job_id, ended))
    return stop

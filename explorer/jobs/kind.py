"""What a kind of job is: how a worker runs it, and how the server keeps what it reports.

A job crosses processes as plain data: its spec (a frozen config) goes to a worker; the
worker's reports come back as payloads of numbers, numpy traces and safetensors bytes,
never live torch objects. Each kind says both halves:

    Work   (in the worker)  begin() -> payload; advance() -> payload, until done; end() -> payload
    State  (in the server)  started(p); progressed(p); ended(p); snapshot(view) -> what a page draws

The worker loop around `Work` (commands, pause, step, time limit, heartbeats) is the same for
every kind (`explorer.jobs.processes`), and so are sharing, queueing and caching in the server
(`explorer.jobs.layer`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from explorer.config import Limits
from explorer.jobs.status import Status

TRAIN_LANE, QUICK_LANE = "train", "quick"


class Work(Protocol):
    """A job as its worker runs it. `begin` may raise `ConfigError` (its problems are shown)."""

    def begin(self) -> Any: ...
    def advance(self) -> Any: ...
    @property
    def done(self) -> bool: ...
    def end(self) -> dict: ...  # "status" (a Status value; the loop may override it), and the kind's own


@dataclass(frozen=True)
class View:
    """One session's look at a job: what its snapshot should show."""

    status: Status
    shown: int  # progress reports to show (a paused session sees fewer than have arrived)
    queue_position: int = 0  # 1 = next to start; 0 = not queued
    error: str | None = None
    note: str = ""
    device: str = ""
    job_id: int = 0


class State(Protocol):
    """What the server keeps of a job, folded from its worker's reports."""

    def started(self, payload: Any) -> None: ...
    def progressed(self, payload: Any) -> None: ...
    def ended(self, payload: dict) -> None: ...
    def snapshot(self, view: View) -> Any: ...


@dataclass(frozen=True)
class JobKind:
    name: str
    work: Callable[[Hashable, Limits], Work]  # run in the worker process
    state: Callable[[Hashable], State]  # kept in the server
    total: Callable[[Hashable], int]  # progress reports in a whole run (a session's step cursor stops there)
    lane: str = TRAIN_LANE  # QUICK_LANE: a few seconds at most, on a worker of its own, never behind training


"""Kind "race": 2–4 runs that differ only in their cell, stepped in lockstep by one worker.

Each advance steps every cell still training once, in turn, so at every moment the cells'
curves cover the same training steps, however few workers are free: a race is a race.
A cell that diverges or finishes drops out; the others go on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from explorer.config import Limits, RunConfig
from explorer.jobs.kind import JobKind, View
from explorer.jobs.status import Status, WithStatus
from explorer.jobs.train import Snapshot, TrainState

RaceSpec = tuple[RunConfig, ...]  # one config per cell, nothing else different


@dataclass
class RaceSnapshot(WithStatus):
    runs: dict[str, Snapshot]  # cell -> its run, in race order
    status: Status = Status.STARTING
    queue_position: int = 0
    error: str | None = None

    @property
    def step(self) -> int:
        return max((s.step for s in self.runs.values()), default=0)


class RaceWork:
    def __init__(self, configs: RaceSpec, limits: Limits):
        self.configs, self.limits = configs, limits

    def begin(self) -> dict:
        from explorer.train import Trainer

        self.trainers = {c.cell: Trainer(c, self.limits) for c in self.configs}
        device = str(next(iter(self.trainers.values())).device)
        return {"device": device, "traces": {cell: t.probe_trace() for cell, t in self.trainers.items()}}

    def advance(self) -> dict:
        return {cell: t.step() for cell, t in self.trainers.items() if not t.done}

    @property
    def done(self) -> bool:
        return all(t.done for t in self.trainers.values())

    def end(self) -> dict:
        return {"status": Status.FINISHED if self.done else Status.STOPPED,
                "divergence": {cell: t.divergence for cell, t in self.trainers.items()}}


class RaceState:
    def __init__(self, configs: RaceSpec):
        self.members = {c.cell: TrainState(c) for c in configs}
        self.rounds: list[dict[str, int]] = []  # per advance: each cell's step count after it
        self.member_status: dict[str, Status] = {}  # cells that dropped out, and why

    def started(self, payload: dict) -> None:
        for cell, trace in payload["traces"].items():
            self.members[cell].started({"trace": trace})

    def progressed(self, payload: dict) -> None:
        for cell, progress in payload.items():
            self.members[cell].progressed(progress)
            if progress.status in (Status.FINISHED, Status.DIVERGED):
                self.member_status[cell] = Status(progress.status)
                self.members[cell].divergence = progress.divergence
        self.rounds.append({cell: len(m.history) for cell, m in self.members.items()})

    def ended(self, payload: dict) -> None:
        for cell, divergence in payload.get("divergence", {}).items():
            self.members[cell].divergence = self.members[cell].divergence or divergence

    def snapshot(self, view: View) -> RaceSnapshot:
        counts = self.rounds[view.shown - 1] if 0 < view.shown <= len(self.rounds) else {}
        runs = {}
        for cell, member in self.members.items():
            status = self.member_status.get(cell, view.status)
            if view.status in (Status.ERROR, Status.STOPPED) and cell not in self.member_status:
                status = view.status
            runs[cell] = member.snapshot(replace(view, status=status, shown=counts.get(cell, 0)))
        return RaceSnapshot(runs, view.status, view.queue_position, view.error)


def _rounds(configs: RaceSpec) -> int:
    return max(c.steps for c in configs)


RACE = JobKind("race", RaceWork, RaceState, _rounds)

"""One status for every job and every page: what a run is doing, in one enum.

Values are the words the app has always used, so a status compares equal to its string
(``Status.FINISHED == "finished"``) and a snapshot prints as plain text.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"  # waiting for a free worker
    STARTING = "starting"  # a worker is building it (model, data, first recording)
    TRAINING = "training"  # moving on by itself
    PAUSED = "paused"  # this session's view is held (the job may go on for others)
    FINISHED = "finished"  # the whole budget done
    STOPPED = "stopped"  # a person, a time limit or a closed tab ended it early
    DIVERGED = "diverged"  # loss or gradient went NaN/inf: a teaching moment, not a crash
    ERROR = "error"  # could not run; `error` says why, in words for a person

    @property
    def active(self) -> bool:
        """Moving on without the user."""
        return self in ACTIVE

    @property
    def ended(self) -> bool:
        return self in ENDED

    @property
    def text(self) -> str:
        """As the status line shows it."""
        return TEXT[self]


ACTIVE = frozenset({Status.QUEUED, Status.STARTING, Status.TRAINING})
ENDED = frozenset({Status.FINISHED, Status.STOPPED, Status.DIVERGED, Status.ERROR})
TEXT = {
    Status.QUEUED: "Queued", Status.STARTING: "Starting…", Status.TRAINING: "Training",
    Status.PAUSED: "Paused", Status.FINISHED: "Finished", Status.STOPPED: "Stopped",
    Status.DIVERGED: "Diverged", Status.ERROR: "Could not train",
}


class WithStatus:
    """For a snapshot dataclass with a `status` field: the field made a Status, and `active`."""

    status: Status

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # a plain word (from a test, an old cache) becomes the enum

    @property
    def active(self) -> bool:
        return self.status.active

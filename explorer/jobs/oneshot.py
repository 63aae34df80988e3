"""A job that is one computation: a function of the spec, run once in a worker on the quick lane.

    DECODE = one_shot("decode", decode)     # decode(spec) -> plain data, in the worker
    layer.call("decode", spec)              # the page waits for the answer (None until it is there)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from explorer.jobs.kind import QUICK_LANE, JobKind, View
from explorer.jobs.status import Status


class OneShot:
    """A job that is one call: `compute(spec)` in the first `advance`."""

    def __init__(self, compute: Callable[[Any], Any], spec: Hashable):
        self.compute, self.spec, self.answer, self.done = compute, spec, None, False

    def begin(self) -> dict:
        return {}

    def advance(self):
        self.answer, self.done = self.compute(self.spec), True
        return self.answer

    def end(self) -> dict:
        return {"status": Status.FINISHED if self.done else Status.STOPPED}


class Answer:
    """The server's side: the answer, None until it is there."""

    def __init__(self, spec: Hashable):
        self.answer = None

    def started(self, payload) -> None:
        pass

    def progressed(self, answer) -> None:
        self.answer = answer

    def ended(self, payload: dict) -> None:
        pass

    def snapshot(self, view: View):
        return self.answer


def one_shot(name: str, compute: Callable[[Any], Any]) -> JobKind:
    return JobKind(name, lambda spec, limits: OneShot(compute, spec), Answer, lambda spec: 1, lane=QUICK_LANE)

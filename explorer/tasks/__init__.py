"""The task registry: every task the app can train on, in menu order."""

from __future__ import annotations

from explorer.tasks import adding, copy_memory, mod3, parity, sentiment, series, sine
from explorer.tasks.base import Baseline, Batch, Task

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        sine.TASK,
        adding.TASK,
        copy_memory.TASK,
        mod3.TASK,
        parity.TASK,
        sentiment.TASK,
        series.TASK,
    )
}


def get_task(name: str) -> Task:
    """The task called `name`; KeyError listing the valid names otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown task {name!r}; valid names: {', '.join(TASKS)}") from None


__all__ = ["Batch", "Baseline", "Task", "TASKS", "get_task"]

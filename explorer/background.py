"""Work in a daemon thread that a page steers through a handle: start, stop, join.

Subclasses write `_work` (checking `self._stop` between pieces of work) and publish what a page
reads under `self._lock`; a page keeps only the handle and reads snapshots.
"""

from __future__ import annotations

import threading
from typing import Self


class Background:
    thread_name = "rnn-explorer-background"

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards what `_work` publishes
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._work, name=self.thread_name, daemon=True)

    def _work(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the work to end at its next check; `join` waits for it."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the work to end; True when it has."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

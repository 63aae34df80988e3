"""Script slots: a classroom's page scripts take turns, a few at a time (explorer/ui/slots.py)."""

from __future__ import annotations

import threading
import time

from explorer.ui import slots
from explorer.ui.slots import script_slot


def test_scripts_run_a_few_at_a_time_and_the_waiting_ones_are_counted():
    two = threading.BoundedSemaphore(2)
    inside, most, lock = [0], [0], threading.Lock()
    release, queued = threading.Event(), threading.Barrier(7)

    def script():
        queued.wait()
        with script_slot(two):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            release.wait(10)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=script) for _ in range(6)]
    for t in threads:
        t.start()
    queued.wait()
    deadline = time.monotonic() + 10
    while slots.waiting() < 4 and time.monotonic() < deadline:  # two run, four wait
        threading.Event().wait(0.01)
    assert slots.waiting() == 4 and inside[0] == 2
    release.set()
    for t in threads:
        t.join(10)
    assert most[0] == 2 and slots.waiting() == 0


def test_a_thread_that_holds_a_slot_takes_no_second_one():
    one = threading.BoundedSemaphore(1)
    with script_slot(one) as outer, script_slot(one) as inner:  # a full run calls its panel inline
        assert outer and inner
    assert one.acquire(blocking=False)  # and gives it back once
    one.release()


def test_a_script_waits_for_a_slot_no_longer_than_its_bound_and_then_runs_anyway():
    none = threading.BoundedSemaphore(1)
    none.acquire()  # every slot held for good (a leak): the page must not freeze
    ran = []
    with script_slot(none, wait=0.05) as taken:
        ran.append(taken)
    assert ran == [False]
    none.release()
    assert none.acquire(blocking=False)  # nothing released that was not taken

"""Worker faults end cleanly: a killed, stopped or orphaned worker never hangs the layer.

Each test has its own layer with one training worker, so every fault hits the worker that
trains; replacing it takes a few seconds (a new process imports torch).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from explorer.config import Limits, RunConfig
from explorer.jobs import JobLayer, Status
from explorer.jobs.kind import TRAIN_LANE
from explorer.jobs.processes import SILENT_SECONDS

LONG = RunConfig(hidden_size=8, steps=20_000, probe_every=5)
SMALL = RunConfig(hidden_size=8, steps=30, probe_every=10)
WAIT = 90.0


@pytest.fixture
def layer():
    layer = JobLayer(Limits(workers=1, max_seconds=120))
    yield layer
    layer.shutdown()


def worker_pid(layer, not_one_of=()) -> int:
    """The training worker's pid, once it is not one already killed (a replacement takes a moment)."""
    deadline = time.monotonic() + WAIT
    while (pid := layer.backend.pids(TRAIN_LANE)[0]) in not_one_of:
        assert time.monotonic() < deadline, "no replacement worker"
        time.sleep(0.01)  # a spawn has no event to wait on from here
    return pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split(")")[-1].split()[0] != "Z"


def wait_gone(pids, timeout=15.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := [p for p in pids if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)  # process exit has no event to wait on from outside
    return left


def test_killing_the_worker_30_times_never_hangs_and_the_next_run_finishes(layer):
    """SIGKILL at random moments, mid-training (sending progress) or mid-start-up: each run it hit
    ends "error" with words, the worker is replaced, and afterwards a run trains to the end."""
    rng, hit, killed = random.Random(0), [], []
    for k in range(30):
        run = layer.submit("train", replace(LONG, seed=k))
        if k % 10 == 0:  # every tenth: wait until it trains, so the kill lands mid-send
            assert run.wait(lambda s: s.step > 3, WAIT) is not None, run.snapshot()
        else:
            time.sleep(rng.uniform(0, 0.05))
        killed.append(worker_pid(layer, killed))
        os.kill(killed[-1], signal.SIGKILL)
        hit.append(run)
        if run.snapshot().status == Status.QUEUED:
            run.stop()  # the kill came before a worker took it: nothing to report
    for run in hit:
        snap = run.wait(lambda s: not s.active, WAIT)
        assert snap is not None, f"a killed run hangs: {run.snapshot().status}"
        assert snap.status in (Status.ERROR, Status.STOPPED)
        if snap.status == Status.ERROR:
            assert "stopped unexpectedly" in snap.error
    after = layer.submit("train", SMALL).wait(lambda s: not s.active, WAIT)
    assert after is not None and after.status == Status.FINISHED and after.step == 30


def test_a_stopped_worker_is_found_out_by_its_silence_and_replaced(layer):
    run = layer.submit("train", LONG)
    run.wait(lambda s: s.step > 3, WAIT)
    pid = worker_pid(layer)
    os.kill(pid, signal.SIGSTOP)  # hung: alive, silent
    started = time.monotonic()
    snap = run.wait(lambda s: not s.active, WAIT)
    assert snap.status == Status.ERROR and "stopped answering" in snap.error
    assert time.monotonic() - started < SILENT_SECONDS + 5
    assert not wait_gone([pid])
    after = layer.submit("train", SMALL).wait(lambda s: not s.active, WAIT)
    assert after.status == Status.FINISHED


def test_no_worker_remains_after_shutdown():
    layer = JobLayer(Limits(workers=2))
    run = layer.submit("train", LONG)
    run.wait(lambda s: s.status == Status.TRAINING, WAIT)
    pids = layer.backend.pids()
    assert len(pids) == 3  # two training workers and the quick one
    layer.shutdown()
    assert run.snapshot().status == Status.STOPPED
    assert not wait_gone(pids, 5)


SERVER = """
import sys, time
from explorer.config import Limits, RunConfig
from explorer.jobs import JobLayer, Status
from explorer.jobs.kind import TRAIN_LANE
layer = JobLayer(Limits(workers=2))
run = layer.submit("train", RunConfig(hidden_size=8, steps=20_000))
run.wait(lambda s: s.status == Status.TRAINING, 90)
print(" ".join(map(str, layer.backend.pids())), flush=True)
time.sleep(600)
"""


def test_no_worker_outlives_a_killed_server():
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in server.stdout.readline().split()]
        assert len(pids) == 3 and all(alive(p) for p in pids)
    finally:
        server.kill()
        server.wait()
    assert not wait_gone(pids, 5), "workers outlived their server"

"""A run's progress line in words, and the status feed that brings it to the browser."""

from __future__ import annotations

from dataclasses import replace

from explorer.config import RunConfig
from explorer.feeds import FEED_SECONDS, Feeds
from explorer.history import History
from explorer.jobs import Status
from explorer.jobs.progress import progress_line, steps_per_second
from explorer.jobs.train import Snapshot
from explorer.live import LiveStatus, Pace


def history(steps: int, seconds_per_step: float) -> History:
    kept = History()
    for name in kept.columns:
        kept.columns[name] = [0.0] * steps
    kept.columns["step"] = [float(s) for s in range(1, steps + 1)]
    kept.columns["elapsed"] = [s * seconds_per_step for s in range(1, steps + 1)]
    return kept


def snapshot(status=Status.TRAINING, steps=100, place=0, of=500) -> Snapshot:
    return Snapshot(RunConfig(steps=of), status, history(steps, 0.01), queue_position=place, device="cpu")


def test_a_training_run_says_its_step_speed_and_time_left():
    line = progress_line(snapshot(), capacity=2, warming_up=False)
    assert line == {"fraction": 0.2, "ended": False,
                    "text": "**Training** · step 100 of 500 · 100 steps/s · about 4 s left · on cpu"}
    assert steps_per_second(snapshot(steps=1)) == 0.0  # one row: no speed yet


def test_a_queued_run_says_its_place_or_that_the_workers_are_starting():
    queued = snapshot(Status.QUEUED, steps=0, place=3)
    assert "3 in the queue — the server trains 2 runs at a time" in progress_line(queued, 2, False)["text"]
    assert "the training workers are starting" in progress_line(queued, 2, True)["text"]
    assert progress_line(queued, 2, False)["fraction"] == 0.0


def test_an_ended_run_says_so_and_no_time_left():
    for status in (Status.FINISHED, Status.STOPPED, Status.DIVERGED, Status.ERROR):
        line = progress_line(snapshot(status, steps=500), 2, False)
        assert line["ended"] and line["fraction"] == 1.0 and "left" not in line["text"]
    assert not progress_line(snapshot(Status.PAUSED), 2, False)["ended"]  # paused: may go on


class Run:
    def __init__(self):
        self.snap = snapshot(steps=10)

    def snapshot(self):
        return self.snap


def test_a_status_feed_sends_its_line_when_it_changes_and_says_stop_asking_when_the_run_ends():
    feeds, run = Feeds(Pace()), Run()
    status = LiveStatus(run)
    line = lambda snap: progress_line(snap, 2, False)  # noqa: E731
    token = feeds.offer_status("s", "run_status", status, run.snapshot, line)
    assert feeds.offer_status("s", "run_status", status, run.snapshot, line) == token  # same line, same token
    first = feeds.answer(token, "")
    assert first["status"]["text"].startswith("**Training** · step 10 of 500")
    assert first["every"] == FEED_SECONDS
    have = f"{first['gen']}:{first['rev']}"
    assert set(feeds.answer(token, have)) == {"gen", "rev", "every"}  # nothing new: no line
    run.snap = replace(run.snap, history=history(20, 0.01))
    moved = feeds.answer(token, have)
    assert moved["rev"] > first["rev"] and "step 20 of 500" in moved["status"]["text"]
    run.snap = replace(run.snap, status=Status.PAUSED)
    paused = feeds.answer(token, f"{moved['gen']}:{moved['rev']}")
    assert paused["status"]["text"].startswith("**Paused**")
    assert paused["every"] is not None  # asked on: a Step may come
    moved = paused
    run.snap = replace(run.snap, status=Status.FINISHED)
    ended = feeds.answer(token, f"{moved['gen']}:{moved['rev']}")
    assert ended["status"]["ended"] and ended["every"] is None
    other = LiveStatus(Run())  # another run's line under the same key: a new token, the old one gone
    assert feeds.offer_status("s", "run_status", other, run.snapshot, line) != token
    assert feeds.answer(token) is None

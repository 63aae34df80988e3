"""The classroom pool: queueing, sharing, caching, and each session's own controls."""

import time

import pytest
from safetensors.torch import load
from torch import nn

from explorer.checkpoint import recurrent_file
from explorer.config import Limits, RunConfig
from explorer.pool import WorkerPool

SMALL = RunConfig(hidden_size=8, steps=40, probe_every=10)
LONG = RunConfig(hidden_size=8, steps=20_000, seed=5)


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(Limits(workers=2, max_seconds=60))
    yield pool
    pool.shutdown()


def wait(run, predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate(run.snapshot()):
        assert time.monotonic() < deadline, f"gave up waiting; status {run.snapshot().status}"
        time.sleep(0.02)
    return run.snapshot()


def test_a_run_trains_to_the_end_with_traces_and_a_model(pool):
    run = pool.submit(SMALL)
    snap = wait(run, lambda s: s.status == "finished")
    assert snap.step == 40 and list(snap.history.array("step")) == list(range(1, 41))
    assert [t.step for t in snap.traces] == [0, 10, 20, 30, 40]
    recurrent = load(recurrent_file(snap.model))
    lstm = nn.LSTM(2, 8)
    lstm.load_state_dict(recurrent)  # strict: the keys are torch.nn's own


def test_the_same_config_is_trained_once_and_replayed_from_cache(pool):
    first = pool.submit(SMALL)
    wait(first, lambda s: s.status == "finished")
    again = pool.submit(SMALL)
    assert again.job_id == first.job_id
    snap = again.snapshot()
    assert snap.status == "finished" and snap.step == 40
    assert list(snap.history.array("loss")) == list(first.snapshot().history.array("loss"))


def test_pressing_train_again_with_the_same_settings_trains_anew(pool):
    """Train pressed twice: the session's first run is stopped, and the second (same config)
    must not join that stopping job and end "stopped" with it; it trains."""
    config = RunConfig(hidden_size=8, steps=20_000, seed=77)
    first = pool.submit(config)
    wait(first, lambda s: s.status == "training")
    first.stop()
    second = pool.submit(config)
    assert second.job_id != first.job_id
    snap = wait(second, lambda s: s.status == "training" and s.step > 0)
    assert first.snapshot().status == "stopped" and snap.status == "training"
    second.stop()


def test_pause_holds_step_advances_exactly_one_resume_continues(pool):
    run = pool.submit(LONG)
    wait(run, lambda s: s.step >= 5)
    run.pause()
    paused = run.snapshot()
    assert paused.status == "paused"
    time.sleep(0.5)
    assert run.snapshot().step == paused.step
    run.step()
    assert wait(run, lambda s: s.step == paused.step + 1).status == "paused"
    time.sleep(0.3)
    assert run.snapshot().step == paused.step + 1
    run.resume()
    wait(run, lambda s: s.step > paused.step + 5 and s.status == "training")
    run.stop()
    stopped = run.snapshot()
    time.sleep(0.3)
    assert stopped.status == "stopped" and run.snapshot().step == stopped.step


def test_sessions_sharing_a_job_do_not_steer_each_other(pool):
    config = RunConfig(hidden_size=8, steps=20_000, seed=6)
    mine, theirs = pool.submit(config), pool.submit(config)
    assert mine.job_id == theirs.job_id
    wait(mine, lambda s: s.step >= 3)
    mine.stop()
    at_stop = theirs.snapshot().step
    wait(theirs, lambda s: s.step > at_stop + 5)  # their run goes on
    assert theirs.snapshot().status == "training"
    theirs.stop()


def test_runs_queue_beyond_the_worker_count_and_report_their_place(pool):
    runs = [pool.submit(RunConfig(hidden_size=8, steps=20_000, seed=100 + i)) for i in range(4)]
    wait(runs[1], lambda s: s.status == "training")
    positions = [r.snapshot().queue_position for r in runs[2:]]
    assert positions == [1, 2] and runs[3].snapshot().status == "queued"
    runs[0].stop()
    wait(runs[2], lambda s: s.status == "training")
    assert runs[3].snapshot().queue_position == 1
    for run in runs:
        run.stop()
    wait(runs[3], lambda s: s.status == "stopped")


def test_an_exploding_run_ends_as_diverged(pool):
    config = RunConfig(cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
                       clip=False, optimizer="sgd", lr=0.1, seed=1, steps=300)
    snap = wait(pool.submit(config), lambda s: s.status == "diverged")
    assert snap.divergence is not None and snap.step == snap.divergence.step < 300


def test_a_config_past_the_limits_is_an_error_message_not_a_crash(pool):
    snap = wait(pool.submit(RunConfig(hidden_size=0)), lambda s: s.status == "error")
    assert "Hidden size must be between" in snap.error


def test_a_run_past_its_wall_time_stops_with_a_note():
    pool = WorkerPool(Limits(workers=1, max_seconds=1.0))
    try:
        snap = wait(pool.submit(LONG), lambda s: s.status == "stopped")
        assert "time limit" in snap.note and 0 < snap.step < LONG.steps
    finally:
        pool.shutdown()


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_the_app_trains_the_classic_preset_exactly_as_headless(pool, cell):
    """The race page's runs go through this pool: the same steps as `Trainer` headless, to the bit,
    so benchmarks/classic_adding.py's headless result is the app's result too."""
    from dataclasses import replace

    from explorer import Trainer
    from explorer.presets import PRESETS

    config = replace(PRESETS["classic-adding"].config(), cell=cell, steps=30, seed=2)
    in_app = wait(pool.submit(config), lambda s: s.status == "finished")
    headless = [progress.loss for progress in Trainer(config).fit()]
    assert list(in_app.history.array("loss")) == headless

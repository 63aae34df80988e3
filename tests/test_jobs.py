"""The one run layer: queueing, sharing, caching, each session's own controls, and every kind.

One layer (two training workers and a quick one) serves the module, as one serves a server.
These are the contract of a backend too: a backend for several machines joins `BACKENDS` and
must pass the same tests.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from safetensors.torch import load
from torch import nn

from explorer.checkpoint import recurrent_file
from explorer.compare import race_configs
from explorer.config import Limits, RunConfig
from explorer.jobs import JobLayer, JobLayerClosed, Status
from explorer.jobs.processes import ProcessBackend
from explorer.jobs.seq2seq import DecodeSpec, curve_lengths
from explorer.seq2seq import Seq2SeqConfig

SMALL = RunConfig(hidden_size=8, steps=40, probe_every=10)
LONG = RunConfig(hidden_size=8, steps=20_000, seed=5)
TINY = Seq2SeqConfig(seq_len=5, hidden_size=16, embedding_size=8, batch_size=32, steps=40, eval_every=20,
                     eval_size=32, probe_size=4)
WAIT = 60.0  # seconds, a ceiling on a shared 2-core machine


BACKENDS = {"processes": ProcessBackend}  # name -> Backend factory (limits, sink)


@pytest.fixture(scope="module", params=list(BACKENDS))
def layer(request):
    layer = JobLayer(Limits(workers=2, max_seconds=60), BACKENDS[request.param])
    yield layer
    layer.shutdown()


def wait(run, predicate):
    snap = run.wait(predicate, WAIT)
    assert snap is not None, f"gave up waiting; status {run.snapshot().status}"
    return snap


def test_a_run_trains_to_the_end_with_traces_and_a_model(layer):
    run = layer.submit("train", SMALL)
    snap = wait(run, lambda s: s.status == Status.FINISHED)
    assert snap.step == 40 and list(snap.history.array("step")) == list(range(1, 41))
    assert [t.step for t in snap.traces] == [0, 10, 20, 30, 40]
    nn.LSTM(2, 8).load_state_dict(load(recurrent_file(snap.model)))  # strict: torch.nn's own keys


def test_the_same_config_is_trained_once_and_replayed_from_cache(layer):
    first = layer.submit("train", SMALL)
    wait(first, lambda s: s.status == Status.FINISHED)
    again = layer.submit("train", SMALL)
    assert again.job_id == first.job_id
    snap = again.snapshot()
    assert snap.status == Status.FINISHED and snap.step == 40
    assert list(snap.history.array("loss")) == list(first.snapshot().history.array("loss"))


def test_pressing_train_again_with_the_same_settings_trains_anew(layer):
    """Train pressed twice: the first run is stopped, and the second (same config) must not join
    that stopping job and end "stopped" with it; it trains."""
    config = replace(LONG, seed=77)
    first = layer.submit("train", config)
    wait(first, lambda s: s.status == Status.TRAINING)
    first.stop()
    second = layer.submit("train", config)
    assert second.job_id != first.job_id
    wait(second, lambda s: s.status == Status.TRAINING and s.step > 0)
    assert first.snapshot().status == Status.STOPPED
    second.stop()


def test_pause_holds_step_advances_exactly_one_resume_continues(layer):
    run = layer.submit("train", LONG)
    wait(run, lambda s: s.step >= 5)
    run.pause()
    paused = run.snapshot()
    assert paused.status == Status.PAUSED
    assert run.wait(lambda s: s.step != paused.step, 0.5) is None  # nothing moves while paused
    run.step()
    assert wait(run, lambda s: s.step == paused.step + 1).status == Status.PAUSED
    assert run.wait(lambda s: s.step != paused.step + 1, 0.3) is None
    run.resume()
    wait(run, lambda s: s.step > paused.step + 5 and s.status == Status.TRAINING)
    run.stop()
    stopped = run.snapshot()
    assert stopped.status == Status.STOPPED and run.wait(lambda s: s.step != stopped.step, 0.3) is None


def test_sessions_sharing_a_job_do_not_steer_each_other(layer):
    config = replace(LONG, seed=6)
    mine, theirs = layer.submit("train", config), layer.submit("train", config)
    assert mine.job_id == theirs.job_id
    wait(mine, lambda s: s.step >= 3)
    mine.stop()
    at_stop = theirs.snapshot().step
    assert wait(theirs, lambda s: s.step > at_stop + 5).status == Status.TRAINING  # theirs goes on
    theirs.stop()


def test_runs_queue_beyond_the_worker_count_and_report_their_place(layer):
    runs = [layer.submit("train", replace(LONG, seed=100 + i)) for i in range(4)]
    wait(runs[1], lambda s: s.status == Status.TRAINING)
    assert [r.snapshot().queue_position for r in runs[2:]] == [1, 2]
    assert runs[3].snapshot().status == Status.QUEUED
    runs[0].stop()
    wait(runs[2], lambda s: s.status == Status.TRAINING)
    assert runs[3].snapshot().queue_position == 1
    for run in runs:
        run.stop()
    wait(runs[3], lambda s: s.status == Status.STOPPED)


def test_a_dropped_handle_stops_its_run(layer):
    run = layer.submit("train", replace(LONG, seed=8))
    job_id = run.job_id
    wait(run, lambda s: s.status == Status.TRAINING)
    del run  # a session that vanished without stop()
    watcher = layer.submit("train", replace(LONG, seed=8))
    assert watcher.job_id != job_id  # the dropped one is stopping, so a new press gets a new job
    watcher.stop()


def test_an_exploding_run_ends_as_diverged(layer):
    config = RunConfig(cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
                       clip=False, optimizer="sgd", lr=0.1, seed=1, steps=300)
    snap = wait(layer.submit("train", config), lambda s: s.status == Status.DIVERGED)
    assert snap.divergence is not None and snap.step == snap.divergence.step < 300


def test_a_config_past_the_limits_is_an_error_message_not_a_crash(layer):
    snap = wait(layer.submit("train", RunConfig(hidden_size=0)), lambda s: s.status == Status.ERROR)
    assert "Hidden size must be between" in snap.error


def test_a_run_past_its_wall_time_stops_with_a_note():
    layer = JobLayer(Limits(workers=1, max_seconds=1.0))
    try:
        snap = wait(layer.submit("train", LONG), lambda s: s.status == Status.STOPPED)
        assert "time limit" in snap.note and 0 < snap.step < LONG.steps
    finally:
        layer.shutdown()


def test_a_fresh_layer_says_its_workers_are_warming_up_until_one_takes_jobs():
    layer = JobLayer(Limits(workers=1))
    try:
        assert layer.warming_up()  # processes exist; none has loaded torch yet
        wait(layer.submit("train", SMALL), lambda s: s.status == Status.FINISHED)
        assert not layer.warming_up()
    finally:
        layer.shutdown()


def test_a_shut_down_layer_refuses_new_jobs_with_words():
    layer = JobLayer(Limits(workers=1))
    queued = layer.submit("train", LONG)
    layer.shutdown()
    assert queued.snapshot().status == Status.STOPPED
    with pytest.raises(JobLayerClosed, match="shutting down"):
        layer.submit("train", SMALL)


@pytest.mark.parametrize("cell", ["rnn_tanh", "lstm", "gru"])
def test_the_app_trains_the_classic_preset_exactly_as_headless(layer, cell):
    """Pages train through the layer: the same steps as `Trainer` headless, to the bit, so
    benchmarks/classic_adding.py's headless result is the app's result too."""
    from explorer import Trainer
    from explorer.presets import PRESETS

    config = replace(PRESETS["classic-adding"].config(), cell=cell, steps=30, seed=2)
    in_app = wait(layer.submit("train", config), lambda s: s.status == Status.FINISHED)
    assert list(in_app.history.array("loss")) == [p.loss for p in Trainer(config).fit()]


# --- races ----------------------------------------------------------------------------------
def test_a_race_steps_its_cells_in_lockstep_on_one_worker():
    """Three cells, one training worker: every snapshot shows each cell at the same step (a
    queue-per-cell race left one cell "Queued — step 0" while the others trained)."""
    layer = JobLayer(Limits(workers=1))
    try:
        configs = race_configs(replace(SMALL, steps=60, probe_every=20), ["rnn_tanh", "lstm", "gru"])
        race = layer.submit("race", tuple(configs))
        seen = []
        race.wait(lambda s: seen.append([r.step for r in s.runs.values()]) or not s.active, WAIT)
        assert all(max(steps) - min(steps) <= 1 for steps in seen)  # within one step at every look
        snap = race.snapshot()
        assert snap.status == Status.FINISHED and [r.step for r in snap.runs.values()] == [60, 60, 60]
        assert all(r.status == Status.FINISHED and [t.step for t in r.traces] == [0, 20, 40, 60]
                   for r in snap.runs.values())
    finally:
        layer.shutdown()


def test_a_race_trains_each_cell_exactly_as_alone(layer):
    configs = tuple(race_configs(replace(SMALL, steps=20), ["gru", "lstm"]))
    race = wait(layer.submit("race", configs), lambda s: not s.active)
    for config in configs:
        alone = wait(layer.submit("train", config), lambda s: s.status == Status.FINISHED)
        assert list(race.runs[config.cell].history.array("loss")) == list(alone.history.array("loss"))


def test_a_diverging_cell_drops_out_and_the_race_goes_on(layer):
    base = RunConfig(task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5, clip=False,
                     optimizer="sgd", lr=0.1, seed=1, steps=120, probe_every=60)
    snap = wait(layer.submit("race", tuple(race_configs(base, ["rnn_tanh", "lstm"]))), lambda s: not s.active)
    tanh, lstm = snap.runs["rnn_tanh"], snap.runs["lstm"]
    assert tanh.status == Status.DIVERGED and tanh.divergence is not None and tanh.step < 120
    assert lstm.step == 120 and snap.status == Status.FINISHED


# --- the Attention page's kinds ----------------------------------------------------------
def test_an_encoder_decoder_trains_publishes_probes_and_is_shared_when_finished(layer):
    config = replace(TINY, seed=11)
    run = layer.submit("seq2seq", config)
    snap = wait(run, lambda s: not s.active)
    assert (snap.status, snap.step) == (Status.FINISHED, 40)
    assert [s for s, _ in snap.evals] == [0, 20, 40]
    assert snap.encoder.step == snap.decoder.step == 40 and isinstance(snap.model, bytes)
    assert layer.submit("seq2seq", config).job_id == run.job_id  # finished: no new training


def test_a_diverging_encoder_decoder_ends_diverged_with_the_reason(layer):
    config = Seq2SeqConfig(cell="rnn_relu", lr=1.0, clip_norm=float("inf"), steps=100, seed=5)
    snap = wait(layer.submit("seq2seq", config), lambda s: not s.active)
    assert snap.status == Status.DIVERGED and snap.step < 100
    assert "infinite or NaN" in snap.divergence.explain()


def test_a_typed_source_is_decoded_in_a_worker_from_the_run_s_weights(layer):
    from explorer.jobs.seq2seq import load_model
    from explorer.seq2seq import TASKS
    from explorer.seq2seq.decode import read

    snap = wait(layer.submit("seq2seq", replace(TINY, seed=11)), lambda s: not s.active)
    reading = layer.call("decode", DecodeSpec(snap.config, snap.model, "1234", 2, 8))
    here = read(load_model(snap.config, snap.model), TASKS["reverse"], "1234", 2, 8)
    assert reading.greedy == here.greedy and reading.beam == here.beam
    assert reading.attention.shape == here.attention.shape


def test_a_decode_never_waits_behind_training():
    """Both training workers busy with long runs: a decode still answers (the quick lane)."""
    layer = JobLayer(Limits(workers=1))
    try:
        trained = wait(layer.submit("seq2seq", replace(TINY, steps=5, seed=13)), lambda s: not s.active)
        busy = layer.submit("train", LONG)
        wait(busy, lambda s: s.status == Status.TRAINING)
        reading = layer.call("decode", DecodeSpec(trained.config, trained.model, "42", 1, 6), timeout=30)
        assert reading.source == ["4", "2"] and busy.snapshot().status == Status.TRAINING
        busy.stop()
    finally:
        layer.shutdown()


def test_stop_ends_a_long_encoder_decoder_run(layer):
    run = layer.submit("seq2seq", replace(TINY, steps=20_000, seed=12))
    wait(run, lambda s: s.step > 0)
    run.stop()
    assert run.snapshot().status == Status.STOPPED
    assert layer.submit("seq2seq", replace(TINY, steps=20_000, seed=12)).job_id != run.job_id


def test_the_bottleneck_curve_measures_both_kinds_at_every_length(layer):
    lengths = tuple(curve_lengths(1, 4))
    spec = (replace(TINY, seq_len=4, steps=5), lengths)
    job = layer.submit("curve", spec)
    curve = wait(job, lambda c: not c.active)
    assert curve.status == Status.FINISHED and curve.progress == 1.0
    assert list(curve.accuracy) == ["none", "additive"]
    assert all(len(v) == len(lengths) for v in curve.accuracy.values())
    assert layer.submit("curve", spec).job_id == job.job_id  # cached by spec


def test_an_example_trains_on_the_quick_lane(layer):
    from explorer.examples import EXAMPLES

    snap = layer.call("example", next(iter(EXAMPLES.values())), timeout=WAIT)
    assert snap.status == Status.FINISHED and snap.traces[0].step == 0 and snap.traces[-1].step == snap.step

"""Races and sweeps: configs, handles, the shared cache. Fake runs where training is not the point."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from explorer import compare
from explorer.config import Limits, RunConfig
from explorer.history import History
from explorer.jobs import JobLayer
from explorer.jobs.status import Status
from explorer.jobs.train import Snapshot
from explorer.train import ConfigError, Progress

BASE = RunConfig(task="adding", seq_len=8, hidden_size=8, batch_size=8, steps=20, probe_every=5, probe_size=2)


class FakeRun:
    """A run that has already ended with a given metric per step (or a given status)."""

    def __init__(self, config: RunConfig, metric: float = 0.1, status: str = "finished"):
        self.config, self.stopped = config, False
        self.history = History()
        for step in range(1, config.steps + 1):
            self.history.append(Progress(step, metric, metric, 1.0, 1.0, status, step * 0.01))
        self.status = status

    def stop(self) -> None:
        self.stopped = True

    def join(self, timeout: float | None = None) -> bool:
        return not self.snapshot().active

    def snapshot(self) -> Snapshot:
        error = "boom" if self.status == "error" else None
        status = Status.STOPPED if self.stopped else Status(self.status)
        return Snapshot(self.config, status, self.history, error=error)


@pytest.fixture(scope="module")
def layer():
    layer = JobLayer(Limits(workers=2))
    yield layer
    layer.shutdown()


def test_race_configs_differ_only_in_the_cell():
    configs = compare.race_configs(BASE, ["rnn_tanh", "lstm", "gru"])
    assert [c.cell for c in configs] == ["rnn_tanh", "lstm", "gru"]
    assert {replace(c, cell="lstm") for c in configs} == {replace(BASE, cell="lstm")}


@pytest.mark.parametrize(("cells", "message"), [
    (["lstm"], "2 to 4 different cells"),
    (["lstm", "lstm"], "2 to 4 different cells"),
    (["rnn_tanh", "rnn_relu", "lstm", "gru", "lstm"], "2 to 4 different cells"),
])
def test_race_configs_explain_what_cannot_race(cells, message):
    with pytest.raises(ConfigError) as info:
        compare.race_configs(BASE, cells)
    assert any(message in p for p in info.value.problems)


def test_identity_init_cannot_race_a_gated_cell():
    with pytest.raises(ConfigError, match="applies only to vanilla RNNs"):
        compare.race_configs(replace(BASE, init="identity"), ["rnn_relu", "lstm"])


def test_race_trains_every_cell_on_the_same_data(layer):
    """A real two-cell race: both finish, and both probes saw the same sequences."""
    race = layer.submit("race", tuple(compare.race_configs(BASE, ["rnn_tanh", "gru"])))
    assert race.join(60)
    snap = race.snapshot()
    assert not snap.active and snap.step == BASE.steps
    assert [(c, s.status, s.step) for c, s in snap.runs.items()] == [("rnn_tanh", "finished", 20),
                                                                      ("gru", "finished", 20)]
    tanh, gru = (s.trace for s in snap.runs.values())
    np.testing.assert_array_equal(tanh.inputs, gru.inputs)
    assert compare.nearest_trace(snap.runs["gru"].traces, 11).step == 10


def test_score_averages_the_last_steps_and_marks_divergence():
    run = FakeRun(replace(BASE, steps=80), metric=0.2)
    run.history.columns["metric"][-compare.TAIL:] = [0.05] * compare.TAIL
    point = compare.score(run.snapshot())
    assert point.metric == pytest.approx(0.05) and point.status == "finished" and point.seconds == 0.8
    diverged = compare.score(FakeRun(BASE, status="diverged").snapshot())
    assert math.isnan(diverged.metric) and diverged.status == "diverged"


def test_sweep_computes_every_point_one_after_another():
    configs = compare.sweep_configs(BASE, ["rnn_tanh", "gru"], [20, 10])
    assert [(c.cell, c.seq_len) for c in configs] == [("rnn_tanh", 10), ("rnn_tanh", 20), ("gru", 10),
                                                      ("gru", 20)]
    made = []
    submit = lambda cfg: made.append(cfg) or FakeRun(cfg, metric=cfg.seq_len / 100)  # noqa: E731
    sweep = compare.Sweep(configs, submit).start()
    assert sweep.join(10)
    snap = sweep.snapshot()
    assert snap.status == "finished" and snap.progress == 1.0 and made == configs  # one after another
    assert {(c.cell, c.seq_len): p.metric for c, p in snap.results.items()}[("gru", 20)] == pytest.approx(0.2)


def test_sweep_reports_a_failed_run_instead_of_dying():
    sweep = compare.Sweep(compare.sweep_configs(BASE, ["gru"], [10]),
                          lambda cfg: FakeRun(cfg, status="error")).start()
    assert sweep.join(10)
    snap = sweep.snapshot()
    assert snap.status == "error" and snap.error == "boom" and not snap.active


def test_sweep_stops_its_point_and_goes_no_further():
    made = []
    submit = lambda cfg: made.append(FakeRun(cfg, status="training")) or made[-1]  # noqa: E731
    sweep = compare.Sweep(compare.sweep_configs(BASE, ["gru"], [10, 20]), submit).start()
    assert not sweep.join(0.1)  # the first point is still training
    sweep.stop()
    assert sweep.join(5) and made[0].stopped and len(made) == 1
    assert sweep.snapshot().status == "stopped" and not sweep.snapshot().results


def test_sweep_configs_refuse_too_many_or_invalid_points():
    with pytest.raises(ConfigError, match="at most"):
        compare.sweep_configs(BASE, ["rnn_tanh", "lstm", "gru"], range(4, 4 + 14))
    with pytest.raises(ConfigError) as info:
        compare.sweep_configs(BASE, ["gru"], [2])
    assert info.value.problems[0].startswith("GRU, T=2: Sequence length")


def test_a_real_sweep_trains_its_points_as_jobs_and_reuses_finished_ones(layer):
    configs = compare.sweep_configs(BASE, ["rnn_tanh"], [5, 8])
    sweep = compare.Sweep(configs, lambda cfg: layer.submit("train", cfg))
    assert sweep.start().join(60)
    snap = sweep.snapshot()
    assert snap.status == "finished" and len(snap.results) == 2
    assert all(0 < p.metric < 1 and p.seconds > 0 for p in snap.results.values())
    again = compare.Sweep(configs, lambda cfg: layer.submit("train", cfg)).start()
    assert again.snapshot().status == "finished" and again.snapshot().results == snap.results  # no training

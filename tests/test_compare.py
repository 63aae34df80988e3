"""Races and sweeps: configs, handles, the shared cache. Fake runs where training is not the point."""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import numpy as np
import pytest

from explorer import compare
from explorer.config import RunConfig
from explorer.history import History
from explorer.runs import Snapshot
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
        return True

    def snapshot(self) -> Snapshot:
        error = "boom" if self.status == "error" else None
        return Snapshot(self.config, self.status, self.history, error=error)


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


def test_race_trains_every_cell_on_the_same_data():
    """A real two-cell race in threads: both finish, and both probes saw the same sequences."""
    race = compare.Race(compare.race_configs(BASE, ["rnn_tanh", "gru"])).start()
    assert race.join(60)
    snap = race.snapshot()
    assert not snap.active and snap.step == BASE.steps
    assert [(c, s.status, s.step) for c, s in snap.runs.items()] == [("rnn_tanh", "finished", 20),
                                                                      ("gru", "finished", 20)]
    tanh, gru = (s.trace for s in snap.runs.values())
    np.testing.assert_array_equal(tanh.inputs, gru.inputs)
    assert compare.nearest_trace(snap.runs["gru"].traces, 11).step == 10


def test_race_stops_every_run():
    made = []
    race = compare.Race(compare.race_configs(BASE, ["lstm", "gru"]),
                        lambda cfg: made.append(FakeRun(cfg)) or made[-1]).start()
    race.stop()
    assert [r.stopped for r in made] == [True, True] and race.join(1)


def test_score_averages_the_last_steps_and_marks_divergence():
    run = FakeRun(replace(BASE, steps=80), metric=0.2)
    run.history.columns["metric"][-compare.TAIL:] = [0.05] * compare.TAIL
    point = compare.score(run.snapshot())
    assert point.metric == pytest.approx(0.05) and point.status == "finished" and point.seconds == 0.8
    diverged = compare.score(FakeRun(BASE, status="diverged").snapshot())
    assert math.isnan(diverged.metric) and diverged.status == "diverged"


def test_cache_computes_a_point_once_for_concurrent_askers():
    cache, calls, gate = compare.ResultCache(), [], threading.Event()
    point = compare.SweepPoint(0.1, 0.1, "finished", 1.0)

    def slow():
        calls.append(1)
        gate.wait(5)
        return point

    results = []
    askers = [threading.Thread(target=lambda: results.append(cache.compute(BASE, slow))) for _ in range(3)]
    for t in askers:
        t.start()
    gate.set()
    for t in askers:
        t.join(5)
    assert results == [point] * 3 and len(calls) == 1
    assert cache.compute(replace(BASE, seed=1), lambda: None) is None  # a stopped point is not kept
    assert cache.get(replace(BASE, seed=1)) is None


def test_cache_forgets_the_least_recently_used():
    cache = compare.ResultCache(max_entries=2)
    a, b, c = (replace(BASE, seed=s) for s in range(3))
    for key in (a, b):
        cache.compute(key, lambda: compare.SweepPoint(0, 0, "finished", 0))
    cache.get(a)
    cache.compute(c, lambda: compare.SweepPoint(0, 0, "finished", 0))
    assert cache.get(b) is None and cache.get(a) is not None


def test_sweep_computes_every_point_and_reuses_the_cache():
    configs = compare.sweep_configs(BASE, ["rnn_tanh", "gru"], [20, 10])
    assert [(c.cell, c.seq_len) for c in configs] == [("rnn_tanh", 10), ("rnn_tanh", 20), ("gru", 10),
                                                      ("gru", 20)]
    cache, made = compare.ResultCache(), []
    factory = lambda cfg: made.append(cfg) or FakeRun(cfg, metric=cfg.seq_len / 100)  # noqa: E731
    sweep = compare.Sweep(configs, factory, cache).start()
    assert sweep.join(10)
    snap = sweep.snapshot()
    assert snap.status == "finished" and snap.progress == 1.0 and len(made) == 4
    assert {(c.cell, c.seq_len): p.metric for c, p in snap.results.items()}[("gru", 20)] == pytest.approx(0.2)

    again = compare.Sweep(configs[:2], factory, cache).start()
    assert again.join(10) and again.snapshot().status == "finished" and len(made) == 4


def test_sweep_reports_a_failed_run_instead_of_dying():
    sweep = compare.Sweep(compare.sweep_configs(BASE, ["gru"], [10]),
                          lambda cfg: FakeRun(cfg, status="error"), compare.ResultCache()).start()
    assert sweep.join(10)
    snap = sweep.snapshot()
    assert snap.status == "error" and snap.error == "boom" and not snap.active


def test_sweep_stops_between_points():
    gate = threading.Event()

    class Slow(FakeRun):
        def join(self, timeout=None):
            return gate.wait(timeout)

    sweep = compare.Sweep(compare.sweep_configs(BASE, ["gru"], [10, 20]), Slow, compare.ResultCache()).start()
    sweep.stop()
    assert sweep.join(5)
    assert sweep.snapshot().status == "stopped" and not sweep.snapshot().results


def test_sweep_configs_refuse_too_many_or_invalid_points():
    with pytest.raises(ConfigError, match="at most"):
        compare.sweep_configs(BASE, ["rnn_tanh", "lstm", "gru"], range(4, 4 + 14))
    with pytest.raises(ConfigError) as info:
        compare.sweep_configs(BASE, ["gru"], [2])
    assert info.value.problems[0].startswith("GRU, T=2: Sequence length")


def test_a_real_sweep_trains_its_points_in_the_background():
    sweep = compare.Sweep(compare.sweep_configs(BASE, ["rnn_tanh"], [5, 8]), cache=compare.ResultCache())
    assert sweep.start().join(60)
    snap = sweep.snapshot()
    assert snap.status == "finished" and len(snap.results) == 2
    assert all(0 < p.metric < 1 and p.seconds > 0 for p in snap.results.values())

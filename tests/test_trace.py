"""Trace files: saved today, loaded tomorrow."""

import io

import numpy as np
import pytest
import torch

from explorer import Trace, trace_rnn
from explorer.trace import FORMAT_VERSION, TraceHistory, trace_nbytes


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(0)
    trace = trace_rnn(torch.nn.LSTM(2, 4, batch_first=True, bidirectional=True), torch.randn(3, 5, 2))
    trace.inputs, trace.vocab, trace.step, trace.task = np.zeros((3, 5), np.int64), ("a", "b"), 40, "copy"
    trace.save(tmp_path / "t.npz")
    loaded = Trace.load(tmp_path / "t.npz")
    assert loaded.cell_type == "lstm" and loaded.step == 40 and loaded.vocab == ("a", "b")
    np.testing.assert_array_equal(loaded.hidden, trace.hidden)
    np.testing.assert_array_equal(loaded.cell, trace.cell)
    np.testing.assert_array_equal(loaded.gates["f"], trace.gates["f"])
    np.testing.assert_array_equal(loaded.params["weight_hh_l0_reverse"], trace.params["weight_hh_l0_reverse"])
    assert loaded.loss == pytest.approx(trace.loss)
    assert loaded.token_labels(0) == ["a"] * 5


def test_a_newer_format_is_refused_clearly():
    trace = trace_rnn(torch.nn.GRU(1, 2), torch.randn(3, 1, 1))
    buffer = io.BytesIO()
    trace.save(buffer)
    buffer.seek(0)
    with np.load(buffer) as data:
        arrays = dict(data)
    arrays["meta"] = np.frombuffer(
        bytes(arrays["meta"]).replace(f'"format_version": {FORMAT_VERSION}'.encode(),
                                      b'"format_version": 99'), dtype=np.uint8)
    newer = io.BytesIO()
    np.savez(newer, **arrays)
    newer.seek(0)
    with pytest.raises(ValueError, match="newer"):
        Trace.load(newer)


def probe(step: int, units: int = 100) -> Trace:
    """A trace of `units` float64 hidden values and as many outputs: 1,600 bytes at 100."""
    return Trace("rnn_tanh", hidden=np.zeros((1, 1, 1, 1, units)), output=np.zeros((1, 1, units)),
                 step=step)


def test_trace_history_stays_within_its_budget_and_keeps_first_and_newest():
    """200 probes of 1,600 bytes under a 16-probe budget: after every append the kept total is
    within the budget, step 0 and the newest step are kept, and the steps stay in order."""
    assert trace_nbytes(probe(0)) == 1600
    history = TraceHistory(budget_bytes=16 * 1600)
    for step in range(0, 2000, 10):
        history.append(probe(step))
        assert history.nbytes == sum(trace_nbytes(t) for t in history.traces) <= history.budget_bytes
        assert history.steps[0] == 0 and history.steps[-1] == step
        assert history.steps == sorted(history.steps)
    assert 8 < len(history) <= 16
    assert history.at_step(3) is history.traces[0]
    assert history.at_step(10_000).step == 1990


def test_trace_history_keeps_first_and_newest_past_a_tiny_budget():
    """A budget smaller than one trace still keeps the first and the newest (and only those)."""
    history = TraceHistory(budget_bytes=100)
    for step in range(5):
        history.append(probe(step))
    assert history.steps == [0, 4]


def test_trace_history_thins_evenly_over_training():
    """The docstring's promise: the kept steps spread evenly over the run (the gaps between kept
    steps, the newest aside, differ by at most 2x) instead of clustering at its end."""
    history = TraceHistory(budget_bytes=16 * 1600)
    for step in range(0, 2000, 10):
        history.append(probe(step))
    gaps = np.diff(history.steps[:-1])
    assert gaps.max() <= 2 * gaps.min()
    assert any(500 <= s <= 1500 for s in history.steps)

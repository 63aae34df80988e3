"""Trace files: saved today, loaded tomorrow."""

import io

import numpy as np
import pytest
import torch

from explorer import Trace, trace_rnn
from explorer.trace import FORMAT_VERSION


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

"""Fuzz: wrong arguments to the public Python API — `trace_rnn`, `RunConfig`, `Trainer`,
`Seq2SeqConfig`/`Seq2SeqTrainer`, the upload readers — each raises `TypeError` or `ValueError`
(or, for a config, returns problems) whose message names the argument; no internal error
(an IndexError deep in torch, a message that fails to format) surfaces."""

from __future__ import annotations

import math
from dataclasses import fields

import fuzz
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from explorer import RunConfig, Trainer, trace_rnn
from explorer.schema import label as _label
from explorer.seq2seq import Seq2SeqConfig, Seq2SeqTrainer
from explorer.textfile import read_csv, read_text
from explorer.upload import UploadError, generate, infer, load_module, parse_sequence

pytestmark = pytest.mark.fuzz
WRONG = {  # values of the wrong type (or no number at all) for each kind of field
    "int": ["32", 32.5, 2.5, None, [], True, math.nan, b"3", 10**100, -(10**100)],
    "float": ["0.1", None, [], True, math.nan, math.inf, -math.inf, 1e308, b"1", 10**400],
    "float | None": ["1", [], True, math.nan, math.inf, 1e9],
    "bool": [1, 0, "yes", None, 1.0],
    "str": [None, 3, b"lstm", ["lstm"], "", "x" * 10_000, "LSTM", "lstm\n"],
}


def named(message: str, field: str) -> bool:
    labels = {"seq_len": "ength", "forget_bias": "Forget-gate bias", "init": "nitialization",
              "teacher_forcing": "Teacher forcing", "lr": "learning rate", "clip_norm": "clipping",
              "schedule": "schedule", "attention": "attention"}
    return any(name in message for name in (field, _label(field), labels.get(field, field)))


@pytest.mark.parametrize("config_class", [RunConfig, Seq2SeqConfig])
def test_every_config_field_with_a_wrong_value_is_named_and_nothing_crashes(config_class):
    trainer_class = Trainer if config_class is RunConfig else Seq2SeqTrainer
    for f in fields(config_class):
        for value in WRONG[str(f.type)]:
            config = config_class(**{f.name: value})
            problems = config.validate()  # never raises
            fuzz.tried("api")
            if not problems:  # a real number at an extreme may be allowed (seq2seq's clip_norm=inf), and
                # a field's own default (no custom cell: custom_cell="")
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                assert value == f.default or number, (f.name, value)
                continue
            for problem in problems:
                fuzz.assert_clear(problem)
            assert any(named(p, f.name) for p in problems), (f.name, value, problems)
            with pytest.raises(ValueError) as refused:
                trainer_class(config)
            fuzz.assert_clear(str(refused.value))


def test_the_issues_config_values_say_what_is_expected():
    for config, said in [(RunConfig(hidden_size="32"), "hidden_size must be a whole number (got '32'"),
                         (RunConfig(hidden_size=32.5), "hidden_size must be a whole number (got 32.5"),
                         (RunConfig(steps=2.5), "steps must be a whole number (got 2.5"),
                         (Seq2SeqConfig(hidden_size="64"), "hidden_size must be a whole number (got '64'")]:
        fuzz.tried("api")
        assert said in config.validate()[0]


def test_a_trainer_is_given_a_config_and_fits_whole_steps():
    for wrong in (None, {"cell": "gru"}, "lstm", Seq2SeqConfig()):
        with pytest.raises(TypeError, match="needs a RunConfig"):
            Trainer(wrong)
        fuzz.tried("api")
    trainer = Trainer(RunConfig(hidden_size=4, steps=2))
    for steps in (-1, 2.5, "3", True):
        with pytest.raises(ValueError, match="steps must be a whole number"):
            list(trainer.fit(steps))
        fuzz.tried("api")
    with pytest.raises(TypeError, match="limits must be a Limits"):
        RunConfig().validate({"max_steps": 5})
    fuzz.tried("api")


GRU = nn.GRU(2, 4)  # (T, B, F) layout
LSTM = nn.LSTM(2, 4, batch_first=True, num_layers=2)
X = torch.randn(3, 2, 2)
TRACE_CASES = [  # (module, arguments, the argument the message must name)
    (nn.Linear(2, 2), {"x": X}, "module"), (None, {"x": X}, "module"), ("gru", {"x": X}, "module"),
    (nn.LSTM(2, 4, proj_size=2), {"x": X}, "proj_size"), (GRU, {"x": None}, "x"), (GRU, {"x": 3.0}, "x"),
    (GRU, {"x": X.numpy()}, "x"), (GRU, {"x": X.tolist()}, "x"), (GRU, {"x": X.long()}, "x"),
    (GRU, {"x": X.bool()}, "x"), (GRU, {"x": X[0]}, "x"), (GRU, {"x": X[None]}, "x"),
    (GRU, {"x": torch.randn(0, 2, 2)}, "x"), (GRU, {"x": torch.randn(3, 0, 2)}, "x"),
    (GRU, {"x": torch.randn(3, 2, 0)}, "x"), (GRU, {"x": torch.randn(3, 2, 3)}, "x has 3 features"),
    (LSTM, {"x": torch.randn(2, 3, 5)}, "input_size=2"),
    (GRU, {"x": X, "lengths": [1.5, 2]}, "lengths"), (GRU, {"x": X, "lengths": [0, 2]}, "lengths"),
    (GRU, {"x": X, "lengths": [4, 2]}, "lengths"), (GRU, {"x": X, "lengths": [-1, 2]}, "lengths"),
    (GRU, {"x": X, "lengths": [1, 2, 3]}, "lengths"), (GRU, {"x": X, "lengths": "ab"}, "lengths"),
    (GRU, {"x": X, "lengths": [[1, 2]]}, "lengths"), (GRU, {"x": X, "lengths": [1, math.nan]}, "lengths"),
    (GRU, {"x": X, "lengths": torch.tensor([1.5, 2.0])}, "lengths"),
    (GRU, {"x": X, "lengths": [1, [2]]}, "lengths"),
    (GRU, {"x": X, "lengths": {1: 2}}, "lengths"), (GRU, {"x": X, "lengths": [True, "2"]}, "lengths"),
    (GRU, {"x": X, "initial_state": torch.zeros(2, 2, 4)}, "initial_state"),
    (GRU, {"x": X, "initial_state": torch.zeros(1, 3, 4)}, "initial_state"),
    (GRU, {"x": X, "initial_state": np.zeros((1, 2, 4))}, "initial_state"),
    (GRU, {"x": X, "initial_state": torch.zeros(1, 2, 4, dtype=torch.long)}, "initial_state"),
    (GRU, {"x": X, "initial_state": (torch.zeros(1, 2, 4), torch.zeros(1, 2, 4))}, "initial_state"),
    (LSTM, {"x": X, "initial_state": torch.zeros(2, 3, 4)}, "initial_state"),
    (LSTM, {"x": X, "initial_state": (torch.zeros(2, 3, 4),) * 3}, "initial_state"),
    (LSTM, {"x": X, "initial_state": [torch.zeros(2, 3, 4), "c0"]}, "initial_state"),
    (LSTM, {"x": X, "initial_state": ()}, "initial_state"),
    (GRU, {"x": X, "loss_fn": "sum"}, "loss_fn"), (GRU, {"x": X, "loss_fn": lambda out: out}, "loss_fn"),
    (GRU, {"x": X, "loss_fn": lambda out: 1.0}, "loss_fn"),
    (GRU, {"x": X, "loss_fn": lambda out: torch.tensor(1.0)}, "loss_fn"),
    (GRU, {"x": X, "loss_fn": lambda out: None}, "loss_fn"),
    (GRU, {"x": X, "dtype": "float64"}, "dtype"), (GRU, {"x": X, "dtype": torch.int64}, "dtype"),
    (GRU, {"x": X, "dtype": None}, "dtype"), (GRU, {"x": X, "dtype": np.float64}, "dtype"),
]


def test_trace_rnn_names_every_wrong_argument():
    for module, arguments, name in TRACE_CASES:
        with pytest.raises((TypeError, ValueError)) as refused:
            trace_rnn(module, **arguments)
        fuzz.tried("api")
        fuzz.assert_clear(str(refused.value), name)


@fuzz.PROFILE
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=4), features=st.integers(1, 3),
       cell=st.sampled_from([nn.RNN, nn.GRU, nn.LSTM]), batch_first=st.booleans(),
       lengths=st.none() | st.lists(st.integers(-1, 5) | st.floats(-1, 6), max_size=4))
def test_trace_rnn_on_any_shape_records_or_names_the_argument(shape, features, cell, batch_first, lengths):
    module = cell(features, 3, batch_first=batch_first)
    try:
        trace = trace_rnn(module, torch.randn(shape), lengths=lengths)
    except (TypeError, ValueError) as refused:
        fuzz.assert_clear(str(refused))
        assert any(name in str(refused) for name in ("x ", "x has", "lengths")), refused
    else:
        assert np.isfinite(trace.output).all()
    fuzz.tried("api")


def test_the_upload_api_names_wrong_arguments():
    cases = [(load_module, ("weights.pt",), TypeError, "data must be the file's bytes"),
             (load_module, (None,), TypeError, "data must be"),
             (read_text, ("text",), TypeError, "data must"),
             (read_csv, (["a,b"],), TypeError, "data must"), (infer, ([1, 2],), TypeError, "weights must be"),
             (infer, ({"weight_ih_l0": [[1.0]]},), UploadError, "not a tensor"),
             (infer, ({},), UploadError, "No recurrent weights"),
             (parse_sequence, (b"1 2", 2), TypeError, "text must be a str"),
             (parse_sequence, (None, 2), TypeError, "text must be a str"),
             (generate, ("noise", 5, 2), UploadError, "Unknown kind of sequence"),
             (generate, ("sine", 0, 2), UploadError, "from 1 to 1000"),
             (generate, ("sine", 10**9, 2), UploadError, "from 1 to 1000")]
    for function, arguments, error, said in cases:
        with pytest.raises(error) as refused:
            function(*arguments)
        fuzz.tried("api")
        fuzz.assert_clear(str(refused.value), said)

"""Bring your own model: good files open as the same module, every bad one says why."""

from __future__ import annotations

import functools
import io
import re

import numpy as np
import pytest
import torch
from safetensors.torch import save as save_safetensors

from explorer.cells import CELLS
from explorer.models import SequenceModel
from explorer.tasks import TASKS
from explorer.upload import (
    MAX_BYTES,
    UploadError,
    generate,
    infer,
    load_module,
    parse_sequence,
    read_weights,
)


def module(cell="lstm", input_size=3, hidden=6, layers=2, bidirectional=True, bias=True):
    spec = CELLS[cell]
    torch.manual_seed(0)
    return spec.module(input_size, hidden, num_layers=layers, bidirectional=bidirectional, bias=bias,
                       **spec.module_kwargs)


def torch_saved(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("cell", "layers", "bidirectional", "bias"), [
    ("lstm", 2, True, True), ("gru", 1, False, True), ("rnn_tanh", 3, True, False),
    ("rnn_relu", 1, True, True),
])
@pytest.mark.parametrize("fmt", ["safetensors", "torch"])
def test_a_saved_layer_opens_as_the_same_module(cell, layers, bidirectional, bias, fmt):
    """Names and shapes give back the architecture; the rebuilt module computes the same output."""
    original = module(cell, layers=layers, bidirectional=bidirectional, bias=bias)
    state = original.state_dict()
    data = save_safetensors(state) if fmt == "safetensors" else torch_saved(state)
    rebuilt, arch = load_module(data, nonlinearity=cell.removeprefix("rnn_"), batch_first=False)
    assert (arch.cell, arch.input_size, arch.hidden_size, arch.num_layers, arch.bidirectional, arch.bias) == (
        cell, 3, 6, layers, bidirectional, bias)
    x = torch.randn(7, 2, 3)
    torch.testing.assert_close(rebuilt(x)[0], original(x)[0])


def test_a_whole_models_state_dict_and_a_checkpoint_dict_open_too():
    model = SequenceModel(TASKS["parity"], "gru", hidden_size=8)
    arch = infer(read_weights(save_safetensors(model.state_dict())))
    assert (arch.prefix, arch.cell, arch.input_size) == ("rnn.", "gru", 16)  # the embedding's size
    checkpoint = torch_saved({"state_dict": module().state_dict(), "epoch": 3})
    described = load_module(checkpoint)[1].describe()
    assert described == "LSTM: input size 3, hidden size 6, 2 layers, bidirectional"


@functools.cache
def bad_files() -> dict[str, tuple[bytes, str]]:
    """Name -> (file bytes, what the error message must say); made once per test session."""
    state = module().state_dict()
    return {
        "empty": (b"", "The file is empty"),
        "not safetensors": (b"hello, world", "neither a safetensors file nor a PyTorch state_dict"),
        "text with a header length": (b"\x10" + b"\x00" * 7 + b"not json at all!", "neither a safetensors"),
        "cut short": (save_safetensors(state)[:200], "could not be read"),
        "too big": (b"\x00" * (MAX_BYTES + 1), "the limit is 20 MB"),
        "a pickled module": (torch_saved(module()), "holds Python objects, not just tensors"),
        "a zip that is not torch": (b"PK\x03\x04" + b"\x00" * 40, "Could not read the file as a PyTorch"),
        "a list": (torch_saved([torch.zeros(2)]), "does not hold a state_dict"),
        "wrong keys": (save_safetensors({"encoder.weight": torch.zeros(2, 2)}), "No recurrent weights found"),
        "a missing key": (save_safetensors({k: v for k, v in state.items() if k != "weight_hh_l1"}),
                          "missing weight_hh_l1"),
        "biases in some layers only": (
            save_safetensors({k: v for k, v in state.items() if not k.startswith("bias_ih_l0")}),
            "unexpected bias_hh_l0, bias_hh_l0_reverse, bias_hh_l1"),
        "wrong hidden shape": (save_safetensors({**state, "weight_hh_l0": torch.zeros(24, 5)}),
                               "weight_hh_l0 has shape (24, 5)"),
        "wrong layer-2 input": (save_safetensors({**state, "weight_ih_l1": torch.zeros(24, 6)}),
                                "weight_ih_l1 has shape (24, 6); with input size 3 and hidden size 6, "
                                "this LSTM needs (24, 12)"),
        "integer weights": (save_safetensors({k: v.long() for k, v in state.items()}), "floating point"),
        "NaN weights": (save_safetensors({**state, "bias_hh_l0": torch.full((24,), float("nan"))}), "NaN"),
        "two layers": (save_safetensors({"a.weight_ih_l0": torch.zeros(4, 2),
                                         "b.weight_ih_l0": torch.zeros(4, 2)}), "several recurrent layers"),
        "projections": (save_safetensors(torch.nn.LSTM(3, 6, proj_size=2).state_dict()), "proj_size"),
        "too large": (save_safetensors(torch.nn.GRU(2, 600).state_dict()), "too large to replay"),
        "stretched with expand": (torch_saved({**state, "weight_hh_l0": torch.zeros(1).expand(24, 6)}),
                                  "claims shape (24, 6) (144 numbers) but its storage holds 1"),
        "a huge stretched weight": (
            torch_saved({**state, "weight_hh_l0": torch.zeros(1).expand(80000, 20000)}),
            "1,600,000,000 numbers; at most 2,097,152 per tensor"),
        "layer 99999999": (torch_saved({**state, "weight_ih_l99999999": torch.zeros(24, 3)}),
                           "names layer 99999999; at most 4 layers"),
        "float8": (torch_saved({**state, "bias_hh_l0": state["bias_hh_l0"].to(torch.float8_e4m3fn)}),
                   "bias_hh_l0 holds float8_e4m3fn numbers"),
        "meta": (torch_saved({**state, "weight_hh_l0": torch.zeros(24, 6, device="meta")}), "meta device"),
        "sparse": (torch_saved({**state, "weight_hh_l0": state["weight_hh_l0"].to_sparse()}), "sparse"),
        "0-dim": (save_safetensors({**state, "weight_ih_l0": torch.tensor(1.0)}), "has shape ()"),
        "(64, 0)": (torch_saved({**state, "weight_ih_l0": torch.zeros(64, 0)}), "has shape (64, 0)"),
        "legacy format": (b"\x80\x02" + b"\x00" * 40, "legacy format"),
    }


@pytest.mark.parametrize("name", list(bad_files()))
def test_every_bad_file_raises_an_upload_error_that_says_why(name):
    data, message = bad_files()[name]
    with pytest.raises(UploadError, match=re.escape(message)):
        load_module(data)


def test_tensors_in_memory_are_checked_like_a_file_before_being_touched():
    """infer() on a state_dict in memory: an expanded weight is refused without materialising it."""
    state = module(layers=1, bidirectional=False).state_dict()
    with pytest.raises(UploadError, match="stretched with expand"):
        infer({**state, "weight_hh_l0": torch.zeros(1).expand(24, 6)})
    with pytest.raises(UploadError, match="sparse"):
        infer({**state, "weight_hh_l0": state["weight_hh_l0"].to_sparse()})


def test_typed_and_generated_sequences_are_checked():
    np.testing.assert_array_equal(parse_sequence("1, 2\n\n3 4\n", 2), [[1, 2], [3, 4]])
    for text, message in [("", "at least one step"), ("1 2 3", "Line 1 has 3 numbers; the model reads 2"),
                          ("1 x", "is not a list of numbers"), ("1 1e9", "within ±10000"),
                          ("1 nan", "finite"), ("1 2\n" * 1001, "At most 1000 steps")]:
        with pytest.raises(UploadError, match=message):
            parse_sequence(text, 2)
    assert generate("steps", 25, 3).shape == (25, 3)
    np.testing.assert_allclose(generate("sine", 5, 1)[:, 0], np.sin(2 * np.pi * np.arange(5) / 20), atol=1e-6)
    with pytest.raises(UploadError, match="from 1 to 1000"):
        generate("random", 0, 2)

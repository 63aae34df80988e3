"""Bring your own model: a `torch.nn.RNN/LSTM/GRU` from uploaded weights, checked at every step.

Accepted files: safetensors, or a `state_dict` saved with `torch.save`, which
`explorer.weightfile` reads within fixed bounds (size, tensor count, each tensor's numbers
and storage, dtype, layer index, name) before a single number is copied, never running a
pickle. Weight names are torch.nn's own — `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
`bias_hh_l0`, `…_reverse` for a backward direction — optionally under one prefix
(`rnn.weight_ih_l0` in a whole model's state_dict). From the names and shapes come the
cell (weight_hh is (G·H, H): G = 1 RNN, 3 GRU, 4 LSTM), input and hidden size, layers,
directions and bias.
Anything wrong raises `UploadError`, whose text tells a person what and how to fix it.

    rnn = torch.nn.LSTM(3, 16, num_layers=2)
    safetensors.torch.save_file(rnn.state_dict(), "rnn.safetensors")   # the file to upload
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explorer.cells import CELLS
from explorer.textfile import UploadError
from explorer.torchsave import torch_index
from explorer.weightfile import (
    KEY,
    MAX_BYTES,
    MAX_LAYERS,
    NONLINEARITY,
    Entry,
    check_entry,
    check_index,
    recurrent,
    safetensors_index,
    safetensors_metadata,
    tensor,
)

MAX_HIDDEN, MAX_INPUT = 512, 1024  # what a replay in the page can afford (and MAX_LAYERS)
MAX_STEPS, MAX_VALUE = 1000, 1e4  # typed or generated input sequences
CELL_BY_GATES = {spec.gate_count: spec.torch_module.lower() for spec in CELLS.values() if spec.fused}
SEQUENCE_KINDS = ("sine", "random", "steps")


@dataclass(frozen=True)
class Architecture:
    cell: str  # a key of explorer.cells.CELLS
    input_size: int
    hidden_size: int
    num_layers: int
    bidirectional: bool
    bias: bool
    prefix: str  # what stood before torch.nn's names ("" for a bare layer's state_dict)

    def describe(self) -> str:
        return (f"{CELLS[self.cell].title}: input size {self.input_size}, hidden size {self.hidden_size}, "
                f"{self.num_layers} layer{'s' if self.num_layers > 1 else ''}"
                f"{', bidirectional' if self.bidirectional else ''}{'' if self.bias else ', no bias'}")


def read_weights(data: bytes) -> dict[str, torch.Tensor]:
    """The recurrent tensors (name -> tensor, as named in the file) of a safetensors or
    torch.save file, every bound checked before any number is read."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the file's bytes (got a {type(data).__name__}).")
    data = bytes(data)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise UploadError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB. "
                          "Upload the recurrent layer's weights alone (rnn.state_dict()).")
    if _looks_like_safetensors(data):
        index, storages = safetensors_index(data)
    elif data[:4] == b"PK\x03\x04":  # torch.save's zip archive
        index, storages = torch_index(data)
    elif data[:1] == b"\x80":
        raise UploadError("This is torch.save's legacy format (PyTorch before 1.6), which is not read here. "
                          "Load it and save it again with a current torch.save, or with safetensors.")
    else:
        raise UploadError("This is neither a safetensors file nor a PyTorch state_dict saved with "
                          "torch.save. Save the layer's weights with safetensors.torch.save_file("
                          "rnn.state_dict(), 'rnn.safetensors').")
    found = check_index(index)
    return {name: tensor(index[name], storages) for name in found}


def stated_nonlinearity(data: bytes) -> str | None:
    """A vanilla RNN's nonlinearity as the file says it (the app's own files carry it in their
    safetensors metadata); None when it does not: the weights alone cannot tell tanh from relu."""
    if not _looks_like_safetensors(bytes(data)):
        return None
    said = safetensors_metadata(bytes(data)).get(NONLINEARITY)
    return said if said in ("tanh", "relu") else None


def _looks_like_safetensors(data: bytes) -> bool:
    """8-byte little-endian header length, then a JSON header."""
    return len(data) > 8 and int.from_bytes(data[:8], "little") >= 2 and data[8:9] == b"{"


def infer(weights: dict[str, torch.Tensor], nonlinearity: str = "tanh") -> Architecture:
    """The architecture the names and shapes describe; UploadError for every inconsistency."""
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict of names to tensors (got a {type(weights).__name__}).")
    found = recurrent(weights)
    prefixes = sorted({m["prefix"] for m in found.values()})
    if len(prefixes) > 1:
        names = ", ".join(repr(p[:30]) for p in prefixes[:4]) + (", …" if len(prefixes) > 4 else "")
        raise UploadError(f"The file holds several recurrent layers ({names}): upload one layer's weights "
                          "at a time.")
    if any(m["kind"] == "weight_hr" for m in found.values()):
        raise UploadError("This LSTM has proj_size > 0 (weight_hr_l0), which RNN Explorer cannot replay.")
    params = {name[len(prefixes[0]):]: weights[name] for name in found}
    for name, value in params.items():
        if not isinstance(value, torch.Tensor):
            raise UploadError(f"{name} is a {type(value).__name__}, not a tensor.")
        check_entry(name, Entry.of(value), found[prefixes[0] + name]["layer"])
        if not bool(torch.isfinite(value).all()):
            raise UploadError(f"{name} contains NaN or infinite values.")
    w_hh = params.get("weight_hh_l0")
    if w_hh is None or "weight_ih_l0" not in params:
        raise UploadError("weight_ih_l0 and weight_hh_l0 are missing: they hold layer 1's weights.")
    rows, hidden = tuple(w_hh.shape) if w_hh.dim() == 2 else (0, 0)
    if not hidden or rows % hidden or rows // hidden not in CELL_BY_GATES:
        raise UploadError(f"weight_hh_l0 has shape {tuple(w_hh.shape)}; a recurrent layer's is (G·H, H) with "
                          "G = 1 (RNN), 3 (GRU) or 4 (LSTM) blocks of H rows.")
    cell = CELL_BY_GATES[rows // hidden]
    if cell == "rnn":
        if nonlinearity not in ("tanh", "relu"):
            raise UploadError("A vanilla RNN's nonlinearity is tanh or relu.")
        cell = f"rnn_{nonlinearity}"
    w_ih = params["weight_ih_l0"]
    arch = Architecture(cell, int(w_ih.shape[-1]), hidden, 1 + max(int(m["layer"]) for m in found.values()),
                        any(m["reverse"] for m in found.values()), "bias_ih_l0" in params, prefixes[0])
    _check(params, arch)
    return arch


def _check(params: dict[str, torch.Tensor], arch: Architecture) -> None:
    """Every expected name present, nothing else, every shape what torch.nn would make."""
    rows, h, d = CELLS[arch.cell].gate_count * arch.hidden_size, arch.hidden_size, 1 + arch.bidirectional
    expected = {}
    for layer in range(arch.num_layers):
        for suffix in ("", "_reverse")[:d]:
            tag = f"_l{layer}{suffix}"
            expected[f"weight_ih{tag}"] = (rows, arch.input_size if layer == 0 else d * h)
            expected[f"weight_hh{tag}"] = (rows, h)
            if arch.bias:
                expected |= {f"bias_ih{tag}": (rows,), f"bias_hh{tag}": (rows,)}
    missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
    title = CELLS[arch.cell].title
    if missing or extra:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unexpected {', '.join(extra)}"] if extra else [])
        raise UploadError(f"The names do not form one {title} layer stack: {'; '.join(parts)}.")
    for name, shape in expected.items():
        if tuple(params[name].shape) != shape:
            raise UploadError(f"{name} has shape {tuple(params[name].shape)}; with input size "
                              f"{arch.input_size} and hidden size {h}, this {title} needs {shape}.")
    if h > MAX_HIDDEN or arch.num_layers > MAX_LAYERS or arch.input_size > MAX_INPUT:
        raise UploadError(f"This layer is too large to replay here: at most hidden size {MAX_HIDDEN}, "
                          f"{MAX_LAYERS} layers and input size {MAX_INPUT}.")


def build(weights: dict[str, torch.Tensor], arch: Architecture, batch_first: bool = True) -> nn.RNNBase:
    """The torch.nn module, holding the uploaded weights (float32, eval mode)."""
    spec = CELLS[arch.cell]
    module = spec.module(arch.input_size, arch.hidden_size, num_layers=arch.num_layers, bias=arch.bias,
                         batch_first=batch_first, bidirectional=arch.bidirectional, **spec.module_kwargs)
    state = {name[len(arch.prefix):]: value.float() for name, value in weights.items() if KEY.fullmatch(name)}
    module.load_state_dict(state, strict=True)
    return module.eval()


def load_module(data: bytes, nonlinearity: str = "tanh", batch_first: bool = True
                ) -> tuple[nn.RNNBase, Architecture]:
    weights = read_weights(data)
    arch = infer(weights, nonlinearity)
    return build(weights, arch, batch_first), arch


def parse_sequence(text: str, input_size: int) -> np.ndarray:
    """Typed input: one step per line, `input_size` numbers per line (commas or spaces) -> (T, F)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str (got a {type(text).__name__}).")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise UploadError("Type at least one step: one line per step.")
    if len(lines) > MAX_STEPS:
        raise UploadError(f"At most {MAX_STEPS} steps (lines); this has {len(lines)}.")
    rows = []
    for number, line in enumerate(lines, start=1):
        parts = line.replace(",", " ").split()
        if len(parts) != input_size:
            raise UploadError(f"Line {number} has {len(parts)} number{'s' * (len(parts) != 1)}; the model "
                              f"reads {input_size} per step.")
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            raise UploadError(f"Line {number}: '{line.strip()}' is not a list of numbers.") from None
    values = np.asarray(rows, dtype=np.float64)
    if not (np.isfinite(values).all() and np.abs(values).max() <= MAX_VALUE):
        raise UploadError(f"Every value must be a finite number within ±{MAX_VALUE:g}.")
    return values.astype(np.float32)


def generate(kind: str, length: int, input_size: int, seed: int = 0) -> np.ndarray:
    """A (T, F) input: "sine" (a phase-shifted wave per feature), "random" (standard normal) or
    "steps" (random levels held for 10 steps)."""
    if kind not in SEQUENCE_KINDS:
        raise UploadError(f"Unknown kind of sequence '{kind}': one of {', '.join(SEQUENCE_KINDS)}.")
    if not 1 <= length <= MAX_STEPS:
        raise UploadError(f"The length must be from 1 to {MAX_STEPS} steps.")
    rng = np.random.default_rng(seed)
    t = np.arange(length)[:, None]
    if kind == "sine":
        values = np.sin(2 * np.pi * t / 20 + np.arange(input_size)[None, :] * np.pi / 4)
    elif kind == "random":
        values = rng.standard_normal((length, input_size))
    else:
        levels = rng.uniform(-1, 1, ((length + 9) // 10, input_size))
        values = np.repeat(levels, 10, axis=0)[:length]
    return values.astype(np.float32)

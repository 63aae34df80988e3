"""A weights file as an *index* — name -> `Entry`, what the file says about each tensor —
checked against fixed bounds before any number is read; and safetensors' index.

`upload.read_weights` reads the index of a safetensors file (`safetensors_index`: its JSON
header) or of torch.save's archive (`explorer.torchsave`), checks every recurrent entry
(`check_entry`: layer index, dtype, shape, element count, and a storage that holds every
number the shape claims — an `expand`ed tensor claims more), and only then copies those
tensors out (`tensor`). A file's claims stay claims until they are checked.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import torch

from explorer.textfile import UploadError

MAX_BYTES = 20 * 2**20  # as server.maxUploadSize in .streamlit/config.toml
MAX_TENSORS = 512  # names in one file: a whole model's state_dict, not a dataset
MAX_INDEX_BYTES = 2**18  # the safetensors header or the torch pickle: ~200 bytes per tensor
MAX_LAYERS = 4  # layer indices l0 … l3: what a replay in the page can afford
MAX_ELEMENTS = 4 * 512 * 1024  # one weight of the largest layer replayed: (4·512, 1024)
FLOATS = ("float16", "bfloat16", "float32", "float64")
NAME = re.compile(r"[A-Za-z0-9_.\-]{1,200}")  # a state_dict key: module path and parameter name
KEY = re.compile(r"(?P<prefix>(?:[A-Za-z0-9_\-]+\.)*?)(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                 r"_l(?P<layer>\d+)(?P<reverse>_reverse)?")
SAFETENSORS_DTYPES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
                      "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
                      "BOOL": "bool", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}
# torch's dtypes by name ("float32", and aliases such as "half"), read without getattr(torch, …),
# which would import a submodule for some names
DTYPES = {name: value for name, value in vars(torch).items() if isinstance(value, torch.dtype)}
LARGEST = 2**62  # no shape, stride or offset in a real file comes near
UNREADABLE = "This looks like a safetensors file, but it could not be read:"
NONLINEARITY = "nonlinearity"  # metadata of the app's vanilla RNN files: tanh or relu (weights cannot say)


@dataclass(frozen=True, slots=True)  # slots: a pickle cannot add to or change one
class Entry:
    """What a file says about one tensor, before it is read: where its numbers lie and how many."""

    dtype: str  # torch's name: "float32", "int64", "float8_e4m3fn" …
    shape: tuple[int, ...]
    strides: tuple[int, ...] = ()  # in elements; () means contiguous
    offset: int = 0  # first element, in elements from the start of its storage
    storage: str = ""  # the key of the bytes that hold it
    available: int = 0  # elements that storage holds
    unusable: str = ""  # not a plain tensor: what it is instead

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @classmethod
    def of(cls, tensor: torch.Tensor) -> Entry:
        """The entry of a tensor already in memory (a state_dict handed to `upload.infer`)."""
        dtype = str(tensor.dtype).removeprefix("torch.")
        if tensor.layout != torch.strided:
            return cls(dtype, tuple(tensor.shape), unusable=f"a {str(tensor.layout).removeprefix('torch.')} "
                       "tensor (save it with .to_dense())")
        if tensor.device.type == "meta":
            return cls(dtype, tuple(tensor.shape), unusable="a tensor with no numbers (on the meta device)")
        held = tensor.untyped_storage().nbytes() // max(tensor.element_size(), 1)
        return cls(dtype, tuple(tensor.shape), tuple(tensor.stride()), tensor.storage_offset(), "", held)


def recurrent(names) -> dict[str, re.Match]:
    """The names that are torch.nn recurrent parameters, with their parts; UploadError if none."""
    found = {name: m for name in names if isinstance(name, str) and (m := KEY.fullmatch(name))}
    if not found:
        listed = [name if isinstance(name, str) else repr(name) for name in list(names)[:6]]
        shown = ", ".join(n if len(n) <= 40 else n[:39] + "…" for n in listed)
        shown += ", …" if len(names) > 6 else ""
        raise UploadError("No recurrent weights found. torch.nn.RNN, LSTM and GRU name them weight_ih_l0, "
                          "weight_hh_l0, bias_ih_l0, bias_hh_l0 (…_reverse backwards); this file has: "
                          f"{shown or 'nothing'}.")
    return found


def check_index(index: dict[str, Entry]) -> dict[str, re.Match]:
    """The recurrent entries of a file's index (with their names' parts), once the index and each
    of them is within every bound; UploadError naming the first that is not."""
    if len(index) > MAX_TENSORS:
        raise UploadError(f"The file holds {len(index):,} tensors; at most {MAX_TENSORS} are read. Upload "
                          "the recurrent layer's weights alone (rnn.state_dict()).")
    for name in index:
        if not NAME.fullmatch(name):
            raise UploadError(f"The tensor name {name[:40]!r} is not a state_dict key: keys are letters, "
                              "digits, '_', '-' and '.', at most 200 of them.")
    found = recurrent(index)
    for name, match in found.items():
        check_entry(name, index[name], match["layer"])
    if sum(index[name].numel * itemsize(index[name].dtype) for name in found) > MAX_BYTES:
        raise UploadError(f"The recurrent tensors would take more than {MAX_BYTES // 2**20} MB: a file "
                          "whose tensors share their numbers is not read.")
    return found


def check_entry(name: str, entry: Entry, layer: str) -> None:
    """Refuse, with a message, a recurrent tensor that is not a small, dense, floating-point
    vector or matrix whose storage really holds every number its shape claims."""
    if len(layer) > 2 or int(layer) >= MAX_LAYERS:
        raise UploadError(f"{name} names layer {layer if len(layer) <= 12 else layer[:12] + '…'}; at most "
                          f"{MAX_LAYERS} layers (l0 to l{MAX_LAYERS - 1}) are read here.")
    if entry.unusable:
        raise UploadError(f"{name} is {entry.unusable}; only plain (dense) tensors are read.")
    if entry.dtype not in FLOATS:
        raise UploadError(f"{name} holds {entry.dtype} numbers; weights are read as floating point: "
                          f"{', '.join(FLOATS)} (convert with .float()).")
    wanted = 1 if name.split(".")[-1].startswith("bias") else 2
    if len(entry.shape) != wanted or min(entry.shape) < 1:
        raise UploadError(f"{name} has shape {entry.shape}; a recurrent layer's "
                          f"{'bias is a vector' if wanted == 1 else 'weight is a matrix'} with at least one "
                          f"number{' in every row' * (wanted == 2)}.")
    if entry.numel > MAX_ELEMENTS:
        raise UploadError(f"{name} has shape {entry.shape}, {entry.numel:,} numbers; at most "
                          f"{MAX_ELEMENTS:,} per tensor are read (hidden size 512, input size 1024).")
    strides = entry.strides or contiguous(entry.shape)
    reach = entry.offset + sum((n - 1) * s for n, s in zip(entry.shape, strides, strict=True))
    if min(strides) < 0 or entry.offset < 0 or entry.available - entry.offset < entry.numel or (
            reach >= entry.available):
        held = max(entry.available - entry.offset, 0)
        raise UploadError(f"{name} claims shape {entry.shape} ({entry.numel:,} numbers) but its storage "
                          f"holds {held:,}: a tensor stretched with expand() or stride tricks. Save a real "
                          "copy of it (tensor.clone()).")


def safetensors_header(data: bytes) -> tuple[dict, int]:
    """The JSON header of a safetensors file (at most MAX_INDEX_BYTES) and where the tensors start."""
    size = int.from_bytes(data[:8], "little")
    if size > min(MAX_INDEX_BYTES, len(data) - 8):
        raise UploadError(f"{UNREADABLE} its header claims {size:,} bytes and at most "
                          f"{min(MAX_INDEX_BYTES, len(data) - 8):,} are read. Was it cut short?")
    try:
        header = json.loads(data[8:8 + size])
    except (ValueError, RecursionError):
        raise UploadError(f"{UNREADABLE} its header is not valid JSON. Was it cut short?") from None
    if not isinstance(header, dict):
        raise UploadError(f"{UNREADABLE} its header is not a table of tensors.")
    return header, 8 + size


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The text fields of a safetensors header's __metadata__ ({} when it has none)."""
    metadata = safetensors_header(data)[0].get("__metadata__")
    if not isinstance(metadata, dict):
        return {}
    return {k: v for k, v in metadata.items() if isinstance(k, str) and isinstance(v, str)}


def safetensors_index(data: bytes) -> tuple[dict[str, Entry], dict[str, memoryview]]:
    header, start = safetensors_header(data)
    body = memoryview(data)[start:]
    index, storages = {}, {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = spec["dtype"], spec["shape"], spec["data_offsets"]
            if not (isinstance(dtype, str) and isinstance(shape, list) and len(shape) <= 8
                    and small(*shape, begin, end) and begin <= end <= len(body)):
                raise ValueError
        except (TypeError, KeyError, ValueError):
            raise UploadError(f"{UNREADABLE} the header's entry for {name[:40]!r} is not a dtype, a shape "
                              "and a byte range within the file.") from None
        dtype = SAFETENSORS_DTYPES.get(dtype, dtype[:20])
        index[name] = Entry(dtype, tuple(shape), storage=name, available=(end - begin) // itemsize(dtype))
        storages[name] = body[begin:end]
    return index, storages


def small(*values) -> bool:
    """Whole numbers from 0 to LARGEST: what a shape, stride, offset or byte offset may be."""
    return all(type(n) is int and 0 <= n < LARGEST for n in values)


def tensor(entry: Entry, storages: dict[str, memoryview]) -> torch.Tensor:
    """A checked entry's numbers, copied out of the file (contiguous, its own memory): only the
    span of its storage that it reaches is copied."""
    dtype, strides = DTYPES[entry.dtype], entry.strides or contiguous(entry.shape)
    reach = sum((n - 1) * s for n, s in zip(entry.shape, strides, strict=True)) + 1
    span = storages[entry.storage][entry.offset * dtype.itemsize:(entry.offset + reach) * dtype.itemsize]
    return torch.frombuffer(bytearray(span), dtype=dtype).as_strided(entry.shape, strides).clone()


def contiguous(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def itemsize(dtype: str) -> int:
    return DTYPES[dtype].itemsize if dtype in DTYPES else 1

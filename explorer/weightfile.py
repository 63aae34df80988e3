"""An uploaded weights file, read within fixed bounds before any tensor is made.

Two formats: safetensors (8-byte header length, a JSON header, the raw numbers) and the
zip archive `torch.save` writes (`data.pkl`, a pickle naming each tensor's storage,
dtype, shape and strides, and one file per storage). Both are first read as an *index*,
name -> `Entry`, without creating a tensor: the header is parsed as JSON, and the pickle
by an unpickler that knows only the few names a state_dict uses and builds an `Entry`
where torch would build a tensor (so no pickled code can run, and a tensor that claims
more numbers than its file holds — an `expand`ed one, say — is only a claim). The index
is checked against every bound (`check_entry`); only then are the recurrent layer's
tensors copied out, each at most `MAX_ELEMENTS` numbers.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import re
import zipfile
from collections import OrderedDict
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
# the dtype of each storage class torch.save names, e.g. torch.FloatStorage
STORAGES = {"Double": "float64", "Float": "float32", "Half": "float16", "BFloat16": "bfloat16",
            "Long": "int64", "Int": "int32", "Short": "int16", "Char": "int8", "Byte": "uint8",
            "Bool": "bool", "ComplexFloat": "complex64", "ComplexDouble": "complex128", "Untyped": "uint8"}
# torch's other ways to rebuild a tensor: each read as a tensor RNN Explorer cannot open, and why
OTHER_TENSORS = {"_rebuild_sparse_tensor": "a sparse tensor (save it with .to_dense())",
                 "_rebuild_meta_tensor_no_storage": "a tensor with no numbers (on the meta device)",
                 "_rebuild_qtensor": "a quantized tensor (save it with .dequantize())",
                 "_rebuild_nested_tensor": "a nested tensor",
                 "_rebuild_wrapper_subclass": "a tensor subclass with no plain storage",
                 "_rebuild_device_tensor_from_numpy": "a tensor of another device's kind",
                 "_rebuild_device_tensor_from_cpu_tensor": "a tensor of another device's kind"}
# torch's dtypes by name ("float32", and aliases such as "half"), read without getattr(torch, …),
# which would import a submodule for some names
DTYPES = {name: value for name, value in vars(torch).items() if isinstance(value, torch.dtype)}
LARGEST = 2**62  # no shape, stride or offset in a real file comes near


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
            return cls(dtype, tuple(tensor.shape), unusable=OTHER_TENSORS["_rebuild_meta_tensor_no_storage"])
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
    strides = entry.strides or _contiguous(entry.shape)
    reach = entry.offset + sum((n - 1) * s for n, s in zip(entry.shape, strides, strict=True))
    if min(strides) < 0 or entry.offset < 0 or entry.available - entry.offset < entry.numel or (
            reach >= entry.available):
        held = max(entry.available - entry.offset, 0)
        raise UploadError(f"{name} claims shape {entry.shape} ({entry.numel:,} numbers) but its storage "
                          f"holds {held:,}: a tensor stretched with expand() or stride tricks. Save a real "
                          "copy of it (tensor.clone()).")


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
        index, storages = _safetensors_index(data)
    elif data[:4] == b"PK\x03\x04":  # torch.save's zip archive
        index, storages = _torch_index(data)
    elif data[:1] == b"\x80":
        raise UploadError("This is torch.save's legacy format (PyTorch before 1.6), which is not read here. "
                          "Load it and save it again with a current torch.save, or with safetensors.")
    else:
        raise UploadError("This is neither a safetensors file nor a PyTorch state_dict saved with "
                          "torch.save. Save the layer's weights with safetensors.torch.save_file("
                          "rnn.state_dict(), 'rnn.safetensors').")
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
    if sum(index[name].numel * _itemsize(index[name].dtype) for name in found) > MAX_BYTES:
        raise UploadError(f"The recurrent tensors would take more than {MAX_BYTES // 2**20} MB: a file "
                          "whose tensors share their numbers is not read.")
    return {name: _tensor(index[name], storages) for name in found}


def _looks_like_safetensors(data: bytes) -> bool:
    """8-byte little-endian header length, then a JSON header."""
    return len(data) > 8 and int.from_bytes(data[:8], "little") >= 2 and data[8:9] == b"{"


def _safetensors_index(data: bytes) -> tuple[dict[str, Entry], dict[str, memoryview]]:
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
    body = memoryview(data)[8 + size:]
    index, storages = {}, {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, (begin, end) = spec["dtype"], spec["shape"], spec["data_offsets"]
            if not (isinstance(dtype, str) and isinstance(shape, list) and len(shape) <= 8
                    and _small(*shape, begin, end) and begin <= end <= len(body)):
                raise ValueError
        except (TypeError, KeyError, ValueError):
            raise UploadError(f"{UNREADABLE} the header's entry for {name[:40]!r} is not a dtype, a shape "
                              "and a byte range within the file.") from None
        dtype = SAFETENSORS_DTYPES.get(dtype, dtype[:20])
        itemsize = _itemsize(dtype)
        index[name] = Entry(dtype, tuple(shape), storage=name, available=(end - begin) // itemsize)
        storages[name] = body[begin:end]
    return index, storages


UNREADABLE = "This looks like a safetensors file, but it could not be read:"


class _Forbidden(Exception):
    """The pickle names a global that a state_dict does not use."""


class _Damaged(Exception):
    """A tensor or storage record in the pickle that is not one; the text says which."""


class _Dtype(str):
    """A torch dtype named in a pickle, kept as its name."""


class _StorageClass(str):
    """A storage class named in a pickle (torch.FloatStorage …), kept as its dtype's name."""


@dataclass(frozen=True, slots=True)
class _Storage:
    key: str
    dtype: str
    count: int  # elements, as the pickle claims


def _tensor_v2(storage, offset, shape, strides, *_):
    return _entry(storage, offset, shape, strides, storage.dtype)


def _tensor_v3(storage, offset, shape, strides, requires_grad, hooks, dtype, *_):
    return _entry(storage, offset, shape, strides, str(dtype))


def _entry(storage, offset, shape, strides, dtype: str) -> Entry:
    if not (isinstance(storage, _Storage) and isinstance(shape, tuple) and isinstance(strides, tuple)
            and len(shape) == len(strides) <= 8 and _small(offset, *shape, *strides)):
        raise _Damaged("a tensor record whose offset, shape or strides are not small whole numbers")
    return Entry(dtype, tuple(shape), tuple(strides), offset, storage.key,
                 storage.count * _itemsize(storage.dtype) // _itemsize(dtype))


def _parameter(data, *_):
    return data


def _small(*values) -> bool:
    return all(type(n) is int and 0 <= n < LARGEST for n in values)


def _layout(name):
    if not (isinstance(name, str) and len(name) < 40):
        raise _Damaged("a layout that is not one")
    return name


class _IndexUnpickler(pickle._Unpickler):
    """Reads torch.save's data.pkl into Entries: only the globals a state_dict uses are known,
    and none of them is torch's own (nothing in the file can call into torch). Python's own
    unpickler, not its C twin: the C one sizes its memo by the largest index a file names."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor_v3",
                                                 "_rebuild_parameter", "_rebuild_parameter_with_state"):
            return {"_rebuild_tensor_v2": _tensor_v2, "_rebuild_tensor_v3": _tensor_v3}.get(name, _parameter)
        if module == "torch._utils" and name in OTHER_TENSORS:
            return lambda *_: Entry("", (), unusable=OTHER_TENSORS[name])
        if module == "torch.serialization" and name == "_get_layout":
            return _layout
        if module == "torch" and name == "Size":
            return tuple
        if module in ("torch", "torch.storage") and name.endswith("Storage"):
            return _StorageClass(STORAGES.get(name.removesuffix("Storage"), name))
        if module == "torch" and name in DTYPES:
            return _Dtype(str(DTYPES[name]).removeprefix("torch."))
        raise _Forbidden(f"{module}.{name}"[:60])

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageClass) and isinstance(pid[2], str) and type(pid[4]) is int):
            raise _Damaged("a reference that is not a storage")
        return _Storage(pid[2], str(pid[1]), pid[4])


def _torch_index(data: bytes) -> tuple[dict[str, Entry], dict[str, memoryview]]:
    archive = _archive(data)
    pickles = [info for info in archive.infolist() if info.filename.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise UploadError(f"{NOT_TORCH} the zip archive has no data.pkl. Save the layer's weights with "
                          "torch.save(rnn.state_dict(), 'rnn.pt').")
    root = pickles[0].filename.removesuffix("data.pkl")
    if _member(archive, root + "byteorder") not in (None, b"little"):
        raise UploadError("The file was saved on a big-endian machine, which is not read here; save it with "
                          "safetensors instead.")
    try:
        obj = _IndexUnpickler(io.BytesIO(_member(archive, pickles[0].filename))).load()
    except _Forbidden as refused:
        raise UploadError("The file holds Python objects, not just tensors (a whole model saved with "
                          f"torch.save(model)? It names {refused}). Only plain weights are opened: "
                          "save rnn.state_dict().") from None
    except _Damaged as damage:
        raise UploadError(f"{NOT_TORCH} its data.pkl holds {damage}.") from None
    except Exception as exc:  # noqa: BLE001 - any malformed pickle, from a bounded record
        raise UploadError(f"{NOT_TORCH} its data.pkl is damaged ({type(exc).__name__}). Was it cut short?"
                          ) from None
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):  # a training checkpoint
        obj = obj["state_dict"]
    if not (isinstance(obj, dict) and obj and all(isinstance(k, str) and isinstance(v, Entry)
                                                  for k, v in obj.items())):
        raise UploadError("The file does not hold a state_dict, a mapping of names to tensors.")
    storages = {}
    for key in {entry.storage for entry in obj.values() if not entry.unusable}:
        storage = _member(archive, f"{root}data/{key}")
        if storage is None:
            raise UploadError(f"{NOT_TORCH} it names a storage {key[:20]!r} that it does not hold. Was it "
                              "cut short?")
        storages[key] = memoryview(storage)
    index = {name: _held(entry, storages) for name, entry in obj.items()}
    return index, storages


def _member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """One member's bytes (None when there is none), its checksum checked."""
    try:
        return archive.read(archive.getinfo(name))
    except KeyError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged member: bad checksum, encrypted, cut short
        raise UploadError(f"{NOT_TORCH} its member {name[:60]!r} is damaged ({type(exc).__name__})."
                          ) from None


def _held(entry: Entry, storages: dict[str, memoryview]) -> Entry:
    """The entry with `available` as the storage's real size: never more than its pickle claims."""
    if entry.unusable:
        return entry
    real = len(storages[entry.storage]) // _itemsize(entry.dtype)
    return Entry(entry.dtype, entry.shape, entry.strides, entry.offset, entry.storage,
                 min(entry.available, real))


NOT_TORCH = "Could not read the file as a PyTorch state_dict:"


def _archive(data: bytes) -> zipfile.ZipFile:
    """The zip, once its directory is known to be small and every member stored uncompressed
    and small (as torch.save writes them): no zip bomb gets decompressed."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0:
        raise UploadError(f"{NOT_TORCH} the zip archive's end record is missing. Was it cut short?")
    sizes = [(data[end + 10:end + 12], data[end + 12:end + 16])]  # (files, directory bytes)
    if data[max(end - 20, 0):end - 16] == b"PK\x06\x07":  # zip64 (torch.save writes it): zipfile reads it
        record = int.from_bytes(data[end - 12:end - 4], "little")
        if data[record:record + 4] != b"PK\x06\x06":
            raise UploadError(f"{NOT_TORCH} the zip archive's zip64 end record is missing.")
        sizes.append((data[record + 32:record + 40], data[record + 40:record + 48]))
    for files, directory in sizes:
        count = int.from_bytes(files, "little")
        if count > MAX_TENSORS + 16 or int.from_bytes(directory, "little") > 200 * (MAX_TENSORS + 16):
            raise UploadError(f"{NOT_TORCH} the zip archive lists {count:,} files; a state_dict of at most "
                              f"{MAX_TENSORS} tensors is read.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any damage to a bounded directory
        raise UploadError(f"{NOT_TORCH} the zip archive is damaged ({type(exc).__name__}).") from None
    for info in archive.infolist():
        if info.compress_type != zipfile.ZIP_STORED or info.file_size > MAX_BYTES or (
                info.filename.endswith("/data.pkl") and info.file_size > MAX_INDEX_BYTES):
            raise UploadError(f"{NOT_TORCH} its member {info.filename[:60]!r} is compressed or too large; "
                              "torch.save stores small, uncompressed members.")
    return archive


def _tensor(entry: Entry, storages: dict[str, memoryview]) -> torch.Tensor:
    """A checked entry's numbers, copied out of the file (contiguous, its own memory): only the
    span of its storage that it reaches is copied."""
    dtype, strides = DTYPES[entry.dtype], entry.strides or _contiguous(entry.shape)
    reach = sum((n - 1) * s for n, s in zip(entry.shape, strides, strict=True)) + 1
    span = storages[entry.storage][entry.offset * dtype.itemsize:(entry.offset + reach) * dtype.itemsize]
    return torch.frombuffer(bytearray(span), dtype=dtype).as_strided(entry.shape, strides).clone()


def _contiguous(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def _itemsize(dtype: str) -> int:
    return DTYPES[dtype].itemsize if dtype in DTYPES else 1

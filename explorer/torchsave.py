"""torch.save's zip archive read as an index (name -> `Entry`) without running its pickle.

The archive holds `data.pkl`, a pickle naming each tensor's storage, dtype, shape and
strides, and one member per storage. The zip's directory is bounded before it is parsed
(no zip bomb: every member must be stored, small, uncompressed), and the pickle is read by
an unpickler that knows only the few names a state_dict uses and builds an `Entry` where
torch would build a tensor: nothing in the file can call into torch or run code.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict
from dataclasses import dataclass

from explorer.textfile import UploadError
from explorer.weightfile import DTYPES, MAX_BYTES, MAX_INDEX_BYTES, MAX_TENSORS, Entry, itemsize, small

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
NOT_TORCH = "Could not read the file as a PyTorch state_dict:"


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
            and len(shape) == len(strides) <= 8 and small(offset, *shape, *strides)):
        raise _Damaged("a tensor record whose offset, shape or strides are not small whole numbers")
    return Entry(dtype, tuple(shape), tuple(strides), offset, storage.key,
                 storage.count * itemsize(storage.dtype) // itemsize(dtype))


def _parameter(data, *_):
    return data


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


def torch_index(data: bytes) -> tuple[dict[str, Entry], dict[str, memoryview]]:
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
    real = len(storages[entry.storage]) // itemsize(entry.dtype)
    return Entry(entry.dtype, entry.shape, entry.strides, entry.offset, entry.storage,
                 min(entry.available, real))


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

"""`Trace`: a numpy-only record of one probe batch passing through a recurrent layer.

Figures are built from a Trace alone, so this module never imports torch.
Shapes (L = layers, D = directions, B = batch, T = time, H = hidden units)::

    hidden      (L, D, B, T, H)   h_t of every layer and direction
    cell        (L, D, B, T, H)   c_t, LSTM only (else None)
    gates       name -> (L, D, B, T, H), post-activation (i f g o / r z n)
    grad_norm   (L, D, T)         batch mean of ||dL/dh_t||, the total gradient
                                  reaching h_t through the recurrence and the output
    cell_grad_norm (L, D, T)      batch mean of ||dL/dc_t||, LSTM only
    states      part -> (L, D, B, T, ·), the cell's other state parts (y_t of the Jordan network)
    state_grad_norm part -> (L, D, T), batch mean of ||dL/d(part)_t|| for those parts
    output      the layer's output in the module's own layout:
                (B, T, D*H) when batch_first, else (T, B, D*H)
    layer_input (B, T, F)         x_t as the first layer read it
    params      torch.nn parameter name -> array (weight_ih_l0, weight_hh_l0_reverse, ...)
    head        the task head after the layer: weight (O, D*H), bias (O,); empty when the cell
                owns its output (Jordan) or the trace comes from a bare layer
    loss_mask   (B, T) bool, the steps whose targets enter the loss (many-to-many tasks)

A trace saved with `save` loads with `load` in later versions: the file carries
`FORMAT_VERSION` and unknown fields are ignored.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
_ARRAY_FIELDS = ("hidden", "cell", "grad_norm", "cell_grad_norm", "output", "layer_input", "inputs",
                 "targets", "predictions", "lengths", "attention", "forecast", "loss_mask", "connectivity")
_DICT_FIELDS = ("gates", "params", "states", "state_grad_norm", "head")


@dataclass
class Trace:
    cell_type: str  # key of explorer.cells.CELLS
    hidden: np.ndarray
    output: np.ndarray
    batch_first: bool = True
    cell: np.ndarray | None = None
    gates: dict[str, np.ndarray] = field(default_factory=dict)
    grad_norm: np.ndarray | None = None
    cell_grad_norm: np.ndarray | None = None
    loss: float | None = None
    layer_input: np.ndarray | None = None  # (B, T, F) x_t as the first layer read it (embedded tokens)
    # what the probe batch was, for labelling figures (filled in by the trainer)
    inputs: np.ndarray | None = None  # (B, T) token ids or (B, T, F) values
    targets: np.ndarray | None = None
    predictions: np.ndarray | None = None
    lengths: np.ndarray | None = None  # (B,) real lengths for padded batches
    attention: np.ndarray | None = None  # (B, T_out, T_in) for encoder-decoders
    forecast: np.ndarray | None = None  # (B, T_f, F) closed-loop forecast of targets[:, -T_f:]
    loss_mask: np.ndarray | None = None  # (B, T) bool, the steps the loss reads (many-to-many tasks)
    connectivity: np.ndarray | None = None  # (T, T) ‖∂y_t/∂x_k‖ of probe example 0 (many-to-many)
    params: dict[str, np.ndarray] = field(default_factory=dict)  # recurrent weights, torch names
    states: dict[str, np.ndarray] = field(default_factory=dict)  # other state parts: "y" (Jordan)
    state_grad_norm: dict[str, np.ndarray] = field(default_factory=dict)  # their gradient norms
    head: dict[str, np.ndarray] = field(default_factory=dict)  # the task head: weight (O, D*H), bias (O,)
    vocab: tuple[str, ...] | None = None  # token id -> label
    step: int = 0  # training step at which it was recorded
    task: str = ""
    cell_text: str = ""  # a custom cell's equations (explorer.custom_cell), so the trace explains itself

    @property
    def num_layers(self) -> int:
        return self.hidden.shape[0]

    @property
    def num_directions(self) -> int:
        return self.hidden.shape[1]

    @property
    def batch_size(self) -> int:
        return self.hidden.shape[2]

    @property
    def seq_len(self) -> int:
        return self.hidden.shape[3]

    @property
    def hidden_size(self) -> int:
        return self.hidden.shape[4]

    def length(self, example: int = 0) -> int:
        """The real steps of one probe example: the padding after them is not part of it."""
        return self.seq_len if self.lengths is None else int(self.lengths[example])

    def token_labels(self, example: int = 0) -> list[str]:
        """Labels for the time axis of one probe example: its tokens, or t=0.. for values."""
        if self.inputs is not None and self.vocab is not None and self.inputs.ndim == 2:
            return [self.vocab[int(i)] for i in self.inputs[example]]
        return [str(t) for t in range(self.seq_len)]

    def save(self, path: str | Path | io.BytesIO) -> None:
        arrays: dict[str, np.ndarray] = {}
        for name in _ARRAY_FIELDS:
            value = getattr(self, name)
            if value is not None:
                arrays[name] = np.asarray(value)
        for name in _DICT_FIELDS:
            for key, value in getattr(self, name).items():
                arrays[f"{name}/{key}"] = np.asarray(value)
        meta = {
            "format_version": FORMAT_VERSION,
            "cell_type": self.cell_type,
            "batch_first": self.batch_first,
            "loss": self.loss,
            "vocab": list(self.vocab) if self.vocab is not None else None,
            "step": self.step,
            "task": self.task,
            "cell_text": self.cell_text,
        }
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path | io.BytesIO) -> Trace:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if meta.get("format_version", 0) > FORMAT_VERSION:
                raise ValueError(
                    f"trace format {meta['format_version']} is newer than this version "
                    f"of RNN Explorer reads ({FORMAT_VERSION})"
                )
            known = {f.name for f in fields(cls)}
            kwargs = {k: v for k, v in meta.items() if k in known}
            if kwargs.get("vocab") is not None:
                kwargs["vocab"] = tuple(kwargs["vocab"])
            for name in _DICT_FIELDS:
                kwargs[name] = {}
            for key in data.files:
                if key in _ARRAY_FIELDS:
                    kwargs[key] = data[key]
                elif "/" in key and key.split("/", 1)[0] in _DICT_FIELDS:
                    group, name = key.split("/", 1)
                    kwargs[group][name] = data[key]
        return cls(**kwargs)


def trace_nbytes(trace: Trace) -> int:
    """Memory held by a trace's arrays."""
    arrays = [getattr(trace, name) for name in _ARRAY_FIELDS]
    arrays += [a for name in _DICT_FIELDS for a in getattr(trace, name).values()]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


class TraceHistory:
    """The probe traces of one run, oldest first, within a memory budget.

    Probes are kept on a stride (every probe, then every 2nd, 4th …): when a new trace would
    pass the budget, the stride doubles and the probes off it are dropped, so the history
    thins evenly over training instead of forgetting its start or its middle. The first
    and the newest trace always stay.
    """

    def __init__(self, budget_bytes: int = 64 * 2**20):
        self.budget_bytes = budget_bytes
        self.traces: list[Trace] = []
        self.stride = 1
        self._arrivals: list[int] = []  # the k-th probe of the run, for each kept trace
        self._sizes: list[int] = []  # each kept trace's bytes
        self.nbytes = 0  # their sum, kept as traces come and go (a run's reader appends hundreds)
        self._seen = 0

    def append(self, trace: Trace) -> None:
        if self._arrivals and self._arrivals[-1] % self.stride:  # kept only for being the newest
            self.traces.pop()
            self._arrivals.pop()
            self.nbytes -= self._sizes.pop()
        self.traces.append(trace)
        self._arrivals.append(self._seen)
        self._sizes.append(trace_nbytes(trace))
        self.nbytes += self._sizes[-1]
        self._seen += 1
        while len(self.traces) > 2 and self.nbytes > self.budget_bytes:
            self.stride *= 2
            last = len(self.traces) - 1
            keep = [k for k, n in enumerate(self._arrivals) if n % self.stride == 0 or k == last]
            self.traces = [self.traces[k] for k in keep]
            self._arrivals = [self._arrivals[k] for k in keep]
            self._sizes = [self._sizes[k] for k in keep]
            self.nbytes = sum(self._sizes)

    @property
    def steps(self) -> list[int]:
        return [t.step for t in self.traces]

    def at_step(self, step: int) -> Trace:
        """The kept trace recorded nearest to a training step."""
        if not self.traces:
            raise LookupError("no traces recorded yet")
        return min(self.traces, key=lambda t: abs(t.step - step))

    def __len__(self) -> int:
        return len(self.traces)


def pack_traces(traces: list[Trace]) -> bytes:
    """Several traces in one .npz file: entry k holds trace k's own .npz bytes."""
    outer = io.BytesIO()
    inner = {}
    for k, trace in enumerate(traces):
        buffer = io.BytesIO()
        trace.save(buffer)
        inner[f"trace_{k:05d}"] = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    np.savez(outer, **inner)
    return outer.getvalue()


def unpack_traces(data: bytes) -> list[Trace]:
    with np.load(io.BytesIO(data), allow_pickle=False) as outer:
        return [Trace.load(io.BytesIO(outer[name].tobytes())) for name in sorted(outer.files)]

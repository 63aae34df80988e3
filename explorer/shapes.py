"""What `torch.nn.RNN/LSTM/GRU` return, by shape, with one sentence per dimension.

`explore` builds the real module, runs it on a random input and reports the
shapes PyTorch returns (not a formula's guess), plus facts checked on the numbers,
such as "the last step of `output` is the top layer's forward `h_n`".
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import torch

from explorer.cells import CELLS, FUSED_CELLS
from explorer.schema import Settings, setting


@dataclass(frozen=True)
class ShapeQuestion(Settings):
    """A torch.nn recurrent layer and a batch; each field's `setting` is what the Shape explorer
    draws, its link carries and `validate` checks."""

    cell: str = setting("lstm", "Cell", "Which torch.nn layer.", choices=lambda: FUSED_CELLS,
                        fmt=lambda c: CELLS[c].title, widget="segmented")
    input_size: int = setting(3, "input_size (features per step)", "Features of each step's input.",
                              bounds=(1, 64))
    hidden_size: int = setting(8, "hidden_size (units)", "Units per layer and direction.", bounds=(1, 128))
    num_layers: int = setting(1, "num_layers", "Stacked layers.", bounds=(1, 4))
    bidirectional: bool = setting(False, "bidirectional", "A second layer reads the sequence backwards; "
                                  "the outputs are concatenated.")
    batch_first: bool = setting(True, "batch_first", "Input and output as (batch, time, features) "
                                "instead of (time, batch, …); never h_n / c_n.")
    batch: int = setting(4, "batch (sequences)", "Sequences in the batch.", bounds=(1, 32))
    length: int = setting(6, "length (steps)", "Steps per sequence.", bounds=(1, 100))


@dataclass(frozen=True)
class TensorShape:
    name: str  # input, output, h_n, c_n
    shape: tuple[int, ...]  # as torch returns it
    meanings: tuple[str, ...]  # one sentence per dimension


@dataclass(frozen=True)
class ShapeAnswer:
    code: str  # the Python that produced the shapes
    tensors: tuple[TensorShape, ...]
    facts: tuple[tuple[str, str, bool], ...]  # (equality in code, what it means, whether it held)


def explore(q: ShapeQuestion) -> ShapeAnswer:
    """Run the real module on a random input and explain what comes back."""
    problems = q.validate()
    if problems:
        raise ValueError(" ".join(problems))
    spec = CELLS[q.cell]
    torch.manual_seed(0)
    module = spec.module(q.input_size, q.hidden_size, num_layers=q.num_layers, bidirectional=q.bidirectional,
                         batch_first=q.batch_first, **spec.module_kwargs)
    x = torch.randn((q.batch, q.length, q.input_size) if q.batch_first else (q.length, q.batch, q.input_size))
    with torch.no_grad():
        output, state = module(x)
    h_n, c_n = state if spec.has_cell_state else (state, None)
    d, h, layers = 2 if q.bidirectional else 1, q.hidden_size, q.num_layers
    batch = f"batch: {q.batch} sequences side by side"
    time = f"time: {q.length} steps"
    first, second = (batch, time) if q.batch_first else (time, batch)
    tensors = [
        TensorShape("input", tuple(x.shape), (first, second, f"features: input_size = {q.input_size} numbers "
                                                             "per step")),
        TensorShape("output", tuple(output.shape), (first, second, _features(d, h))),
        TensorShape("h_n", tuple(h_n.shape), _final("h_n", q, d, layers)),
    ]
    if c_n is not None:
        tensors.append(TensorShape("c_n", tuple(c_n.shape), _final("c_n", q, d, layers)))
    last, at_zero = ("output[:, -1", "output[:, 0") if q.batch_first else ("output[-1, :", "output[0, :")
    facts = [(f"{last}, :{h}] == h_n[{layers * d - d}]", "the output at the last step is the top layer's "
              "final forward state", bool(torch.allclose(_step(output, q, -1)[:, :h], h_n[-d])))]
    if d == 2:
        backward_ok = bool(torch.allclose(_step(output, q, 0)[:, h:], h_n[-1]))
        facts.append((f"{at_zero}, {h}:] == h_n[{layers * d - 1}]", "the backward direction ends at step 0, "
                      "so its final state sits at the start of output", backward_ok))
    return ShapeAnswer(_code(q, spec), tuple(tensors), tuple(facts))


def _features(d: int, h: int) -> str:
    if d == 1:
        return f"features: hidden_size = {h}, the top layer's h_t at every step"
    return (f"features: 2 directions × hidden_size {h} = {2 * h}, the top layer's [h→_t ; h←_t] at every "
            f"step (forward in [..., :{h}], backward in [..., {h}:])")


def _final(name: str, q: ShapeQuestion, d: int, layers: int) -> tuple[str, ...]:
    kind = "hidden" if name == "h_n" else "cell"
    order = ", ".join(f"{k}: layer {k // d + 1}" + ((" forward", " backward")[k % d] if d == 2 else "")
                      for k in range(min(layers * d, 4)))
    more = ", …" if layers * d > 4 else ""
    return (f"num_layers × directions = {layers} × {d} = {layers * d}: the final {kind} state of every layer "
            f"and direction ({order}{more})",
            f"batch: {q.batch} — {name} puts the batch second even when batch_first=True",
            f"hidden_size: {q.hidden_size} units")


def _step(output: torch.Tensor, q: ShapeQuestion, t: int) -> torch.Tensor:
    return output[:, t] if q.batch_first else output[t]  # (B, D*H)


def _code(q: ShapeQuestion, spec) -> str:
    args = [f"input_size={q.input_size}", f"hidden_size={q.hidden_size}"]
    args += [f"{f.name}={getattr(q, f.name)!r}" for f in fields(q)
             if f.name in ("num_layers", "bidirectional", "batch_first")]
    args += [f"{k}={v!r}" for k, v in spec.module_kwargs.items()]
    shape, layout = ((q.batch, q.length, q.input_size), "(batch, length, input_size)") if q.batch_first \
        else ((q.length, q.batch, q.input_size), "(length, batch, input_size)")
    state = "(h_n, c_n)" if spec.has_cell_state else "h_n"
    return (f"rnn = nn.{spec.module.__name__}({', '.join(args)})\n"
            f"x = torch.randn{shape}  # {layout}\n"
            f"output, {state} = rnn(x)")

"""Replay any torch.nn.RNN/LSTM/GRU step by step and keep what the fused kernel hides.

`trace_rnn` reads the module's own parameters (by their torch.nn names) into the
cells of `explorer.cells`, so its output equals the module's own, while it also
keeps every hidden state, cell state and gate, and the gradient of a loss with
respect to every h_t (and c_t) — the quantity that vanishes or explodes in
backpropagation through time::

    dL/dh_t = ∂L/∂y_t · ∂y_t/∂h_t + dL/dh_{t+1} · ∂h_{t+1}/∂h_t

The replay runs in float64 by default: past ~200 steps float32 gradients
underflow to exactly zero, which would hide how small they really are.
Dropout between layers is not replayed (the replay has eval semantics).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from explorer.cells import CellSpec, layer_weights, spec_for_module
from explorer.recurrence import SpecRNN, run_direction
from explorer.trace import Trace

LossFn = Callable[[Tensor], Tensor]


def trace_rnn(
    module: nn.RNNBase,
    x: Tensor,
    loss_fn: LossFn | None = None,
    *,
    lengths: Tensor | np.ndarray | None = None,
    initial_state: Tensor | tuple[Tensor, Tensor] | None = None,
    dtype: torch.dtype = torch.float64,
) -> Trace:
    """Record one batch through `module`, as a numpy `Trace`.

    module: a torch.nn.RNN, nn.LSTM or nn.GRU (any num_layers, bidirectional,
        batch_first either way; LSTM proj_size is not supported).
    x: a batched input in the module's layout, (B, T, F) or (T, B, F).
    loss_fn: maps the layer's output (module layout, module dtype) to a scalar
        loss; default: the sum of the last step's output.
    lengths: (B,) real lengths for right-padded batches; padded steps carry the
        state unchanged (as a packed sequence does), output 0 there, and are
        NaN in the recorded hidden states and gates.
    initial_state: h0, or (h0, c0) for LSTM, shaped (L*D, B, H) as torch expects.

    A wrong argument raises TypeError or ValueError naming it and what is expected.
    """
    spec = _check_arguments(module, x, loss_fn, dtype)
    xb = (x if module.batch_first else x.transpose(0, 1)).detach().to(dtype)  # (B, T, F)
    batch, steps, _ = xb.shape
    mask = _step_mask(lengths, batch, steps, xb.device)  # (B, T) or None
    h0 = _initial_states(spec, initial_state, module, batch, xb.device, dtype)

    return _record(spec, module, xb, loss_fn, mask, h0, dtype, lengths)


def _record(spec: CellSpec, module, xb: Tensor, loss_fn, mask, h0, dtype, lengths, hook=None,
            weights=None, step=None) -> Trace:
    """The replay itself: xb (B, T, F) in `dtype`, h0 one state tuple per layer-direction.
    For interventions (explorer.interventions): `hook(layer, direction)` may return a per-step
    hook (see recurrence.run_direction), `weights(layer, direction, w)` may replace parameters,
    and `step` may replace the cell's step (e.g. one whose ops clamp a gate)."""
    module_dtype = next(module.parameters()).dtype
    num_dirs = 2 if module.bidirectional else 1
    parts = spec.cell.states
    out_index = parts.index(spec.cell.output)
    with torch.enable_grad():
        layer_input = xb
        states = {p: [] for p in parts}  # part -> [layer][direction][t] of (B, ·)
        gates = {name: [] for name in spec.gates}
        for layer in range(module.num_layers):
            outputs = []
            layer_states = {p: [] for p in parts}
            layer_gates = {name: [] for name in spec.gates}
            for direction in range(num_dirs):
                w = {k: p.detach().to(dtype) if p is not None else None
                     for k, p in layer_weights(module, layer, direction).items()}
                if weights is not None:
                    w = weights(layer, direction, w)
                start = h0[layer * num_dirs + direction]
                per_step, gs = run_direction(step or spec.step, w, layer_input, start, mask,
                                             reverse=direction == 1,
                                             hook=None if hook is None else hook(layer, direction))
                for state in per_step:
                    for s in state:
                        s.retain_grad()
                outputs.append(_stack_output([s[out_index] for s in per_step], mask))
                for k, p in enumerate(parts):
                    layer_states[p].append([s[k] for s in per_step])
                for name in spec.gates:
                    layer_gates[name].append([g[name] for g in gs])
            layer_input = torch.cat(outputs, dim=-1)  # (B, T, D*H)
            for p in parts:
                states[p].append(layer_states[p])
            for name in spec.gates:
                gates[name].append(layer_gates[name])

        output = layer_input if module.batch_first else layer_input.transpose(0, 1)
        out_for_loss = output.to(module_dtype)
        loss = loss_fn(out_for_loss) if loss_fn is not None else _last_step_sum(out_for_loss, module)
        if not (isinstance(loss, Tensor) and loss.numel() == 1 and loss.requires_grad):
            raise ValueError("loss_fn must return a scalar tensor computed from the output it is given "
                             f"(got {_what(loss)}).")
        loss.backward()

    extra = [p for p in parts if p not in ("h", "c")]
    return Trace(
        cell_type=spec.name,
        hidden=_stack_values(states["h"], mask),
        cell=_stack_values(states["c"], mask) if "c" in parts else None,
        gates={name: _stack_values(gates[name], mask) for name in spec.gates},
        grad_norm=_grad_norms(states["h"], mask),
        cell_grad_norm=_grad_norms(states["c"], mask) if "c" in parts else None,
        states={p: _stack_values(states[p], mask) for p in extra},
        state_grad_norm={p: _grad_norms(states[p], mask) for p in extra},
        output=output.detach().float().cpu().numpy(),
        layer_input=xb.float().cpu().numpy(),
        batch_first=module.batch_first,
        loss=float(loss.detach()),
        lengths=None if lengths is None else np.asarray(lengths, dtype=np.int64),
        params={k: v.detach().float().cpu().numpy() for k, v in module.named_parameters()},
        cell_text=spec.cell.source,
    )


def _check_arguments(module, x, loss_fn, dtype) -> CellSpec:
    """The module's cell, once every argument but the state and lengths is as trace_rnn needs."""
    if not isinstance(module, (nn.RNNBase, SpecRNN)):
        raise TypeError(f"module must be a torch.nn.RNN, nn.LSTM, nn.GRU or an explorer SpecRNN "
                        f"(got {_what(module)}).")
    spec = spec_for_module(module)
    if getattr(module, "proj_size", 0):
        raise ValueError("module: an LSTM with proj_size > 0 is not supported.")
    layout = "(batch, time, features)" if module.batch_first else "(time, batch, features)"
    if not isinstance(x, Tensor):
        raise TypeError(f"x must be a torch.Tensor shaped {layout} (got {_what(x)}); "
                        "convert it with torch.as_tensor(x, dtype=torch.float32).")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point numbers (got {x.dtype}).")
    if x.dim() != 3 or min(x.shape) < 1:
        raise ValueError(f"x must be a batched 3-D input {layout} with at least one sequence, step and "
                         f"feature (got shape {tuple(x.shape)}).")
    if x.shape[-1] != module.input_size:
        raise ValueError(f"x has {x.shape[-1]} features per step; the module reads "
                         f"input_size={module.input_size}.")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be a function of the output, or None (got {_what(loss_fn)}).")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating-point torch.dtype such as torch.float64 (got {dtype!r}).")
    return spec


def _what(value) -> str:
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}"
    return f"a {type(value).__module__}.{type(value).__qualname__}".replace("a builtins.", "a ")


def _stack_output(hs: list[Tensor], mask: Tensor | None) -> Tensor:
    out = torch.stack(hs, dim=1)  # (B, T, H)
    return out if mask is None else out * mask[..., None]


def _stack_values(per_layer: list[list[list[Tensor]]], mask: Tensor | None) -> np.ndarray:
    """[layer][direction][t] of (B, H) -> (L, D, B, T, H), NaN on padded steps."""
    values = np.stack([
        np.stack([torch.stack(ts, dim=1).detach().float().cpu().numpy() for ts in dirs])
        for dirs in per_layer
    ])
    if mask is not None:
        values[:, :, ~mask.cpu().numpy()] = np.nan
    return values


def _grad_norms(per_layer: list[list[list[Tensor]]], mask: Tensor | None) -> np.ndarray:
    """[layer][direction][t] of (B, H) with .grad -> (L, D, T): mean over real examples of ||grad||."""
    result = np.zeros((len(per_layer), len(per_layer[0]), len(per_layer[0][0])))
    for li, dirs in enumerate(per_layer):
        for di, ts in enumerate(dirs):
            for t, h in enumerate(ts):
                if h.grad is None:
                    continue
                norms = h.grad.double().norm(dim=-1)  # (B,)
                if mask is not None:
                    real = mask[:, t]
                    norms = norms[real] if bool(real.any()) else norms[:0]
                result[li, di, t] = float(norms.mean()) if norms.numel() else np.nan
    return result


def _step_mask(lengths, batch: int, steps: int, device) -> Tensor | None:
    if lengths is None:
        return None
    expected = f"lengths must be {batch} whole numbers (one per sequence) from 1 to {steps}"
    try:
        values = np.asarray(lengths.detach().cpu() if isinstance(lengths, Tensor) else lengths)
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(f"{expected} (got {_what(lengths)}).") from None
    if values.shape != (batch,) or values.dtype.kind not in "iuf":
        raise ValueError(f"{expected} (got {values.dtype.name} values of shape {values.shape}).")
    if not (np.all(values == np.round(values)) and values.min() >= 1 and values.max() <= steps):
        raise ValueError(f"{expected} (got {np.array2string(values, threshold=8)}).")
    lengths = torch.as_tensor(values.astype(np.int64), device=device)
    return torch.arange(steps, device=device)[None, :] < lengths[:, None]  # (B, T)


def _initial_states(spec: CellSpec, initial_state, module, batch, device, dtype):
    """Per layer-direction initial state tuples, one (B, ·) tensor per state part."""
    n = module.num_layers * (2 if module.bidirectional else 1)
    sizes = [getattr(module, "output_size", module.hidden_size) if p == "y" else module.hidden_size
             for p in spec.cell.states]
    if initial_state is None:
        parts = tuple(torch.zeros(n, batch, size, device=device, dtype=dtype) for size in sizes)
    else:
        parts = tuple(initial_state) if isinstance(initial_state, (tuple, list)) else (initial_state,)
        names = [f"{p}0" for p in spec.cell.states]
        shapes = [(n, batch, size) for size in sizes]
        if len(parts) != len(names) or not all(
                isinstance(p, Tensor) and p.is_floating_point() and tuple(p.shape) == shape
                for p, shape in zip(parts, shapes, strict=False)):
            got = ", ".join(_what(p) for p in parts)
            wanted = names[0] if len(names) == 1 else f"({', '.join(names)})"
            raise ValueError(f"initial_state must be {wanted}: floating-point tensors shaped (layers × "
                             f"directions, batch, size) = {', '.join(map(str, shapes))} "
                             f"(got {got or 'nothing'}).")
        parts = tuple(p.detach().to(dtype=dtype, device=device) for p in parts)
    # the initial state requires grad so that every later state is part of the graph
    return [tuple(p[k].clone().requires_grad_(True) for p in parts) for k in range(n)]


def _last_step_sum(output: Tensor, module: nn.RNNBase) -> Tensor:
    return (output[:, -1] if module.batch_first else output[-1]).sum()

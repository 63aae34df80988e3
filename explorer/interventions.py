"""Interventions: rerun a recorded probe with a gate clamped, hidden units ablated or W_hh frozen.

From a `Trace` alone (its parameters, by torch.nn's names, and x_t as the first layer read it)
the recurrent layer is rebuilt and replayed twice with the same loss, once untouched and once
changed, so states, gates, outputs, loss and gradients through time compare side by side:

- clamp: a gate of chosen units is set to a value at every step, *before* the state update
  reads it (an LSTM's f = 0 cuts the cell state's path back in time: dL/dc_{t-1} = dL/dc_t ⊙ f_t);
- ablate: chosen hidden units are zeroed after every step (their h_t is 0, for the readers of h);
- freeze W_hh: the recurrent weights are those of an earlier recording (normally the first,
  before training) while every other weight keeps its trained value.

Both runs are scored by the run's own loss: the trace carries the task head's weights and the
loss mask, so the rerun's predictions and loss are the task's, and "loss untouched" equals the
loss the recording measured. A trace without a head (a bare uploaded layer) falls back to the
sum of the last step's output (`explorer.record`'s default); `scored_by` says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import torch

from explorer.cells import CELLS, TORCH
from explorer.models import final_states
from explorer.objectives import OBJECTIVES
from explorer.record import _initial_states, _record, _step_mask
from explorer.tasks import TASKS
from explorer.trace import Trace

STAND_IN = "the sum of the last step's output (this recording has no task head)"


@dataclass(frozen=True)
class Intervention:
    clamp_gate: str = ""  # a gate name of the trace's cell ("" for none)
    clamp_value: float = 0.0  # the value it is held at
    clamp_units: tuple[int, ...] = ()  # the units it applies to; empty: every unit
    ablate_units: tuple[int, ...] = ()  # hidden units zeroed after every step
    freeze_whh: bool = False  # W_hh from `frozen_params` (an earlier recording) instead

    @property
    def empty(self) -> bool:
        return not (self.clamp_gate or self.ablate_units or self.freeze_whh)

    def problems(self, trace: Trace) -> list[str]:
        found = []
        if self.clamp_gate and self.clamp_gate not in trace.gates:
            found.append(f"This {trace.cell_type} has no gate '{self.clamp_gate}'.")
        if any(not 0 <= u < trace.hidden_size for u in self.clamp_units + self.ablate_units):
            found.append(f"Units are 0 to {trace.hidden_size - 1}.")
        if self.freeze_whh and not any(k.startswith(("weight_hh", "weight_yh")) for k in trace.params):
            found.append("This cell has no W_hh to freeze (a custom cell names its weights itself).")
        return found


def rebuild(trace: Trace) -> torch.nn.Module:
    """The recorded layer as a module (float64) with the trace's own parameters."""
    spec = CELLS[trace.cell_type]
    params = {k: torch.as_tensor(np.asarray(v), dtype=torch.float64) for k, v in trace.params.items()}
    extra = {"output_size": params["weight_hy_l0"].shape[0]} if "weight_hy_l0" in params else {}
    module = spec.module(params["weight_ih_l0"].shape[1], trace.hidden_size, num_layers=trace.num_layers,
                         bidirectional=trace.num_directions == 2, batch_first=True,
                         bias="bias_ih_l0" in params, **spec.module_kwargs, **extra).double()
    module.load_state_dict(params)
    return module


def rerun(trace: Trace, change: Intervention = Intervention(),
          frozen_params: dict[str, np.ndarray] | None = None) -> Trace:
    """Replay the trace's probe through its own weights, with `change` applied."""
    if change.problems(trace):
        raise ValueError(" ".join(change.problems(trace)))
    if change.freeze_whh and frozen_params is None:
        raise ValueError("Freezing W_hh needs an earlier recording's weights.")
    module = rebuild(trace)
    spec = CELLS[trace.cell_type]
    x = torch.as_tensor(np.asarray(trace.layer_input), dtype=torch.float64)  # (B, T, F)
    mask = _step_mask(trace.lengths, x.shape[0], x.shape[1], x.device)
    h0 = _initial_states(spec, None, module, x.shape[0], x.device, torch.float64)
    units = lambda chosen: torch.tensor([u in chosen for u in range(trace.hidden_size)])  # noqa: E731

    ops = TORCH
    if change.clamp_gate:
        held = units(change.clamp_units) if change.clamp_units else torch.ones(trace.hidden_size, dtype=bool)

        def clamp(name, value):
            return torch.where(held, torch.full_like(value, change.clamp_value), value) \
                if name == change.clamp_gate else value

        ops = SimpleNamespace(**vars(TORCH) | {
            "act": lambda name, kind, pre: clamp(name, TORCH.act(name, kind, pre)),
            "derived": lambda name, value: clamp(name, value)})
    step = lambda x_t, state, w: spec.cell.step(ops, x_t, state, w)  # noqa: E731

    hook = None
    if change.ablate_units:
        h_index, off = spec.cell.states.index("h"), units(change.ablate_units)

        def ablate(t, state, gates):
            state = list(state)
            state[h_index] = torch.where(off, torch.zeros_like(state[h_index]), state[h_index])
            return tuple(state), gates

        hook = lambda layer, direction: ablate  # noqa: E731

    def weights(layer, direction, w):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        if change.freeze_whh:
            name = spec.cell.recurrent_weight
            w = w | {name: torch.as_tensor(np.asarray(frozen_params[name + suffix]), dtype=torch.float64)}
        if change.ablate_units and w.get("weight_hy") is not None:  # Jordan's y reads h inside the step
            w = w | {"weight_hy": torch.where(units(change.ablate_units), 0.0, w["weight_hy"])}
        return w

    predictions: list[torch.Tensor] = []
    result = _record(spec, module, x, task_loss(trace, predictions), mask, h0, torch.float64, trace.lengths,
                     hook=hook, weights=weights, step=step)
    result.inputs, result.targets, result.vocab = trace.inputs, trace.targets, trace.vocab
    result.step, result.task = trace.step, trace.task
    result.head, result.loss_mask = trace.head, trace.loss_mask
    result.predictions = predictions[0].float().numpy() if predictions else None
    return result


def scored_by(trace: Trace) -> str:
    """What the reruns' loss is, in words."""
    task = TASKS.get(trace.task)
    if task is None or trace.targets is None or not (trace.head or CELLS[trace.cell_type].owns_head):
        return STAND_IN
    kind = task.metric_name if task.target_kind == "regression" else "cross-entropy"
    return f"the task's own loss ({kind})"


def task_loss(trace: Trace, predictions: list):
    """The run's loss as a function of the layer's output (B, T, D*H), float64; None (the stand-in)
    when the trace cannot say it. Each call appends its predictions (B, [T,] O) to `predictions`."""
    if scored_by(trace) == STAND_IN:
        return None
    task = TASKS[trace.task]
    objective = OBJECTIVES[task.target_kind]
    head = {k: torch.as_tensor(np.asarray(v), dtype=torch.float64) for k, v in trace.head.items()}
    targets = torch.as_tensor(np.asarray(trace.targets))
    targets = targets.double() if task.target_kind == "regression" else targets.long()
    lengths = None if trace.lengths is None else torch.as_tensor(trace.lengths)
    mask = None if trace.loss_mask is None else torch.as_tensor(np.asarray(trace.loss_mask, dtype=bool))
    width = trace.output.shape[-1] // trace.num_directions  # one direction's output: H, or O (Jordan)

    def loss(output: torch.Tensor) -> torch.Tensor:
        output = output.double()
        if task.output == "many_to_one":
            output = final_states(output, lengths, width)  # (B, D*H)
        pred = torch.nn.functional.linear(output, head["weight"], head.get("bias")) if head else output
        predictions.append(pred.detach())
        return objective.loss(pred, targets, mask)

    return loss


def summary(before: Trace, after: Trace) -> dict[str, float]:
    """What changed, in numbers: the loss, and the largest change of output and state."""
    diff = lambda a, b: float(np.nanmax(np.abs(a - b))) if a.size else 0.0  # noqa: E731
    return {"loss untouched": before.loss, "loss changed": after.loss,
            "largest output change": diff(before.output, after.output),
            "largest h_t change": diff(before.hidden, after.hidden)}

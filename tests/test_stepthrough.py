"""The step-through's numbers agree with the recording, and redo the step from what they print."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from explorer import trace_rnn
from explorer.cells import CELLS, FUSED_CELLS
from explorer.stepthrough import StepInput, dot_table, example_weights, explain, from_trace, step, unit_latex

NUMBER = re.compile(r"-?\d+\.\d+")
PLACES = 5e-5  # the LaTeX prints 4 decimals: each printed number is within this of the true one
ACTIVATIONS = {r"\sigma": lambda v: 1 / (1 + np.exp(-v)), r"\tanh": np.tanh,
               r"\mathrm{ReLU}": lambda v: max(v, 0)}


@pytest.fixture(scope="module", params=list(FUSED_CELLS))
def recorded(request):
    """A 2-layer bidirectional layer of each cell, replayed on a padded batch (lengths 7 and 4)."""
    spec = CELLS[request.param]
    torch.manual_seed(0)
    module = spec.module(3, 5, num_layers=2, bidirectional=True, batch_first=True, **spec.module_kwargs)
    return trace_rnn(module, torch.randn(2, 7, 3), lengths=np.array([7, 4]))


def numbers(line: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(line)]


def close(value: float, printed: float, *factors: float):
    """`printed` (rounded) equals `value` computed from rounded inputs: each rounding error of an
    input is scaled by what multiplies it (`factors`, 1 for a plain term)."""
    return value == pytest.approx(printed, abs=PLACES * (1.01 + sum(abs(f) for f in factors)))


def redo(cell: str, lines: list[str], h_prev: float, c_prev: float | None) -> dict[str, float]:
    """Recompute every printed result from the numbers printed before it on the same line."""
    values = {}
    for line in lines:
        name, rhs = line.split(" = ", 1)
        name = name[0]
        got = numbers(rhs)
        if name in "ifgorzn" or (name == "h" and cell.startswith("rnn")):
            act = next(fn for key, fn in ACTIVATIONS.items() if rhs.startswith(key))
            if name == "n":  # tanh(from_x + r · from_h)
                from_x, r, from_h, pre, value = got
                assert close(from_x + r * from_h, pre, 1, r, from_h)
            else:
                from_x, from_h, pre, value = got
                assert close(from_x + from_h, pre, 1, 1)
            assert close(act(pre), value, 1)  # every activation's slope is at most 1
        elif name == "c":
            f, c_old, i, g, value = got
            assert close(c_old, c_prev)
            assert close(f * c_old + i * g, value, f, c_old, i, g)
        elif cell == "lstm":
            o, c, value = got
            assert close(o * np.tanh(c), value, o, 1)
        else:  # GRU: h = (1 - z) n + z h_prev
            z, n, z_again, h_old, value = got
            assert z == z_again and close(h_old, h_prev)
            assert close((1 - z) * n + z * h_old, value, n, 1 - z, h_old, z)
        values[name] = value
    return values


@pytest.mark.parametrize(("layer", "direction", "example", "t"),
                         [(0, 0, 0, 0), (0, 1, 1, 3), (1, 0, 0, 4), (1, 1, 1, 0), (1, 1, 0, 6)])
def test_printed_numbers_redo_the_step_and_match_the_recording(recorded, layer, direction, example, t):
    """For one unit: each printed line follows from the numbers on it, and the results are the
    trace's own h_t, c_t and gate values."""
    unit = 3
    inp = from_trace(recorded, layer, direction, example, t)
    lines = unit_latex(step(inp), unit)
    assert ("h_{t+1}" if direction else "h_{t-1}") in lines[0]
    c_prev = None if inp.c_prev is None else inp.c_prev[unit]
    values = redo(recorded.cell_type, lines, inp.h_prev[unit], c_prev)
    assert values["h"] == pytest.approx(recorded.hidden[layer, direction, example, t, unit], abs=PLACES)
    for name, gate in recorded.gates.items():
        assert values[name] == pytest.approx(gate[layer, direction, example, t, unit], abs=PLACES)
    if recorded.cell is not None:
        assert values["c"] == pytest.approx(recorded.cell[layer, direction, example, t, unit], abs=PLACES)


def test_the_products_table_adds_up_to_the_printed_pre_activations(recorded):
    s = step(from_trace(recorded, 1, 0, 0, 2))
    table = dot_table(s, unit=1)
    from_x = table["term"].str.startswith("x_t") | (table["term"] == "b_ih")
    for column in (c for c in table.columns if c.startswith("weight")):
        block = column[len("weight ("):-1]
        products = table["value"] * table[column]
        assert products[from_x].sum() == pytest.approx(s.from_x[block][1], abs=1e-9)
        assert products[~from_x].sum() == pytest.approx(s.from_h[block][1], abs=1e-9)
    assert len(table) == 10 + 5 + 2  # layer 2 reads [h→ ; h←] of layer 1: 2 × 5 inputs


def test_a_padded_step_is_explained_not_computed(recorded):
    with pytest.raises(ValueError, match="Step 5 is padding for probe example 2: it has 4 steps"):
        explain(recorded, 0, 0, 1, 5, 0)
    shown = explain(recorded, 0, 1, 1, 3, 0)  # the backward direction starts at the last real step
    assert shown.recomputed == pytest.approx(shown.recorded, abs=1e-5)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_hand_set_weights_step_like_torch_cells(cell):
    """The anatomy page's arithmetic (step on example weights) equals torch's own single-step cells."""
    spec = CELLS[cell]
    weights = example_weights(cell, 3, 3, seed=4)
    rng = np.random.default_rng(1)
    x, h, c = rng.normal(size=3), rng.uniform(-1, 1, 3), rng.normal(size=3)
    s = step(StepInput(cell, x, h, c if spec.has_cell_state else None, weights))
    module = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}.get(cell, torch.nn.RNNCell)
    kwargs = {} if spec.has_cell_state or cell == "gru" else spec.module_kwargs
    torch_cell = module(3, 3, **kwargs).double()
    torch_cell.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    as_t = lambda v: torch.from_numpy(v)[None]  # noqa: E731
    out = torch_cell(as_t(x), (as_t(h), as_t(c)) if spec.has_cell_state else as_t(h))
    new_h = out[0] if spec.has_cell_state else out
    np.testing.assert_allclose(s.h, new_h[0].detach().numpy(), atol=1e-12)
    if spec.has_cell_state:
        np.testing.assert_allclose(s.c, out[1][0].detach().numpy(), atol=1e-12)

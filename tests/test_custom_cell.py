"""A cell of your own: the equation language parses, checks names and shapes with messages,
refuses hostile text without evaluating it, and compiles to a cell that trains and is recorded."""

import numpy as np
import pytest
import torch

from explorer import RunConfig, Trainer, trace_rnn
from explorer.cells import CELLS, resolve
from explorer.custom_cell import EXAMPLE, MAX_CHARS, cell_from_text, problems
from explorer.stepthrough import explain


def test_the_example_is_the_minimal_gated_unit():
    """The example text (MGU) with the built-in MGU's weights, renamed, gives the same outputs."""
    torch.manual_seed(0)
    mgu = CELLS["mgu"].module(3, 4, batch_first=True)
    mine = resolve("custom", EXAMPLE).module(3, 4, batch_first=True)
    h = 4
    p = {k: v.detach() for k, v in mgu.named_parameters()}
    b = p["bias_ih_l0"] + p["bias_hh_l0"]
    values = {"W_f": p["weight_ih_l0"][:h], "W_n": p["weight_ih_l0"][h:], "U_f": p["weight_hh_l0"][:h],
              "U_n": p["weight_hh_l0"][h:], "b_f": b[:h], "b_n": b[h:]}
    mine.load_state_dict({f"{k}_l0": v for k, v in values.items()})
    x = torch.randn(2, 6, 3)
    trace = trace_rnn(mine, x)
    np.testing.assert_allclose(trace.output, mgu(x)[0].detach().numpy(), atol=1e-5)
    assert list(trace.gates) == ["f", "n"] and trace.cell_text == EXAMPLE
    shown = explain(trace, 0, 0, 1, 3, unit=2)
    assert shown.recomputed == pytest.approx(shown.recorded, abs=1e-5)
    assert shown.equations[0] == r"f_t = \sigma(W_{f} x_t + U_{f} h_{t-1} + b_{f})"


def test_a_custom_cell_trains_in_the_run_layer_and_its_config_carries_only_text():
    text = "i = σ(W_i @ x + U_i @ h + b_i)\nc = c + i * tanh(W_c @ x + U_c @ h + b_c)\nh = tanh(c)"
    cfg = RunConfig(cell="custom", custom_cell=text, task="sine", seq_len=10, hidden_size=4, batch_size=4,
                    steps=3, probe_every=3, probe_size=2)
    assert cfg.validate() == [] and cfg.to_query()["custom_cell"] == text
    progress = list(Trainer(cfg).fit())
    trace = progress[-1].trace
    assert np.isfinite(trace.grad_norm).all() and trace.cell is not None and list(trace.gates) == ["i"]


@pytest.mark.parametrize(("text", "message"), [
    ("h = x.__class__", "'.' is not allowed (attribute access"),
    ("h = open(x)", "unknown function 'open'"),
    ("import os", "write one equation as `name = expression`"),
    ("h = __import__(x)", "unknown function '__import__'"),
    ("h = tanh(x)[0]", "'[' is not allowed"),
    ("h = tanh(W_h @ x + U_h @ h + b_h)\n" * 3 + "h = 'a'", "''' is not allowed"),
    ("h = " + "(" * 40 + "x" + ")" * 40, "nested too deeply"),
    ("h = x" + " + x" * 2000, f"at most {MAX_CHARS} are allowed"),
    ("h = tanh(W_h @ h + b_h)", "shape mismatch: a weight H × F @ a vector of H units"),
    ("h = tanh(U_h @ x)", "shape mismatch: a weight H × H @ x (F values)"),
    ("h = tanh(W_h @ x + q)", "unknown name 'q'"),
    ("f = σ(W_f @ x)", "Assign the new state h"),
    ("h = W_h", "h must be a vector of H units, not a weight H × F"),
    ("h = tanh(W_h) @ x", "a weight matrix must multiply a vector with @"),
    ("h = tanh(W_h @ x + h", "expected ')'"),
])
def test_bad_or_hostile_text_is_refused_with_a_message(text, message):
    found = problems(text)
    assert found and any(message in p for p in found), found
    assert RunConfig(cell="custom", custom_cell=text).validate()


def test_the_text_is_never_evaluated(monkeypatch):
    """The builtins that would run text are not called while compiling."""
    import builtins

    for name in ("eval", "exec", "compile", "__import__"):
        monkeypatch.setattr(builtins, name, lambda *a, **k: pytest.fail("evaluated"), raising=True)
    cell = cell_from_text("z = σ(W_z @ x + U_z @ h)\nh = z * h + (1 - z) * tanh(W_h @ x + 0.5)")
    assert cell.gate_names == ("z",)


def test_custom_gates_do_not_rename_the_built_in_ones_and_the_registry_stays_bounded():
    from explorer.cellspec import CELL_SPECS, gate_colors, gate_titles
    from explorer.custom_cell import MAX_KEPT

    for k in range(MAX_KEPT + 5):
        resolve("custom", f"f = σ(W_f @ x + {k})\nh = f * h")
    assert gate_titles()["f"] == "forget gate f" and gate_colors()["f"] == "#D55E00"
    assert sum(1 for c in CELL_SPECS.values() if c.source) == MAX_KEPT
    assert sum(1 for s in CELLS.values() if s.cell.source) <= MAX_KEPT

"""The Cell anatomy page under AppTest: drag an input or a weight, every number follows (checked
against torch's own single-step cells)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from plotly_charts import charts, values
from streamlit.testing.v1 import AppTest

from explorer.stepthrough import example_weights

ROOT = Path(__file__).resolve().parents[1]
TORCH_CELLS = {"lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell, "rnn_tanh": torch.nn.RNNCell}


@pytest.fixture
def at() -> AppTest:
    page = AppTest.from_file(str(ROOT / "pages" / "anatomy.py"), default_timeout=30)
    return page.run()


def reference(at: AppTest) -> tuple[np.ndarray, np.ndarray | None]:
    """h_t (and c_t) from torch's cell, with the page's inputs and weights (seeded, then the sliders')."""
    cell = at.selectbox(key="anatomy_cell").value
    size = at.segmented_control(key="anatomy_size").value
    weights = example_weights(cell, size, size, int(at.number_input(key="anatomy_seed").value))
    for slider in at.slider:
        if slider.key.startswith("anatomy_w_"):
            *_, name, kind, row, column = slider.key.split("_")
            where = (int(row), int(column)) if column != "None" else int(row)
            weights[f"{name}_{kind}"][where] = slider.value

    def value(prefix: str) -> torch.Tensor:
        return torch.tensor([[at.slider(key=f"anatomy_{prefix}{j}").value for j in range(size)]],
                            dtype=torch.float64)

    module = TORCH_CELLS[cell](size, size).double()
    module.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    if cell == "lstm":
        h, c = module(value("x"), (value("h"), value("c")))
        return h[0].detach().numpy(), c[0].detach().numpy()
    return module(value("x"), value("h"))[0].detach().numpy(), None


def printed_h(at: AppTest) -> float:
    """The last number of the h_t line under "the same equations with the numbers"."""
    line = next(latex.value for latex in reversed(at.latex) if latex.value.strip("$\n ").startswith("h_t ="))
    return float(re.findall(r"-?\d+\.\d+", line)[-1])


def test_the_default_lstm_step_is_torchs(at):
    assert not at.exception
    h, c = reference(at)
    assert printed_h(at) == pytest.approx(h[0], abs=5e-5)
    figure = charts(at)["anatomy_chart"]
    bars = [k for k, t in enumerate(figure["data"]) if t["type"] == "bar"]
    assert [figure["data"][k]["name"] for k in bars] == [
        "h<sub>t-1</sub>", "c<sub>t-1</sub>", "i", "f", "g", "o", "c<sub>t</sub>", "h<sub>t</sub>"]
    np.testing.assert_allclose(values(figure, bars[-2]), c, atol=1e-12)
    np.testing.assert_allclose(values(figure, bars[-1]), h, atol=1e-12)


def test_dragging_an_input_changes_every_number(at):
    before = [latex.value for latex in at.latex]
    at.slider(key="anatomy_x0").set_value(-1.5).run()
    after = [latex.value for latex in at.latex]
    equations = 6  # the symbolic LSTM equations stay; every numbered line changes
    assert before[:equations] == after[:equations]
    assert all(b != a for b, a in zip(before[equations:], after[equations:], strict=True))
    assert printed_h(at) == pytest.approx(reference(at)[0][0], abs=5e-5)


def test_an_edited_weight_counts_and_survives_looking_at_another_block(at):
    at.selectbox(key="anatomy_cell").set_value("gru").run()
    at.segmented_control(key="anatomy_size").set_value(3).run()
    at.selectbox(key="anatomy_block").set_value("z").run()
    key = "anatomy_w_gru_3_0_weight_ih_3_1"  # W_iz[0, 1]: block z starts at row 1 * 3
    at.slider(key=key).set_value(2.5).run()
    assert printed_h(at) == pytest.approx(reference(at)[0][0], abs=5e-5)
    at.selectbox(key="anatomy_block").set_value("r").run()
    at.selectbox(key="anatomy_block").set_value("z").run()
    assert at.slider(key=key).value == 2.5
    assert printed_h(at) == pytest.approx(reference(at)[0][0], abs=5e-5)
    at.segmented_control(key="anatomy_shown").set_value(2).run()
    assert printed_h(at) == pytest.approx(reference(at)[0][2], abs=5e-5)


def test_a_vanilla_rnn_has_one_equation_and_no_cell_state(at):
    at.selectbox(key="anatomy_cell").set_value("rnn_tanh").run()
    assert not at.exception
    assert [latex.value.strip("$\n ")[:4] for latex in at.latex] == ["h_t ", "h_t "]
    assert not any(slider.key.startswith("anatomy_c") for slider in at.slider)
    assert printed_h(at) == pytest.approx(reference(at)[0][0], abs=5e-5)

"""The "Your model" page under AppTest: good uploads show every view, bad ones a message, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from plotly_charts import charts
from safetensors.torch import save as save_safetensors
from streamlit.testing.v1 import AppTest
from test_app_inside import every_view, highlighted
from test_upload import bad_files, module, torch_saved

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def at() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "your_model.py"), default_timeout=60).run()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    return at.file_uploader(key="your_model_file").set_value((name, data, "application/octet-stream")).run()


def test_the_example_file_opens_and_every_view_follows_the_cursor(at):
    assert any("Upload a file" in info.value for info in at.info)
    at.button(key="your_model_use_example").click().run()
    assert not at.exception
    assert "Read LSTM: input size 3, hidden size 16, 1 layer." in at.success[0].value
    at.slider(key="your_model_t").set_value(17).run()
    figures = every_view(at, "your_model")
    assert {key.removeprefix("your_model_") for key in figures} == {
        "unrolled", "hidden", "gates", "gate_lines", "saturation", "trajectory"}
    assert {figure["layout"]["meta"]["cursor"] for figure in figures.values()} == {17}
    assert {highlighted(figure) for figure in figures.values()} == {17}
    assert "Step t = 17, unit 0" in "\n".join(m.value for m in at.markdown)  # the last tab opened


@pytest.mark.parametrize("fmt", ["safetensors", "torch"])
def test_an_uploaded_bidirectional_gru_is_replayed(at, fmt):
    state = module("gru", input_size=2, hidden=5, layers=2).state_dict()
    upload(at, f"gru.{'safetensors' if fmt == 'safetensors' else 'pt'}",
           save_safetensors(state) if fmt == "safetensors" else torch_saved(state))
    assert not at.exception and not at.error
    assert "GRU: input size 2, hidden size 5, 2 layers, bidirectional" in at.success[0].value
    at.selectbox(key="your_model_direction").set_value(1)
    at.session_state["your_model_tab"] = "Gates"
    assert "layer 2 backward" in charts(at.run())["your_model_gates"]["layout"]["title"]["text"]
    at.session_state["your_model_tab"] = "Step-through"
    assert "h_{t+1}" in at.run().latex[0].value


def test_a_vanilla_rnn_asks_for_its_nonlinearity(at):
    upload(at, "rnn.safetensors", save_safetensors(torch.nn.RNN(3, 4, nonlinearity="relu").state_dict()))
    assert "Vanilla RNN (tanh)" in at.success[0].value
    at.radio(key="your_model_nonlinearity").set_value("relu").run()
    assert "Vanilla RNN (ReLU)" in at.success[0].value and not at.exception


@pytest.mark.parametrize("name", ["not safetensors", "too big", "a pickled module", "wrong keys",
                                  "wrong layer-2 input"])
def test_a_bad_upload_gives_a_message_and_no_exception(at, name):
    data, message = bad_files()[name]
    upload(at, "weights.safetensors", data)
    assert not at.exception
    assert [message in error.value for error in at.error] == [True]
    assert not charts(at)


def test_typed_input_is_checked_then_used(at):
    at.button(key="your_model_use_example").click().run()
    at.segmented_control(key="your_model_source").set_value("type").run()
    at.text_area(key="your_model_text").set_value("1, 2, 3\n4 5\n").run()
    assert not at.exception
    assert at.error[0].value == "Line 2 has 2 numbers; the model reads 3 per step."
    at.text_area(key="your_model_text").set_value("1, 2, 3\n4 5 6\n0 0 0\n").run()
    assert not at.error
    assert at.slider(key="your_model_t").max == 2  # three typed steps


def test_the_apps_own_relu_file_opens_as_relu_and_a_bare_one_says_it_cannot_tell(at):
    """The Train page's "Recurrent layer only" file of a ReLU RNN carries its nonlinearity in its
    metadata: it opens as ReLU, not tanh, with no choice to make. A file without it says so next to
    the choice."""
    from explorer.checkpoint import model_file, recurrent_file
    from explorer.config import RunConfig
    from explorer.train import Trainer

    config = RunConfig(cell="rnn_relu", task="adding", hidden_size=4, steps=1)
    upload(at, "relu.safetensors", recurrent_file(model_file(Trainer(config).model, config)))
    assert not at.exception
    assert "Vanilla RNN (ReLU)" in at.success[0].value
    assert not at.radio  # nothing to pick: the file says
    assert any("**ReLU**, as the file says" in c.value for c in at.caption)

    upload(at, "bare.safetensors", save_safetensors(torch.nn.RNN(3, 4).state_dict()))
    assert "Vanilla RNN (tanh)" in at.success[0].value
    assert "the file does not say" in at.radio(key="your_model_nonlinearity").label

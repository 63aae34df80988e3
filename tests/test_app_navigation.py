"""Settings and runs survive a visit to another page (AppTest over the whole app, app.py).

Streamlit forgets the state of a widget that one run does not draw, so a page switch would
reset every setting of the page left. The pages keep theirs (`persist_state="session"`);
each test here changes a setting or two, opens another page, comes back and checks them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from apptest import JOIN_TIMEOUT, RUN_KEY, open_app, progress_text, train, widget
from safetensors.torch import save as save_safetensors
from streamlit.testing.v1 import AppTest

from explorer.examples import EXAMPLES

KINDS = ("multiselect", "segmented_control")  # besides apptest.WIDGET_KINDS
HANDLES = (RUN_KEY, "gradients_run", "race_handle", "race_sweep_handle", "attention_run", "attention_curve",
           "forecast_run")


@pytest.fixture
def app() -> Iterator[AppTest]:
    """The whole app, opened on its default page (Train); runs left going are stopped at teardown."""
    at = open_app()
    assert not at.exception, at.exception
    yield at
    for key in HANDLES:
        if key in at.session_state:
            at.session_state[key].stop()


def find(at: AppTest, key: str):
    try:
        return widget(at, key)
    except KeyError:
        for kind in KINDS:
            try:
                return getattr(at, kind)(key=key)
            except KeyError:
                continue
    raise KeyError(f"no widget with key {key!r}")


def visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def change(at: AppTest, settings: dict) -> None:
    """Set each widget, one run each (a setting may draw or hide the next), and check it took."""
    for key, value in settings.items():
        find(at, key).set_value(value).run()
        assert not at.exception, at.exception
        assert find(at, key).value == value


def values(at: AppTest, keys) -> dict:
    return {key: find(at, key).value for key in keys}


def upload(at: AppTest, name: str, module: torch.nn.Module) -> None:
    weights = save_safetensors(module.state_dict())
    at.file_uploader(key="your_model_file").set_value((name, weights, "application/octet-stream")).run()


# the page, the settings to change (widget key: new value) and a page to visit in between
SETTINGS = {
    "race": ({"race_cells": ["lstm", "gru"], "race_seed": 7, "race_sweep_lens": [5, 10],
              "race_sweep_steps": 100}, "shapes"),
    "gradients": ({"gradients_cell": "gru", "gradients_seq_len": 20, "gradients_view": "exploding"},
                  "shapes"),
    "attention": ({"attention_cell": "lstm", "attention_hidden_size": 32, "attention_beam": 5,
                   "attention_curve_len": 7}, "shapes"),
    "words": ({"words_task": "tagging", "words_hidden": 16, "words_lengths": "3, 2"}, "shapes"),
    "anatomy": ({"anatomy_cell": "gru", "anatomy_seed": 3, "anatomy_x0": 0.25}, "shapes"),
    "shapes": ({"shapes_cell": "gru", "shapes_hidden_size": 7, "shapes_batch_first": False}, "anatomy"),
    "inside": ({"inside_preset": list(EXAMPLES)[1]}, "shapes"),
    "your_cell": ({"your_cell_task": "adding", "your_cell_hidden_size": 8}, "shapes"),
    "forecast": ({"forecast_generated": "stock", "forecast_cell": "lstm", "forecast_horizon": 6,
                  "forecast_shape": "direct"}, "shapes"),
    "text": ({"text_corpus": "brackets", "text_cell": "gru", "text_hidden": 64}, "shapes"),
}


@pytest.mark.parametrize("page", list(SETTINGS))
def test_settings_survive_another_page(app, page):
    settings, other = SETTINGS[page]
    visit(app, page)
    before = values(app, settings)
    assert all(before[key] != value for key, value in settings.items())  # each one a real change
    change(app, settings)

    visit(app, other)
    visit(app, page)
    assert values(app, settings) == settings
    visit(app, page)  # and on the next rerun too, not only the first one back
    assert values(app, settings) == settings


def test_race_keeps_a_changed_preset_and_its_steps(app):
    """The preset picker's callback fills the steps; both survive (the steps even when changed after)."""
    visit(app, "race")
    change(app, {"race_preset": "classic-adding"})
    change(app, {"race_steps": 200})
    visit(app, "train")
    visit(app, "race")
    assert values(app, ["race_preset", "race_steps"]) == {"race_preset": "classic-adding", "race_steps": 200}


def test_your_model_keeps_its_file_settings_and_open_tab(app):
    """The uploaded weights (the uploader itself comes back empty), the input and the open tab survive."""
    visit(app, "your_model")
    upload(app, "gru.safetensors", torch.nn.GRU(2, 5))
    assert not app.exception and not app.error
    read = app.success[0].value
    assert "GRU: input size 2, hidden size 5" in read
    change(app, {"your_model_kind": "steps", "your_model_length": 12, "your_model_batch_first": False})
    app.session_state["your_model_tab"] = "Step-through"
    app.run()
    change(app, {"your_model_unit": 3})

    visit(app, "shapes")
    visit(app, "your_model")
    assert not app.error and app.success[0].value == read
    assert any("gru.safetensors" in caption.value for caption in app.caption)
    kept = {"your_model_kind": "steps", "your_model_length": 12, "your_model_batch_first": False,
            "your_model_unit": 3}
    assert values(app, kept) == kept
    assert app.session_state["your_model_tab"] == "Step-through"
    assert "Step t = 0, unit 3" in "\n".join(m.value for m in app.markdown)

    app.button(key="your_model_forget").click().run()
    assert not app.exception and any("Upload a file" in info.value for info in app.info)


def test_your_model_forgets_a_removed_file(app):
    """Taking the file out of the uploader forgets it: nothing comes back on the next visit."""
    visit(app, "your_model")
    upload(app, "rnn.safetensors", torch.nn.RNN(2, 3))
    assert "your_model_kept_file" in app.session_state
    app.file_uploader(key="your_model_file").set_value(None).run()
    assert not app.exception and any("Upload a file" in info.value for info in app.info)
    visit(app, "shapes")
    visit(app, "your_model")
    assert any("Upload a file" in info.value for info in app.info) and not app.success


def test_train_run_and_settings_survive_the_inside_page(app):
    """A finished run on Train is the one Inside shows, and still the Train page's after coming back."""
    train(app, steps=50, hidden_size=8, seq_len=12)
    run = app.session_state[RUN_KEY]
    assert run.join(JOIN_TIMEOUT) and run.snapshot().status == "finished"
    settings = {"train_steps": 50, "train_hidden_size": 8, "train_seq_len": 12}
    assert values(app, settings) == settings

    visit(app, "inside")
    assert any("The Train page's run: Finished, step 50." in caption.value for caption in app.caption)
    visit(app, "train")
    assert app.session_state[RUN_KEY] is run
    assert values(app, settings) == settings
    assert "Finished" in progress_text(app) and "step 50 of 50" in progress_text(app)

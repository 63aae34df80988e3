"""The Attention page, driven headlessly with Streamlit's AppTest, one behaviour per test.

`run_every` fragments never fire in AppTest: a test that trains waits on the run handle in
session state and reruns once. Finished runs are shared by config within the server
process (`explorer.seq2seq.runs.start_run`), so tests that train the same small config
pay for it once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from plotly_charts import charts
from streamlit.testing.v1 import AppTest

from explorer.seq2seq import TASKS

PAGE = Path(__file__).resolve().parents[1] / "pages" / "attention.py"
RUN_KEY, CURVE_KEY = "attention_run", "attention_curve"
TIMEOUT, JOIN_TIMEOUT = 60, 60  # seconds: the first script run imports torch; CPUs are shared
SMALL = dict(steps=50, length=5, hidden=16)


@pytest.fixture
def app() -> Iterator[AppTest]:
    """The page, run once; any run it left going is stopped at teardown."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.run()
    yield at
    for key in (RUN_KEY, CURVE_KEY):
        if key in at.session_state and hasattr(at.session_state[key], "stop"):
            at.session_state[key].stop()
        if key in at.session_state:
            at.session_state[key].join(JOIN_TIMEOUT)


def values(array) -> np.ndarray:
    """A plotly data array, plain or base64-typed (with its shape when 2-D)."""
    if isinstance(array, dict):
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
        return flat.reshape([int(n) for n in array["shape"].split(",")]) if "shape" in array else flat
    return np.asarray(array, dtype=float)


def train(at: AppTest, attention: str = "additive", steps: int = 50, length: int = 5,
          hidden: int = 16) -> None:
    """Set the sidebar, press Train, wait for the run, redraw."""
    at.selectbox(key="attention_kind").set_value(attention)
    at.select_slider(key="attention_steps").set_value(steps)
    at.number_input(key="attention_length").set_value(length)
    at.select_slider(key="attention_hidden").set_value(hidden)
    at.run()
    at.button(key="attention_train").click().run()
    assert not at.exception
    assert at.session_state[RUN_KEY].join(JOIN_TIMEOUT), "the run did not end in time"
    at.run()


def test_page_opens_with_no_run(app):
    """No exception, an invitation to train, the stated budget, and no charts yet."""
    assert not app.exception
    assert app.title[0].value.startswith("Attention")
    assert any("No run yet" in info.value for info in app.info)
    assert any("300 steps reach ≥ 95% exact match on 12-digit inputs" in c.value for c in app.caption)
    assert not charts(app) and RUN_KEY not in app.session_state


def test_small_run_draws_curves_heatmap_and_both_streams(app):
    """A finished run shows its curves, the probe's attention, and encoder and decoder states."""
    train(app, **SMALL)
    snap = app.session_state[RUN_KEY].snapshot()
    assert (snap.status, snap.step) == ("finished", 50)
    found = charts(app)
    assert {"attention_loss_chart", "attention_exact_chart", "attention_teacher_chart",
            "attention_probe_heatmap", "attention_probe_bars", "attention_probe_context",
            "attention_probe_tokens", "attention_hidden_0", "attention_hidden_1",
            "attention_hidden_2"} <= set(found)
    assert len(values(found["attention_loss_chart"]["data"][0]["y"])) == 50
    heat = values(found["attention_probe_heatmap"]["data"][0]["z"])
    np.testing.assert_allclose(heat.sum(1), 1.0, atol=1e-5)  # rows are distributions
    assert "Finished" in app.get("progress")[0].proto.text


def test_picking_a_decoder_step_shows_its_row(app):
    """The bars are the heatmap's row for the chosen decoder step."""
    train(app, **SMALL)
    app.selectbox(key="attention_probe_step").set_value(2).run()
    found = charts(app)
    heat = values(found["attention_probe_heatmap"]["data"][0]["z"])
    bars = values(found["attention_probe_bars"]["data"][0]["y"])
    np.testing.assert_allclose(bars, heat[2], atol=1e-6)
    assert found["attention_probe_heatmap"]["layout"]["shapes"][0]["y0"] == 1.5


def test_typed_input_is_validated_then_decoded(app):
    """Unknown characters and over-long inputs give a warning and no decoding; a valid input
    is decoded with its own heatmap."""
    train(app, **SMALL)
    app.text_input(key="attention_source").input("12x4").run()
    assert not app.exception
    assert any("'x'" in w.value for w in app.warning)
    assert "attention_typed_heatmap" not in charts(app)
    app.text_input(key="attention_source").input("1234567").run()
    assert any("7 characters" in w.value and "at most 5" in w.value for w in app.warning)
    app.text_input(key="attention_source").input("4321").run()
    assert not app.warning and not app.exception
    typed = charts(app)["attention_typed_heatmap"]
    assert [t.split("<br>")[1] for t in typed["layout"]["xaxis"]["ticktext"]] == list("4321")


def test_without_attention_the_page_says_so(app):
    """With attention "none" there is no heatmap, an explanation instead; outputs still compare."""
    train(app, attention="none", **SMALL)
    found = charts(app)
    assert "attention_probe_heatmap" not in found and "attention_probe_tokens" in found
    assert any("one context vector" in info.value.lower() or "same context vector" in info.value
               for info in app.info)


def test_task_change_starts_at_the_tasks_default_length(app):
    """A new task brings its own length (and curve length); dates have no length knob at all."""
    app.number_input(key="attention_length").set_value(30).run()
    app.selectbox(key="attention_task").set_value("dates").run()
    length = app.number_input(key="attention_length")
    assert length.disabled and length.value == TASKS["dates"].max_len
    app.selectbox(key="attention_task").set_value("addition").run()
    addition = TASKS["addition"]
    assert app.number_input(key="attention_length").value == addition.default_len
    assert app.number_input(key="attention_curve_len").value == 2 * addition.default_len
    assert not app.exception and not app.warning


def test_stop_ends_a_long_run(app):
    app.select_slider(key="attention_steps").set_value(2000).run()
    app.button(key="attention_train").click().run()
    run = app.session_state[RUN_KEY]
    app.button(key="attention_stop").click().run()
    assert run.join(JOIN_TIMEOUT)
    app.run()
    assert run.snapshot().status == "stopped" and "Stopped" in app.get("progress")[0].proto.text


def test_bottleneck_curve_trains_both_kinds_and_draws_them(app):
    """The curve button trains none and attention on the same lengths and draws a line each."""
    app.select_slider(key="attention_steps").set_value(50)
    app.select_slider(key="attention_hidden").set_value(16)
    app.number_input(key="attention_curve_len").set_value(4).run()
    app.button(key="attention_curve_start").click().run()
    assert app.session_state[CURVE_KEY].join(JOIN_TIMEOUT)
    app.run()
    curve = charts(app)["attention_curve_chart"]
    assert [t["name"] for t in curve["data"]] == ["none (one context vector)", "additive (Bahdanau)",
                                                   "baseline: copy the input"]
    assert list(curve["data"][0]["x"]) == [1, 2, 3, 4]

"""The gradients lab page, driven headlessly with AppTest (no browser, no server).

`run_every` fragments never fire in AppTest: a test that trains waits on the run handle
in session state and then reruns the script once to draw the ended run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from plotly_charts import charts, names, values
from streamlit.testing.v1 import AppTest

from explorer.inits import INITS

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "gradients.py")
RUN_KEY = "gradients_run"
TIMEOUT = 30  # seconds for one script run; the first imports torch
JOIN_TIMEOUT = 90  # a ceiling: these runs end in seconds, slower on a busy 2-core machine


@pytest.fixture
def lab() -> Iterator[AppTest]:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    yield at
    if RUN_KEY in at.session_state:
        at.session_state[RUN_KEY].stop()
        at.session_state[RUN_KEY].join(JOIN_TIMEOUT)


def show(at: AppTest, view: str) -> None:
    at.segmented_control(key="gradients_view").set_value(view).run()


def train(at: AppTest, preset: str, **knobs) -> None:
    """Pick a preset, change knobs (widget key gradients_<field>), press Train, wait, redraw."""
    at.selectbox(key="gradients_preset").set_value(preset).run()
    for field, value in knobs.items():
        key = f"gradients_{field}"
        widget = at.select_slider(key=key) if field == "steps" else (
            at.toggle(key=key) if field == "clip" else at.number_input(key=key))
        widget.set_value(value)
    at.run()
    at.button(key="gradients_start").click().run()
    assert not at.exception
    assert at.session_state[RUN_KEY].join(JOIN_TIMEOUT), "the run did not end in time"
    at.run()


def test_opens_on_the_gradient_flow_at_initialization(lab):
    """With no run the page already shows ||dL/dh_t|| for the default knobs, before any training."""
    assert not lab.exception
    assert lab.title[0].value == "Vanishing and exploding gradients"
    assert "Vanishing" in lab.info[0].value  # the preset's lesson
    assert any("Before any training" in c.value for c in lab.caption)
    found = charts(lab)
    assert set(found) == {"gradients_flow_line", "gradients_flow_heatmap"}
    flow = values(found["gradients_flow_line"])
    assert len(flow) == 50 and flow[-1] > 1e6 * flow[0] > 0  # T = 50 and it vanishes


@pytest.mark.parametrize(("preset", "prediction"), [("lab-vanishing", "bound (γ·σ_max)^k"),
                                                    ("lab-forget-bias", "f̄^k")])
def test_why_it_vanishes_draws_spectrum_and_theory(lab, preset, prediction):
    """The spectrum view at initialization: eigenvalues, singular values and decay against theory."""
    lab.selectbox(key="gradients_preset").set_value(preset).run()
    show(lab, "vanishing")
    assert not lab.exception
    found = charts(lab)
    assert set(found) == {"gradients_eigenvalues", "gradients_singular_values", "gradients_decay"}
    assert any(n.startswith(prediction) for n in names(found["gradients_decay"]))
    blocks = 4 if preset == "lab-forget-bias" else 1
    assert len(found["gradients_eigenvalues"]["data"]) == blocks


def test_preset_sets_the_knobs(lab):
    """Picking the exploding preset moves every knob it names."""
    lab.selectbox(key="gradients_preset").set_value("exploding").run()
    assert not lab.exception
    got = {k: lab.session_state[f"gradients_{k}"] for k in
           ("cell", "spectral_radius", "clip", "optimizer", "lr", "seq_len", "hidden_size", "seed")}
    assert got == {"cell": "rnn_tanh", "spectral_radius": 1.5, "clip": False, "optimizer": "sgd", "lr": 0.1,
                   "seq_len": 100, "hidden_size": 64, "seed": 1}


def test_every_lab_preset_opens(lab):
    """Each preset's values are ones the knobs offer, and its gradient flow draws at initialization."""
    for index, preset in enumerate(lab.selectbox(key="gradients_preset").options):
        lab.selectbox(key="gradients_preset").select_index(index).run()
        assert not lab.exception, preset
        assert not lab.warning, (preset, [w.value for w in lab.warning])
        assert "gradients_flow_line" in charts(lab), preset


def test_impossible_settings_cannot_be_made_and_a_link_to_one_says_what_was_used():
    """The widgets offer only what the schema allows with the other settings (no identity init for
    an LSTM); a link that asks for it opens with a notice naming the value used instead."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.query_params.update(cell="lstm", init="identity")
    at.run()
    assert not at.exception
    assert INITS["identity"].title not in at.selectbox(key="gradients_init").options
    notices = [w.value for w in at.warning if "cannot be used" in w.value]
    assert notices == ["The link had a setting that cannot be used. Ignored init=identity: Initialization "
                       "'identity' applies only to vanilla RNNs. Using default instead."]
    assert (at.session_state["gradients_cell"], at.session_state["gradients_init"]) == ("lstm", "default")
    assert not at.button(key="gradients_start").disabled


def test_training_fills_the_heatmap_and_the_gradient_norms(lab):
    """A 50-step run: one heatmap row and one spectrum point per recording, one gradient norm per step."""
    train(lab, "lab-vanishing", steps=50)
    snap = lab.session_state[RUN_KEY].snapshot()
    assert (snap.status, snap.step) == ("finished", 50)
    heat = values(charts(lab)["gradients_flow_heatmap"], axis="z")  # (recordings, T)
    assert heat.shape == (len(snap.traces), 50) and len(snap.traces) > 2
    show(lab, "vanishing")
    series = charts(lab)["gradients_spectral_series"]
    np.testing.assert_array_equal(values(series, 0, "x"), [t.step for t in snap.traces])
    show(lab, "exploding")
    clip = charts(lab)["gradients_clipping"]
    np.testing.assert_allclose(values(clip), snap.history.array("grad_norm"))


def test_exploding_run_diverges_and_clipping_saves_it(lab):
    """Spectral radius 1.5, SGD lr 0.1: diverged, shown as it happened; clipped at 1.0 it finishes."""
    train(lab, "exploding", steps=50)
    snap = lab.session_state[RUN_KEY].snapshot()
    assert snap.status == "diverged"
    assert any(f"Diverged at step {snap.divergence.step}" in e.value for e in lab.error)
    show(lab, "exploding")
    clip = charts(lab)["gradients_clipping"]
    assert f"diverged at step {snap.divergence.step}" in [a["text"] for a in clip["layout"]["annotations"]]

    train(lab, "exploding-clipped", steps=50)
    snap = lab.session_state[RUN_KEY].snapshot()
    assert snap.status == "finished" and not lab.error
    clipped = charts(lab)["gradients_clipping"]
    assert any(n.startswith("clipped (") and n != "clipped (0 steps)" for n in names(clipped))


def test_lstm_preset_trains_and_shows_the_cell_states_gradient(lab):
    """The forget-bias LSTM preset after 50 steps: ‖dL/dc_t‖ is a line next to ‖dL/dh_t‖ (the last
    recording's), and has its own heatmap, one row per recording."""
    train(lab, "lab-forget-bias", steps=50)
    snap = lab.session_state[RUN_KEY].snapshot()
    assert (snap.status, snap.config.cell, snap.config.forget_bias) == ("finished", "lstm", 2.0)
    found = charts(lab)
    assert {"gradients_flow_line", "gradients_flow_heatmap", "gradients_cell_heatmap"} <= set(found)
    flow = found["gradients_flow_line"]
    lines = names(flow)
    assert {"‖dL/dh_t‖", "‖dL/dc_t‖"} <= set(lines)
    cell_norms = snap.traces[-1].cell_grad_norm[0, 0]
    assert np.isfinite(cell_norms).all() and (cell_norms > 0).all()
    np.testing.assert_allclose(values(flow, lines.index("‖dL/dc_t‖")), cell_norms, rtol=1e-6)
    heat = values(found["gradients_cell_heatmap"], axis="z")  # log10, (recordings, T)
    assert heat.shape == (len(snap.traces), 50) and len(snap.traces) > 2
    np.testing.assert_allclose(heat, np.log10([t.cell_grad_norm[0, 0] for t in snap.traces]), atol=1e-6)
    assert "‖dL/dc_t‖" in found["gradients_cell_heatmap"]["layout"]["title"]["text"]


def test_a_new_preset_after_a_run_draws_the_new_settings_not_the_old_run(lab):
    """After a 50-step LSTM run, picking the vanishing preset (tanh RNN, T=50) shows the tanh RNN at
    its initialization, with a notice, not the LSTM's finished run under a grey caption."""
    train(lab, "lab-forget-bias", steps=50)
    assert {"gradients_cell_heatmap"} <= set(charts(lab))  # the LSTM run: ‖dL/dc_t‖ too
    assert "Run as a PyTorch script (.py)" in [b.proto.label for b in lab.get("download_button")]
    lab.selectbox(key="gradients_preset").set_value("lab-irnn").run()
    assert not lab.exception
    found = charts(lab)
    assert "gradients_cell_heatmap" not in found  # no cell state: the ReLU RNN's own view
    heat = values(found["gradients_flow_heatmap"], axis="z")
    assert heat.shape == (1, 50)  # one recording: the new settings before training
    assert any("Before any training" in c.value for c in lab.caption)
    assert any("settings changed since the last run" in i.value for i in lab.info)
    assert not any(e.value.startswith("**Diverged") for e in lab.error)

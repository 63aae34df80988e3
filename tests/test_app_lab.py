"""The live lab's controls, presets and share links, driven with AppTest."""

from __future__ import annotations

import time

import pytest
from apptest import RUN_KEY, configure, open_app, progress_text, train, wait_for
from plotly_charts import charts
from plotly_charts import values as trace_values

from explorer.presets import PRESETS


@pytest.fixture
def app():
    at = open_app()
    yield at
    if RUN_KEY in at.session_state:
        at.session_state[RUN_KEY].stop()


def test_pause_stops_the_step_count_and_step_advances_exactly_one(app):
    """Pause freezes the run where it is; Step then moves it on by exactly one step; Resume goes on."""
    configure(app, steps=10000, hidden_size=8)
    app.button(key="train_start").click().run()
    run = app.session_state[RUN_KEY]
    wait_for(run, lambda s: s.step >= 3)
    app.button(key="train_pause").click().run()
    paused = run.snapshot()
    assert paused.status == "paused"
    time.sleep(0.5)
    app.run()
    assert run.snapshot().step == paused.step
    assert "Paused" in progress_text(app) and f"step {paused.step} of" in progress_text(app)

    app.button(key="train_step").click().run()
    stepped = wait_for(run, lambda s: s.step == paused.step + 1)
    time.sleep(0.3)
    assert run.snapshot().step == stepped.step and stepped.status == "paused"

    app.button(key="train_resume").click().run()
    assert wait_for(run, lambda s: s.step > stepped.step + 3).status == "training"
    assert not app.exception


def test_step_with_no_run_trains_exactly_one_step(app):
    configure(app, hidden_size=8)
    app.button(key="train_step").click().run()
    snap = wait_for(app.session_state[RUN_KEY], lambda s: s.step == 1)
    time.sleep(0.3)
    assert app.session_state[RUN_KEY].snapshot().step == 1 and snap.status == "paused"


def test_a_diverging_preset_reaches_the_card_and_a_fix_trains_again(app):
    """The exploding preset diverges; the card explains it and one click retrains with clipping."""
    app.selectbox(key="train_preset").set_value("exploding").run()
    app.button(key="train_start").click().run()
    assert app.session_state[RUN_KEY].join(90)
    app.run()
    assert not app.exception
    assert "Diverged" in progress_text(app)
    card = " ".join(e.value for e in app.error)
    assert "largest singular value of W_hh" in card and "Clip the gradient norm" in card

    app.button(key="train_fix_clip").click().run()
    run = app.session_state[RUN_KEY]
    assert run.snapshot().config.clip and app.toggle(key="train_clip").value
    assert run.join(120)
    assert run.snapshot().status == "finished"


def test_a_preset_fills_every_setting_and_shows_its_lesson(app):
    app.selectbox(key="train_preset").set_value("lstm-remembers").run()
    preset = PRESETS["lstm-remembers"]
    assert app.select_slider(key="train_hidden_size").value == preset.config().hidden_size
    assert app.number_input(key="train_seq_len").value == 100
    assert any(preset.lesson in info.value for info in app.info)


def test_a_tampered_link_loads_with_a_notice_and_defaults():
    at = open_app(query={"cell": "transformer", "hidden_size": "-3", "seq_len": "7", "run": "1"})
    assert not at.exception
    notices = " ".join(w.value for w in at.warning)
    assert "cannot be used" in notices and "cell" in notices
    assert at.selectbox(key="train_cell").value == "lstm"
    assert at.number_input(key="train_seq_len").value == 7
    assert RUN_KEY not in at.session_state  # a bad link does not start training


def test_a_share_link_reproduces_the_run():
    """The link of a finished run opens with the same settings, trains, and gives the same losses."""
    first = open_app()
    train(first, hidden_size=8, steps=50, seed=3)
    snap = first.session_state[RUN_KEY].snapshot()
    query = snap.config.to_query() | {"run": "1"}
    second = open_app(query=query)
    run = second.session_state[RUN_KEY]
    assert run.join(60)
    second.run()
    assert run.snapshot().config == snap.config
    loss = trace_values(charts(second)["train_loss_chart"])
    assert list(loss) == list(snap.history.array("loss"))


def test_downloads_appear_when_a_run_ends(app):
    train(app, hidden_size=8, steps=50)
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels == ["Run as a PyTorch script (.py)", "Metrics (CSV)", "Probe traces (.npz)",
                      "Model (safetensors)", "Recurrent layer only"]


def test_reset_forgets_the_run_and_the_settings(app):
    train(app, hidden_size=8, steps=50, seed=9)
    app.button(key="train_reset").click().run()
    assert RUN_KEY not in app.session_state
    assert app.number_input(key="train_seed").value == 0
    assert any("No run yet" in i.value for i in app.info)

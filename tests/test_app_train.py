"""The Train page, driven headlessly with Streamlit's AppTest (no browser, no server).

`run_every` fragments never fire in AppTest, so a test that trains waits on the run
handle in session state (its `join(timeout)`) and then reruns the script once to draw
the ended run. Widgets are found by key: "train_" + the RunConfig field they set.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from apptest import JOIN_TIMEOUT, RUN_KEY, configure, open_app, progress_text, train, wait_for, widget
from plotly_charts import charts
from plotly_charts import values as trace_values
from streamlit.testing.v1 import AppTest

from explorer.tasks import TASKS


@pytest.fixture
def app() -> Iterator[AppTest]:
    """The whole app (app.py, whose st.navigation runs the Train page by default), run once.

    At teardown any run the test left going is stopped, so no training keeps a core
    busy while later tests run.
    """
    at = open_app()
    yield at
    if RUN_KEY in at.session_state:
        at.session_state[RUN_KEY].stop()


def test_page_opens_with_no_run(app):
    """The app opens on the Train page without an exception and invites a first run."""
    assert not app.exception
    assert app.title[0].value == "Train a recurrent network"
    assert any("No run yet" in info.value for info in app.info)
    empty = charts(app)["train_empty_chart"]  # only the baseline to beat: 1/6 for the adding problem
    assert trace_values(empty).size == 0
    assert [shape["y0"] for shape in empty["layout"]["shapes"]] == [pytest.approx(1 / 6)]
    assert RUN_KEY not in app.session_state
    assert not app.button(key="train_start").disabled


def test_small_run_draws_every_step(app):
    """A 50-step run ends "Finished" and its loss chart holds one point per step."""
    before = charts(app)
    assert "train_loss_chart" not in before
    train(app, steps=50, hidden_size=8, seq_len=10)

    assert not app.exception
    snap = app.session_state[RUN_KEY].snapshot()
    assert (snap.status, snap.step) == ("finished", 50)
    assert snap.config.hidden_size == 8 and snap.config.seq_len == 10
    after = charts(app)
    assert {"train_loss_chart", "train_metric_chart", "train_hidden_chart"} <= set(after)
    loss = trace_values(after["train_loss_chart"])
    assert len(loss) == 50
    np.testing.assert_allclose(loss, snap.history.array("loss"))
    assert len(trace_values(after["train_metric_chart"])) == 50
    assert "Finished" in progress_text(app) and "step 50 of 50" in progress_text(app)
    assert not any("No run yet" in info.value for info in app.info)


def test_stop_ends_a_long_run(app):
    """Stop ends a 5000-step run early: its status becomes "stopped" before the last step."""
    widget(app, "train_steps").set_value(5000).run()
    app.button(key="train_start").click().run()
    run = app.session_state[RUN_KEY]
    assert run.snapshot().active

    app.button(key="train_stop").click().run()
    assert run.join(JOIN_TIMEOUT), "the run did not stop"
    app.run()

    assert not app.exception
    snap = run.snapshot()
    assert snap.status == "stopped"
    assert snap.step < 5000
    assert "Stopped" in progress_text(app)


@pytest.mark.parametrize(("start_task", "start_len", "new_task"), [
    ("adding", 800, "sentiment"),  # 800 > sentiment's maximum: clamped down
    ("copy", 1, "sentiment"),  # 1 < sentiment's minimum: clamped up
])
def test_task_change_keeps_seq_len_in_range(app, start_task, start_len, new_task):
    """Switching to a task with another sequence-length range clamps seq_len into it."""
    widget(app, "train_task").set_value(start_task).run()
    app.number_input(key="train_seq_len").set_value(start_len).run()
    assert app.number_input(key="train_seq_len").value == start_len

    widget(app, "train_task").set_value(new_task).run()

    assert not app.exception
    task = TASKS[new_task]
    seq_len = app.number_input(key="train_seq_len")
    assert task.min_seq_len <= seq_len.value <= task.max_seq_len
    assert seq_len.value == min(max(start_len, task.min_seq_len), task.max_seq_len)
    assert (seq_len.min, seq_len.max) == (task.min_seq_len, task.max_seq_len)
    assert not app.warning, [w.value for w in app.warning]  # the config is valid
    assert not app.button(key="train_start").disabled


def test_diverging_run_explains_itself(app):
    """A ReLU RNN at learning rate 1 without clipping blows up; the page says why, no exception.

    With seed 0 this config's loss turns NaN at step 2 (checked with `explorer.Trainer`).
    """
    train(app, cell="rnn_relu", hidden_size=64, task="adding", seq_len=100, lr=1.0, clip=False,
          steps=50)

    assert not app.exception
    snap = app.session_state[RUN_KEY].snapshot()
    assert snap.status == "diverged" and snap.divergence is not None
    assert snap.step < 50
    assert "Diverged" in progress_text(app)
    errors = [e.value for e in app.error]
    assert any("infinite or NaN" in e for e in errors), errors


def test_the_largest_settings_disable_train_with_a_message(app):
    """Every slider at its largest (4 layers of 256 units, batch 256, T=1000): the page says which
    bound is passed and Train is disabled; nothing is started, nothing raises."""
    configure(app, num_layers=4, hidden_size=256, batch_size=256, seq_len=1000)
    assert not app.exception
    assert app.button(key="train_start").disabled
    assert any("Sequence length × batch size" in w.value for w in app.warning)
    assert RUN_KEY not in app.session_state


def test_train_pressed_twice_keeps_training(app):
    """A second press of Train with the same settings restarts the run; it does not end
    "Stopped" with the one it replaced."""
    configure(app, steps=10000, hidden_size=8, seq_len=10)
    app.button(key="train_start").click().run()
    first = app.session_state[RUN_KEY]
    app.button(key="train_start").click().run()
    second = app.session_state[RUN_KEY]
    assert second is not first and not app.exception
    snap = wait_for(second, lambda s: s.step > 0)
    assert snap.status == "training" and first.snapshot().status == "stopped"
    second.stop()

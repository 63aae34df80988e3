"""The Words & names page, driven headlessly with Streamlit's AppTest, one behaviour per test.

`run_every` fragments never fire in AppTest: a test that trains waits on the run handle in
session state and reruns once. The model reads typed text in a worker (quick jobs), so these
tests use the server's real job layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from apptest import RUN_KEY as TRAIN_KEY
from apptest import open_app
from apptest import train as train_run
from plotly_charts import charts, values
from streamlit.testing.v1 import AppTest

from explorer.packing import PackingSpec, compare

PAGE = Path(__file__).resolve().parents[1] / "pages" / "words.py"
RUN_KEY, TIMEOUT, JOIN_TIMEOUT = "words_run", 60, 90


@pytest.fixture
def app() -> Iterator[AppTest]:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    yield at
    if RUN_KEY in at.session_state:
        at.session_state[RUN_KEY].stop()


def train(at: AppTest, steps: int = 50, hidden: int = 16) -> None:
    at.select_slider(key="words_steps").set_value(steps)
    at.select_slider(key="words_hidden").set_value(hidden).run()  # the button's config is the last run's
    at.button(key="words_train").click().run()
    assert at.session_state[RUN_KEY].join(JOIN_TIMEOUT), "the run did not end in time"
    at.run()
    assert not at.exception, at.exception


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_page_opens_on_names_with_packing_and_no_run(app):
    assert app.title[0].value == "Words & names"
    assert app.segmented_control(key="words_task").value == "names"
    assert any("No run yet" in info.value for info in app.info)
    shown = charts(app)
    expected = compare(PackingSpec(lengths=(7, 5, 3, 2)))
    np.testing.assert_allclose(values(shown["words_final"], 2, "x"), expected.gap, rtol=1e-5)
    assert "Padded: 28 steps · packed: 17 steps" in shown["words_steps_grid"]["layout"]["title"]["text"]


def test_packing_lengths_are_checked_and_redrawn(app):
    app.text_input(key="words_lengths").set_value("4, x").run()
    assert any("whole numbers" in w for w in warnings(app)) and "words_final" not in charts(app)
    app.text_input(key="words_lengths").set_value("4 4 1").run()
    app.selectbox(key="words_pack_cell").set_value("gru").run()
    grid = charts(app)["words_steps_grid"]
    assert "Padded: 12 steps · packed: 9 steps" in grid["layout"]["title"]["text"]


def test_names_trains_scores_and_reads_a_typed_name(app):
    train(app)
    snap = app.session_state[RUN_KEY].snapshot()
    assert (snap.status, snap.step, snap.config.task) == ("finished", 50, "names")
    accuracy = next(m for m in app.metric if m.label == "Held-out accuracy")
    assert float(accuracy.value.rstrip("%")) > 30  # the majority baseline
    shown = charts(app)
    assert {"words_loss_chart", "words_metric_chart", "words_confusion", "words_prefix", "words_trajectory"} \
        <= set(shown)
    assert shown["words_prefix"]["data"][0]["x"] == ["1: n", "2: i", "3: s", "4: h", "5: a"]

    app.text_input(key="words_text").set_value("Zhyx!").run()
    assert warnings(app) == ["The model reads only the letters a–z; it never saw '!'."]
    assert "words_prefix" not in charts(app)
    app.text_input(key="words_text").set_value("Zhyx").run()
    assert not warnings(app) and charts(app)["words_prefix"]["data"][0]["x"][-1] == "4: x"

    app.segmented_control(key="words_task").set_value("tagging").run()  # the names model stays out
    assert any("The last run trained *Names → language*" in info.value for info in app.info)
    assert "words_prefix" not in charts(app) and not warnings(app)


def test_tagging_trains_bidirectional_and_tags_a_typed_sentence(app):
    app.segmented_control(key="words_task").set_value("tagging").run()
    assert app.toggle(key="words_bidirectional").value is True
    assert app.session_state["words_text"] == "jordan motors hired anna in jordan"  # drawn once trained
    train(app, steps=100)
    labels = {m.label: m.value for m in app.metric}
    f1, base = (float(labels[k].rstrip("%")) for k in ("Entity F1", "Baseline entity F1"))
    assert f1 > base
    tags = charts(app)["words_tags"]["data"][0]
    assert tags["y"] == ["both directions", "forward states only"]
    assert tags["text"][0][:2] == ["B-ORG", "I-ORG"]  # "jordan motors": the next word decides
    states = charts(app)["words_states"]
    assert len([t for t in states["data"] if t["type"] == "heatmap"]) == 2  # forward and backward apart

    app.text_input(key="words_text").set_value("anna visited atlantis").run()
    assert any("not these: 'atlantis'" in w for w in warnings(app))


@pytest.mark.parametrize("task", ["names", "tagging"])
def test_the_train_page_trains_both_tasks(task):
    """The tasks come from TASKS, so the Train page's menu has them and its charts draw them."""
    at = open_app()
    try:
        train_run(at, task=task, steps=50, hidden_size=8, bidirectional=task == "tagging")
        snap = at.session_state[TRAIN_KEY].snapshot()
        assert (snap.status, snap.step, snap.config.task) == ("finished", 50, task)
        assert {"train_loss_chart", "train_metric_chart", "train_predictions_chart"} <= set(charts(at))
    finally:
        if TRAIN_KEY in at.session_state:
            at.session_state[TRAIN_KEY].stop()

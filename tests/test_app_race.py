"""The race and memory-span page, driven headlessly with AppTest.

`run_every` fragments never fire in AppTest: a test that trains waits on the race or
sweep handle in session state, then reruns the script once to draw what ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from plotly_charts import charts, names, values
from streamlit.testing.v1 import AppTest

from explorer.tasks import TASKS

PAGE = str(Path(__file__).resolve().parents[1] / "pages" / "race.py")
TIMEOUT = 30  # seconds for one script run; the first imports torch
JOIN_TIMEOUT = 90  # a ceiling: these runs end in seconds, slower on a busy 2-core machine


@pytest.fixture
def page() -> Iterator[AppTest]:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    yield at
    for key in ("race_handle", "race_sweep_handle"):
        if key in at.session_state:
            at.session_state[key].stop()
            at.session_state[key].join(JOIN_TIMEOUT)


def test_opens_with_both_tabs_and_nothing_running(page):
    assert not page.exception
    assert [t.label for t in page.tabs] == ["Race", "Memory span sweep"]
    assert any("Start race" in i.value for i in page.info) and any("Run sweep" in i.value for i in page.info)
    assert not charts(page)


def test_the_intro_speaks_of_the_picked_presets_task_and_its_baseline(page):
    intro = page.markdown[0].value
    assert "*Adding problem* (T=" in intro and "predict 1: MSE 1/6" in intro
    page.selectbox(key="race_preset").set_value("race-jordan-sine").run()
    intro = page.markdown[0].value
    assert "*Sine: next value* (T=20)" in intro and "adding" not in intro.lower()
    assert TASKS["sine"].baseline(20).label in intro


def test_start_trains_every_chosen_cell_and_draws_their_curves(page):
    """Start: every chosen cell trains the same steps; loss curves overlaid, one flow panel per cell."""
    page.select_slider(key="race_steps").set_value(50).run()
    page.button(key="race_start").click().run()
    race = page.session_state["race_handle"]
    assert race.join(JOIN_TIMEOUT), "the race did not end in time"
    page.run()

    assert not page.exception
    snap = race.snapshot()
    assert [(c, s.status, s.step) for c, s in snap.runs.items()] == [
        ("rnn_tanh", "finished", 50), ("lstm", "finished", 50), ("gru", "finished", 50)]
    found = charts(page)
    loss = found["race_loss_chart"]
    assert [n for n in names(loss) if "(raw)" not in n] == ["Vanilla RNN (tanh)", "LSTM", "GRU"]
    np.testing.assert_allclose(values(loss, 0), snap.runs["rnn_tanh"].history.array("loss"))
    flow = found["race_flow_chart"]
    assert {t.get("xaxis", "x") for t in flow["data"]} == {"x", "x2", "x3"}
    assert [p.proto.text.split(":")[0] for p in page.get("progress")] == ["Vanilla RNN (tanh)", "LSTM", "GRU"]


def test_one_time_cursor_moves_every_profile(page):
    """After the race, the cursor picks the recording nearest that step for every cell at once."""
    page.select_slider(key="race_steps").set_value(50).run()
    page.button(key="race_start").click().run()
    assert page.session_state["race_handle"].join(JOIN_TIMEOUT)
    page.run()
    cursor = page.select_slider(key="race_cursor")
    assert cursor.value == 50
    cursor.set_value(cursor.options[0]).run()
    titles = [a["text"] for a in charts(page)["race_flow_chart"]["layout"]["annotations"]]
    assert titles[:3] == ["Vanilla RNN (tanh) — step 0", "LSTM — step 0", "GRU — step 0"]


def test_fewer_than_two_cells_cannot_race(page):
    page.multiselect(key="race_cells").set_value(["lstm"]).run()
    assert not page.exception
    assert any("2 to 4 different cells" in w.value for w in page.warning)
    assert page.button(key="race_start").disabled


def test_small_sweep_computes_every_point_against_the_baseline(page):
    """Two cells × two lengths: four cached runs, drawn against the task's baseline; a rerun is instant."""
    page.multiselect(key="race_sweep_cells").set_value(["rnn_tanh", "gru"])
    page.multiselect(key="race_sweep_lens").set_value([5, 10])
    page.select_slider(key="race_sweep_steps").set_value(50)
    page.run()
    page.button(key="race_sweep_start").click().run()
    sweep = page.session_state["race_sweep_handle"]
    assert sweep.join(JOIN_TIMEOUT), "the sweep did not end in time"
    page.run()

    assert not page.exception
    snap = sweep.snapshot()
    assert snap.status == "finished" and len(snap.results) == 4
    chart = charts(page)["race_sweep_chart"]
    assert names(chart) == ["Vanilla RNN (tanh)", "GRU", "predict 1: MSE 1/6"]
    for k in range(2):
        assert values(chart, k, "x").tolist() == [5, 10] and np.isfinite(values(chart, k)).all()
    np.testing.assert_allclose(values(chart, 2), 1 / 6)
    assert "4 of 4 points" in page.get("progress")[-1].proto.text

    page.button(key="race_sweep_start").click().run()
    again = page.session_state["race_sweep_handle"]
    assert again is not sweep and again.join(5), "cached points should not train again"
    assert again.snapshot().results == snap.results


@pytest.mark.parametrize("preset", ["race-ablations", "race-jordan-sine", "race-jordan-adding"])
def test_a_cell_race_preset_picks_its_cells_and_can_start(page, preset):
    """The LSTM-ablation and Jordan-vs-Elman presets select their own cells, with the lesson shown."""
    from explorer.presets import PRESETS

    page.selectbox(key="race_preset").set_value(preset).run()
    assert not page.exception
    assert page.multiselect(key="race_cells").value == list(PRESETS[preset].cells)
    assert not page.button(key="race_start").disabled
    assert any(PRESETS[preset].lesson[:40] in c.value for c in page.caption)

"""The Inside page under AppTest: a run to look at, one time cursor that every view follows, history."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from plotly_charts import charts, values
from streamlit.testing.v1 import AppTest
from test_figures_inside import hand_trace

from benchmarks.inside_views import synthetic_trace
from explorer import trace_rnn
from explorer.cells import CELLS
from explorer.config import RunConfig
from explorer.jobs.train import Snapshot

ROOT = Path(__file__).resolve().parents[1]
VIEWS = ("unrolled", "hidden", "gates", "gate_lines", "saturation", "trajectory")


class FinishedRun:
    """Stands in for the Train page's run handle (session key "train_run"): a fixed snapshot."""

    def __init__(self, *traces):
        self._snapshot = Snapshot(RunConfig(), "finished", trace=traces[-1], traces=list(traces))

    def snapshot(self) -> Snapshot:
        return self._snapshot


def page(run: FinishedRun | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "inside.py"), default_timeout=60)
    if run is not None:
        at.session_state["train_run"] = run
    return at.run()


def every_view(at: AppTest, prefix: str = "inside") -> dict[str, dict]:
    """Every chart of the page: each tab in turn is opened (only the open tab is drawn)."""
    found = {}
    for tab in [tab.label for tab in at.tabs]:
        at.session_state[f"{prefix}_tab"] = tab
        found |= charts(at.run())
    return found


def highlighted(figure: dict) -> float | None:
    """The step a view highlights, read from the figure itself (not its meta)."""
    layout = figure["layout"]
    if layout["meta"]["view"] == "unrolled":  # the highlighted column stands over its x_t label
        column = next(s for s in layout["shapes"] if s.get("name") == "cursor")
        label = next(a["text"] for a in layout["annotations"] if a.get("yanchor") == "top"
                     and a["x"] == (column["x0"] + column["x1"]) / 2)
        return int(label.split("</sub>")[0].split("<sub>")[1])
    if layout["meta"]["view"] == "trajectory":
        return int(next(t for t in figure["data"] if t.get("legendgroup") == "cursor")["name"].split()[-1])
    marks = [s for s in layout["shapes"] if s.get("name") == "cursor"]
    assert marks
    centres = {(s["x0"] + s["x1"]) / 2 for s in marks}
    assert len(centres) == 1
    return centres.pop()


def test_without_a_run_it_offers_a_small_example_and_trains_it():
    """No Train-page run: an invitation and no charts; one click trains a small example and shows it."""
    at = page()
    assert not at.exception
    assert any("No run from the Train page yet" in info.value for info in at.info)
    assert not charts(at)
    at.button(key="inside_train_example").click().run()
    assert not at.exception
    assert set(charts(at)) == {"inside_unrolled"}  # only the open tab is drawn
    shown = every_view(at)
    assert set(VIEWS) <= {key.removeprefix("inside_") for key in shown}
    assert {figure["layout"]["meta"]["cursor"] for figure in shown.values()} == {0}


def test_moving_the_cursor_moves_the_highlight_in_every_view():
    """The slider, ◀ and ▶ set the step that every view (and the step-through) highlights."""
    at = page()
    at.button(key="inside_train_example").click().run()
    at.selectbox(key="inside_example").set_value(2).run()  # all 10 steps real (example 1 has 6)
    at.slider(key="inside_t").set_value(5).run()
    assert not at.exception
    figures = every_view(at)
    assert len(figures) == len(VIEWS) + 2  # and the two sides of "Compare moments"
    for key, figure in figures.items():
        assert figure["layout"]["meta"]["cursor"] == 5, key
        assert highlighted(figure) == 5, key
    at.session_state["inside_tab"] = "Step-through"
    assert any(m.value.startswith("**Step t = 5, unit 0") for m in at.run().markdown)
    at.session_state["inside_tab"] = "Gates"
    at.button(key="inside_t_prev").click().run()
    assert {highlighted(figure) for figure in charts(at).values()} == {4}
    at.button(key="inside_t_next").click().run()
    at.button(key="inside_t_next").click().run()
    assert at.slider(key="inside_t").value == 6
    assert {highlighted(figure) for figure in every_view(at).values()} == {6}


def test_the_train_pages_run_is_shown_and_its_history_scrubbed():
    """With a run on the Train page, its newest recording shows; the history slider replays an
    older one in every view, and "Compare moments" puts two side by side."""
    early, late = replace(hand_trace(), step=0), replace(hand_trace(), step=40)
    late.hidden = late.hidden * 2
    at = page(FinishedRun(early, late))
    assert not at.exception and not any("No run from the Train page" in info.value for info in at.info)
    assert at.select_slider(key="inside_moment").value == 40
    assert "training step 40" in charts(at)["inside_unrolled"]["layout"]["title"]["text"]
    at.session_state["inside_tab"] = "Compare moments"
    titles = {key: f["layout"]["title"]["text"] for key, f in charts(at.run()).items()}
    assert "training step 0" in titles["inside_compare_a"]
    assert "training step 40" in titles["inside_compare_b"]
    at.select_slider(key="inside_moment").set_value(0).run()
    figures = every_view(at)
    assert all("training step 0" in figures[f"inside_{view}"]["layout"]["title"]["text"] for view in VIEWS)
    at.selectbox(key="inside_layer").set_value(0).run()
    at.selectbox(key="inside_direction").set_value(1)
    at.session_state["inside_tab"] = "Gates"
    assert "layer 1 backward" in charts(at.run())["inside_gates"]["layout"]["title"]["text"]
    at.session_state["inside_tab"] = "Step-through"
    assert any("does not hold the layer's weights" in info.value for info in at.run().info)  # hand-made


def test_a_long_wide_run_draws_windows_and_says_so():
    """T = 1000 steps of 256 units: the page draws without error and the heatmaps say they are windows."""
    trace = replace(synthetic_trace(1, 1, steps=1000, hidden=256, batch=4), task="adding")
    at = page(FinishedRun(trace))
    at.slider(key="inside_t").set_value(700).run()
    assert not at.exception
    figures = charts(at)
    for tab in ("Hidden states", "Gates"):
        at.session_state["inside_tab"] = tab
        figures |= charts(at.run())
    for view in ("hidden", "gates"):
        subtitle = figures[f"inside_{view}"]["layout"]["title"]["subtitle"]["text"]
        assert "a window around the cursor" in subtitle
        assert highlighted(figures[f"inside_{view}"]) == 700
    assert highlighted(figures["inside_unrolled"]) == 700


@pytest.mark.parametrize("cell", ["rnn_tanh", "gru"])
def test_a_recorded_layer_shows_its_gates_and_steps_backwards(cell):
    """A real recording of a 2-layer bidirectional layer: gate views only for a gated cell, and the
    step-through of the backward direction reads h_{t+1} and redoes the recorded h_t."""
    spec = CELLS[cell]
    torch.manual_seed(0)
    layer = spec.module(2, 4, num_layers=2, bidirectional=True, batch_first=True, **spec.module_kwargs)
    at = page(FinishedRun(trace_rnn(layer, torch.randn(3, 8, 2))))
    at.selectbox(key="inside_direction").set_value(1).run()
    at.slider(key="inside_t").set_value(2).run()
    assert not at.exception
    assert ("Gates" in [tab.label for tab in at.tabs]) == (cell == "gru")
    at.session_state["inside_tab"] = "Hidden states"
    assert any("A vanilla RNN has no gates" in info.value for info in at.run().info) == (cell == "rnn_tanh")
    at.session_state["inside_tab"] = "Step-through"
    assert "h_{t+1}" in at.run().latex[0].value
    recorded, recomputed = (float(n) for n in re.findall(r"-?\d+\.\d{4}", at.caption[-1].value))
    assert recorded == recomputed


def test_an_intervention_reruns_the_probe_beside_the_untouched_run():
    """Clamp the LSTM's forget gate to 0 on the Interventions tab: two runs side by side, the changed
    one's cell-state gradient gone a few steps back, and the numbers table says the outputs moved."""
    torch.manual_seed(0)
    at = page(FinishedRun(trace_rnn(torch.nn.LSTM(2, 4, batch_first=True), torch.randn(3, 10, 2))))
    at.session_state["inside_tab"] = "Interventions"
    at.run()
    assert any("Choose a change above" in info.value for info in at.info)
    at.selectbox(key="inside_clamp_gate").set_value("f").run()
    assert not at.exception
    shown = charts(at)
    assert {"inside_intervene_untouched", "inside_intervene_changed"} <= set(shown)
    flow = shown["inside_intervene_flow_changed"]
    cell_line = values(flow, next(k for k, t in enumerate(flow["data"]) if "c_t" in t["name"]))
    assert cell_line[:5].min() < 1e-3 * cell_line.max()
    assert at.dataframe[0].value["largest output change"][0] > 0


def test_the_no_run_notice_goes_as_soon_as_the_example_is_trained():
    """The click that trains the example also takes the 'No run yet' notice away (it stayed until
    the next rerun) and says what is shown instead."""
    at = page()
    at.button(key="inside_train_example").click().run()
    assert not at.exception
    assert not any("No run from the Train page yet" in info.value for info in at.info)
    assert any("Showing a small example below" in caption.value for caption in at.caption)
    assert [b.proto.label for b in at.get("download_button")][0] == "Run as a PyTorch script (.py)"


def test_the_time_cursor_stays_within_the_examples_real_steps():
    """Parity pads its strings: probe example 7 has 3 real bits of 10 steps. The cursor's slider ends
    at its last real step, and a cursor set on a longer example is brought back, not into padding."""
    at = page()
    at.button(key="inside_train_example").click().run()  # LSTM parity, T=10; lengths 6 9 10 6 4 9 3 10
    at.selectbox(key="inside_example").set_value(2).run()
    at.slider(key="inside_t").set_value(9).run()
    at.selectbox(key="inside_example").set_value(6).run()
    assert not at.exception
    assert at.slider(key="inside_t").max == 2 and at.slider(key="inside_t").value == 2
    assert {figure["layout"]["meta"]["cursor"] for figure in charts(at).values()} == {2}
    at.button(key="inside_t_next").click().run()
    assert at.slider(key="inside_t").value == 2


def test_compare_moments_draws_both_sides_on_one_colour_scale():
    """The later recording's states are twice the earlier's: both heatmaps span the later one's range,
    so a colour means the same h on both sides (each had its own scale)."""
    early, late = replace(hand_trace(), step=0), replace(hand_trace(), step=40)
    late.hidden = late.hidden * 2
    at = page(FinishedRun(early, late))
    at.session_state["inside_tab"] = "Compare moments"
    found = charts(at.run())
    limit = float(abs(late.hidden[:, :, 0]).max())  # probe example 1, every layer and direction
    for side in "ab":
        axis = found[f"inside_compare_{side}"]["layout"]["coloraxis"]
        assert (axis["cmin"], axis["cmax"]) == pytest.approx((-limit, limit))

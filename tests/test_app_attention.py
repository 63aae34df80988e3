"""The Attention page, driven headlessly with Streamlit's AppTest, one behaviour per test.

`run_every` fragments never fire in AppTest: a test that trains waits on the run handle in
session state and reruns once. Finished runs are shared by config by the server's job layer
(`explorer.ui.jobs`), so tests that train the same small config pay for it once.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from plotly_charts import charts
from streamlit.testing.v1 import AppTest

from explorer.jobs.seq2seq import load_model
from explorer.seq2seq import TASKS
from explorer.seq2seq.decode import read
from explorer.views import views_for

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
          hidden: int = 16, teacher: float = 1.0, schedule: str = "constant") -> None:
    """Set the sidebar, press Train, wait for the run, redraw."""
    at.selectbox(key="attention_attention").set_value(attention)
    at.select_slider(key="attention_teacher_forcing").set_value(teacher)
    at.selectbox(key="attention_schedule").set_value(schedule)
    at.select_slider(key="attention_steps").set_value(steps)
    at.number_input(key="attention_seq_len").set_value(length)
    at.select_slider(key="attention_hidden_size").set_value(hidden)
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
            "attention_probe_tokens", "attention_inside_hidden"} <= set(found)
    assert app.segmented_control(key="attention_stream").options == [
        "Encoder h_j (forward)", "Encoder h_j (backward)", "Decoder s_t"]
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
    app.number_input(key="attention_seq_len").set_value(30).run()
    app.selectbox(key="attention_task").set_value("dates").run()
    length = app.number_input(key="attention_seq_len")
    assert length.disabled and length.value == TASKS["dates"].max_len
    app.selectbox(key="attention_task").set_value("addition").run()
    addition = TASKS["addition"]
    assert app.number_input(key="attention_seq_len").value == addition.default_len
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
    app.select_slider(key="attention_hidden_size").set_value(16)
    app.number_input(key="attention_curve_len").set_value(4).run()
    app.button(key="attention_curve_start").click().run()
    assert app.session_state[CURVE_KEY].join(JOIN_TIMEOUT)
    app.run()
    curve = charts(app)["attention_curve_chart"]
    assert [t["name"] for t in curve["data"]] == ["none (one context vector)", "additive (Bahdanau)",
                                                   "baseline: copy the input"]
    assert list(curve["data"][0]["x"]) == [1, 2, 3, 4]


def probe_sources(at: AppTest) -> list[str]:
    """The probe examples' sources, as the run's encoder trace holds them."""
    enc = at.session_state[RUN_KEY].snapshot().encoder
    return ["".join(enc.vocab[i] for i in row[:n]) for row, n in zip(enc.inputs, enc.lengths, strict=True)]


def test_stream_choice_shows_that_streams_hidden_states(app):
    """The hidden view draws the chosen stream's h: both encoder directions, then the decoder's s_t."""
    train(app, **SMALL)
    snap = app.session_state[RUN_KEY].snapshot()
    heat = charts(app)["attention_inside_hidden"]
    assert len(heat["data"]) == 2  # forward and backward side by side
    for d in range(2):
        np.testing.assert_allclose(values(heat["data"][d]["z"]), snap.encoder.hidden[0, d, 0].T, atol=1e-6)
    app.segmented_control(key="attention_stream").set_value("decoder").run()
    heat = charts(app)["attention_inside_hidden"]
    assert len(heat["data"]) == 1
    np.testing.assert_allclose(values(heat["data"][0]["z"]), snap.decoder.hidden[0, 0, 0].T, atol=1e-6)


def test_view_choice_draws_that_view_with_its_downloads(app):
    """Every view of the stream's trace can be chosen; the chart shown is that view's, alone,
    with an HTML and a CSV download under it."""
    train(app, **SMALL)
    snap = app.session_state[RUN_KEY].snapshot()
    view = app.selectbox(key="attention_view")
    assert sorted(view.options) == sorted(v.title for v in views_for(snap.encoder))
    for name in ("gates", "trajectory", "unrolled"):
        app.selectbox(key="attention_view").set_value(name).run()
        assert not app.exception
        inside = {key for key in charts(app) if key.startswith("attention_inside_")}
        assert inside == {f"attention_inside_{name}"}
        assert charts(app)[f"attention_inside_{name}"]["layout"]["meta"]["view"] == name
        assert {f"attention_inside_{name}_html", f"attention_inside_{name}_csv"} <= {
            b.proto.id.rsplit("-", 1)[-1] for b in app.get("download_button")}


def test_time_cursor_moves_the_views_highlighted_step(app):
    """The cursor slider sets the step the view highlights, within the example's real source (its
    slider ends there, not in the padding); switching view keeps it."""
    train(app, **SMALL)
    length = app.session_state[RUN_KEY].snapshot().encoder.length(0)
    assert app.slider(key="attention_cursor").max == length - 1
    t = min(3, length - 1)
    app.slider(key="attention_cursor").set_value(t).run()
    assert charts(app)["attention_inside_hidden"]["layout"]["meta"]["cursor"] == t
    app.selectbox(key="attention_view").set_value("gates").run()
    assert charts(app)["attention_inside_gates"]["layout"]["meta"]["cursor"] == t


def test_unrolled_decoder_answers_every_step_and_encoder_none(app):
    """The decoder's unrolled view shows what it wrote at each step against the target; the
    encoder's shows no answers (its steps write nothing)."""
    train(app, **SMALL)
    snap = app.session_state[RUN_KEY].snapshot()
    app.selectbox(key="attention_view").set_value("unrolled").run()

    def answers() -> list[str]:
        return [a["text"] for a in charts(app)["attention_inside_unrolled"]["layout"]["annotations"]
                if a["text"].startswith("ŷ")]

    assert answers() == []
    app.segmented_control(key="attention_stream").set_value("decoder").run()
    vocab, dec = TASKS["reverse"].target_vocab, snap.decoder
    wrote = [vocab[int(i)] for i in dec.predictions[0, :int(dec.lengths[0]), 0]]  # (B, T, 1)
    shown = answers()
    assert len(shown) == min(len(wrote), 9)  # the diagram shows a window of at most 9 steps
    for t, text in enumerate(shown):
        assert text.startswith(f"ŷ<sub>{t}</sub> <b>{wrote[t]}</b>")
        assert f"target {vocab[int(dec.targets[0, t])]}" in text


def test_another_probe_example_relabels_the_attention_heatmap(app):
    """Picking another probe example draws its attention: the heatmap's input tokens are its source."""
    train(app, **SMALL)
    sources = probe_sources(app)
    other = next(i for i, s in enumerate(sources) if s != sources[0])
    ticks = lambda: [t.split("<br>")[1]  # noqa: E731
                     for t in charts(app)["attention_probe_heatmap"]["layout"]["xaxis"]["ticktext"]]
    assert ticks() == list(sources[0])
    app.selectbox(key="attention_example").set_value(other).run()
    assert ticks() == list(sources[other])


@pytest.mark.parametrize("teacher", [0.0, 1.0])
def test_teacher_forcing_ratio_is_the_forced_share(app, teacher):
    """With a constant ε₀ of 0 the decoder is never fed the truth; with 1, always (after step 0)."""
    train(app, teacher=teacher, **SMALL)
    forced = values(charts(app)["attention_teacher_chart"]["data"][0]["y"])
    assert len(forced) == 50
    np.testing.assert_allclose(forced, teacher, atol=1e-6)


def test_linear_schedule_lowers_the_forced_share(app):
    """Scheduled sampling with linear decay from ε₀ = 1: the forced share falls from ~1 to ~0."""
    train(app, schedule="linear", **SMALL)
    forced = values(charts(app)["attention_teacher_chart"]["data"][0]["y"])
    assert len(forced) == 50
    assert forced[:10].mean() > 0.8 and forced[-10:].mean() < 0.2, forced
    assert forced[:25].mean() > forced[25:].mean() + 0.4


def test_beam_width_names_and_decodes_the_beam_row(app):
    """The tokens chart has target, greedy and a beam row named for the beam-width slider, and
    that row is beam search of that width."""
    train(app, **SMALL)
    app.select_slider(key="attention_beam").set_value(5).run()
    tokens = charts(app)["attention_probe_tokens"]
    assert tokens["layout"]["yaxis"]["ticktext"] == ["target", "greedy", "beam (width 5)"]
    snap, source = app.session_state[RUN_KEY].snapshot(), probe_sources(app)[0]
    task = TASKS["reverse"]
    reading = read(load_model(snap.config, snap.model), task, source, 5, task.source_len(5) + 2)
    rows = tokens["data"][0]["text"]
    assert [t for t in rows[0] if t] == [*task.solve(source), "<eos>"]
    assert [t for t in rows[1] if t] == list(reading.greedy)
    assert [t for t in rows[2] if t] == list(reading.beam)

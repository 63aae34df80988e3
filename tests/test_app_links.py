"""A link for every page: a URL opens the page with its settings and what it shows, the address
bar follows the widgets, a tampered value falls back with a notice saying what was used, and
each page lists only its own presets (AppTest, one page script each, no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from apptest import widget
from plotly_charts import charts
from streamlit.testing.v1 import AppTest

from explorer.cells import CELLS
from explorer.presets import PRESETS, presets_for

ROOT = Path(__file__).resolve().parents[1]
HANDLES = ("train_run", "gradients_run", "race_handle", "attention_run", "forecast_run",
           "words_run", "text_run")


@pytest.fixture
def opened() -> Iterator:
    """open(page, **query) -> AppTest of pages/<page>.py opened on that link; runs stopped at the end."""
    pages: list[AppTest] = []

    def open_page(page: str, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
        at.query_params.update(query)
        pages.append(at.run())
        assert not at.exception, at.exception
        return at

    yield open_page
    for at in pages:
        for key in HANDLES:
            if key in at.session_state:
                at.session_state[key].stop()


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "cannot be used" in w.value]


def test_train_link_opens_its_settings_and_picks_the_preset_they_are(opened):
    exploding = PRESETS["exploding"].config().to_query()
    at = opened("train", **exploding)
    assert at.session_state["train_preset"] == "exploding"
    assert (at.session_state["train_spectral_radius"], at.session_state["train_clip"]) == (1.5, False)
    assert any(PRESETS["exploding"].title in info.value for info in at.info)  # its lesson
    assert at.query_params["spectral_radius"] == "1.5" and not notices(at)


def test_gradients_link_opens_preset_knobs_and_view(opened):
    """Knobs in the link are read over the preset's settings; the view is the link's."""
    at = opened("gradients", preset="exploding-clipped", view="exploding", seed="3", clip_norm="2.0")
    ss = at.session_state
    assert (ss["gradients_preset"], ss["gradients_view"]) == ("exploding-clipped", "exploding")
    assert (ss["gradients_seed"], ss["gradients_clip_norm"], ss["gradients_spectral_radius"]) == (3, 2.0, 1.5)
    assert any("Press **Train**: the gradient norm" in info.value for info in at.info)  # the Exploding view
    at.segmented_control(key="gradients_view").set_value("vanishing").run()
    assert at.query_params["view"] == "vanishing" and at.query_params["seed"] == "3"
    assert "gradients_eigenvalues" in charts(at)


def test_race_link_opens_preset_cells_and_sweep(opened):
    at = opened("race", preset="race-ablations", cells="lstm,lstm_cifg", steps="100", sweep_lens="5,200")
    assert at.selectbox(key="race_preset").value == "race-ablations"
    assert at.multiselect(key="race_cells").value == ["lstm", "lstm_cifg"]
    assert at.select_slider(key="race_steps").value == 100
    assert at.multiselect(key="race_sweep_lens").value == [5, 200]
    assert at.query_params["cells"] == "lstm,lstm_cifg"


def test_a_race_presets_link_without_cells_races_the_presets_own_cells(opened):
    from explorer.presets import PRESETS

    at = opened("race", preset="race-jordan-sine", steps="300")
    assert at.multiselect(key="race_cells").value == list(PRESETS["race-jordan-sine"].cells)
    assert at.select_slider(key="race_steps").value == 300


def test_attention_link_opens_the_model_and_the_decoding(opened):
    at = opened("attention", attention="none", hidden_size="32", task="sort", seq_len="9", beam="5")
    assert at.selectbox(key="attention_attention").value == "none"
    assert at.number_input(key="attention_seq_len").value == 9
    assert at.select_slider(key="attention_beam").value == 5
    assert at.select_slider(key="attention_hidden_size").value == 32
    assert not notices(at)


def test_forecast_link_opens_its_series_model_and_forecast(opened):
    at = opened("forecast", generated="oscillator", cell="lstm", hidden="8", window="24", horizon="6",
                shape="direct", error="mae", lr="0.003")
    assert at.selectbox(key="forecast_generated").value == "oscillator"
    assert at.selectbox(key="forecast_cell").value == "lstm"
    assert at.select_slider(key="forecast_hidden").value == 8
    assert (at.number_input(key="forecast_window").value, at.number_input(key="forecast_horizon").value) == (
        24, 6)
    assert at.segmented_control(key="forecast_shape").value == "direct"
    assert at.segmented_control(key="forecast_error").value == "mae"
    assert at.select_slider(key="forecast_lr").value == 0.003
    assert at.query_params["window"] == "24" and not notices(at)
    at.number_input(key="forecast_horizon").set_value(8).run()
    assert at.query_params["horizon"] == "8"
    at = opened("forecast", horizon="999", error="MSE")
    assert notices(at) == [
        "The link had a setting that cannot be used. Ignored error='MSE': not one of mse, mae.",
        "The link had a setting that cannot be used. Ignored horizon=999: Horizon must be between 1 and 200 "
        "(got 999). Using 12 instead."]
    assert at.number_input(key="forecast_horizon").value == 12


def trained(at: AppTest, handle: str) -> list[str]:
    """The run a `run=1` link started, ended, the page drawn again; the notices of both drawings
    (a finished run cached by the job layer draws everything at once)."""
    shown = notices(at)
    assert at.session_state[handle].join(90), "the run did not end in time"
    at.run()
    assert not at.exception, at.exception
    return shown + notices(at)


def cursor_at(figure: dict) -> set[float]:
    return {(s["x0"] + s["x1"]) / 2 for s in figure["layout"]["shapes"] if s.get("name") == "cursor"}


def units_drawn(figure: dict) -> list[str]:
    """The units a gate-lines figure draws, by its subplot titles."""
    return [a["text"] for a in figure["layout"]["annotations"] if a["text"].startswith("unit ")]


def projection(figure: dict) -> tuple[set[str], bool]:
    """A trajectory's trace types, and whether its points are coloured by time step."""
    return {t["type"] for t in figure["data"]}, any(t.get("name") == "step" for t in figure["data"])


def opened_tab(at: AppTest, key: str, tab: str) -> dict[str, dict]:
    """The page drawn again with another tab open (only the open tab is drawn): its charts."""
    at.session_state[key] = tab
    at.run()
    assert not at.exception, at.exception
    return charts(at)


FORECAST_RUN = dict(window="24", horizon="6", steps="50", hidden="8", run="1")


def test_forecast_link_opens_the_views_inside_on_its_tab_window_and_cursor(opened):
    at = opened("forecast", **FORECAST_RUN, tab="gates", t="5", example="2")
    assert trained(at, "forecast_run") == []
    ss = at.session_state
    assert (ss["forecast_tab"], ss["forecast_t"], ss["forecast_example"]) == ("Gates", 5, 2)
    assert at.selectbox(key="forecast_example").value == 2 and at.slider(key="forecast_t").value == 5
    assert cursor_at(charts(at)["forecast_gates"]) == {5}
    assert (at.query_params["tab"], at.query_params["t"], at.query_params["example"]) == ("gates", "5", "2")
    at.selectbox(key="forecast_example").set_value(3).run()
    at.slider(key="forecast_t").set_value(7).run()
    assert (at.query_params["example"], at.query_params["t"]) == ("3", "7")
    at.session_state["forecast_tab"] = "Trajectory"
    assert at.run().query_params["tab"] == "trajectory"


def test_forecast_links_tab_window_and_cursor_the_network_lacks_fall_back_with_notices(opened):
    at = opened("forecast", **FORECAST_RUN, tab="bogus", t="400", example="9")
    assert trained(at, "forecast_run") == [
        "The link had a setting that cannot be used. Ignored example=9: this recording has 0 to 7. Using 0 "
        "instead.",
        "The link had a setting that cannot be used. Ignored t=400: this recording has 0 to 23. Using 0 "
        "instead.",
        "The link had a setting that cannot be used. Ignored tab=bogus: this recording has one of: "
        "gradient_through_time, unrolled, hidden_states, gates, trajectory, connectivity. Using "
        "gradient_through_time instead."]
    assert (at.session_state["forecast_t"], at.session_state["forecast_example"]) == (0, 0)
    assert "forecast_flow" in charts(at) and not {"tab", "t", "example"} & set(at.query_params)


def test_forecast_link_opens_the_gate_lines_units_and_the_trajectorys_projection(opened):
    at = opened("forecast", **FORECAST_RUN, tab="gates", units="2,5", dims="3")
    assert trained(at, "forecast_run") == []
    assert at.multiselect(key="forecast_units").value == [2, 5]
    assert units_drawn(charts(at)["forecast_gate_lines"]) == ["unit 2", "unit 5"]
    assert projection(opened_tab(at, "forecast_tab", "Trajectory")["forecast_trajectory"])[0] == {"scatter3d"}
    assert at.segmented_control(key="forecast_dims").value == 3
    assert (at.query_params["units"], at.query_params["dims"]) == ("2,5", "3")
    at.segmented_control(key="forecast_dims").set_value(2).run()
    assert "dims" not in at.query_params
    opened_tab(at, "forecast_tab", "Gates")
    at.multiselect(key="forecast_units").select(7).run()
    assert at.query_params["units"] == "2,5,7"


def test_forecast_links_units_and_projection_the_network_lacks_fall_back_with_notices(opened):
    """A trajectory is drawn in 2D or 3D, never 4D; the network has 8 hidden units, not unit 9."""
    prefix = "The link had a setting that cannot be used. Ignored "
    at = opened("forecast", dims="4")
    assert notices(at) == [prefix + "dims=4: Unknown projection 4. Choose one of: 2, 3. Using 2 instead."]
    assert "dims" not in at.query_params
    at = opened("forecast", **FORECAST_RUN, tab="gates", units="9")
    assert trained(at, "forecast_run") == [prefix + "units=9: this recording has 0 to 7. Using 0 instead."]
    assert at.multiselect(key="forecast_units").value == [0] and "units" not in at.query_params


def test_words_link_opens_the_task_its_model_and_the_packing_layer(opened):
    """Tagging starts bidirectional, so its link need not say so; what differs from that, it does."""
    at = opened("words", task="tagging", cell="gru", hidden="16", pack_cell="rnn_tanh", pack_hidden="3")
    assert at.segmented_control(key="words_task").value == "tagging"
    assert at.toggle(key="words_bidirectional").value is True
    assert (at.selectbox(key="words_cell").value, at.select_slider(key="words_hidden").value) == ("gru", 16)
    assert (at.selectbox(key="words_pack_cell").value, at.select_slider(key="words_pack_hidden").value) == (
        "rnn_tanh", 3)
    assert "bidirectional" not in at.query_params and not notices(at)
    at.toggle(key="words_bidirectional").set_value(False).run()
    assert at.query_params["bidirectional"] == "0" and at.query_params["task"] == "tagging"
    at = opened("words", pack_hidden="99")
    assert notices(at) == ["The link had a setting that cannot be used. Ignored pack_hidden=99: The packing "
                           "layer's hidden units must be between 1 and 16 (got 99). Using 6 instead."]


def test_words_link_opens_the_packing_demo_on_its_rows(opened):
    """The rows are typed as text and linked as numbers."""
    at = opened("words", rows="4,4,1", pack_cell="gru")
    assert at.text_input(key="words_lengths").value == "4, 4, 1" and not notices(at)
    assert "Padded: 12 steps · packed: 9 steps" in charts(at)["words_steps_grid"]["layout"]["title"]["text"]
    at.text_input(key="words_lengths").set_value("6 2").run()
    assert (at.query_params["rows"], at.query_params["pack_cell"]) == ("6,2", "gru")
    at = opened("words", rows="99,3")
    assert notices(at) == ["The link had a setting that cannot be used. Ignored rows=99,3: Unknown lengths "
                           "of the rows 99. Choose one of: " + ", ".join(map(str, range(1, 21)))
                           + ". Using 7,5,3,2 instead."]
    assert at.text_input(key="words_lengths").value == "7, 5, 3, 2" and "rows" not in at.query_params


def test_text_link_opens_the_corpus_the_model_and_the_sampler(opened):
    """The sampler's settings are in the link before a model is trained to draw them."""
    at = opened("text", corpus="brackets", cell="gru", hidden="64", steps="100", temperature="0.8",
                top_k="5", greedy="1")
    assert (at.selectbox(key="text_corpus").value, at.selectbox(key="text_cell").value) == ("brackets", "gru")
    assert (at.select_slider(key="text_hidden").value, at.select_slider(key="text_steps").value) == (64, 100)
    ss = at.session_state
    assert (ss["text_temperature"], ss["text_top_k"], ss["text_greedy"]) == (0.8, 5, True)
    assert at.query_params["temperature"] == "0.8" and at.query_params["greedy"] == "1" and not notices(at)
    at = opened("text", corpus="own", temperature="9")
    assert at.text_area(key="text_paste")  # your own text is pasted again, never linked
    assert notices(at) == ["The link had a setting that cannot be used. Ignored temperature=9.0: Temperature "
                           "must be between 0.1 and 2 (got 9). Using 0.5 instead."]


@pytest.mark.parametrize(("page", "handle", "query"), [
    ("forecast", "forecast_run", {"steps": "50", "hidden": "8"}),
    ("text", "text_run", {"steps": "100", "hidden": "16"})])
def test_a_link_with_run_1_trains_what_it_describes(opened, page, handle, query):
    """The page reads `run=1` before the address bar is rewritten to its settings (it read it after)."""
    at = opened(page, run="1", **query)
    config = at.session_state[handle].snapshot().config
    assert (config.steps, config.hidden_size) == (int(query["steps"]), int(query["hidden"]))
    assert "run" not in at.query_params and at.query_params["steps"] == query["steps"]


TEXT_RUN = dict(steps="100", hidden="16", run="1")


def test_text_link_opens_the_trained_models_views_where_they_were(opened):
    """A link that trains samples and reads (the default prime and text) once the run has ended, and
    opens the tab, distribution step, unit, connectivity row, Inside views tab and cursor it names."""
    at = opened("text", **TEXT_RUN, view="connectivity", at="4", unit="1", t="5", inside_tab="gates",
                cursor="3")
    assert trained(at, "text_run") == []
    ss = at.session_state
    assert (ss["text_view"], ss["text_inside_tab"]) == ("Connectivity", "Gates")
    assert (at.slider(key="text_at").value, at.selectbox(key="text_unit").value) == (4, 1)
    assert (at.slider(key="text_t").value, at.slider(key="text_cursor").value) == (5, 3)
    shown, ranked = charts(at), ss["text_reading"].units
    assert "t = 5" in [trace.get("name") for trace in shown["text_connectivity_chart"]["data"]]
    assert f"{ranked.series[1]} unit {ranked.unit[1]} over the text" in \
        shown["text_units_chart"]["layout"]["title"]["text"]
    assert ss["text_inside_units"] == [int(ranked.unit[1])]  # the Inside views follow the linked unit
    assert cursor_at(shown["text_inside_gates"]) == {3}
    assert len(at.code) == 2  # the samples, at the link's temperatures
    assert {k: at.query_params[k] for k in ("view", "at", "unit", "t", "inside_tab", "cursor")} == dict(
        view="connectivity", at="4", unit="1", t="5", inside_tab="gates", cursor="3")
    at.slider(key="text_t").set_value(79).run()  # the last prediction: the default
    at.selectbox(key="text_unit").set_value(2).run()
    at.session_state["text_view"] = "Units over text"
    at.run()
    assert "t" not in at.query_params
    assert (at.query_params["unit"], at.query_params["view"]) == ("2", "units_over_text")


def test_text_links_views_the_model_lacks_fall_back_with_notices(opened):
    at = opened("text", view="bogus")
    assert notices(at) == ["The link had a setting that cannot be used. Ignored view=bogus: Unknown view "
                           "'bogus'. Choose one of: sample, units_over_text, connectivity, inside_views. "
                           "Using sample instead."]
    at = opened("text", **TEXT_RUN, at="1999", unit="999", t="99", inside_tab="bogus", cursor="99")
    shown = [notice.removeprefix("The link had a setting that cannot be used. Ignored ")
             for notice in trained(at, "text_run")]
    reading = at.session_state["text_reading"]
    assert shown[:4] == ["at=1999: this recording has 0 to 199. Using 0 instead.",
                         f"unit=999: this recording has 0 to {len(reading.units) - 1}. Using 0 instead.",
                         "t=99: this recording has 0 to 79. Using 79 instead.",
                         f"cursor=99: this recording has 0 to {reading.trace.seq_len - 1}. Using 0 instead."]
    assert shown[4].startswith("inside_tab=bogus: this recording has one of: unrolled, hidden_states, gates")
    assert len(shown) == 5 and not {"at", "unit", "t", "inside_tab", "cursor"} & set(at.query_params)


def test_text_link_opens_the_inside_views_units_and_projection(opened):
    """The Inside views' gate lines follow the link's units, not the unit picked; picking a unit makes
    them follow it again, and the link no longer names them."""
    at = opened("text", **TEXT_RUN, view="inside_views", inside_tab="gates", inside_units="2,4",
                inside_dims="3")
    assert trained(at, "text_run") == []
    assert at.multiselect(key="text_inside_units").value == [2, 4]
    assert units_drawn(charts(at)["text_inside_gate_lines"]) == ["unit 2", "unit 4"]
    shown = opened_tab(at, "text_inside_tab", "Trajectory")["text_inside_trajectory"]
    assert projection(shown)[0] == {"scatter3d"} and at.segmented_control(key="text_inside_dims").value == 3
    assert (at.query_params["inside_units"], at.query_params["inside_dims"]) == ("2,4", "3")
    at.segmented_control(key="text_inside_dims").set_value(2).run()
    opened_tab(at, "text_inside_tab", "Gates")
    at.multiselect(key="text_inside_units").unselect(4).run()
    assert at.query_params["inside_units"] == "2" and "inside_dims" not in at.query_params
    at.selectbox(key="text_unit").set_value(3).run()
    assert at.session_state["text_inside_units"] == [int(at.session_state["text_reading"].units.unit[3])]
    assert "inside_units" not in at.query_params and at.query_params["unit"] == "3"


def test_text_links_inside_views_units_and_projection_the_model_lacks_fall_back_with_notices(opened):
    """A trajectory is 2D or 3D; the model has 16 hidden units, not unit 99: the gate lines follow the
    unit picked instead."""
    prefix = "The link had a setting that cannot be used. Ignored "
    at = opened("text", inside_dims="3d")
    assert notices(at) == [prefix + "inside_dims='3d': not one of 2, 3."]
    assert "inside_dims" not in at.query_params
    at = opened("text", **TEXT_RUN, view="inside_views", inside_tab="gates", inside_units="99")
    found, followed = trained(at, "text_run"), int(at.session_state["text_reading"].units.unit[0])
    assert found == [prefix + f"inside_units=99: this recording has 0 to 15. Using {followed} instead."]
    assert at.multiselect(key="text_inside_units").value == [followed]
    assert "inside_units" not in at.query_params


def test_anatomy_and_shapes_links_open_their_settings(opened):
    at = opened("anatomy", cell="gru", size="3", seed="4")
    assert (at.session_state["anatomy_cell"], at.session_state["anatomy_size"], at.number_input(
        key="anatomy_seed").value) == ("gru", 3, 4)
    assert any("z_t" in latex.value for latex in at.latex)  # the GRU's equations
    at = opened("shapes", cell="gru", hidden_size="7", batch_first="0")
    texts = " ".join(m.value for m in at.markdown)
    assert "**`output`** has shape **`(6, 4, 7)`**" in texts  # (length, batch, hidden): time first


ANATOMY = dict(cell="gru", size="3", seed="4", x0="-1.5", h2="0.25", block="z", unit="2",
               weights="ih_5_1_250,b_3_-75", shown="1")


def test_anatomy_link_opens_the_steps_numbers_and_the_weights_changed_by_hand(opened):
    """W_iz[2, 1] = 2.5 (row 1 · 3 + 2 of W_ih) on the sliders shown; b_iz[0] = -0.75 behind them."""
    at = opened("anatomy", **ANATOMY)
    assert not notices(at)
    assert (at.slider(key="anatomy_x0").value, at.slider(key="anatomy_h2").value) == (-1.5, 0.25)
    assert (at.selectbox(key="anatomy_block").value, at.selectbox(key="anatomy_unit").value) == ("z", 2)
    assert at.segmented_control(key="anatomy_shown").value == 1
    assert at.slider(key="anatomy_w_gru_3_4_weight_ih_5_1").value == 2.5
    assert dict(at.query_params) == ANATOMY | {"weights": "b_3_-75,ih_5_1_250"}
    at.slider(key="anatomy_x1").set_value(0.5).run()
    at.slider(key="anatomy_w_gru_3_4_weight_hh_5_0").set_value(-1.0).run()
    at.selectbox(key="anatomy_unit").set_value(0).run()
    assert at.slider(key="anatomy_w_gru_3_4_bias_ih_3_None").value == -0.75
    assert (at.query_params["x1"], at.query_params["weights"]) == ("0.5", "b_3_-75,hh_5_0_-100,ih_5_1_250")
    assert "unit" not in at.query_params  # unit 0: the default
    at.selectbox(key="anatomy_block").set_value("r").run()
    assert "block" not in at.query_params  # the cell's first block: the default


def test_anatomy_links_numbers_and_weights_that_do_not_fit_fall_back_with_notices(opened):
    at = opened("anatomy", cell="gru", x0="5", block="o", shown="2", weights="ih_1_0_100,ih_99_0_100")
    prefix = "The link had a setting that cannot be used. Ignored "
    assert notices(at) == [
        prefix + "x0=5.0: x_t[0] must be between -2 and 2 (got 5). Using 1.0 instead.",
        prefix + "block=o: The GRU has no block 'o': one of r, z, n. Using r instead.",
        prefix + "weights=ih_1_0_100,ih_99_0_100: Weights ih_99_0_100 are not of the GRU with size 2, within "
                 "±3. Using ih_1_0_100 instead.",
        prefix + "shown=2: No shown 2: the cell has 2 units (0 to 1). Using 0 instead."]
    assert (at.slider(key="anatomy_x0").value, at.selectbox(key="anatomy_block").value) == (1.0, "r")
    assert at.query_params["weights"] == "ih_1_0_100" and "x0" not in at.query_params


def test_inside_link_opens_the_example_tab_cursor_and_probe_example(opened):
    """A link to an example trains it and opens the tab, time step and probe example it names."""
    at = opened("inside", preset="gru_adding", tab="gates", t="5", example="2")
    ss = at.session_state
    assert (ss["inside_preset"], ss["inside_tab"], ss["inside_t"], ss["inside_example"]) == (
        "gru_adding", "Gates", 5, 2)
    gates = charts(at)["inside_gates"]
    cursor = [s for s in gates["layout"]["shapes"] if s.get("name") == "cursor"]
    assert {(s["x0"] + s["x1"]) / 2 for s in cursor} == {5}
    assert at.query_params["tab"] == "gates" and at.query_params["t"] == "5"


def test_a_tampered_view_falls_back_with_a_notice_saying_what_was_used(opened):
    at = opened("inside", preset="gru_adding", t="400", example="x")
    assert notices(at) == [
        "The link had a setting that cannot be used. Ignored example='x': not a whole number.",
        "The link had a setting that cannot be used. Ignored t=400: this recording has 0 to 19. "
        "Using 0 instead."]
    assert (at.session_state["inside_t"], at.session_state["inside_example"]) == (0, 0)
    at = opened("gradients", preset="no-such", view="exploding")
    assert notices(at) == ["The link had a setting that cannot be used. Ignored preset=no-such: Unknown "
                           "preset 'no-such'. Choose one of: " + ", ".join(presets_for("gradients"))
                           + ". Using lab-vanishing instead."]
    assert at.session_state["gradients_preset"] == "lab-vanishing"


def test_a_link_to_a_tab_the_recording_lacks_opens_the_first_with_a_notice(opened):
    """A vanilla RNN has no gates: the link's tab falls back, and the notice lists the tabs it has."""
    at = opened("inside", preset="rnn_mod3", tab="gates")
    assert notices(at) == [
        "The link had a setting that cannot be used. Ignored tab=gates: this recording has one of: unrolled, "
        "hidden_states, trajectory, connectivity, step_through, compare_moments, interventions. Using "
        "unrolled instead."]
    assert at.session_state["inside_tab"] == "Unrolled" and "tab" not in at.query_params
    at.session_state["inside_tab"] = "Step-through"
    assert at.run().query_params["tab"] == "step_through"


INTERVENTION = dict(clamp_gate="f", clamp_value="0.25", clamp_units="0,2", ablate_units="1", freeze="1",
                    intervene_view="gates")


def test_inside_link_opens_the_intervention_it_names(opened):
    """The forget gate of units 0 and 2 clamped to 0.25, unit 1 zeroed, W_hh frozen at the first recording:
    the page reruns the probe with that change, and each control shows it."""
    at = opened("inside", preset="lstm_parity", tab="interventions", **INTERVENTION)
    assert not notices(at)
    shown = {key: widget(at, f"inside_{key}").value for key in INTERVENTION}
    assert shown == dict(clamp_gate="f", clamp_value=0.25, clamp_units=[0, 2], ablate_units=[1], freeze=True,
                         intervene_view="gates")
    assert charts(at)["inside_intervene_changed"]["layout"]["meta"]["view"] == "gates"
    assert at.dataframe[0].value["largest output change"][0] > 0
    assert {k: at.query_params[k] for k in INTERVENTION} == INTERVENTION
    at.multiselect(key="inside_ablate_units").select(3).run()
    at.select_slider(key="inside_clamp_value").set_value(0.5).run()
    at.toggle(key="inside_freeze").set_value(False).run()
    assert (at.query_params["ablate_units"], at.query_params["clamp_value"]) == ("1,3", "0.5")
    assert "freeze" not in at.query_params


def test_inside_links_intervention_the_recording_cannot_take_falls_back_with_notices(opened):
    """A vanilla RNN has no gates to clamp, 16 units and no gate views."""
    at = opened("inside", preset="rnn_mod3", tab="interventions", clamp_gate="f", clamp_units="x",
                ablate_units="1,99", intervene_view="gates")
    prefix = "The link had a setting that cannot be used. Ignored "
    assert notices(at) == [prefix + "clamp_units='x': not a list of whole numbers.",
                           prefix + "clamp_gate=f: this recording has no gates. Using none instead.",
                           prefix + "ablate_units=1,99: this recording has 0 to 15. Using 1 instead.",
                           prefix + "intervene_view=gates: this recording has one of: unrolled, hidden, "
                                    "trajectory, connectivity. Using unrolled instead."]
    assert at.multiselect(key="inside_ablate_units").value == [1]
    assert at.query_params["ablate_units"] == "1" and "clamp_gate" not in at.query_params


VIEW_CONTROLS = dict(unit="3", compare_step="50", compare_view="gates", units="1,2", dims="3", color="target")


def test_inside_link_opens_the_step_through_unit_compare_moments_gate_lines_and_trajectory(opened):
    """Each view's own controls come from the link: the step-through's unit, the other training step and
    view of Compare moments, the gate lines' units, the trajectory's projection and colouring."""
    at = opened("inside", preset="lstm_parity", tab="step_through", **VIEW_CONTROLS)
    assert not notices(at)
    assert at.number_input(key="inside_unit").value == 3
    assert any(m.value.startswith("**Step t = 0, unit 3") for m in at.markdown)
    shown = opened_tab(at, "inside_tab", "Compare moments")
    assert at.select_slider(key="inside_compare_step").value == 50
    assert at.selectbox(key="inside_compare_view").value == "gates"
    assert shown["inside_compare_a"]["layout"]["meta"]["view"] == "gates"
    assert "training step 50" in shown["inside_compare_a"]["layout"]["title"]["text"]
    shown = opened_tab(at, "inside_tab", "Gates")
    assert at.multiselect(key="inside_units").value == [1, 2]
    assert units_drawn(shown["inside_gate_lines"]) == ["unit 1", "unit 2"]
    shown = opened_tab(at, "inside_tab", "Trajectory")
    assert (at.segmented_control(key="inside_dims").value, at.segmented_control(key="inside_color").value) \
        == (3, "target")
    assert projection(shown["inside_trajectory"]) == ({"scatter3d"}, False)  # coloured by target
    assert {k: at.query_params[k] for k in VIEW_CONTROLS} == VIEW_CONTROLS


def test_inside_view_controls_changed_by_key_write_the_link(opened):
    at = opened("inside", preset="lstm_parity", tab="trajectory")
    at.segmented_control(key="inside_dims").set_value(3).run()
    at.segmented_control(key="inside_color").set_value("target").run()
    assert (at.query_params["dims"], at.query_params["color"]) == ("3", "target")
    opened_tab(at, "inside_tab", "Gates")
    at.multiselect(key="inside_units").select(5).run()
    assert at.query_params["units"] == "0,5"
    opened_tab(at, "inside_tab", "Step-through")
    at.number_input(key="inside_unit").set_value(7).run()
    assert at.query_params["unit"] == "7"
    opened_tab(at, "inside_tab", "Compare moments")
    at.select_slider(key="inside_compare_step").set_value(100).run()
    at.selectbox(key="inside_compare_view").set_value("unrolled").run()
    assert (at.query_params["compare_step"], at.query_params["compare_view"]) == ("100", "unrolled")
    opened_tab(at, "inside_tab", "Trajectory")
    at.segmented_control(key="inside_dims").set_value(2).run()
    assert "dims" not in at.query_params and at.query_params["color"] == "target"


def test_inside_links_view_controls_the_recording_lacks_fall_back_with_notices(opened):
    """A vanilla RNN of 16 units recorded every 10 steps has no gates to compare, no unit 99 and no
    recording at step 55; a trajectory is 2D or 3D, coloured by time or target."""
    at = opened("inside", preset="rnn_mod3", unit="99", compare_step="55", compare_view="gates", units="1,99",
                dims="4", color="bogus")
    prefix = "The link had a setting that cannot be used. Ignored "
    assert notices(at) == [
        prefix + "dims=4: Unknown projection 4. Choose one of: 2, 3. Using 2 instead.",
        prefix + "color=bogus: Unknown colour points by 'bogus'. Choose one of: time, target. Using time "
                 "instead.",
        prefix + "unit=99: this recording has 0 to 15. Using 0 instead.",
        prefix + "compare_step=55: this recording has 0 to 150. Using 0 instead.",
        prefix + "compare_view=gates: this recording has one of: unrolled, hidden, trajectory, connectivity. "
                 "Using hidden instead.",
        prefix + "units=1,99: this recording has 0 to 15. Using 1 instead."]
    ss = at.session_state
    assert (ss["inside_unit"], ss["inside_compare_step"], ss["inside_compare_view"], ss["inside_units"]) == (
        0, 0, "hidden", [1])
    assert at.query_params["units"] == "1"
    assert not {"unit", "compare_step", "compare_view", "dims", "color"} & set(at.query_params)


@pytest.mark.parametrize(("page", "key", "extra"), [("train", "train_preset", ["Custom"]),
                                                    ("gradients", "gradients_preset", []),
                                                    ("race", "race_preset", [])])
def test_each_page_lists_only_its_own_presets(opened, page, key, extra):
    at = opened(page)
    assert at.selectbox(key=key).options == extra + [p.title for p in presets_for(page).values()]
    others = {p.title for p in PRESETS.values() if page not in p.pages}
    assert others and not others & set(at.selectbox(key=key).options)


def test_every_preset_belongs_to_a_page_and_uses_values_its_widgets_offer():
    for name, preset in PRESETS.items():
        assert preset.pages and set(preset.pages) <= {"train", "gradients", "race"}, name
        assert preset.config().validate() == [], name
        assert set(preset.cells) <= set(CELLS), name


def test_attention_links_view_and_cursor_the_model_lacks_fall_back_with_notices(opened):
    """A tanh encoder-decoder has no gates, and its 5-step streams no step 99."""
    at = opened("attention", cell="rnn_tanh", steps="50", seq_len="5", hidden_size="16", view="gates",
                cursor="99", run="1")
    assert at.session_state["attention_run"].join(90), "the run did not end in time"
    at.run()
    prefix = "The link had a setting that cannot be used. Ignored "
    found = notices(at)
    assert prefix + "view=gates: this recording has one of: hidden" in found[0]
    assert found[1].startswith(prefix + "cursor=99: this recording has 0 to ")
    assert (at.session_state["attention_view"], at.session_state["attention_cursor"]) == ("hidden", 0)

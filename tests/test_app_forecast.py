"""The Forecast page under AppTest: widgets by key, a run in the job layer, uploads and their messages."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from apptest import JOIN_TIMEOUT, open_app, widget
from plotly_charts import charts, names
from plotly_charts import values as trace_values
from streamlit.testing.v1 import AppTest

from explorer.forecast.generated import generate

RUN = "forecast_run"


@pytest.fixture
def at() -> Iterator[AppTest]:
    at = open_app()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception, at.exception
    yield at
    if RUN in at.session_state:
        at.session_state[RUN].stop()


def upload(at: AppTest, text: str, name: str = "load.csv") -> AppTest:
    at.segmented_control(key="forecast_source").set_value("upload").run()
    return at.file_uploader(key="forecast_file").set_value((name, text.encode(), "text/csv")).run()


def set_widgets(at: AppTest, **settings) -> None:
    for key, value in settings.items():
        widget(at, f"forecast_{key}").set_value(value).run()
        assert not at.exception, at.exception


def train(at: AppTest):
    at.button(key="forecast_start").click().run()
    run = at.session_state[RUN]
    assert run.join(JOIN_TIMEOUT), "the run did not end in time"
    at.run()
    assert not at.exception, at.exception
    return run.snapshot()


def test_the_page_opens_on_a_generated_series_with_its_split(at):
    assert at.title[0].value == "Forecast a time series"
    assert any("No run yet" in info.value for info in at.info)
    figure = charts(at)["forecast_series_chart"]
    np.testing.assert_allclose(trace_values(figure), generate("seasonal").array())
    shaded = [(shape["x0"], shape["x1"]) for shape in figure["layout"]["shapes"]]
    assert shaded == [(700, 849), (850, 999)]  # validation and test: the last 30%, held out
    assert not at.button(key="forecast_start").disabled


def test_widgets_set_the_run_and_its_forecast_is_drawn_against_the_baselines(at):
    set_widgets(at, generated="oscillator", cell="lstm", hidden=8, window=24, horizon=6, shape="direct",
                steps=50, seed=3)
    snap = train(at)
    assert (snap.status, snap.step) == ("finished", 50)
    assert (snap.spec.horizon, snap.spec.shape) == (6, "direct")
    assert snap.spec.series == generate("oscillator")
    config = snap.config
    assert (config.cell, config.hidden_size, config.seq_len, config.seed) == ("lstm", 8, 24, 3)
    drawn = charts(at)
    horizon = drawn["forecast_horizon_chart"]
    assert len(names(horizon)) == 4 and all(len(trace_values(horizon, k)) == 6 for k in range(4))
    test = snap.forecast.scores["test"]
    np.testing.assert_allclose(trace_values(horizon, 3), test.mse["model"])  # the network's line, drawn last
    at.segmented_control(key="forecast_error").set_value("mae").run()
    np.testing.assert_allclose(trace_values(charts(at)["forecast_horizon_chart"], 3), test.mae["model"])
    series = drawn["forecast_series_chart"]
    assert "forecast, 6 steps from each origin" in names(series)
    table = at.dataframe[0].value
    assert set(table["forecaster"]) == {"the network", "persistence (repeat the last value)",
                                        "seasonal-naive (repeat the last season)",
                                        "linear autoregression (least squares)"}
    assert "forecast_flow" in drawn  # the views inside, once the run has ended


def test_an_uploaded_csv_with_a_gap_is_refused_then_interpolated(at):
    hours = [h for h in range(300) if h not in (100, 101)]
    rows = "".join(f"{h},{np.sin(h / 4):.5f}\n" for h in hours)
    upload(at, "hour,load\n" + rows)
    assert "1 gap in 'hour': line 101 to 102 (2 steps missing)" in at.error[0].value
    with pytest.raises(KeyError):  # nothing to train on: no Train button
        at.button(key="forecast_start")
    set_widgets(at, missing="interpolate", window=24, horizon=6, steps=50, hidden=8)
    assert not at.error
    assert any("Interpolated onto a regular grid of 300 points" in info.value for info in at.info)
    snap = train(at)
    assert snap.status == "finished" and len(snap.spec.series) == 300
    assert snap.spec.series.name == "load.csv: load"


def test_a_bad_csv_gets_a_message_naming_line_and_column(at):
    upload(at, "t,load\n1,0.5\n2,abc\n" + "".join(f"{t},1\n" for t in range(3, 40)))
    assert not at.exception
    assert "Line 3, column 2 ('load'): 'abc' is not a number" in at.error[0].value
    assert RUN not in at.session_state


def test_a_window_too_long_for_the_series_is_explained_and_train_disabled(at):
    set_widgets(at, window=400)
    assert any("A window of 400 plus a horizon of 12 steps is more than half the training part" in w.value
               for w in at.warning)
    assert at.button(key="forecast_start").disabled


def test_an_uploaded_file_outlives_a_visit_to_another_page(at):
    upload(at, "t,load\n" + "".join(f"{t},{np.cos(t / 3):.4f}\n" for t in range(100)))
    set_widgets(at, horizon=5)
    at.switch_page("pages/shapes.py").run()
    at.switch_page("pages/forecast.py").run()
    assert not at.exception and not at.error
    assert any("Showing **load.csv**" in caption.value for caption in at.caption)
    assert widget(at, "forecast_horizon").value == 5 and widget(at, "forecast_column").value == "load"
    np.testing.assert_allclose(trace_values(charts(at)["forecast_series_chart"]), np.cos(np.arange(100) / 3),
                               atol=1e-4)

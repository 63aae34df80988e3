"""Figure builders, from hand-made data: no torch, no browser."""

import numpy as np

from explorer.figures import hidden_heatmap, learning_curve
from explorer.trace import Trace


def hand_made_trace(steps=6, units=3) -> Trace:
    hidden = np.arange(2 * 1 * 2 * steps * units, dtype=float).reshape(2, 1, 2, steps, units) / 100
    return Trace(cell_type="rnn_tanh", hidden=hidden, output=hidden[-1, 0],
                 inputs=np.array([[0, 1, 2, 0, 1, 2]] * 2), vocab=("a", "b", "c"), step=12)


def test_learning_curve_draws_values_trend_and_baseline():
    steps = np.arange(1, 31)
    fig = learning_curve(steps, 1 / steps, name="loss", baseline=1 / 6, baseline_label="predict 1",
                         smooth=10)
    assert [t.name for t in fig.data] == ["loss", "loss (mean of 10)"]
    np.testing.assert_allclose(fig.data[0].y, 1 / steps)
    assert len(fig.data[1].x) == 21
    hline = fig.layout.shapes[0]
    assert hline.y0 == hline.y1 == 1 / 6
    assert fig.layout.annotations[0].text == "predict 1"


def test_learning_curve_without_baseline_or_points():
    fig = learning_curve(np.array([]), np.array([]), name="mse", smooth=10)
    assert len(fig.data) == 1 and not fig.layout.shapes


def test_hidden_heatmap_is_units_by_time_with_tokens():
    trace = hand_made_trace()
    fig = hidden_heatmap(trace, layer=1, example=1)
    heat = fig.data[0]
    np.testing.assert_array_equal(heat.z, trace.hidden[1, 0, 1].T)
    assert heat.zmid == 0 and heat.zmax == -heat.zmin == np.abs(trace.hidden[1, 0, 1]).max()
    assert list(fig.layout.xaxis.ticktext[:3]) == ["0<br>a", "1<br>b", "2<br>c"]
    assert "layer 2" in fig.layout.title.text and "step 12" in fig.layout.title.text


def test_hidden_heatmap_of_padded_steps_keeps_them_blank():
    trace = hand_made_trace()
    trace.hidden[0, 0, 0, 4:] = np.nan
    heat = hidden_heatmap(trace).data[0]
    assert np.isnan(heat.z[:, 4:]).all() and np.isfinite(heat.zmax)

"""Figure builders, from hand-made data: no torch, no browser."""

import numpy as np

from explorer.figures import gradient_norm_curve, hidden_heatmap, learning_curve, predictions_figure
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


def test_long_runs_are_drawn_from_binned_points():
    steps = np.arange(1, 20_001)
    fig = learning_curve(steps, np.ones(20_000), name="loss", smooth=10)
    assert all(len(t.x) <= 500 for t in fig.data)
    assert fig.data[0].name == "loss (mean of every 64 steps)"  # bins of a power of two steps
    assert fig.data[0].x[-1] == 20_000


def test_binning_keeps_gradient_spikes():
    steps = np.arange(1, 5001)
    before = np.ones(5000)
    before[1234] = 1e6
    fig = gradient_norm_curve(steps, before, np.minimum(before, 1.0), threshold=1.0)
    assert max(fig.data[0].y) == 1e6 and max(fig.data[1].y) == 1.0
    assert fig.layout.yaxis.type == "log" and fig.layout.shapes[0].y0 == 1.0


def test_predictions_view_follows_the_task_shape():
    """Each (output, target kind) gets its view; class labels and right/wrong colours are shown."""
    trace = hand_made_trace()
    trace.targets = np.array([[0, 1, 2, 0, 1, 2]] * 2)
    logits = np.zeros((2, 6, 3))
    logits[0, np.arange(6), [0, 1, 2, 0, 0, 0]] = 5.0  # the last two steps wrong
    trace.predictions = logits
    fig = predictions_figure(trace, "many_to_many", "class", ("x", "y", "z"))
    heat = fig.data[0]
    assert list(heat.text[1]) == ["x", "y", "z", "x", "y", "z"]
    assert list(heat.text[2]) == ["x", "y", "z", "x", "x", "x"]
    assert list(heat.z[2]) == [1, 1, 1, 1, 0, 0]
    assert "4 of 6 right" in fig.layout.title.text

    trace.targets, trace.predictions = np.array([1, 0]), np.array([[0.0, 3.0], [0.0, 3.0]])
    bars = predictions_figure(trace, "many_to_one", "class", ("neg", "pos")).data[0]
    assert list(bars.text) == ["true pos, predicted pos", "true neg, predicted pos"]

    trace.targets, trace.predictions = np.array([[0.5], [1.2]]), np.array([[0.4], [1.0]])
    points = predictions_figure(trace, "many_to_one", "regression").data[1]
    assert list(points.x) == [0.5, 1.2] and list(points.y) == [0.4, 1.0]


def test_anatomy_draws_no_labels_on_the_curve_and_names_each_curve_apart():
    """Cell anatomy's points carry no text on the σ/tanh curves (they piled up there): colour is the
    block, shape the unit, each in the legend; the curves' own names sit apart from each other."""
    from explorer import stepthrough
    from explorer.figures.anatomy import cell_step_figure

    weights = stepthrough.example_weights("lstm", 3, 3, 0)
    x, h, c = np.array([1.0, 0.0, -1.0]), np.array([0.5, 0.0, -0.5]), np.full(3, 0.5)
    step = stepthrough.step(stepthrough.StepInput("lstm", x, h, c, weights, prev={}))
    fig = cell_step_figure("lstm", step.pre, step.post, {"h_prev": h, "c_prev": c} | step.states, step.kinds)
    on_curves = [t for t in fig.data if t.type == "scatter" and t.xaxis in (None, "x")]
    assert all("text" not in t.mode for t in on_curves)
    points = {t.name: t for t in on_curves if t.mode == "markers" and t.x[0] is not None}
    assert set(points) == {"i", "f", "g", "o"}
    assert list(points["f"].marker.symbol) == ["circle", "square", "diamond"]
    assert [t.name for t in on_curves if t.x[0] is None] == ["unit 0", "unit 1", "unit 2"]
    labels = {a.text: a for a in fig.layout.annotations if a.text in ("σ", "tanh")}
    assert abs(labels["σ"].y - labels["tanh"].y) > 0.9  # near 0 and near -1, not both at 1


def test_the_sine_predictions_legend_sits_under_the_plot_not_over_its_title():
    trace = hand_made_trace()
    trace.targets = trace.predictions = np.linspace(-1, 1, 12).reshape(2, 6, 1)
    trace.forecast = np.zeros((2, 3, 1))  # three entries: target, prediction, forecast
    fig = predictions_figure(trace, "many_to_many", "regression")
    assert fig.layout.title.text.startswith("Next-value prediction")
    assert fig.layout.legend.yanchor == "top" and fig.layout.legend.y < 0


def test_a_blow_up_labels_a_few_decades_not_every_one():
    """Norms from 0.3 to 1e19 (the exploding preset): about six labels, not twenty; a calm run keeps
    one label per decade."""
    steps = np.arange(1, 61)
    norms = 10.0 ** np.linspace(-0.5, 19, 60)
    fig = gradient_norm_curve(steps, norms, np.minimum(norms, 1.0), threshold=1.0)
    dtick = fig.layout.yaxis.dtick
    assert dtick == 4 and (19 + 0.5) / dtick <= 6  # 10^0, 10^4, … 10^16, 10^20
    calm = gradient_norm_curve(steps, np.full(60, 2.0), np.ones(60), threshold=1.0)
    assert calm.layout.yaxis.dtick == 1


def test_shared_colour_scales_take_the_union_and_keep_zero_in_the_middle():
    import plotly.graph_objects as go

    from explorer.figures.scales import share_color_scales

    def figure(c_limit, gate_top):
        return go.Figure([go.Heatmap(z=[[0]], zmin=-c_limit, zmax=c_limit, zmid=0),
                          go.Heatmap(z=[[0]], zmin=0, zmax=gate_top), go.Scatter(x=[0], y=[0])])

    a, b = figure(1.0, 1.0), figure(3.0, 0.5)
    share_color_scales([a, b])
    for fig in (a, b):
        assert (fig.data[0].zmin, fig.data[0].zmax) == (-3.0, 3.0)
        assert (fig.data[1].zmin, fig.data[1].zmax) == (0, 1.0)

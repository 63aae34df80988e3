"""Gradient analysis and figures from hand-made arrays: no torch, no browser."""

import numpy as np
import pytest

from explorer import gradients as g
from explorer.figures import compare as cfig
from explorer.figures import gradient_norm_curve
from explorer.figures import gradients as gfig
from explorer.figures import spectrum as sfig
from explorer.theme import CELL_COLORS, GATE_COLORS
from explorer.trace import Trace


def lstm_trace(step: int = 0, hidden: int = 2, steps: int = 4, f: float = 0.8) -> Trace:
    """An LSTM trace with diagonal W_hh blocks of known scale: i 0.1 I, f 0.2 I, g 0.3 I, o 0.4 I."""
    w = np.concatenate([np.eye(hidden) * s for s in (0.1, 0.2, 0.3, 0.4)])  # (4H, H)
    gates = {k: np.full((1, 1, 3, steps, hidden), 0.5) for k in "ifgo"}
    gates["f"][:] = f
    norms = np.array([[[1e-40, 1e-3, 1e-1, 1.0]]])  # (L, D, T)
    return Trace("lstm", hidden=np.zeros((1, 1, 3, steps, hidden)), output=np.zeros((3, steps, hidden)),
                 gates=gates, grad_norm=norms, cell_grad_norm=norms * 2, params={"weight_hh_l0": w},
                 step=step)


# --- analysis ------------------------------------------------------------------------------------

def test_decay_ratios_look_back_from_the_last_step():
    ratios = g.decay_ratios(np.array([0.001, 0.01, 0.1, 1.0]))
    np.testing.assert_allclose(ratios, [1.0, 0.1, 0.01, 0.001])
    assert g.decay_rate(ratios, 3) == pytest.approx(0.1)
    assert np.isnan(g.decay_ratios(np.array([1.0, 0.0]))).all()  # no gradient at the end: no ratio


def test_floored_raises_tiny_values_and_zeros_to_the_floor():
    values, below = g.floored(np.array([0.0, 1e-40, 1e-5, np.nan]))
    np.testing.assert_array_equal(values[:3], [g.FLOOR, g.FLOOR, 1e-5])
    assert below.tolist() == [True, True, False, False] and np.isnan(values[3])


def test_spectra_split_gate_blocks_and_follow_the_trace():
    trace = lstm_trace()
    spectra = g.trace_spectra(trace)
    assert [s.gate for s in spectra] == ["i", "f", "g", "o"]
    assert [s.radius for s in spectra] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert [s.sigma_max for s in spectra] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    rotation = np.array([[0.0, -1.5], [1.5, 0.0]])  # eigenvalues ±1.5i
    (s,) = g.spectra({"weight_hh_l0": rotation})
    assert s.gate == "" and s.radius == pytest.approx(1.5) and np.allclose(s.eigenvalues.real, 0)
    with pytest.raises(ValueError):
        g.spectra({"weight_hh_l0": rotation}, gates=("r", "z", "n"))


def test_jordan_spectrum_is_the_loop_through_its_output():
    """No W_hh: the (H, H) matrix of h_t -> y_t -> h_{t+1} is W_yh W_hy, of rank at most O."""
    rng = np.random.default_rng(0)
    w_yh, w_hy = rng.normal(size=(3, 1)), rng.normal(size=(1, 3))  # H = 3, O = 1
    trace = Trace("jordan", hidden=np.zeros((1, 1, 2, 4, 3)), output=np.zeros((2, 4, 1)),
                  params={"weight_yh_l0": w_yh, "weight_hy_l0": w_hy, "weight_ih_l0": np.ones((3, 1))})
    (s,) = g.trace_spectra(trace)
    assert s.gate == g.LOOP_THROUGH_OUTPUT
    assert s.radius == pytest.approx(abs((w_hy @ w_yh).item()))  # the one nonzero eigenvalue: W_hy W_yh
    assert s.singular_values[1:] == pytest.approx([0, 0], abs=1e-12)  # rank 1 = O
    fig = sfig.eigenvalue_figure([s], "jordan")
    assert fig.data[0].name.startswith("W_yh·W_hy")
    assert g.trace_spectra(Trace("jordan", hidden=trace.hidden, output=trace.output)) == []


def test_spectral_series_keeps_first_and_last_within_budget():
    traces = [lstm_trace(step=10 * k) for k in range(50)]
    steps, radius, sigma = g.spectral_series(traces, max_points=6)
    assert len(steps) <= 6 and steps[0] == 0 and steps[-1] == 490
    assert set(radius) == set("ifgo") and radius["f"] == pytest.approx([0.2] * len(steps))
    assert sigma["o"] == pytest.approx([0.4] * len(steps))


def test_flow_over_training_and_the_mean_gate():
    traces = [lstm_trace(step=s) for s in (0, 5)]
    steps, norms = g.flow_over_training(traces, cell_state=True)
    assert steps.tolist() == [0, 5] and norms.shape == (2, 4) and norms[0, -1] == 2.0
    assert g.mean_gate(traces[0], "f") == pytest.approx(0.8)
    np.testing.assert_allclose(g.power_curve(0.5, 4), [1, 0.5, 0.25, 0.125])
    with pytest.raises(ValueError):
        g.trace_decay(Trace("gru", hidden=np.zeros((1, 1, 1, 2, 1)), output=np.zeros(1),
                            grad_norm=np.ones((1, 1, 2))), cell_state=True)


# --- figures -------------------------------------------------------------------------------------

def test_flow_line_puts_vanished_steps_on_a_labelled_floor():
    fig = gfig.gradient_flow_line(np.array([0.0, 1e-35, 1e-3, 1.0]), np.array([1e-2, 1e-2, 0.1, 1.0]), step=7)
    names = [t.name for t in fig.data]
    assert names == ["‖dL/dh_t‖", "‖dL/dh_t‖ below 1e-30", "‖dL/dc_t‖"]
    np.testing.assert_allclose(fig.data[0].y, [1e-30, 1e-30, 1e-3, 1.0])
    assert list(fig.data[1].x) == [0, 1]
    assert fig.layout.yaxis.type == "log" and "step 7" in fig.layout.title.text
    assert fig.layout.shapes[0].y0 == 1e-30 and fig.layout.annotations[0].text == "below 1e-30"
    assert fig.layout.annotations[0].y == -30  # annotations on a log axis take log10 of the value


def test_flow_heatmap_is_log10_over_training_and_time():
    steps, norms = np.array([0, 10, 20]), np.array([[1e-40, 1e-2, 1.0], [1e-3, 1e-1, 1.0], [1e-1, 1.0, 10.0]])
    heat = gfig.gradient_flow_heatmap(steps, norms).data[0]
    np.testing.assert_allclose(heat.z, [[-30, -2, 0], [-3, -1, 0], [-1, 0, 1]])
    assert list(heat.y) == [0, 10, 20] and heat.zmin == -30
    assert heat.colorbar.ticktext[0] == "below 1e-30"


def test_gradient_norm_curve_marks_clipped_steps_threshold_and_divergence():
    steps = np.arange(1, 6)
    before = np.array([0.5, 2.0, 0.8, 5.0, np.inf])
    after = np.minimum(before, 1.0)
    fig = gradient_norm_curve(steps, before, after, threshold=1.0, diverged_at=5)
    line, clipped_line, marks = fig.data
    assert list(line.y[:4]) == [0.5, 2.0, 0.8, 5.0] and np.isnan(line.y[4])  # inf cannot be drawn: a gap
    assert list(marks.x) == [2, 4] and marks.name == "clipped (2 steps)"
    assert fig.layout.shapes[0].y0 == 1.0 and fig.layout.shapes[1].x0 == 5
    assert "diverged at step 5" in [a.text for a in fig.layout.annotations]
    unclipped = gradient_norm_curve(steps, before, before, threshold=None)
    assert [t.name for t in unclipped.data] == ["before clipping"] and not unclipped.layout.shapes


def test_spectrum_figures_draw_each_gate_block_in_its_colour():
    spectra = g.trace_spectra(lstm_trace())
    eig = sfig.eigenvalue_figure(spectra, "lstm")
    assert eig.layout.shapes[0].type == "circle" and eig.layout.shapes[0].x1 == 1
    assert [t.marker.color for t in eig.data] == [GATE_COLORS[k] for k in "ifgo"]
    assert eig.layout.yaxis.scaleanchor == "x"
    sv = sfig.singular_value_figure(spectra, "lstm")
    assert list(sv.data[1].y) == pytest.approx([0.2, 0.2])
    series = sfig.spectral_series_figure(np.array([0, 10]), {"": np.array([0.6, 0.9])},
                                         {"": np.array([1.1, 1.3])}, cell="rnn_tanh")
    assert [t.name for t in series.data] == ["ρ(W_hh)", "σ_max(W_hh)"]
    assert series.data[0].line.color == CELL_COLORS["rnn_tanh"]


def test_decay_figure_draws_each_prediction_as_a_power():
    fig = sfig.decay_figure(np.array([1.0, 0.5, 0.2, 0.0]), {"bound": 0.9, "ρ^k": 0.5, "skipped": np.nan})
    assert [t.name for t in fig.data][-2:] == ["bound", "ρ^k"]
    np.testing.assert_allclose(fig.data[-2].y, [1, 0.9, 0.81, 0.729])
    assert fig.data[1].name.endswith("below 1e-30")  # the measured zero sits on the floor


def test_race_figures_overlay_losses_and_put_profiles_side_by_side():
    titles = {"rnn_tanh": "tanh", "lstm": "LSTM"}
    steps = np.arange(1, 41)
    curves = {"rnn_tanh": (steps, np.full(40, 0.17)), "lstm": (steps, np.linspace(0.17, 0.01, 40))}
    fig = cfig.race_loss_figure(curves, titles, baseline=1 / 6, baseline_label="predict 1", cursor=20)
    bold = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in bold] == ["tanh", "LSTM"]
    assert [t.line.color for t in bold] == [CELL_COLORS["rnn_tanh"], CELL_COLORS["lstm"]]
    np.testing.assert_allclose(bold[0].y, 0.17)
    assert {s.x0 for s in fig.layout.shapes} >= {20}
    assert [s.y0 for s in fig.layout.shapes if s.xref == "x domain"] == [pytest.approx(1 / 6)]
    # the baseline's label sits in the right margin: the tanh RNN's line lies on the baseline
    label = next(a for a in fig.layout.annotations if a.text == "predict 1")
    assert (label.x, label.xanchor) == (1, "left") and fig.layout.margin.r >= 12 + 6 * len("predict 1")

    flow = cfig.race_flow_figure({"rnn_tanh": np.array([1e-12, 1.0]), "lstm": np.array([0.5, 1.0])}, titles,
                                 {"lstm": np.array([0.9, 1.0])}, {"rnn_tanh": 40, "lstm": 40})
    assert {t.xaxis for t in flow.data} == {"x", "x2"}
    assert [a.text for a in flow.layout.annotations][:2] == ["tanh — step 40", "LSTM — step 40"]
    assert flow.layout.yaxis.type == flow.layout.yaxis2.type == "log"


def test_sweep_figure_draws_computed_points_against_the_baseline():
    results = {"rnn_tanh": {10: 0.1, 50: 0.17}, "gru": {10: 0.01}}
    fig = cfig.sweep_figure([10, 50, 100], results, {"gru": "GRU"}, {10: 1 / 6, 50: 1 / 6, 100: 1 / 6},
                            metric="mse", baseline_label="predict 1")
    tanh, gru, base = fig.data
    assert list(tanh.x) == [10, 50] and list(gru.x) == [10] and gru.name == "GRU"
    assert list(base.x) == [10, 50, 100] and base.line.dash == "dash" and base.name == "predict 1"
    assert fig.layout.xaxis.type == "log"

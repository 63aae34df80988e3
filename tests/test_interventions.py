"""Interventions rerun a recorded probe with one change; the untouched rerun is the recording."""

import numpy as np
import pytest
import torch

from explorer import trace_rnn
from explorer.cells import CELLS, resolve
from explorer.custom_cell import EXAMPLE
from explorer.gradients import trace_decay
from explorer.inits import set_forget_bias
from explorer.interventions import Intervention, rerun, summary


@pytest.fixture(scope="module")
def lstm_trace():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(2, 6, batch_first=True)
    set_forget_bias(lstm, 3.0)  # f ≈ 0.95: the untouched cell state carries its gradient far back
    return trace_rnn(lstm, torch.randn(4, 20, 2))


def test_the_untouched_rerun_is_the_recording(lstm_trace):
    again = rerun(lstm_trace)
    np.testing.assert_allclose(again.output, lstm_trace.output, atol=1e-5)
    np.testing.assert_allclose(again.cell_grad_norm, lstm_trace.cell_grad_norm, rtol=1e-4)


def test_clamping_the_forget_gate_to_zero_collapses_the_cell_gradient_past_one_step(lstm_trace):
    """f = 0 cuts c's own path back: dL/dc_{t-1} is left with what re-enters through h_{t-1}."""
    clamped = rerun(lstm_trace, Intervention(clamp_gate="f", clamp_value=0.0))
    assert (clamped.gates["f"] == 0).all()
    kept, cut = trace_decay(lstm_trace, cell_state=True), trace_decay(clamped, cell_state=True)
    assert kept[5] > 0.3  # untouched: most of the gradient is still there 5 steps back
    assert (cut[2:] < 0.05 * kept[2:]).all() and cut[5] < 1e-4  # gone within a few steps


def test_ablated_units_are_zero_and_clamps_hold_only_the_chosen_units(lstm_trace):
    changed = rerun(lstm_trace, Intervention(ablate_units=(1, 4), clamp_gate="o", clamp_value=1.0,
                                             clamp_units=(0,)))
    assert (changed.hidden[..., [1, 4]] == 0).all() and (changed.hidden[..., 0] != 0).any()
    assert (changed.gates["o"][..., 0] == 1).all() and (changed.gates["o"][..., 2] < 1).all()
    numbers = summary(lstm_trace, changed)
    assert numbers["largest h_t change"] > 0 and numbers["loss untouched"] == pytest.approx(lstm_trace.loss)


def test_freezing_w_hh_uses_the_earlier_weights_and_bad_changes_are_refused(lstm_trace):
    earlier = {k: np.zeros_like(v) if k.startswith("weight_hh") else v for k, v in lstm_trace.params.items()}
    frozen = rerun(lstm_trace, Intervention(freeze_whh=True), earlier)
    assert not np.allclose(frozen.hidden, lstm_trace.hidden)
    with pytest.raises(ValueError, match="no gate 'z'"):
        rerun(lstm_trace, Intervention(clamp_gate="z"))
    with pytest.raises(ValueError, match="earlier recording"):
        rerun(lstm_trace, Intervention(freeze_whh=True))


def test_ablating_every_unit_of_a_jordan_network_leaves_only_its_output_bias():
    """Its y_t is computed inside the step from h_t: an ablated unit reaches y neither."""
    torch.manual_seed(2)
    jordan = CELLS["jordan"].module(2, 5, batch_first=True, output_size=1)
    changed = rerun(trace_rnn(jordan, torch.randn(2, 6, 2)), Intervention(ablate_units=tuple(range(5))))
    np.testing.assert_allclose(changed.output, float(jordan.bias_hy_l0.detach()), atol=1e-6)
    with pytest.raises(ValueError, match="no W_hh to freeze"):
        rerun(trace_rnn(resolve("custom", EXAMPLE).module(2, 3, batch_first=True), torch.randn(1, 4, 2)),
              Intervention(freeze_whh=True), {})


@pytest.mark.parametrize("cell, task", [("lstm", "adding"), ("gru", "copy"), ("jordan", "sine"),
                                        ("rnn_tanh", "sentiment")])
def test_reruns_are_scored_by_the_runs_own_loss(cell, task):
    """The trace carries the head and loss mask: the untouched rerun's loss and predictions are the
    recording's (float64 against float32), and ablating every unit makes the task's loss worse."""
    from explorer.config import RunConfig
    from explorer.interventions import STAND_IN, scored_by
    from explorer.train import Trainer

    trainer = Trainer(RunConfig(cell=cell, task=task, hidden_size=8, steps=60, probe_size=4, seed=1))
    for _ in trainer.fit():
        pass
    trace = trainer.probe_trace()
    assert scored_by(trace) != STAND_IN
    again = rerun(trace)
    assert again.loss == pytest.approx(trace.loss, rel=1e-4)
    np.testing.assert_allclose(again.predictions, trace.predictions, atol=1e-4)
    silenced = rerun(trace, Intervention(ablate_units=tuple(range(8))))
    assert silenced.loss != pytest.approx(trace.loss, rel=1e-3)
    assert summary(again, silenced)["loss changed"] == silenced.loss


def test_a_bare_layer_falls_back_to_the_stand_in_loss(lstm_trace):
    from explorer.interventions import STAND_IN, scored_by

    assert scored_by(lstm_trace) == STAND_IN and rerun(lstm_trace).predictions is None

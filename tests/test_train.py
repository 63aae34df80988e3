"""The trainer: every cell on every task, seeding, divergence, and a model that really learns."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from explorer import CELLS, TASKS, ConfigError, RunConfig, Trainer
from explorer.inits import set_spectral_radius

EXPLODING = RunConfig(cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
                      clip=False, optimizer="sgd", lr=0.1, steps=200, seed=1)


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("cell", list(CELLS))
def test_dry_run_every_cell_on_every_task(cell, task):
    """A few steps of every cell × task: finite loss and a probe trace of the right shape."""
    seq_len = TASKS[task].min_seq_len + 4
    cfg = RunConfig(cell=cell, task=task, seq_len=seq_len, hidden_size=8, batch_size=4, steps=3,
                    probe_every=3, probe_size=3, num_layers=2, bidirectional=True)
    progress = list(Trainer(cfg).fit())
    assert [p.step for p in progress] == [1, 2, 3]
    assert all(math.isfinite(p.loss) and math.isfinite(p.metric) for p in progress)
    assert progress[-1].status == "finished"
    trace = progress[-1].trace
    steps = trace.inputs.shape[1]
    assert trace.hidden.shape == (2, 2, 3, steps, 8)
    assert trace.grad_norm.shape == (2, 2, steps)
    assert np.isfinite(trace.grad_norm).all() and (trace.grad_norm > 0).any()
    assert trace.predictions.shape[0] == 3 and trace.step == 3


def test_same_seed_same_run_and_another_seed_differs():
    cfg = RunConfig(task="parity", seq_len=10, hidden_size=8, steps=5)
    losses = lambda c: [p.loss for p in Trainer(c).fit()]  # noqa: E731
    assert losses(cfg) == losses(cfg)
    assert losses(cfg) != losses(dataclasses.replace(cfg, seed=1))


def test_probe_trace_output_matches_the_trained_model():
    """The probe replays the very weights being trained: predictions equal the model's."""
    trainer = Trainer(RunConfig(task="sentiment", seq_len=12, hidden_size=8, steps=2))
    list(trainer.fit())
    trace = trainer.probe_trace()
    x, _, lengths, _ = trainer.tensors(trainer.probe)
    with torch.no_grad():
        expected = trainer.model(x, lengths).numpy()
    np.testing.assert_allclose(trace.predictions, expected, atol=1e-5)


def test_exploding_run_is_caught_as_diverged():
    """tanh RNN, spectral radius 1.5, no clipping, SGD lr 0.1: status diverged, never an exception."""
    trainer = Trainer(EXPLODING)
    last = list(trainer.fit())[-1]
    assert last.status == trainer.status == "diverged"
    assert trainer.step_count < EXPLODING.steps
    assert trainer.divergence.step == last.step
    assert trainer.divergence.sigma_max > 1
    assert "infinite or NaN" in trainer.divergence.explain()
    with pytest.raises(RuntimeError):
        trainer.step()


def test_clipping_keeps_the_same_run_finite():
    cfg = dataclasses.replace(EXPLODING, clip=True, clip_norm=1.0, steps=60)
    last = list(Trainer(cfg).fit())[-1]
    assert last.status == "finished" and math.isfinite(last.loss)
    assert last.grad_norm_clipped <= 1.0 + 1e-6


def test_invalid_config_raises_with_messages():
    with pytest.raises(ConfigError) as info:
        Trainer(RunConfig(cell="transformer", hidden_size=0))
    assert any("Unknown cell" in p for p in info.value.problems)
    assert any("Hidden size" in p for p in info.value.problems)


def test_initializations_shape_the_recurrence():
    trainer = Trainer(RunConfig(cell="rnn_relu", init="identity", hidden_size=16, steps=1))
    np.testing.assert_allclose(trainer.model.rnn.weight_hh_l0.detach(), torch.eye(16))
    trainer = Trainer(RunConfig(cell="gru", init="orthogonal", spectral_radius=0.9, hidden_size=16))
    for block in trainer.model.rnn.weight_hh_l0.detach().split(16):
        np.testing.assert_allclose(torch.linalg.svdvals(block), 0.9, rtol=1e-5)
    trainer = Trainer(RunConfig(cell="lstm", forget_bias=2.0, hidden_size=16))
    rnn = trainer.model.rnn
    assert torch.allclose(rnn.bias_ih_l0[16:32] + rnn.bias_hh_l0[16:32], torch.tensor(2.0))


def test_spectral_radius_is_set_exactly():
    rnn = torch.nn.RNN(2, 32)
    set_spectral_radius(rnn, 1.5)
    radius = torch.linalg.eigvals(rnn.weight_hh_l0.detach().double()).abs().max()
    assert radius == pytest.approx(1.5, rel=1e-6)


ADDING_BUDGET = 2500  # steps; the README states this budget


@pytest.mark.slow
def test_lstm_solves_the_adding_problem_at_T50():
    """LSTM, hidden 64, Adam: held-out MSE below 0.05 (baseline 0.167) within the stated budget."""
    cfg = RunConfig(cell="lstm", task="adding", seq_len=50, hidden_size=64, batch_size=64, lr=3e-3,
                    forget_bias=1.0, steps=ADDING_BUDGET, probe_every=ADDING_BUDGET)
    trainer = Trainer(cfg)
    for progress in trainer.fit():
        if progress.step % 250 == 0 and trainer.evaluate()[0] < 0.05:
            break
    assert trainer.evaluate()[0] < 0.05


def test_sine_free_running_forecast_feeds_predictions_back():
    """The forecast equals stepping the model by hand on its own outputs; it is recorded in probes."""
    trainer = Trainer(RunConfig(cell="gru", task="sine", seq_len=20, hidden_size=8, steps=2,
                                probe_every=2))
    trace = list(trainer.fit())[-1].trace
    assert trace.forecast.shape == (8, 11, 1)
    x = torch.as_tensor(trainer.probe.x)
    model = trainer.model
    with torch.no_grad():
        out, state = model.rnn(x[:, :10])
        value = model.head(out[:, -1:])
        by_hand = [value]
        for _ in range(10):
            out, state = model.rnn(value, state)
            value = model.head(out)
            by_hand.append(value)
    np.testing.assert_allclose(trace.forecast, torch.cat(by_hand, 1).numpy(), atol=1e-6)
    assert math.isfinite(trainer.forecast_mse())
    assert Trainer(RunConfig(task="adding")).forecast_mse() is None

"""The trainer: every cell on every task, seeding, divergence, and a model that really learns."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from explorer import TASKS, ConfigError, RunConfig, Trainer
from explorer.cells import FUSED_CELLS
from explorer.inits import set_spectral_radius
from explorer.presets import PRESETS

EXPLODING = RunConfig(cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
                      clip=False, optimizer="sgd", lr=0.1, steps=200, seed=1)


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("cell", list(FUSED_CELLS))
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
    reached = np.arange(steps) < (steps if trace.lengths is None else trace.lengths.max())  # else NaN: no row
    assert np.isfinite(trace.grad_norm[..., reached]).all() and (trace.grad_norm > 0).any()
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


def test_a_finite_blow_up_ends_finished_with_a_note_and_a_good_run_without():
    """SGD at lr 10 with a clip at 1000 never turns infinite, but ends far above its start and baseline."""
    blown = Trainer(RunConfig(optimizer="sgd", lr=10.0, clip_norm=1000.0, steps=10, hidden_size=8))
    list(blown.fit())
    assert blown.status == "finished"
    note = blown.end_note()
    assert "far above where it started" in note and "Lower the learning rate (10)" in note
    calm = Trainer(RunConfig(steps=10, hidden_size=8))
    list(calm.fit())
    assert calm.end_note() == "" and calm.end_note(calm.evaluate()[0]) == ""
    assert "far above" in calm.end_note(float("nan"))


def test_clipped_gradient_norm_is_measured_after_clipping():
    """Clipping off: the two norms are equal. On, with a gradient far past clip_norm: the raw norm
    stays large and the norm the optimizer used is clip_norm (measured, not min(raw, clip_norm))."""
    unclipped = list(Trainer(dataclasses.replace(EXPLODING, steps=3)).fit())
    assert all(p.status != "diverged" for p in unclipped)
    assert [p.grad_norm_clipped for p in unclipped] == [p.grad_norm for p in unclipped]
    clipped = list(Trainer(dataclasses.replace(EXPLODING, clip=True, clip_norm=0.5, steps=3)).fit())
    for p in clipped:
        assert p.grad_norm > 1.0
        assert p.grad_norm_clipped == pytest.approx(0.5, rel=1e-4)
    assert clipped[0].grad_norm == unclipped[0].grad_norm  # same weights and batch at step 1


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


def test_sgd_momentum_reaches_the_optimizer():
    """optimizer=sgd: the optimizer is torch SGD with the configured momentum and learning rate."""
    optimizer = Trainer(RunConfig(optimizer="sgd", momentum=0.5, lr=0.05, hidden_size=4)).optimizer
    assert isinstance(optimizer, torch.optim.SGD)
    assert optimizer.param_groups[0]["momentum"] == 0.5
    assert optimizer.param_groups[0]["lr"] == 0.05


def test_dropout_reaches_the_stacked_torch_layer():
    """dropout=0.3 with two layers is the torch layer's own dropout, active in training only;
    with one layer it is 0 (torch applies dropout between layers only)."""
    trainer = Trainer(RunConfig(num_layers=2, dropout=0.3, hidden_size=16))
    rnn = trainer.model.rnn
    assert rnn.dropout == 0.3 and rnn.num_layers == 2
    x = torch.randn(4, 6, 2)
    rnn.train()
    assert not torch.equal(rnn(x)[0], rnn(x)[0])
    rnn.eval()
    assert torch.equal(rnn(x)[0], rnn(x)[0])
    assert Trainer(RunConfig(num_layers=1, dropout=0.3, hidden_size=4)).model.rnn.dropout == 0.0


def test_device_auto_resolves_and_unknown_devices_are_refused():
    """auto is cuda when there is one, else cpu, and the model lives there; an unknown device
    name is a validation message."""
    trainer = Trainer(RunConfig(device="auto", hidden_size=4))
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert trainer.device.type == expected
    assert all(p.device.type == expected for p in trainer.model.parameters())
    with pytest.raises(ConfigError) as info:
        Trainer(RunConfig(device="tpu"))
    assert info.value.problems == ["Unknown device 'tpu'. Choose one of: auto, cpu, cuda."]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a CUDA GPU")
def test_cuda_without_a_gpu_is_a_clear_config_error():
    """device=cuda on a machine without a GPU: a ConfigError saying so, not a torch error."""
    with pytest.raises(ConfigError) as info:
        Trainer(RunConfig(device="cuda", hidden_size=4))
    assert info.value.problems == ["No CUDA GPU is available here; choose cpu or auto."]


def test_the_probe_batch_is_fixed_across_steps():
    """Probe traces at steps 2 and 4 read the same inputs and targets, through changed weights."""
    trainer = Trainer(RunConfig(task="adding", seq_len=12, hidden_size=8, steps=4, probe_every=2))
    first, second = [p.trace for p in trainer.fit() if p.trace is not None]
    assert (first.step, second.step) == (2, 4)
    np.testing.assert_array_equal(first.inputs, second.inputs)
    np.testing.assert_array_equal(first.targets, second.targets)
    np.testing.assert_array_equal(first.layer_input, second.layer_input)
    assert not np.array_equal(first.hidden, second.hidden)


def test_probing_never_changes_the_classic_adding_run():
    """The classic-adding preset (as benchmarks/classic_adding.py runs it, probe_every=10000) trains
    step for step identically with the preset's probe every 20 steps: losses, norms and weights."""
    cfg = dataclasses.replace(PRESETS["classic-adding"].config(), steps=30)
    assert cfg.probe_every == 20
    probed, unprobed = Trainer(cfg), Trainer(dataclasses.replace(cfg, probe_every=10_000))
    probed_run, unprobed_run = list(probed.fit()), list(unprobed.fit())
    assert [p.step for p in probed_run if p.trace is not None] == [20, 30]
    assert [p.step for p in unprobed_run if p.trace is not None] == [30]  # the last step, as always
    assert [p.loss for p in probed_run] == [p.loss for p in unprobed_run]
    assert [p.grad_norm for p in probed_run] == [p.grad_norm for p in unprobed_run]
    for (name, a), (_, b) in zip(probed.model.state_dict().items(), unprobed.model.state_dict().items(),
                                 strict=True):
        assert torch.equal(a, b), name

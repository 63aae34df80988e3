"""The recorded cells replay torch.nn.RNN/LSTM/GRU exactly, reading their own parameters."""

import numpy as np
import pytest
import torch
from torch import nn

from explorer import trace_rnn
from explorer.cells import CELLS, FUSED_CELLS, spec_for_module


def make_module(cell: str, layers: int, bidirectional: bool, batch_first: bool) -> nn.RNNBase:
    spec = CELLS[cell]
    torch.manual_seed(layers * 10 + bidirectional)
    return spec.module(3, 6, num_layers=layers, bidirectional=bidirectional,
                       batch_first=batch_first, **spec.module_kwargs)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_replay_output_equals_module(cell, layers, bidirectional, batch_first):
    """trace.output equals the module's own output to 1e-5 for every layout."""
    module = make_module(cell, layers, bidirectional, batch_first)
    x = torch.randn(4, 9, 3) if batch_first else torch.randn(9, 4, 3)
    trace = trace_rnn(module, x)
    expected, _ = module(x)
    assert trace.output.shape == tuple(expected.shape)
    np.testing.assert_allclose(trace.output, expected.detach().numpy(), atol=1e-5)
    dirs = 2 if bidirectional else 1
    assert trace.hidden.shape == (layers, dirs, 4, 9, 6)
    assert trace.grad_norm.shape == (layers, dirs, 9)
    assert set(trace.gates) == set(CELLS[cell].gates)
    for values in trace.gates.values():
        assert values.shape == trace.hidden.shape


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_last_hidden_equals_h_n(cell):
    """The last recorded states equal torch's h_n (and c_n), forward and backward."""
    module = make_module(cell, 2, True, True)
    x = torch.randn(3, 7, 3)
    trace = trace_rnn(module, x)
    _, state = module(x)
    h_n = (state[0] if isinstance(state, tuple) else state).detach().numpy().reshape(2, 2, 3, 6)
    np.testing.assert_allclose(trace.hidden[:, 0, :, -1], h_n[:, 0], atol=1e-5)
    np.testing.assert_allclose(trace.hidden[:, 1, :, 0], h_n[:, 1], atol=1e-5)
    if CELLS[cell].has_cell_state:
        c_n = state[1].detach().numpy().reshape(2, 2, 3, 6)
        np.testing.assert_allclose(trace.cell[:, 0, :, -1], c_n[:, 0], atol=1e-5)


def test_lstm_trace_is_consistent_with_its_equations():
    """From the trace alone: c_t = f c_{t-1} + i g and h_t = o tanh(c_t)."""
    module = make_module("lstm", 1, False, True)
    trace = trace_rnn(module, torch.randn(5, 12, 3))
    i, f, g, o = (trace.gates[k][0, 0] for k in "ifgo")  # (B, T, H)
    c, h = trace.cell[0, 0], trace.hidden[0, 0]
    c_prev = np.concatenate([np.zeros_like(c[:, :1]), c[:, :-1]], axis=1)
    np.testing.assert_allclose(c, f * c_prev + i * g, atol=1e-6)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-6)


def test_gru_follows_pytorchs_formulation():
    """h_t = (1 - z) n + z h_{t-1}, with the gates the trace recorded."""
    module = make_module("gru", 1, False, True)
    trace = trace_rnn(module, torch.randn(2, 6, 3))
    z, n, h = trace.gates["z"][0, 0], trace.gates["n"][0, 0], trace.hidden[0, 0]
    h_prev = np.concatenate([np.zeros_like(h[:, :1]), h[:, :-1]], axis=1)
    np.testing.assert_allclose(h, (1 - z) * n + z * h_prev, atol=1e-6)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_padded_batch_matches_packed_sequence(cell):
    """With lengths, the replay equals torch on a packed sequence; padded steps are NaN."""
    module = make_module(cell, 2, True, True)
    x = torch.randn(4, 8, 3)
    lengths = torch.tensor([8, 3, 5, 1])
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out, _ = module(packed)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=8)
    trace = trace_rnn(module, x, lengths=lengths)
    np.testing.assert_allclose(trace.output, out.detach().numpy(), atol=1e-5)
    assert np.isnan(trace.hidden[0, 0, 1, 3:]).all()
    assert np.isfinite(trace.hidden[0, 0, 1, :3]).all()


def test_initial_state_is_used():
    module = make_module("lstm", 1, False, True)
    x = torch.randn(2, 5, 3)
    h0, c0 = torch.randn(1, 2, 6), torch.randn(1, 2, 6)
    expected, _ = module(x, (h0, c0))
    trace = trace_rnn(module, x, initial_state=(h0, c0))
    np.testing.assert_allclose(trace.output, expected.detach().numpy(), atol=1e-5)


def test_a_user_state_dict_loads_and_replays():
    """A plain nn.LSTM's state dict, loaded into a fresh nn.LSTM, replays identically."""
    trained = nn.LSTM(2, 5, num_layers=2)
    fresh = nn.LSTM(2, 5, num_layers=2)
    fresh.load_state_dict(trained.state_dict())
    x = torch.randn(7, 3, 2)
    np.testing.assert_allclose(trace_rnn(fresh, x).output, trained(x)[0].detach().numpy(), atol=1e-5)


def test_unsupported_modules_are_refused_clearly():
    with pytest.raises(TypeError, match="nn.RNN, nn.LSTM or nn.GRU"):
        spec_for_module(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="proj_size"):
        trace_rnn(nn.LSTM(2, 4, proj_size=2), torch.randn(3, 1, 2))
    with pytest.raises(ValueError, match="3-D"):
        trace_rnn(nn.GRU(2, 4), torch.randn(3, 2))


@pytest.mark.parametrize(("change", "error", "message"), [
    ({"x": torch.randn(3, 0, 2)}, ValueError, "at least one sequence, step and feature"),
    ({"x": torch.randn(3, 2, 5)}, ValueError, "x has 5 features per step; the module reads input_size=2"),
    ({"x": np.zeros((3, 2, 2))}, TypeError, "x must be a torch.Tensor"),
    ({"x": [[[0.0, 0.0]]]}, TypeError, "x must be a torch.Tensor"),
    ({"lengths": [1.5, 3]}, ValueError, "lengths must be 2 whole numbers"),
    ({"lengths": [1, 4]}, ValueError, "from 1 to 3"),
    ({"initial_state": torch.zeros(2, 2, 4)}, ValueError, r"initial_state must be h0.*\(1, 2, 4\)"),
    ({"loss_fn": lambda out: out}, ValueError, "loss_fn must return a scalar tensor"),
    ({"dtype": "float64"}, TypeError, "dtype must be a floating-point torch.dtype"),
])
def test_wrong_arguments_name_themselves_and_what_is_expected(change, error, message):
    """(T, B, F) = (3, 2, 2) into a GRU(2, 4): each wrong argument raises a message naming it."""
    arguments = {"x": torch.randn(3, 2, 2)} | change
    with pytest.raises(error, match=message):
        trace_rnn(nn.GRU(2, 4), **arguments)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
@pytest.mark.parametrize("batch_first", [False, True])
def test_grad_norm_equals_torch_stepped_one_step_at_a_time(cell, batch_first):
    """trace.grad_norm is the batch mean of ||dL/dh_t||, the total gradient reaching h_t through the
    output and the recurrence: torch's own module, stepped one step at a time in float64 with h_t
    fed on as the next state, gives the same per-step norms (rtol 1e-6) for a loss on every step."""
    module = make_module(cell, 1, False, batch_first).double()
    torch.manual_seed(3)
    steps, batch = 9, 4
    weights = torch.randn(steps, 6, dtype=torch.float64)

    def loss_fn(output):  # module layout -> scalar: a weighted sum over all steps, plus a square
        seq = output if batch_first else output.transpose(0, 1)  # (B, T, H)
        return (seq * weights).sum() + 0.5 * (seq[:, steps // 2] ** 2).sum()

    x = torch.randn(batch, steps, 3, dtype=torch.float64)
    trace = trace_rnn(module, x if batch_first else x.transpose(0, 1), loss_fn)

    hs, state = [], None
    for t in range(steps):
        x_t = x[:, t:t + 1] if batch_first else x[:, t:t + 1].transpose(0, 1)
        out, new_state = module(x_t, state)
        h_t = out[:, 0] if batch_first else out[0]  # (B, H): the tensor both the loss and t+1 read
        h_t.retain_grad()
        hs.append(h_t)
        state = (h_t[None], new_state[1]) if isinstance(new_state, tuple) else h_t[None]
    seq = torch.stack(hs, dim=1)
    loss = loss_fn(seq if batch_first else seq.transpose(0, 1))
    loss.backward()
    expected = np.array([float(h.grad.norm(dim=-1).mean()) for h in hs])
    leaf = seq.detach().requires_grad_(True)  # the output's direct share alone, no recurrence
    loss_fn(leaf if batch_first else leaf.transpose(0, 1)).backward()
    direct = leaf.grad.norm(dim=-1).mean(dim=0).numpy()

    assert trace.loss == pytest.approx(float(loss.detach()), rel=1e-12)
    assert (expected > 0).all()
    assert np.abs(expected - direct).max() > 1e-2 * expected.max()  # the recurrence adds its part
    np.testing.assert_allclose(trace.grad_norm[0, 0], expected, rtol=1e-6)

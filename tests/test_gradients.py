"""Gradient flow through time, as the trace measures it."""

import numpy as np
import torch
from torch import nn

from explorer import trace_rnn
from explorer.inits import set_forget_bias


def decay_ratio(module: nn.RNNBase, steps: int = 100, cell_state: bool = False) -> float:
    """||dL/dh_0|| / ||dL/dh_{T-1}|| with the loss on the last step only."""
    torch.manual_seed(1)
    x = torch.randn(16, steps, 2)
    trace = trace_rnn(module, x)
    norms = (trace.cell_grad_norm if cell_state else trace.grad_norm)[0, 0]
    return float(norms[0] / norms[-1])


def test_tanh_rnn_gradient_vanishes_over_100_steps():
    """Default init: the gradient reaching t=0 is orders of magnitude below the one at t=T-1."""
    torch.manual_seed(0)
    ratio = decay_ratio(nn.RNN(2, 64, batch_first=True))
    assert 0 < ratio < 1e-3


def test_lstm_with_forget_bias_3_keeps_gradient():
    """A forget-gate bias of 3 (f ≈ 0.95) carries the gradient back across 100 steps."""
    torch.manual_seed(0)
    lstm = nn.LSTM(2, 64, batch_first=True)
    set_forget_bias(lstm, 3.0)
    assert decay_ratio(lstm) > 1e-2


def test_gradient_norms_stay_visible_below_float32_range():
    """The replay runs in float64, so gradients smaller than float32's tiniest value are not zero."""
    torch.manual_seed(0)
    trace = trace_rnn(nn.RNN(2, 32, batch_first=True), torch.randn(4, 400, 2))
    smallest = trace.grad_norm[0, 0, 0]
    assert 0 < smallest < np.finfo(np.float32).tiny

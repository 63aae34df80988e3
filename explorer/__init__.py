"""RNN Explorer's core: recurrent cells, tasks, training and recordings. No UI here.

For notebooks::

    import torch
    from explorer import trace_rnn
    lstm = torch.nn.LSTM(3, 16, batch_first=True)
    trace = trace_rnn(lstm, torch.randn(4, 50, 3))
    trace.hidden.shape      # (layers, directions, batch, T, hidden) = (1, 1, 4, 50, 16)
    trace.gates["f"]        # forget-gate values, same shape
    trace.grad_norm[0, 0]   # ||dL/dh_t|| for every t
"""

from explorer.cells import CELLS
from explorer.config import Limits, RunConfig
from explorer.record import trace_rnn
from explorer.tasks import TASKS
from explorer.trace import Trace
from explorer.train import ConfigError, Progress, Trainer

__all__ = ["CELLS", "TASKS", "ConfigError", "Limits", "Progress", "RunConfig", "Trace",
           "Trainer", "trace_rnn"]

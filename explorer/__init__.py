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

from importlib import import_module

# name -> module; imported on first use, so that `explorer.figures` and `explorer.trace`
# (numpy only) load without torch
_EXPORTS = {"CELLS": "cells", "Limits": "limits", "RunConfig": "config", "trace_rnn": "record",
            "TASKS": "tasks", "Trace": "trace", "ConfigError": "train", "Progress": "train",
            "Trainer": "train"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    return getattr(import_module(f"explorer.{_EXPORTS[name]}"), name)

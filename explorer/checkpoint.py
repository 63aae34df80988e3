"""Trained weights as safetensors: no pickle, and the recurrent keys are torch.nn's own.

`model_file` holds the whole `SequenceModel` (encoder., rnn., head. keys) with the
run's config in the metadata; `recurrent_file` holds only the recurrent layer, with
keys exactly as `torch.nn.RNN/LSTM/GRU.state_dict()` names them, so
``nn.LSTM(...).load_state_dict(safetensors.torch.load(data))`` works as it is.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from safetensors.torch import load, save
from torch import Tensor, nn

from explorer.config import RunConfig
from explorer.weightfile import NONLINEARITY, safetensors_metadata


def model_file(model: nn.Module, config: RunConfig) -> bytes:
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = {"rnn_explorer_config": json.dumps(asdict(config))}
    if nonlinearity := getattr(model.rnn, "nonlinearity", None):
        metadata[NONLINEARITY] = nonlinearity
    return save(tensors, metadata=metadata)


def recurrent_file(model_bytes: bytes) -> bytes:
    """The `rnn.` part of a model file, its keys made torch.nn's own (and its nonlinearity kept)."""
    tensors: dict[str, Tensor] = load(model_bytes)
    kept = {k: v for k, v in safetensors_metadata(model_bytes).items() if k == NONLINEARITY}
    return save({k.removeprefix("rnn."): v for k, v in tensors.items() if k.startswith("rnn.")},
                metadata=kept or None)

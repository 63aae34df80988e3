"""Kinds for the Words & names page, on the quick lane (a moment each, never behind training):
"read" (a typed name or sentence read by a trained model) and "score" (its confusion matrix and
entity F1 on held-out data). The trained weights travel in the spec as safetensors bytes.

Each is one computation (`explorer.jobs.oneshot`); a page waits for it with `JobLayer.call`.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.config import RunConfig
from explorer.jobs.oneshot import one_shot


@dataclass(frozen=True)
class ReadSpec:
    config: RunConfig  # builds the model the weights belong to
    model: bytes  # safetensors of the whole model (explorer.checkpoint.model_file)
    text: str = ""  # "read": the typed name or sentence, checked by the page
    step: int = 0  # the training step the weights are from, for the figures' titles


def _read(spec: ReadSpec):
    from explorer.reading import READERS, load_model

    reading = READERS[spec.config.task](load_model(spec.config, spec.model), spec.text)
    reading.trace.step = spec.step
    return reading


def _score(spec: ReadSpec):
    from explorer.reading import load_model, score

    return score(load_model(spec.config, spec.model), spec.config)


READ, SCORE = one_shot("read", _read), one_shot("score", _score)

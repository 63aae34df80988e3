"""Kinds for the Names and Tagging pages, all on the quick lane (a moment each, never behind
training): "read" (a typed name or sentence read by a trained model), "score" (its confusion
matrix and entity F1 on held-out data) and "packing" (h_n of a padded batch with and without
`pack_padded_sequence`). The trained weights travel in the spec as safetensors bytes.

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


def _read(spec: ReadSpec):
    from explorer.reading import READERS, load_model

    return READERS[spec.config.task](load_model(spec.config, spec.model), spec.text)


def _score(spec: ReadSpec):
    from explorer.reading import load_model, score

    return score(load_model(spec.config, spec.model), spec.config)


def _packing(spec):
    from explorer.packing import compare

    return compare(spec)


READ, SCORE, PACKING = one_shot("read", _read), one_shot("score", _score), one_shot("packing", _packing)

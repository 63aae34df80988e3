"""A character-level language model's weights, rebuilt and read over a text.

    model = load_lm(config, alphabet, weights)     # weights: safetensors bytes (model_file)
    reading = read_text(model, alphabet, "x = 'hi'\\n")
    reading.trace.hidden          # (L, D, 1, T, H), and every gate, as the Inside views draw them
    reading.connectivity          # (T, T) ‖∂y_t/∂x_k‖
    reading.units                 # the units that follow each character feature, best first

Weights cross processes as safetensors bytes; this runs in a worker (the "text_read" and
"text_sample" jobs) or the CLI, never on the web server's thread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load

from explorer.config import RunConfig
from explorer.connectivity import connectivity
from explorer.models import SequenceModel
from explorer.record import trace_rnn
from explorer.tasks.text import lm_task
from explorer.text.corpus import CharCorpus
from explorer.text.features import char_features, ranked_units
from explorer.trace import Trace

MAX_READ = 100  # characters read at once (connectivity costs T · V backward passes of T steps)


def load_lm(config: RunConfig, alphabet: str, weights: bytes) -> SequenceModel:
    model = SequenceModel.from_config(config, lm_task(alphabet))
    model.load_state_dict(load(weights))
    return model.eval()


@dataclass(frozen=True)
class Reading:
    text: str
    trace: Trace  # one sequence: the text
    connectivity: np.ndarray  # (T, T)
    units: pd.DataFrame  # feature, series, unit, r, |r|: `features.ranked_units`


def series_of(trace: Trace, layer: int = 0, direction: int = 0) -> dict[str, np.ndarray]:
    """Each recorded series of one layer and direction, name -> (T, H): h, c (LSTM), gates."""
    series = {"h": trace.hidden[layer, direction, 0]}
    if trace.cell is not None:
        series["c"] = trace.cell[layer, direction, 0]
    return series | {name: g[layer, direction, 0] for name, g in trace.gates.items()}


def read_problems(alphabet: str, text: str) -> list[str]:
    """Why `text` cannot be read by a model over `alphabet` (empty when it can)."""
    problems = []
    if not 2 <= len(text) <= MAX_READ:
        problems.append(f"The text to read must have 2 to {MAX_READ} characters (it has {len(text)}).")
    unknown = sorted(set(text) - set(alphabet))
    if unknown:
        problems.append(f"The text uses {''.join(unknown)!r}, not in the model's alphabet {alphabet!r}.")
    return problems


def read_text(model: SequenceModel, alphabet: str, text: str, step: int = 0) -> Reading:
    """Run the model over `text` (`read_problems` says what it must be): every state and gate,
    the connectivity, the units ranked by the features they follow."""
    problems = read_problems(alphabet, text)
    if problems:
        raise ValueError(" ".join(problems))
    x = torch.as_tensor(CharCorpus.of(alphabet).encode(text))  # (T,)
    inputs = model.encode(x[None]).detach()  # (1, T, E)
    trace = trace_rnn(model.rnn, inputs)
    model.zero_grad(set_to_none=True)
    trace.inputs, trace.vocab, trace.task, trace.step = x[None].numpy(), tuple(alphabet), "text", step
    with torch.no_grad():
        trace.predictions = model.read_out(model.rnn(inputs)[0]).float().numpy()  # (1, T, V)
    trace.connectivity = connectivity(model, x)
    units = ranked_units(series_of(trace), char_features(text))
    return Reading(text, trace, trace.connectivity, units)

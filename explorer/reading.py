"""A trained model reads typed text, and is scored on held-out data: the Names and Tagging pages.

Runs in a worker (quick jobs of `explorer.jobs.words`), never on the web server's thread. The
model arrives as the safetensors bytes of `explorer.checkpoint.model_file`; what leaves is numpy.

    read_name:  P(language | first t letters) for every prefix t, and the states as a Trace
    read_tags:  a tag per word from both directions, and from the forward states alone
                (the backward half of [h→_t ; h←_t] zeroed before the head), so the page can
                show what reading backwards adds
    score:      a confusion matrix over held-out data (per word for tagging), and for a BIO task
                entity F1 beside the most-frequent-tag baseline's
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from safetensors.torch import load

from explorer.config import RunConfig
from explorer.models import SequenceModel
from explorer.record import trace_rnn
from explorer.tasks import TASKS, Task
from explorer.tasks import names as names_task
from explorer.tasks import tagging as tagging_task
from explorer.trace import Trace

HELD_OUT = 512  # sequences scored


def load_model(config: RunConfig, weights: bytes) -> SequenceModel:
    model = SequenceModel.from_config(config, TASKS[config.task])
    model.load_state_dict(load(weights))
    return model.eval()


def _trace(model: SequenceModel, task: Task, ids: np.ndarray) -> Trace:
    """One sequence's recording: every layer's and direction's states, tokens for the labels."""
    x = torch.as_tensor(ids[None])  # (1, T)
    trace = trace_rnn(model.rnn, model.encode(x).detach())
    trace.inputs, trace.vocab, trace.task = ids[None], task.vocab, task.name
    return trace


@dataclass(frozen=True)
class NameReading:
    letters: tuple[str, ...]
    probs: np.ndarray  # (T, C): P(language | the first t+1 letters)
    trace: Trace  # the whole name's states


@torch.no_grad()
def read_name(model: SequenceModel, text: str) -> NameReading:
    """Every prefix of the name at once: a padded batch whose row t holds the first t+1 letters."""
    name = text.strip().lower()
    ids = names_task.encode(name)
    steps = len(ids)
    x = torch.as_tensor(np.tril(np.broadcast_to(ids, (steps, steps))))  # (T, T), row t: ids[:t+1]
    lengths = torch.arange(1, steps + 1)
    probs = torch.softmax(model(x, lengths), dim=-1).numpy()  # (T, C)
    with torch.enable_grad():
        trace = _trace(model, model.task, ids)
    return NameReading(tuple(name), probs, trace)


@dataclass(frozen=True)
class TagReading:
    words: tuple[str, ...]
    probs: np.ndarray  # (T, C) from both directions
    forward_probs: np.ndarray | None  # (T, C) with the backward states zeroed; None if one direction
    trace: Trace


@torch.no_grad()
def read_tags(model: SequenceModel, text: str) -> TagReading:
    ids = tagging_task.encode(text)
    output, _ = model.rnn(model.encode(torch.as_tensor(ids[None])))  # (1, T, D*H)
    probs = torch.softmax(model.head(output[0]), dim=-1).numpy()
    forward = None
    if model.rnn.bidirectional:
        alone = output[0].clone()
        alone[:, model.width:] = 0.0
        forward = torch.softmax(model.head(alone), dim=-1).numpy()
    with torch.enable_grad():
        trace = _trace(model, model.task, ids)
    return TagReading(tuple(text.lower().split()), probs, forward, trace)


@dataclass(frozen=True)
class Score:
    confusion: np.ndarray  # (C, C) counts: row = true class, column = predicted
    accuracy: float
    entity_f1: float | None = None  # tagging: whole entities, exact span and type
    baseline_f1: float | None = None  # the most frequent tag of each word


def _entity_scores(batch, predicted: np.ndarray, seq_len: int) -> dict:
    table = tagging_task.most_frequent_tags(seq_len)
    return {"entity_f1": tagging_task.entity_f1(predicted, batch.y, batch.lengths)[2],
            "baseline_f1": tagging_task.entity_f1(table[batch.x], batch.y, batch.lengths)[2]}


EXTRA_SCORES: dict[str, Callable] = {"tagging": _entity_scores}  # task -> more than accuracy


@torch.no_grad()
def score(model: SequenceModel, config: RunConfig) -> Score:
    """Held-out data (its own seed, as `Trainer.evaluate`): confusion matrix and accuracy."""
    task = model.task
    batch = task.sample(np.random.default_rng([config.seed, 2]), HELD_OUT, config.seq_len)
    predicted = model(torch.as_tensor(batch.x), torch.as_tensor(batch.lengths)).argmax(-1).numpy()
    if task.output == "many_to_many":
        real = np.arange(batch.seq_len)[None, :] < batch.lengths[:, None]
        true, guess = batch.y[real], predicted[real]
    else:
        true, guess = batch.y, predicted
    confusion = np.zeros((task.output_size, task.output_size), dtype=np.int64)
    np.add.at(confusion, (true, guess), 1)
    extra = EXTRA_SCORES.get(task.name, lambda *_: {})(batch, predicted, config.seq_len)
    return Score(confusion, float((true == guess).mean()), **extra)


READERS: dict[str, Callable[[SequenceModel, str], NameReading | TagReading]] = {
    "names": read_name, "tagging": read_tags}
CHECKS: dict[str, Callable[[str], list[str]]] = {"names": names_task.check, "tagging": tagging_task.check}

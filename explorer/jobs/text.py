"""Kinds for the Text page: "text" (a character-level language model trained live, its weights
sent at every probe so it can be sampled mid-run), and on the quick lane, each one computation
(`explorer.jobs.oneshot`), "text_sample" (seeded samples at one or more temperatures) and
"text_read" (units over a text, and its connectivity). The page checks a request before it asks
(`generate.sample_problems`, `model.read_problems`).

A person's own text travels inside the "text" spec to the worker, which builds that job's task
from it and keeps it nowhere else; the RunConfig names only the hash, and a job that names a hash
without bringing the text is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.config import Limits, RunConfig
from explorer.jobs.kind import JobKind, View
from explorer.jobs.oneshot import one_shot
from explorer.jobs.train import Snapshot, TrainState, TrainWork


@dataclass(frozen=True)
class TextRun:
    config: RunConfig  # task "text"; corpus a generated name or the text's key
    text: str = ""  # a person's own text, when config.corpus is its key


@dataclass
class TextSnapshot(Snapshot):
    alphabet: str = ""
    weights: bytes | None = None  # safetensors of the model at the latest probe
    weights_step: int = 0


def _weights(trainer) -> bytes:
    from explorer.checkpoint import model_file

    return model_file(trainer.model, trainer.cfg)


class TextWork(TrainWork):
    def __init__(self, spec: TextRun, limits: Limits):
        super().__init__(spec.config, limits)
        self.text = spec.text

    def begin(self) -> dict:
        from explorer.tasks.text import lm_task
        from explorer.text.corpus import MISSING_TEXT, USER_KEY, CharCorpus, text_problems, user_key
        from explorer.train import ConfigError

        if not self.text and USER_KEY.fullmatch(self.config.corpus):  # a worker keeps no one's text
            raise ConfigError([MISSING_TEXT])
        if self.text:
            if problems := text_problems(self.text):
                raise ConfigError(problems)
            if user_key(self.text) != self.config.corpus:
                raise ConfigError(["The text does not match the corpus the settings name."])
            corpus = CharCorpus.of(self.text)
            self.task = lm_task(corpus.alphabet, corpus)  # this job's own: no other job can find it
        payload = super().begin()
        return payload | {"alphabet": "".join(self.trainer.task.vocab), "weights": _weights(self.trainer)}

    def advance(self) -> dict:
        progress = self.trainer.step()
        return {"progress": progress, "weights": _weights(self.trainer) if progress.trace else None}


class TextState(TrainState):
    def __init__(self, spec: TextRun):
        super().__init__(spec.config)
        self.alphabet, self.weights = "", []  # (step, safetensors bytes), newest last

    def started(self, payload: dict) -> None:
        super().started(payload)
        self.alphabet, self.weights = payload["alphabet"], [(0, payload["weights"])]

    def progressed(self, payload: dict) -> None:
        super().progressed(payload["progress"])
        if payload["weights"] is not None:
            self.weights = [*self.weights[-1:], (payload["progress"].step, payload["weights"])]

    def snapshot(self, view: View) -> TextSnapshot:
        base = super().snapshot(view)
        step, weights = next(((s, w) for s, w in reversed(self.weights) if s <= view.shown), (0, None))
        return TextSnapshot(**vars(base), alphabet=self.alphabet, weights=weights, weights_step=step)


@dataclass(frozen=True)
class SampleSpec:
    config: RunConfig
    alphabet: str
    weights: bytes
    prime: str
    length: int
    temperatures: tuple[float, ...]  # one sample each, same seed; 0 means greedy
    top_k: int
    seed: int


@dataclass(frozen=True)
class ReadSpec:
    config: RunConfig
    alphabet: str
    weights: bytes
    text: str
    step: int = 0  # the training step of the weights, for the views' titles


def _sample(spec: SampleSpec):
    """One `explorer.text.generate.Sample` per temperature, from the same seed."""
    from explorer.text.generate import sample_text
    from explorer.text.model import load_lm

    model = load_lm(spec.config, spec.alphabet, spec.weights)
    return [sample_text(model, spec.alphabet, spec.prime, spec.length, t or 1.0, spec.top_k, spec.seed,
                        greedy=t == 0) for t in spec.temperatures]


def _read(spec: ReadSpec):
    """The `explorer.text.model.Reading` of the text."""
    from explorer.text.model import load_lm, read_text

    return read_text(load_lm(spec.config, spec.alphabet, spec.weights), spec.alphabet, spec.text, spec.step)


TEXT = JobKind("text", TextWork, TextState, lambda spec: spec.config.steps)
TEXT_SAMPLE, TEXT_READ = one_shot("text_sample", _sample), one_shot("text_read", _read)

"""Kinds for the Text page: "text" (a character-level language model trained live, its weights
sent at every probe so it can be sampled mid-run), and on the quick lane "text_sample" (seeded
samples at one or two temperatures) and "text_read" (units over a text, and its connectivity).

A person's own text travels inside the "text" spec to the worker, which keeps it under its
hash (`explorer.text.corpus.remember`); the RunConfig names only the hash.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.config import Limits, RunConfig
from explorer.jobs.kind import QUICK_LANE, AnswerState, JobKind, View
from explorer.jobs.status import Status
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
        from explorer.text.corpus import MISSING_TEXT, USER_KEY, remember
        from explorer.train import ConfigError

        if not self.text and USER_KEY.fullmatch(self.config.corpus):  # never what a worker kept before
            raise ConfigError([MISSING_TEXT])
        if self.text:
            try:
                if remember(self.text) != self.config.corpus:
                    raise ConfigError(["The text does not match the corpus the settings name."])
            except ValueError as bad:
                raise ConfigError([str(bad)]) from None
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


class _QuickWork:
    """One answer, computed in `begin` (so a bad request ends with its message, as a bad config
    does) from the model rebuilt out of the spec's weights, and reported by `advance`."""

    def __init__(self, spec, limits: Limits):
        self.spec, self.answer, self.sent = spec, None, False

    def begin(self) -> dict:
        from explorer.text.model import load_lm
        from explorer.train import ConfigError

        self.model = load_lm(self.spec.config, self.spec.alphabet, self.spec.weights)
        try:
            self.answer = self.compute()
        except ValueError as bad:
            raise ConfigError([str(bad)]) from None
        return {}

    def advance(self):
        self.sent = True
        return self.answer

    @property
    def done(self) -> bool:
        return self.sent

    def end(self) -> dict:
        return {"status": Status.FINISHED if self.done else Status.STOPPED}


class SampleWork(_QuickWork):
    def compute(self):
        from explorer.text.generate import sample_text

        s = self.spec
        return [sample_text(self.model, s.alphabet, s.prime, s.length, t or 1.0, s.top_k, s.seed,
                            greedy=t == 0) for t in s.temperatures]


class ReadWork(_QuickWork):
    def compute(self):
        from explorer.text.model import read_text

        return read_text(self.model, self.spec.alphabet, self.spec.text, self.spec.step)


TEXT = JobKind("text", TextWork, TextState, lambda spec: spec.config.steps)
TEXT_SAMPLE = JobKind("text_sample", SampleWork, AnswerState, lambda spec: 1, lane=QUICK_LANE)
TEXT_READ = JobKind("text_read", ReadWork, AnswerState, lambda spec: 1, lane=QUICK_LANE)

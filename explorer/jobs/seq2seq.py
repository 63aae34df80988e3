"""Kinds for the Attention page: "seq2seq" (an encoder-decoder trained live), "curve" (the pair
behind the bottleneck curve) and "decode" (one typed source read greedily and by beam search, on
the quick lane, so no decoding runs on the web server's thread).

Weights leave the worker as safetensors bytes; a page that wants a source decoded sends them back
with a "decode" job, which rebuilds the model from its config.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from explorer.config import Limits
from explorer.jobs.kind import JobKind, View
from explorer.jobs.oneshot import one_shot
from explorer.jobs.status import Status, WithStatus
from explorer.seq2seq.train import Seq2SeqConfig
from explorer.trace import Trace


@dataclass
class Seq2SeqSnapshot(WithStatus):
    config: Seq2SeqConfig
    run_id: str  # unique per job: with the probe step, a cache key for what `model` decodes
    status: Status = Status.QUEUED
    rows: list[dict[str, float]] = field(default_factory=list)  # one per optimizer step
    evals: list[tuple[int, float]] = field(default_factory=list)  # (step, held-out exact match)
    encoder: Trace | None = None  # the latest probe recording of each stream
    decoder: Trace | None = None
    model: bytes | None = None  # safetensors of the weights at the latest probe, for "decode" jobs
    error: str | None = None
    queue_position: int = 0
    note: str = ""
    divergence: Any = None  # explorer.train.Divergence when status is "diverged"

    @property
    def step(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[float]:
        return [row[name] for row in self.rows]


def model_bytes(model) -> bytes:
    from safetensors.torch import save

    return save({k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()})


def load_model(config: Seq2SeqConfig, weights: bytes):
    from safetensors.torch import load

    from explorer.seq2seq.train import make_model

    model = make_model(config)
    model.load_state_dict(load(weights))
    return model.eval()


def _trainer(config: Seq2SeqConfig):
    from explorer.seq2seq.train import Seq2SeqTrainer
    from explorer.train import ConfigError

    problems = config.validate()
    if problems:
        raise ConfigError(problems)
    return Seq2SeqTrainer(config)


def _finished_or_diverged(trainer) -> Status:
    return Status.DIVERGED if getattr(trainer, "status", None) == Status.DIVERGED else Status.FINISHED


class Seq2SeqWork:
    def __init__(self, config: Seq2SeqConfig, limits: Limits):
        self.config = config

    def begin(self) -> dict:
        self.trainer = _trainer(self.config)
        return self._probe()

    def _probe(self) -> dict:
        from explorer.seq2seq.record import record_probe

        t = self.trainer
        encoder, decoder = record_probe(t.model, t.task, t.probe, t.step_count)
        return {"step": t.step_count, "exact": t.evaluate(), "encoder": encoder, "decoder": decoder,
                "model": model_bytes(t.model)}

    def advance(self) -> dict:
        row = self.trainer.step()
        due = self.trainer.eval_due() and getattr(self.trainer, "status", None) != Status.DIVERGED
        return {"row": row, "probe": self._probe() if due else None}

    @property
    def done(self) -> bool:
        return self.trainer.done

    def end(self) -> dict:
        return {"status": _finished_or_diverged(self.trainer) if self.done else Status.STOPPED,
                "divergence": getattr(self.trainer, "divergence", None)}


class Seq2SeqState:
    def __init__(self, config: Seq2SeqConfig):
        self.config, self.rows, self.probes, self.divergence = config, [], [], None

    def started(self, probe: dict) -> None:
        self.probes.append(probe)

    def progressed(self, payload: dict) -> None:
        self.rows.append(payload["row"])
        if payload["probe"] is not None:
            self.probes.append(payload["probe"])

    def ended(self, payload: dict) -> None:
        self.divergence = payload.get("divergence")

    def snapshot(self, view: View) -> Seq2SeqSnapshot:
        probes = [p for p in self.probes if p["step"] <= view.shown]
        last = probes[-1] if probes else {}
        return Seq2SeqSnapshot(
            self.config, str(view.job_id), view.status, self.rows[:view.shown],
            [(p["step"], p["exact"]) for p in probes], last.get("encoder"), last.get("decoder"),
            last.get("model"), view.error, view.queue_position, view.note,
            self.divergence if view.status == Status.DIVERGED else None)


def _steps(config: Seq2SeqConfig) -> int:
    return config.steps


SEQ2SEQ = JobKind("seq2seq", Seq2SeqWork, Seq2SeqState, _steps)


# --- the bottleneck curve ---------------------------------------------------------------
CurveSpec = tuple[Seq2SeqConfig, tuple[int, ...]]  # the with-attention config, the lengths to score


@dataclass
class Curve(WithStatus):
    """Exact match against source length for each attention kind, from one config."""

    config: Seq2SeqConfig  # the with-attention run; its seq_len is the longest length trained
    lengths: list[int]
    status: Status = Status.QUEUED
    progress: float = 0.0  # fraction of all training steps done
    accuracy: dict[str, list[float]] = field(default_factory=dict)  # attention kind -> per length
    error: str | None = None
    queue_position: int = 0


class CurveWork:
    """Trains the config without attention, then with it; scores both at every length."""

    def __init__(self, spec: CurveSpec, limits: Limits):
        self.config, self.lengths = spec
        self.kinds = ["none", self.config.attention]

    def begin(self) -> dict:
        self.done_kinds: list[str] = []
        self.trainer = _trainer(replace(self.config, attention=self.kinds[0]))
        return {}

    def advance(self) -> dict:
        self.trainer.step()
        report: dict = {"progress": (len(self.done_kinds) + self.trainer.step_count / self.config.steps)
                        / len(self.kinds)}
        if self.trainer.done:
            kind = self.kinds[len(self.done_kinds)]
            report["accuracy"] = {kind: self.trainer.accuracy_by_length(list(self.lengths))}
            self.done_kinds.append(kind)
            if not self.done:
                self.trainer = _trainer(replace(self.config, attention=self.kinds[len(self.done_kinds)]))
        return report

    @property
    def done(self) -> bool:
        return len(self.done_kinds) == len(self.kinds)

    def end(self) -> dict:
        return {"status": Status.FINISHED if self.done else Status.STOPPED}


class CurveState:
    def __init__(self, spec: CurveSpec):
        self.config, self.lengths = spec[0], list(spec[1])
        self.reports: list[dict] = []

    def started(self, payload: dict) -> None:
        pass

    def progressed(self, report: dict) -> None:
        self.reports.append(report)

    def ended(self, payload: dict) -> None:
        pass

    def snapshot(self, view: View) -> Curve:
        shown = self.reports[:view.shown]
        accuracy = {k: v for r in shown for k, v in r.get("accuracy", {}).items()}
        return Curve(self.config, self.lengths, view.status, shown[-1]["progress"] if shown else 0.0,
                     accuracy, view.error, view.queue_position)


def _curve_steps(spec: CurveSpec) -> int:
    return 2 * spec[0].steps


CURVE = JobKind("curve", CurveWork, CurveState, _curve_steps)


def curve_lengths(min_len: int, longest: int, points: int = 6) -> list[int]:
    """At most `points` evenly spaced lengths ending at `longest` (24 -> 4, 8, ..., 24)."""
    step = max(1, -(-longest // points))
    return list(range(longest, min_len - 1, -step))[::-1]


# --- one source decoded -----------------------------------------------------------------
@dataclass(frozen=True)
class DecodeSpec:
    config: Seq2SeqConfig  # builds the model the weights belong to
    model: bytes  # safetensors, from a Seq2SeqSnapshot
    source: str
    beam_width: int
    max_steps: int


def _decode(spec: DecodeSpec):
    """The `explorer.seq2seq.decode.Reading` of the typed source."""
    import torch

    from explorer.seq2seq.decode import read
    from explorer.seq2seq.tasks import TASKS

    with torch.inference_mode():
        return read(load_model(spec.config, spec.model), TASKS[spec.config.task], spec.source,
                    spec.beam_width, spec.max_steps)


DECODE = one_shot("decode", _decode)

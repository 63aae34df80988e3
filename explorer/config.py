"""`RunConfig`: every setting of one training run, in one frozen block.

Primitive fields only, so a config is a cache key and a URL. Vary it with
`dataclasses.replace`; check it with `validate()`, which returns messages a
person understands (empty when all is well). `to_query` / `from_query` give the
share-link form. `Limits` (explorer/limits.py) bounds every run on a server.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, fields, replace
from typing import Any

from explorer.cells import CELLS
from explorer.checks import brief, shown, type_problems
from explorer.inits import INITS
from explorer.limits import Limits as Limits  # where most callers look for it
from explorer.tasks import TASKS

OPTIMIZERS = ("adam", "sgd")
DEVICES = ("auto", "cpu", "cuda")
NAME = re.compile(r"[a-z0-9_]{1,32}")  # what a URL may give a text field: a registry key


@dataclass(frozen=True)
class RunConfig:
    # model
    cell: str = "lstm"  # a name in explorer.cells.CELLS (rnn_tanh, lstm, gru, jordan, …), or "custom"
    custom_cell: str = ""  # cell "custom": its equations in the custom cell language (text, never code)
    hidden_size: int = 32  # units per layer; more remembers more but trains slower
    num_layers: int = 1  # stacked layers; each reads the sequence of the one below
    bidirectional: bool = False  # also read the sequence backwards and concatenate
    dropout: float = 0.0  # between stacked layers only (torch.nn semantics)
    embedding_size: int = 16  # token tasks: size of the learned vector per token
    init: str = "default"  # default (PyTorch), orthogonal, identity (IRNN, vanilla RNN only)
    spectral_radius: float = 0.0  # 0 keeps the init's scale; >0 rescales W_hh to this radius
    forget_bias: float | None = None  # LSTM: None keeps PyTorch's; a number sets b_f to it
    # task
    task: str = "adding"  # which problem the network learns
    seq_len: int = 10  # how far back the network must remember (meaning varies per task)
    corpus: str = "grammar"  # text task: a generated corpus (grammar, brackets, code) or "u" + a text's hash
    # training
    optimizer: str = "adam"  # adam or sgd (with momentum)
    lr: float = 1e-2  # learning rate: too high diverges, too low crawls
    momentum: float = 0.9  # sgd only
    batch_size: int = 32  # sequences per step: larger is smoother and slower
    clip: bool = True  # rescale the gradient when its norm exceeds clip_norm
    clip_norm: float = 1.0  # the threshold for clipping
    steps: int = 500  # training steps in the run
    seed: int = 0  # same seed, same data, same initial weights, same run
    device: str = "auto"  # auto picks cuda when present
    # recording
    probe_every: int = 10  # record a probe trace every this many steps
    probe_size: int = 8  # sequences in the probe batch

    def validate(self, limits: Limits | None = None) -> list[str]:
        """Human-readable problems with this config; empty when it can run."""
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits or None (got a {type(limits).__name__}).")
        limits = limits or Limits()
        problems = type_problems(self)
        if problems:  # the checks below compare numbers: they need the right types
            return problems
        if self.cell == "custom":
            from explorer.custom_cell import problems as custom_problems

            problems += custom_problems(self.custom_cell)
        elif self.cell not in CELLS:
            problems.append(f"Unknown cell {brief(self.cell)}. Choose one of: {', '.join(CELLS)}.")
        elif CELLS[self.cell].owns_head and (self.num_layers > 1 or self.bidirectional):
            problems.append(f"The {CELLS[self.cell].title} has one layer, read forwards: "
                            "its output is fed back.")
        if self.cell != "custom" and self.custom_cell:  # else two equal runs would look different
            problems.append(f"Custom cell: equations are read only with cell 'custom' (the cell is "
                            f"{brief(self.cell)}); leave it empty.")
        if self.task not in TASKS:
            problems.append(f"Unknown task {brief(self.task)}. Choose one of: {', '.join(TASKS)}.")
        if self.init not in INITS:
            problems.append(f"Unknown initialization {brief(self.init)}. Choose one of: {', '.join(INITS)}.")
        elif self.cell in CELLS | {"custom": None} and not INITS[self.init].applies_to(self.cell):
            problems.append(f"Initialization '{self.init}' applies only to vanilla RNNs.")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"Unknown optimizer {brief(self.optimizer)}. Choose adam or sgd.")
        if self.device not in DEVICES:
            problems.append(f"Unknown device {brief(self.device)}. Choose auto, cpu or cuda.")
        if self.task in TASKS:
            task = TASKS[self.task]
            problems += _corpus_problems(task, self.corpus)
            lo, hi = task.min_seq_len, min(task.max_seq_len, limits.max_seq_len)
            if not lo <= self.seq_len <= hi:
                problems.append(f"Sequence length for '{self.task}' must be between {lo} and {hi}.")
        for name, lo, hi in (
            ("hidden_size", 1, limits.max_hidden_size), ("num_layers", 1, 4),
            ("embedding_size", 1, 256), ("batch_size", 1, limits.max_batch_size),
            ("steps", 1, limits.max_steps), ("seed", 0, 2**31 - 1),
            ("probe_every", 1, 10_000), ("probe_size", 1, 64),
        ):
            value = getattr(self, name)
            if not lo <= value <= hi:
                problems.append(f"{_label(name)} must be between {lo} and {hi} (got {value}).")
        for name, lo, hi in (
            ("lr", 1e-6, 10.0), ("momentum", 0.0, 0.999), ("dropout", 0.0, 0.9),
            ("clip_norm", 1e-3, 1e3), ("spectral_radius", 0.0, 5.0),
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and lo <= value <= hi):
                problems.append(f"{_label(name)} must be between {lo:g} and {hi:g} (got {value:g}).")
        if self.forget_bias is not None and not (
            math.isfinite(self.forget_bias) and -10 <= self.forget_bias <= 10
        ):
            problems.append(f"Forget-gate bias must be between -10 and 10 (got {self.forget_bias:g}).")
        if self.task in TASKS and self.seq_len * self.batch_size > limits.max_tokens_per_batch:
            problems.append(
                f"Sequence length × batch size is {self.seq_len * self.batch_size:,}; "
                f"the limit is {limits.max_tokens_per_batch:,}. Shorten one of them."
            )
        return problems

    def to_query(self) -> dict[str, str]:
        """The fields that differ from the defaults, as URL query parameters."""
        default = RunConfig()
        return {
            k: _format(v) for k, v in asdict(self).items() if v != getattr(default, k)
        }

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> tuple[RunConfig, list[str]]:
        """Parse query parameters; a bad value falls back, with a notice saying which, why and
        what is used instead. Unknown keys are other pages' and are left alone."""
        values: dict[str, Any] = {}
        notices: list[str] = []
        types = {f.name: f for f in fields(cls)}
        for key, raw in params.items():
            if key not in types:
                continue  # other pages' parameters share the URL
            raw = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
            try:
                values[key] = _parse(types[key].default, str(raw))
            except ValueError:
                notices.append(f"Ignored {key}={shown(raw)}: {_expected(key)}.")
        config, dropped = _drop_invalid(cls(**values))
        return config, notices + dropped


def _corpus_problems(task, corpus: str) -> list[str]:
    if task.on_corpus is not None:
        from explorer.text.corpus import corpus_problems

        return corpus_problems(corpus)
    if corpus != RunConfig.corpus:  # else two equal runs would look different
        return [f"Corpus: only a task that reads text reads one (the task is {brief(task.name)}); "
                f"leave it at {RunConfig.corpus}."]
    return []


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _format(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "1" if value else "0"
    return repr(value) if isinstance(value, float) else str(value)


def _parse(default: Any, raw: str) -> Any:
    if default is MISSING:
        raise ValueError(raw)
    if raw.lower() == "none":
        return None
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float) or default is None:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
        return value
    if not NAME.fullmatch(raw):
        raise ValueError(raw)
    return raw


_CHOICES = {"cell": CELLS, "task": TASKS, "init": INITS, "optimizer": OPTIMIZERS, "device": DEVICES}


def _expected(name: str) -> str:
    """What a URL value for this field must look like."""
    if name in _CHOICES:
        return f"not one of {', '.join(_CHOICES[name])}"
    default = getattr(RunConfig(), name)
    if isinstance(default, bool):
        return "not 1 or 0"
    if isinstance(default, int):
        return "not a whole number"
    if isinstance(default, str):
        return "not a name of lowercase letters, digits and _ (at most 32)"
    return "not a finite number" + (" or none" if default is None else "")


# the order fields are reset in: the ones others depend on (task, cell) last, so that
# ?task=sentiment&seq_len=5 resets the length, not the task
_RESET_ORDER = [f.name for f in fields(RunConfig) if f.name not in ("task", "cell")] + ["task", "cell"]


def _drop_invalid(config: RunConfig) -> tuple[RunConfig, list[str]]:
    """Reset, one field at a time, whatever makes the config invalid; a notice for each field
    reset, with the problems it caused and the value used instead."""
    problems, notices = config.validate(), []
    for name in _RESET_ORDER:
        if not problems:
            break
        fallback = _fallback(config, name)
        candidate = replace(config, **{name: fallback})
        remaining = candidate.validate()
        if len(remaining) < len(problems):
            fixed = " ".join(p for p in problems if p not in remaining)
            notices.append(f"Ignored {name}={_format(getattr(config, name))}: {fixed} "
                           f"Using {_format(fallback)} instead.")
            config, problems = candidate, remaining
    if problems:
        return RunConfig(), [f"Ignored the link's settings: {' '.join(problems)} Using the defaults."]
    return config, notices


def _fallback(config: RunConfig, name: str) -> Any:
    """The value a bad field falls back to: the task's own default length, else the default."""
    if name == "seq_len" and config.task in TASKS:
        return TASKS[config.task].default_seq_len
    return getattr(RunConfig(), name)

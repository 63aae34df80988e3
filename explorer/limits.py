"""`Limits`: the bounds of every run on a server, each within a range a server may set.

Each can be set for a server with an environment variable EXPLORER_<NAME> (read once, at
start-up); a value outside its range raises `LimitsError`, which names the variable, the
value and what is accepted, and the app and the CLI refuse to start rather than run
without a limit::

    Limits.from_env({"EXPLORER_MAX_STEPS": "abc"})
    # LimitsError: EXPLORER_MAX_STEPS='abc' is not accepted: max_steps must be a whole number from 1 to …
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from explorer.checks import Problems, brief, shown


class LimitsError(Problems):
    """Limits a server cannot run with; `problems` name each setting, its value and the range."""


@dataclass(frozen=True)
class Limits:
    """Per-run bounds that keep one person's run from freezing a shared server; set one with
    EXPLORER_<NAME>, e.g. EXPLORER_MAX_STEPS=5000 or EXPLORER_WORKERS=4, within `LIMIT_RANGES`."""

    max_steps: int = 20_000
    max_hidden_size: int = 512
    max_batch_size: int = 512
    max_seq_len: int = 1000
    max_tokens_per_batch: int = 65_536  # seq_len × batch_size
    max_parameters: int = 2_000_000
    max_seconds: float = 600.0  # wall time of one run, pauses included
    workers: int = 0  # training processes at once; 0 means one per CPU core
    cached_runs: int = 64  # finished runs kept for instant replay
    max_series_points: int = 10_000  # values in a series to forecast (a CSV's rows, gaps filled)

    def __post_init__(self):
        problems = [_limit_problem(f.name, getattr(self, f.name), f"{f.name}={brief(getattr(self, f.name))}")
                    for f in fields(self)]
        problems = [p for p in problems if p]
        if problems:
            raise LimitsError(problems)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set by EXPLORER_<NAME> variables (defaults for the rest); `LimitsError`
        naming every variable whose value is not a number in its range."""
        environ = os.environ if environ is None else environ
        values, problems = {}, []
        for f in fields(cls):
            variable = env_variable(f.name)
            raw = environ.get(variable)
            if raw is None:
                continue
            try:
                values[f.name] = _number(f.type, raw)
            except ValueError:
                values[f.name] = None  # not a number at all: said as such below
            problem = _limit_problem(f.name, values[f.name], f"{variable}={shown(raw)}")
            if problem:
                problems.append(problem)
        if problems:
            raise LimitsError(problems)
        return cls(**values)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


# the range each limit accepts: a server may tighten or loosen them, never switch them off
LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "max_steps": (1, 1_000_000),
    "max_hidden_size": (1, 4096),
    "max_batch_size": (1, 65_536),
    "max_seq_len": (1, 100_000),
    "max_tokens_per_batch": (1, 10_000_000),
    "max_parameters": (1, 100_000_000),
    "max_seconds": (0.1, 604_800.0),  # up to a week
    "workers": (0, 256),
    "cached_runs": (0, 10_000),
    "max_series_points": (20, 100_000),
}


def env_variable(name: str) -> str:
    return f"EXPLORER_{name.upper()}"


def _limit_problem(name: str, value: Any, said: str) -> str:
    """'' when `value` is a number of the right kind in the limit's range, else what is wrong."""
    lo, hi = LIMIT_RANGES[name]
    whole = isinstance(lo, int)
    accepted = f"a whole number from {lo:,} to {hi:,}" if whole else f"a number from {lo:,g} to {hi:,g}"
    if whole:
        right_kind = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        right_kind = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if right_kind and lo <= value <= hi:
        return ""
    return f"{said} is not accepted: {name} must be {accepted}."


def _number(kind: str, raw: str) -> float:
    """An environment variable's text as the limit's type; ValueError for anything else."""
    raw = raw.strip()
    if len(raw) > 32:
        raise ValueError(raw)
    return int(raw) if kind == "int" else float(raw)

"""Checking values that come from outside: a config dataclass's field types, and quoting
untrusted text (a URL's, an environment's) safely in a message.

    type_problems(RunConfig(hidden_size="32"))  # ["hidden_size must be a whole number (got '32' …)"]
"""

from __future__ import annotations

import numbers
import re
from dataclasses import fields
from typing import Any


class Problems(ValueError):
    """Settings that cannot be used; `problems` are messages a person can act on, one each."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def _real(value: Any) -> bool:
    """A number a float can hold (10**400 is an int, but no learning rate)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        float(value)
    except OverflowError:
        return False
    return True


# what each field's type must be, said for a person; keyed by the annotation's text
TYPES: dict[str, tuple[str, Any]] = {
    "int": ("a whole number", lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool)),
    "float": ("a number", _real),
    "float | None": ("a number or None", lambda v: v is None or _real(v)),
    "bool": ("True or False", lambda v: isinstance(v, bool)),
    "str": ("a name (text)", lambda v: isinstance(v, str)),
    "tuple[int, ...]": ("a tuple of whole numbers",
                        lambda v: isinstance(v, tuple) and all(type(x) is int for x in v)),
    "tuple[str, ...]": ("a tuple of names",
                        lambda v: isinstance(v, tuple) and all(isinstance(x, str) for x in v)),
}


def type_problems(config: Any) -> list[str]:
    """For a config dataclass: each field whose value is not of its declared type, said plainly."""
    problems = []
    for f in fields(config):
        what, ok = TYPES[str(f.type)]
        value = getattr(config, f.name)
        if not ok(value):
            problems.append(f"{f.name} must be {what} (got {brief(value)} of type {type(value).__name__}).")
    return problems


def brief(value: Any) -> str:
    """A value as a message may quote it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def shown(raw: Any) -> str:
    """Untrusted text (a URL's, an environment's) as a message may quote it: short, and only
    letters, digits and a little punctuation, so it cannot become markup on a page."""
    text = str(raw)
    text = text if len(text) <= 32 else text[:31] + "…"
    return "'" + re.sub(r"[^\w .+\-…]", "?", text, flags=re.ASCII) + "'"

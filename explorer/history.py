"""`History`: the per-step numbers of one run, as columns that figures and CSV read.

numpy only (no torch), so a finished run can be cached, sent between processes
and drawn without the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

COLUMNS = ("step", "loss", "metric", "grad_norm", "grad_norm_clipped", "elapsed")


@dataclass
class History:
    columns: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in COLUMNS})

    def append(self, progress) -> None:
        for name in COLUMNS:
            self.columns[name].append(float(getattr(progress, name)))

    def __len__(self) -> int:
        return len(self.columns["step"])

    def array(self, name: str) -> np.ndarray:
        return np.asarray(self.columns[name], dtype=float)

    def copy(self) -> History:
        return History({k: list(v) for k, v in self.columns.items()})

    def to_csv(self) -> str:
        lines = [",".join(COLUMNS)]
        for row in zip(*(self.columns[c] for c in COLUMNS), strict=True):
            lines.append(",".join(f"{v:.6g}" for v in row))
        return "\n".join(lines) + "\n"


def history_columns(*names: str) -> Callable[[Any], tuple[list[float], ...]]:
    """A snapshot's history columns "step" and `names`: what a live curve reads (`ui.live_curve`)."""
    return lambda snap: tuple(snap.history.columns[name] for name in ("step", *names))

"""The chronological split and the normalisation fitted on its training part only.

    part = Split.of(len(values))                 # train [0, train_end), validation, test [val_end, n)
    scaler = Scaler.fit(values[:part.train_end]) # z = (y - mean) / std, from the training part alone
    z = scaler.apply(values)

A model and every baseline learn from z[:train_end] only; forecasts on the validation and
test parts read the values before their origin (as a forecast made then could), never after.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TRAIN, VALIDATION = 0.7, 0.15  # the test part is the rest: the last 15%


@dataclass(frozen=True)
class Split:
    train_end: int  # first index of the validation part
    val_end: int  # first index of the test part
    n: int

    @classmethod
    def of(cls, n: int) -> Split:
        return cls(int(n * TRAIN), int(n * (TRAIN + VALIDATION)), n)

    def parts(self) -> dict[str, tuple[int, int]]:
        """Each part's [start, stop) indices, in time order."""
        return {"training": (0, self.train_end), "validation": (self.train_end, self.val_end),
                "test": (self.val_end, self.n)}


@dataclass(frozen=True)
class Scaler:
    mean: float
    std: float

    @classmethod
    def fit(cls, train: np.ndarray) -> Scaler:
        std = float(np.std(train))
        return cls(float(np.mean(train)), std if std > 1e-12 else 1.0)  # a flat part: shift only

    def apply(self, values: np.ndarray) -> np.ndarray:
        return (values - self.mean) / self.std

    def invert(self, z: np.ndarray) -> np.ndarray:
        return z * self.std + self.mean


def windows(z: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The windows z[s : s + length] for every start s, (N, length)."""
    return z[starts[:, None] + np.arange(length)[None, :]]


def origins(start: int, stop: int, context: int, horizon: int, most: int) -> np.ndarray:
    """Forecast origins o in [start, stop - horizon], evenly thinned to at most `most`: each forecast
    reads z[o - context : o] and is scored on z[o : o + horizon], inside [start, stop)."""
    first, last = max(start, context), stop - horizon
    if last < first:
        return np.zeros(0, dtype=int)
    every = np.arange(first, last + 1)
    return every if len(every) <= most else every[np.linspace(0, len(every) - 1, most).round().astype(int)]

"""Series that grow a few points at a time, kept at a bounded size: the data behind live curves.

numpy only. `Binned` keeps a long series as at most `max_points` bins of k consecutive points,
each the mean (or the maximum) of its drawable points, placed at its last step; k is a power
of two, doubled when the bins would pass `max_points` (neighbouring bins merge). `Trailing`
turns a series into its trailing mean. Both take only the new points (`extend`), so a live
chart's refresh costs O(new points + bins) however long the run, and both give the same
numbers whether a series arrives at once or a few points at a time.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Binned:
    """A series as bins of k consecutive points: x the last step of each bin, y its mean or max.

    NaN points are left out of their bin (a bin of nothing but NaN is NaN: a gap in the line).
    """

    def __init__(self, max_points: int = 500, reduce: str = "mean"):
        if max_points < 2 or reduce not in ("mean", "max"):
            raise ValueError("max_points must be at least 2 and reduce 'mean' or 'max'")
        self.max_points, self.reduce = max_points, reduce
        self.k = 1  # points per bin
        self.n = 0  # points taken
        self._x = np.empty(0)  # per bin: its last step
        self._acc = np.empty(0)  # per bin: sum (mean) or max (max) of its drawable points
        self._count = np.empty(0)  # per bin: how many drawable points

    def extend(self, steps, values) -> Binned:
        steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
        if not len(values):
            return self
        bins = (self.n + np.arange(len(values))) // self.k  # (m,) nondecreasing
        starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
        drawable = ~np.isnan(values)
        if self.reduce == "mean":
            acc = np.add.reduceat(np.where(drawable, values, 0.0), starts)
        else:
            acc = np.fmax.reduceat(values, starts)
        count = np.add.reduceat(drawable.astype(float), starts)
        x = steps[np.r_[starts[1:], len(steps)] - 1]
        if self.n % self.k:  # the first group completes the last bin
            self._acc[-1] = self._combine(self._acc[-1], acc[0])
            self._count[-1] += count[0]
            self._x[-1] = x[0]
            acc, count, x = acc[1:], count[1:], x[1:]
        self._x = np.concatenate([self._x, x])
        self._acc = np.concatenate([self._acc, acc])
        self._count = np.concatenate([self._count, count])
        self.n += len(values)
        while len(self._x) > self.max_points:
            self._coarsen()
        return self

    def _combine(self, a, b):
        return a + b if self.reduce == "mean" else np.fmax(a, b)

    def _coarsen(self) -> None:
        """Twice the points per bin: each pair of bins becomes one (an odd last bin stays alone)."""
        pairs = len(self._x) // 2
        tail = slice(2 * pairs, None)  # the odd bin, if any
        self._x = np.concatenate([self._x[1:2 * pairs:2], self._x[tail]])
        self._acc = np.concatenate([self._combine(self._acc[:2 * pairs:2], self._acc[1:2 * pairs:2]),
                                    self._acc[tail]])
        self._count = np.concatenate([self._count[:2 * pairs:2] + self._count[1:2 * pairs:2],
                                      self._count[tail]])
        self.k *= 2

    @property
    def x(self) -> np.ndarray:
        return self._x.copy()

    @property
    def y(self) -> np.ndarray:
        if self.reduce == "max":
            return self._acc.copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self._count > 0, self._acc / np.maximum(self._count, 1), np.nan)


class Trailing:
    """The trailing mean over `window` points, taken a few points at a time.

    Each point's mean over itself and the window - 1 points before it, counting only finite
    values (NaN where there are none). partial: from the first point on (over fewer points at
    the start); else only from the window-th point, where a whole window exists.
    """

    def __init__(self, window: int, partial: bool = False):
        if window < 1:
            raise ValueError("window must be at least 1")
        self.window, self.partial = window, partial
        self.n = 0
        self._kept = np.empty(0)  # the last window - 1 values

    def extend(self, steps, values) -> tuple[np.ndarray, np.ndarray]:
        """(steps, means) of the new points that have a mean."""
        steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
        if not len(values):
            return steps, values
        missing = self.window - 1 - len(self._kept)  # before the series began
        padded = np.concatenate([np.full(missing, np.nan), self._kept, values])
        windows = sliding_window_view(padded, self.window)  # (m, window)
        finite = np.isfinite(windows)
        counts = finite.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(counts > 0, np.where(finite, windows, 0.0).sum(axis=1) / np.maximum(counts, 1),
                             np.nan)
        whole = np.arange(self.n, self.n + len(values)) >= self.window - 1
        self.n += len(values)
        real = padded[missing:]
        self._kept = real[len(real) - min(len(real), self.window - 1):]
        if self.partial:
            return steps, means
        return steps[whole], means[whole]


class Smoothed:
    """A series binned, and its trailing mean over `smooth` points binned alike (none if smooth < 2)."""

    def __init__(self, smooth: int, max_points: int = 500, partial: bool = False):
        self.raw, self.trend = Binned(max_points), Binned(max_points)
        self.trailing = Trailing(smooth, partial) if smooth > 1 else None

    def extend(self, steps, values) -> Smoothed:
        self.raw.extend(steps, values)
        if self.trailing is not None:
            self.trend.extend(*self.trailing.extend(steps, values))
        return self

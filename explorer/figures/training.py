"""Figures of a run's progress: learning curves against the task's baseline.

Long runs are drawn from at most `MAX_POINTS` points per line: each point is the mean (for
gradient spikes the maximum) of a bin of k consecutive steps, k a power of two; the legend
says when that happened. Each figure is backed by a curve object that takes a run's steps a
few at a time (`LearningCurve`, `GradientNormCurve`), so a live chart pays for its new steps,
not for the whole run, and the finished run's figure is the same object fed at once.

A curve's interface, which `explorer.live` relies on:
- `feed(*columns)`: the whole columns so far; it takes the rows past those it took before
  (False when there were none, None when the columns are shorter: not its series);
- `series()`: per trace of the figure, in order, (x, y, name) now;
- `shape()`: what changes the figure beyond its traces' points and names (it is rebuilt then);
- `figure()`: the whole figure now;
- `spec`: its settings: a curve with other settings is another chart.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from explorer.figures.series import Binned, Smoothed
from explorer.theme import SERIES_COLORS, apply_layout, reference_line

MAX_POINTS = 500
DIVERGED_COLOR = "#CC0000"


def bin_steps(steps: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS,
              reduce: str = "mean") -> tuple[np.ndarray, np.ndarray, int]:
    """(x, y, k): `values` reduced ("mean" or "max") over bins of k consecutive steps, x the last
    step of each bin; k the smallest power of two that leaves at most `max_points` bins."""
    binned = Binned(max_points, reduce).extend(steps, values)
    return binned.x, binned.y, binned.k


def binned_name(name: str, k: int, how: str = "mean") -> str:
    return name if k == 1 else f"{name} ({how} of every {k} steps)"


def finite_or_none(value: float | None) -> float | None:
    """A reference value worth drawing (a NaN baseline means there is none)."""
    return None if value is None or not math.isfinite(value) else float(value)


class Curve:
    """What the growing curves share: `feed` passes the rows not taken yet to `extend`."""

    spec: tuple
    count = 0  # rows taken

    def feed(self, steps, *columns) -> bool | None:
        """Take the rows past `count`: True when there were some, False when none, None when the
        columns are shorter than what was taken (another series: start a new curve)."""
        if len(steps) < self.count:
            return None
        if len(steps) == self.count:
            return False
        start = self.count
        self.extend(steps[start:], *(column[start:] for column in columns))
        return True

    def extend(self, steps, *columns) -> Curve:
        raise NotImplementedError

    def shape(self):
        return None


class LearningCurve(Curve):
    """A training curve (y = `name` per step) with the memoryless baseline drawn dashed.

    smooth > 1 adds a trailing mean over that many steps (of the finite values) on top of the
    raw (faint) values, from the smooth-th step on, so a noisy per-batch loss still shows its
    trend. y_range fixes the y axis (say [0, 1] for a share).
    """

    def __init__(self, *, name: str, baseline: float | None = None, baseline_label: str = "baseline",
                 log_y: bool = False, smooth: int = 0, y_range: tuple[float, float] | None = None):
        baseline = finite_or_none(baseline)
        self.spec = (name, baseline, baseline_label, log_y, smooth, y_range)
        self.name, self.baseline, self.baseline_label, self.log_y, self.smooth, self.y_range = self.spec
        self.line = Smoothed(smooth, MAX_POINTS)
        self.count = 0

    def extend(self, steps, values) -> LearningCurve:
        self.count += len(steps)
        self.line.extend(steps, values)
        return self

    def shape(self) -> bool:
        """Whether the trend is drawn: then the raw values turn faint."""
        return self.line.trailing is not None and self.line.raw.n >= self.smooth

    def series(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        raw, trend = self.line.raw, self.line.trend
        found = [(raw.x, raw.y, binned_name(self.name, raw.k))]
        if self.shape():
            found.append((trend.x, trend.y, f"{self.name} (mean of {self.smooth})"))
        return found

    def figure(self) -> go.Figure:
        fig = go.Figure()
        smoothing = self.shape()
        for k, (x, y, name) in enumerate(self.series()):
            trend = k == 1
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines", name=name, opacity=0.35 if smoothing and not trend else 1.0,
                line=dict(color=SERIES_COLORS[0], width=2.5 if trend else 1 if smoothing else 2)))
        if self.baseline is not None:
            reference_line(fig, self.baseline, self.baseline_label, log_y=self.log_y)
        fig.update_xaxes(title_text="training step", rangemode="tozero")
        fig.update_yaxes(title_text=self.name, type="log" if self.log_y else "linear", range=self.y_range)
        return apply_layout(fig)


def learning_curve(steps: np.ndarray, values: np.ndarray, **settings) -> go.Figure:
    """The figure of `LearningCurve(**settings)` over these steps and values."""
    return LearningCurve(**settings).extend(steps, values).figure()


DECADE_LABELS = 6  # at most about this many labels on a gradient norm's log axis


def _drawable(norms) -> np.ndarray:
    """Norms a log axis can draw; NaN (a gap) for the rest."""
    norms = np.asarray(norms, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)


class GradientNormCurve(Curve):
    """The gradient norm per training step before and after clipping, on a log scale.

    threshold: the clip norm (None: clipping off, one line); the steps where the norm passed it
    are marked. diverged_at: the step the run blew up, a red line (its non-finite norm cannot be
    drawn). Long runs keep each bin's largest norm, so no spike disappears in the drawing.
    """

    def __init__(self, threshold: float | None = None, diverged_at: int | None = None):
        self.spec = (threshold, diverged_at)
        self.threshold, self.diverged_at = self.spec
        self.before, self.after = Binned(MAX_POINTS, "max"), Binned(MAX_POINTS, "max")
        self.acted = 0  # steps whose norm passed the threshold
        self.count = 0

    def extend(self, steps, before, after) -> GradientNormCurve:
        self.count += len(steps)
        drawable = _drawable(before)
        self.before.extend(steps, drawable)
        if self.threshold is not None:
            self.after.extend(steps, _drawable(after))
            with np.errstate(invalid="ignore"):
                self.acted += int(np.sum(drawable > self.threshold))
        return self

    def shape(self) -> int:
        """Decades between two labels of the log axis: 1, more when the norms span over
        DECADE_LABELS decades (a blow-up to 1e19 labelled every decade piled 20 labels up).
        A new value redraws the whole figure (see explorer.live)."""
        norms = np.concatenate([self.before.y, self.after.y]) if self.threshold is not None else self.before.y
        norms = norms[np.isfinite(norms) & (norms > 0)]
        if not norms.size:
            return 1
        span = math.log10(norms.max()) - math.log10(norms.min())
        return max(1, math.ceil(span / DECADE_LABELS))

    def series(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        x, top, k = self.before.x, self.before.y, self.before.k
        found = [(x, top, binned_name("before clipping", k, "max"))]
        if self.threshold is not None:
            with np.errstate(invalid="ignore"):
                marked = top > self.threshold
            found += [(x, self.after.y, binned_name("after clipping", k, "max")),
                      (x[marked], top[marked], f"clipped ({self.acted} steps)")]
        return found

    def figure(self) -> go.Figure:
        colors = (SERIES_COLORS[1], SERIES_COLORS[0])
        fig = go.Figure()
        for k, (x, y, name) in enumerate(self.series()):
            if k < 2:
                fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name,
                                         line=dict(color=colors[k], width=1.5)))
            else:
                fig.add_trace(go.Scatter(x=x, y=y, mode="markers", name=name,
                                         marker=dict(color=SERIES_COLORS[1], symbol="x", size=6)))
        if self.threshold is not None:
            reference_line(fig, self.threshold, f"clip at {self.threshold:g}", log_y=True, left=True)
        if self.diverged_at is not None:
            fig.add_vline(x=self.diverged_at, line=dict(color=DIVERGED_COLOR, width=2),
                          annotation_text=f"diverged at step {self.diverged_at}",
                          annotation_position="top left")
        fig.update_xaxes(title_text="training step", rangemode="tozero")
        fig.update_yaxes(title_text="gradient norm", type="log", dtick=self.shape(), exponentformat="power")
        return apply_layout(fig)


def gradient_norm_curve(steps: np.ndarray, before: np.ndarray, after: np.ndarray,
                        threshold: float | None = None, diverged_at: int | None = None) -> go.Figure:
    """The figure of `GradientNormCurve(threshold, diverged_at)` over these steps."""
    return GradientNormCurve(threshold, diverged_at).extend(steps, before, after).figure()

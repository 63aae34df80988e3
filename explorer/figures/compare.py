"""Figures that compare cells: a race's loss curves and gradient profiles, and the memory-span sweep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.figures.gradients import FLOOR_LABEL, flow_traces
from explorer.figures.series import Smoothed
from explorer.figures.training import MAX_POINTS, finite_or_none
from explorer.gradients import FLOOR
from explorer.theme import BASELINE_COLOR, CELL_COLORS, SERIES_COLORS, apply_layout, reference_line

CURSOR_COLOR = "#333333"
LOSS_TICKS = [k * 10.0 ** e for e in range(-4, 2) for k in (1, 3)]  # 0.0001, 0.0003, ... 30


def _color(cell: str, k: int) -> str:
    return CELL_COLORS.get(cell, SERIES_COLORS[k % len(SERIES_COLORS)])


class RaceLoss:
    """Each cell's training curve, overlaid, fed a few steps at a time: a trailing mean over
    `smooth` steps drawn bold on the faint raw values, both binned like learning curves (the
    title says when); the task baseline dashed; the time cursor as a line. The interface of
    `explorer.figures.training.Curve`, with `feed` taking {cell: (steps, values)}."""

    def __init__(self, titles: Mapping[str, str], *, name: str = "loss", baseline: float | None = None,
                 baseline_label: str = "", cursor: float | None = None, smooth: int = 25):
        baseline = finite_or_none(baseline)
        self.spec = (tuple(titles.items()), name, baseline, baseline_label, cursor, smooth)
        self.titles = dict(titles)
        self.name, self.baseline, self.baseline_label, self.cursor, self.smooth = self.spec[1:]
        self.lines: dict[str, Smoothed] = {}
        self.counts: dict[str, int] = {}

    def feed(self, curves: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> bool | None:
        """Take each cell's steps past those taken; None when a cell's are fewer (another race)."""
        new = False
        for cell, (steps, values) in curves.items():
            taken = self.counts.get(cell, 0)
            if len(steps) < taken:
                return None
            if cell not in self.lines:
                self.lines[cell] = Smoothed(self.smooth, MAX_POINTS, partial=True)
            if len(steps) > taken:
                self.lines[cell].extend(steps[taken:], values[taken:])
                self.counts[cell], new = len(steps), True
        return new

    def stride(self) -> int:
        return max((line.raw.k for line in self.lines.values()), default=1)

    def shape(self) -> tuple:
        return tuple(self.lines), self.stride()

    def series(self) -> list[tuple[np.ndarray, np.ndarray, str]]:
        found = []
        for cell, line in self.lines.items():
            title = self.titles.get(cell, cell)
            found += [(line.raw.x, line.raw.y, f"{title} (raw)"), (line.trend.x, line.trend.y, title)]
        return found

    def figure(self) -> go.Figure:
        fig = go.Figure()
        for k, (x, y, name) in enumerate(self.series()):
            color = _color(list(self.lines)[k // 2], k // 2)
            if k % 2 == 0:
                fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color, width=1), opacity=0.3,
                                         name=name, showlegend=False, hoverinfo="skip"))
            else:
                fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name,
                                         line=dict(color=color, width=2.5)))
        if self.cursor is not None:
            fig.add_vline(x=self.cursor, line=dict(color=CURSOR_COLOR, width=1, dash="dot"))
        fig.update_xaxes(title_text="training step", rangemode="tozero")
        fig.update_yaxes(title_text=f"{self.name} (log scale)", type="log", tickvals=LOSS_TICKS,
                         ticktext=[f"{v:g}" for v in LOSS_TICKS])
        binned = "" if self.stride() == 1 else f" (a point: the mean of up to {self.stride()} steps)"
        apply_layout(fig, title=f"Training {self.name}, same data and seed for every cell{binned}")
        if self.baseline is not None:  # labelled in the margin (after the layout's): a cell that stays
            # on the baseline, as the tanh RNN does, covered a label inside the plot
            reference_line(fig, self.baseline, self.baseline_label.replace(": ", ":<br>", 1), log_y=True,
                           outside=True)
        return fig


def race_loss_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], titles: Mapping[str, str],
                     **settings) -> go.Figure:
    """The figure of `RaceLoss(titles, **settings)` over each cell's (steps, values)."""
    race = RaceLoss(titles, **settings)
    race.feed(curves)
    return race.figure()


def race_flow_figure(profiles: Mapping[str, np.ndarray], titles: Mapping[str, str],
                     cell_profiles: Mapping[str, np.ndarray] | None = None,
                     steps: Mapping[str, int] | None = None) -> go.Figure:
    """One panel per cell, side by side on a shared log axis: ||dL/dh_t|| (T,) against t,
    and ||dL/dc_t|| (dashed) for cells that have one."""
    cells = list(profiles)
    subtitles = [titles.get(c, c) + (f" — step {steps[c]}" if steps and c in steps else "") for c in cells]
    fig = make_subplots(rows=1, cols=max(1, len(cells)), shared_yaxes=True, subplot_titles=subtitles,
                        horizontal_spacing=0.04)
    for col, cell in enumerate(cells, start=1):
        color = _color(cell, col - 1)
        fig.add_traces(flow_traces(profiles[cell], "‖dL/dh_t‖", color), rows=1, cols=col)
        if cell_profiles and cell_profiles.get(cell) is not None:
            for trace in flow_traces(cell_profiles[cell], "‖dL/dc_t‖", color):
                trace.line.dash = "dash"
                fig.add_trace(trace, row=1, col=col)
        fig.add_hline(y=FLOOR, line=dict(color=BASELINE_COLOR, dash="dot", width=1), row=1, col=col)
        fig.update_xaxes(title_text="time step t", row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    fig.update_yaxes(title_text=f"gradient norm (floor: {FLOOR_LABEL})", row=1, col=1)
    apply_layout(fig, title="Gradient reaching each time step (solid ‖dL/dh_t‖, dashed ‖dL/dc_t‖)",
                 height=340)
    fig.update_layout(showlegend=False, margin=dict(t=80))
    return fig


def sweep_figure(seq_lens: Sequence[int], results: Mapping[str, Mapping[int, float]],
                 titles: Mapping[str, str], baseline: Mapping[int, float], *, metric: str,
                 baseline_label: str = "baseline") -> go.Figure:
    """Final metric against sequence length, one line per cell, the task's baseline dashed.

    results: cell -> {seq_len: metric}; points not computed yet are simply absent.
    """
    lens = np.asarray(sorted(seq_lens))
    fig = go.Figure()
    for k, (cell, points) in enumerate(results.items()):
        xs = [t for t in lens if t in points]
        fig.add_trace(go.Scatter(x=xs, y=[points[t] for t in xs], mode="lines+markers",
                                 name=titles.get(cell, cell), marker=dict(size=9),
                                 line=dict(color=_color(cell, k), width=2.5)))
    fig.add_trace(go.Scatter(x=lens, y=[baseline.get(int(t), np.nan) for t in lens], mode="lines",
                             name=baseline_label, line=dict(color=BASELINE_COLOR, dash="dash")))
    fig.update_xaxes(title_text="sequence length T (log scale)", type="log", tickvals=lens,
                     ticktext=[str(t) for t in lens])
    fig.update_yaxes(title_text=f"final {metric} (held out)")
    return apply_layout(fig, title="How far back can each cell remember?", height=380)

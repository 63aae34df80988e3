"""Predictions against targets on the probe batch, in the shape that fits the task.

One view per (output, target kind), so a new task with a known shape gets a panel
for free:
    many_to_many regression  (sine)        target and prediction over time
    many_to_one regression   (adding)      predicted vs true value per example
    many_to_many class       (copy, mod3)  input, target and predicted token per step
    many_to_one class        (parity, ...) the true and predicted class per example
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go

from explorer.theme import BASELINE_COLOR, SERIES_COLORS, apply_layout, legend_below
from explorer.trace import Trace

WRONG_COLOR = "#D55E00"
RIGHT_COLOR = "#009E73"


def _sequence_regression(trace: Trace, classes, example: int) -> go.Figure:
    target, pred = trace.targets[example, :, 0], trace.predictions[example, :, 0]
    steps = np.arange(len(target)) + 1  # the target at t is the value at t + 1
    fig = go.Figure([
        go.Scatter(x=steps, y=target, name="target (next value)", mode="lines",
                   line=dict(color=BASELINE_COLOR, width=3)),
        go.Scatter(x=steps, y=pred, name="next-value prediction", mode="lines+markers",
                   line=dict(color=SERIES_COLORS[0]), marker=dict(size=4)),
    ])
    if trace.forecast is not None:  # fed its own predictions back in, from the middle on
        forecast = trace.forecast[example, :, 0]
        fig.add_trace(go.Scatter(x=steps[-len(forecast):], y=forecast, name="free-running forecast",
                                 mode="lines", line=dict(color=SERIES_COLORS[1], dash="dot", width=2.5)))
        fig.add_vline(x=steps[-len(forecast)] - 0.5, line=dict(color=BASELINE_COLOR, width=1))
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(title_text="value")
    return legend_below(apply_layout(fig, title=f"Next-value prediction, probe example {example + 1}"),
                        len(fig.data))


def _value_regression(trace: Trace, classes, example: int) -> go.Figure:
    target, pred = trace.targets[:, 0], trace.predictions[:, 0]
    lo, hi = float(min(target.min(), pred.min())), float(max(target.max(), pred.max()))
    fig = go.Figure([
        go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="perfect",
                   line=dict(color=BASELINE_COLOR, dash="dash")),
        go.Scatter(x=target, y=pred, mode="markers", name="probe examples",
                   marker=dict(size=10, color=SERIES_COLORS[0]),
                   text=[f"example {i + 1}" for i in range(len(target))],
                   hovertemplate="%{text}<br>target %{x:.3f}<br>predicted %{y:.3f}<extra></extra>"),
    ])
    fig.update_xaxes(title_text="target")
    fig.update_yaxes(title_text="prediction")
    return apply_layout(fig, title="Predicted vs true value on the probe batch")


def _sequence_classes(trace: Trace, classes, example: int, window: int = 40) -> go.Figure:
    """Three rows — input, target, prediction — one column per step; wrong predictions in red."""
    length = trace.targets.shape[1] if trace.lengths is None else int(trace.lengths[example])
    first = max(0, length - window)  # long sequences: the last steps, where recall happens
    steps = np.arange(first, length)
    names = classes or tuple(str(i) for i in range(trace.predictions.shape[-1]))
    tokens = trace.token_labels(example)
    target = trace.targets[example, first:length]
    pred = trace.predictions[example, first:length].argmax(-1)
    right = pred == target
    rows = ["input", "target", "predicted"]
    text = [[tokens[t] for t in steps], [names[c] for c in target], [names[c] for c in pred]]
    z = np.vstack([np.full(len(steps), 0.5), np.full(len(steps), 0.5), right.astype(float)])
    fig = go.Figure(go.Heatmap(
        z=z, x=steps, y=rows, text=text, texttemplate="%{text}", showscale=False, xgap=1, ygap=1,
        colorscale=[[0, WRONG_COLOR], [0.5, "#EEEEEE"], [1, RIGHT_COLOR]], zmin=0, zmax=1,
        hovertemplate="step %{x}, %{y}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(title_text="time step")
    fig.update_yaxes(autorange="reversed")
    shown = f"steps {first}–{length - 1} of {length}" if first else f"{length} steps"
    score = f"{int(right.sum())} of {len(steps)} right"
    title = f"Labels per step, probe example {example + 1} ({shown}): {score}"
    return apply_layout(fig, title=title, height=230)


def _example_classes(trace: Trace, classes, example: int) -> go.Figure:
    target = trace.targets
    probs = _softmax(trace.predictions)  # (B, C)
    pred = probs.argmax(-1)
    names = classes or tuple(str(i) for i in range(probs.shape[-1]))
    labels = [f"{i + 1}: {_example_text(trace, i)}" for i in range(len(target))]
    confidence = probs[np.arange(len(target)), target]
    fig = go.Figure(go.Bar(
        x=confidence, y=labels, orientation="h",
        marker_color=[RIGHT_COLOR if p == t else WRONG_COLOR for p, t in zip(pred, target, strict=True)],
        text=[f"true {names[t]}, predicted {names[p]}" for p, t in zip(pred, target, strict=True)],
        textposition="inside", hovertemplate="%{y}<br>%{text}<br>p(true) = %{x:.2f}<extra></extra>",
    ))
    fig.add_vline(x=0.5, line=dict(color=BASELINE_COLOR, dash="dash"))
    fig.update_xaxes(title_text="probability given to the true class", range=[0, 1])
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10))
    return apply_layout(fig, title="The class of each probe example", height=80 + 34 * len(target))


def _example_text(trace: Trace, example: int, limit: int = 48) -> str:
    if trace.vocab is None or trace.inputs is None:
        return f"example {example + 1}"
    length = trace.inputs.shape[1] if trace.lengths is None else int(trace.lengths[example])
    sep = "" if all(len(w) == 1 for w in trace.vocab) else " "
    text = sep.join(trace.vocab[int(i)] for i in trace.inputs[example, :length])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


PREDICTION_VIEWS: dict[tuple[str, str], Callable[..., go.Figure]] = {
    ("many_to_many", "regression"): _sequence_regression,
    ("many_to_one", "regression"): _value_regression,
    ("many_to_many", "class"): _sequence_classes,
    ("many_to_one", "class"): _example_classes,
}


def predictions_figure(trace: Trace, output: str, target_kind: str,
                       classes: tuple[str, ...] | None = None, example: int = 0) -> go.Figure:
    """The probe batch's predictions next to its targets, as the task's shape suggests."""
    return PREDICTION_VIEWS[(output, target_kind)](trace, classes, example)

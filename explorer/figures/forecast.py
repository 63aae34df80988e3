"""A series, its chronological split and the model's forecasts; error per horizon step against baselines.

numpy in, Plotly out (no torch): the Forecast page and tests build these from plain arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from explorer.theme import BASELINE_COLOR, SERIES_COLORS, apply_layout

PART_COLORS = {"validation": "rgba(230, 159, 0, 0.10)", "test": "rgba(204, 121, 167, 0.12)"}
LINES = {  # forecaster -> (colour, dash, width)
    "model": (SERIES_COLORS[0], "solid", 3),
    "persistence": (BASELINE_COLOR, "dash", 2),
    "seasonal_naive": (SERIES_COLORS[4], "dot", 2),
    "linear_ar": (SERIES_COLORS[2], "dashdot", 2),
}


def time_axis(n: int, times: np.ndarray | None, kind: str) -> np.ndarray:
    """What the x axis shows: the row index, the numbers of the time column, or its dates."""
    if times is None:
        return np.arange(n)
    return times.astype("datetime64[s]") if kind == "date" else times


def series_figure(values: np.ndarray, x: np.ndarray, parts: dict[str, tuple[int, int]],
                  drawn: np.ndarray | None = None, paths: np.ndarray | None = None,
                  title: str = "") -> go.Figure:
    """values (n,) over x (n,); parts name -> [start, stop) shaded and labelled; paths (K, H): the
    forecasts made at the origins `drawn` (K,), each drawn over the H steps it forecast."""
    fig = go.Figure(go.Scatter(x=x, y=values, name="series", mode="lines",
                               line=dict(color=BASELINE_COLOR, width=1.5)))
    for part, (start, stop) in parts.items():
        if part in PART_COLORS and stop > start:
            fig.add_vrect(x0=x[start], x1=x[stop - 1], fillcolor=PART_COLORS[part], line_width=0,
                          annotation_text=part, annotation_position="top left")
    if drawn is not None and paths is not None and len(drawn):
        horizon = paths.shape[1]
        index = drawn[:, None] + np.arange(horizon)[None, :]  # (K, H) positions of each path
        gap = np.full((len(drawn), 1), np.nan)  # a break between paths: one trace, not K
        xs = np.hstack([x[index].astype(object), gap.astype(object)]).ravel()
        fig.add_trace(go.Scatter(x=xs, y=np.hstack([paths, gap]).ravel(), mode="lines",
                                 name=f"forecast, {horizon} steps from each origin",
                                 line=dict(color=LINES["model"][0], width=2.5), connectgaps=False))
        fig.add_trace(go.Scatter(x=x[drawn], y=paths[:, 0], mode="markers", name="forecast origins",
                                 marker=dict(color=LINES["model"][0], size=5), showlegend=False))
    fig.update_xaxes(title_text="time")
    fig.update_yaxes(title_text="value")
    return apply_layout(fig, title=title or "The series: training, validation and test parts", height=360)


def horizon_figure(errors: dict[str, np.ndarray], titles: dict[str, str], metric: str = "MSE",
                   part: str = "test") -> go.Figure:
    """errors: forecaster -> (H,) error at each step ahead; the model's line on top."""
    fig = go.Figure()
    for name in sorted(errors, key=lambda n: n == "model"):
        colour, dash, width = LINES.get(name, (SERIES_COLORS[3], "solid", 2))
        fig.add_trace(go.Scatter(x=np.arange(1, len(errors[name]) + 1), y=errors[name], mode="lines+markers",
                                 name=titles.get(name, name), line=dict(color=colour, dash=dash, width=width),
                                 marker=dict(size=4)))
    fig.update_xaxes(title_text="steps ahead (h)", dtick=max(1, len(next(iter(errors.values()))) // 12))
    fig.update_yaxes(title_text=metric, rangemode="tozero")
    fig = apply_layout(fig, title=f"{metric} at each step ahead, {part} part", height=400)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
                      margin=dict(b=110))  # below the axis: four long names would cover the title
    return fig


def horizon_table(mse: dict[str, np.ndarray], mae: dict[str, np.ndarray],
                  titles: dict[str, str]) -> pd.DataFrame:
    """One row per forecaster: mean MSE and MAE over the horizon, and both at its first and last step."""
    rows = [{"forecaster": titles.get(name, name), "MSE": mse[name].mean(), "MAE": mae[name].mean(),
             "MSE at h=1": mse[name][0], f"MSE at h={len(mse[name])}": mse[name][-1]} for name in mse]
    return pd.DataFrame(rows).sort_values("MSE", ignore_index=True)

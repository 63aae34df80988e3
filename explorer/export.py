"""Downloads: a figure as a self-contained interactive HTML page, a view's data as CSV.

The HTML carries plotly.js inline (~4.7 MB): it opens offline, with no CDN. PNGs
come from Plotly's own camera button, named by `chart_config`.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go


def chart_config(name: str) -> dict:
    """Plotly config for a chart: the camera button saves `<name>.png` at twice the size."""
    return {"displaylogo": False,
            "toImageButtonOptions": {"format": "png", "filename": file_stem(name), "scale": 2}}


def figure_html(fig: go.Figure, name: str = "figure") -> bytes:
    """The figure as one HTML file with plotly.js inline (no network needed to open it)."""
    html = fig.to_html(include_plotlyjs=True, full_html=True, config=chart_config(name))
    return html.encode("utf-8")


def table_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, float_format="%.6g").encode("utf-8")


def file_stem(name: str) -> str:
    """A safe file name: letters, digits, '-' and '_' only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "figure"

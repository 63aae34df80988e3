"""Plotly figure builders: plain recorded data (numpy, `Trace`) in, `go.Figure` out.

No torch and no streamlit here, so every figure is testable from hand-made data.
"""

from explorer.figures.predictions import predictions_figure
from explorer.figures.states import hidden_heatmap
from explorer.figures.training import gradient_norm_curve, learning_curve

__all__ = ["gradient_norm_curve", "hidden_heatmap", "learning_curve", "predictions_figure"]

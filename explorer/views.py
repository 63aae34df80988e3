"""The inside views as a registry: each turns a `Trace` and the page's choices into a figure and a table.

Pages iterate `VIEWS` (grouped by `tab`) instead of naming each view, so adding a
view is one builder in `explorer/figures/` and one entry here. numpy/Plotly only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from explorer.figures.connectivity import connectivity_figure, connectivity_table
from explorer.figures.gates import gate_heatmaps, gate_lines, gate_table, saturation, saturation_table
from explorer.figures.hidden import hidden_layers, hidden_table
from explorer.figures.trajectory import color_options, trajectory, trajectory_table
from explorer.figures.unrolled import unrolled_diagram, unrolled_table
from explorer.trace import Trace

MAX_UNITS = 4  # units drawn as lines at once


@dataclass(frozen=True)
class ViewOptions:
    """Every choice a view reads; `fit` brings each into the trace's range."""

    layer: int = 0
    direction: int = 0
    example: int = 0
    cursor: int = 0  # the highlighted time step
    units: tuple[int, ...] = (0,)  # for the gate lines and the step-through (first one)
    dims: int = 2  # trajectory: 2 or 3 principal components
    color_by: str = "time"  # trajectory: "time" or "target"
    classes: tuple[str, ...] | None = None  # class id -> label, for answers and colours

    def fit(self, trace: Trace) -> ViewOptions:
        clamp = lambda v, hi: int(min(max(int(v), 0), hi - 1))  # noqa: E731
        units = tuple(dict.fromkeys(clamp(u, trace.hidden_size) for u in self.units))[:MAX_UNITS] or (0,)
        example = clamp(self.example, trace.batch_size)
        return replace(
            self, layer=clamp(self.layer, trace.num_layers),
            direction=clamp(self.direction, trace.num_directions),
            example=example, cursor=clamp(self.cursor, trace.length(example)),  # never into padding
            units=units, dims=3 if self.dims == 3 else 2,
            color_by=self.color_by if self.color_by in color_options(trace) else "time",
        )


@dataclass(frozen=True)
class View:
    name: str  # widget keys and file names
    title: str
    tab: str  # the page tab it sits in
    figure: Callable[[Trace, ViewOptions], go.Figure]
    table: Callable[[Trace, ViewOptions], pd.DataFrame]  # the view's data, for CSV
    needs_gates: bool = False
    needs_connectivity: bool = False  # many-to-many probes carry it (explorer.connectivity)

    def applies(self, trace: Trace) -> bool:
        return ((bool(trace.gates) or not self.needs_gates)
                and (trace.connectivity is not None or not self.needs_connectivity))


VIEWS: dict[str, View] = {view.name: view for view in (
    View("unrolled", "Unrolled through time", "Unrolled",
         lambda t, o: unrolled_diagram(t, o.example, o.cursor, o.classes),
         lambda t, o: unrolled_table(t, o.example, o.classes)),
    View("hidden", "Hidden states", "Hidden states",
         lambda t, o: hidden_layers(t, o.example, o.cursor),
         lambda t, o: hidden_table(t, o.example)),
    View("gates", "Gate activations", "Gates",
         lambda t, o: gate_heatmaps(t, o.layer, o.direction, o.example, o.cursor),
         lambda t, o: gate_table(t, o.layer, o.direction, o.example), needs_gates=True),
    View("gate_lines", "Gates of chosen units", "Gates",
         lambda t, o: gate_lines(t, o.layer, o.direction, o.example, o.units, o.cursor),
         lambda t, o: gate_table(t, o.layer, o.direction, o.example), needs_gates=True),
    View("saturation", "Gate saturation", "Gates",
         lambda t, o: saturation(t, o.layer, o.direction, o.cursor),
         lambda t, o: saturation_table(t, o.layer, o.direction), needs_gates=True),
    View("trajectory", "Hidden-state trajectory", "Trajectory",
         lambda t, o: trajectory(t, o.layer, o.direction, o.cursor, o.dims, o.color_by, o.classes),
         lambda t, o: trajectory_table(t, o.layer, o.direction)),
    View("connectivity", "Connectivity ‖∂y_t/∂x_k‖", "Connectivity",
         lambda t, o: connectivity_figure(t.connectivity, t.token_labels(0), o.cursor),
         lambda t, o: connectivity_table(t.connectivity, t.token_labels(0)), needs_connectivity=True),
)}


def views_for(trace: Trace) -> list[View]:
    return [view for view in VIEWS.values() if view.applies(trace)]


def tabs_for(trace: Trace) -> list[str]:
    return list(dict.fromkeys(view.tab for view in views_for(trace)))

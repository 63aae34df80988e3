"""One colour scale for figures shown side by side (Compare moments): the same colour, the same number.

Each view scales its heatmaps to its own data (a hidden-state heatmap to its largest |h|), so two
moments of training drawn apart give one colour two meanings. `share_color_scales` widens each
heatmap's range, and each shared colour axis's, to the union over the figures; a scale centred
on 0 (a diverging one) stays centred.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go


def share_color_scales(figures: Sequence[go.Figure]) -> None:
    """Give the figures (the same view of different data) one range per colour scale, in place."""
    axes = {name for fig in figures for name in fig.layout if name.startswith("coloraxis")}
    for name in axes:
        found = [fig.layout[name] for fig in figures if fig.layout[name] is not None]
        _share(found, "cmin", "cmax", "cmid")
    if len({len(fig.data) for fig in figures}) == 1:
        for traces in zip(*(fig.data for fig in figures), strict=True):
            if all("zmin" in t for t in traces):  # heatmaps (their own range, not a colour axis)
                _share(traces, "zmin", "zmax", "zmid")


def _share(scales: Sequence, low: str, high: str, mid: str) -> None:
    lows = [s[low] for s in scales if s[low] is not None]
    highs = [s[high] for s in scales if s[high] is not None]
    if not lows or not highs:
        return
    lo, hi = min(lows), max(highs)
    if all(s[mid] == 0 for s in scales):  # diverging about 0: keep 0 in the middle
        hi = max(abs(lo), abs(hi))
        lo = -hi
    for s in scales:
        s[low], s[high] = lo, hi

"""`ui.live_chart(..., shared=True)`: sessions watching the same run build a view's figure once."""

from __future__ import annotations

import plotly.graph_objects as go

from explorer.ui import charts


def test_a_shared_figure_is_built_once_per_version_and_only_the_newest_are_kept(monkeypatch):
    monkeypatch.setattr(charts, "_SHARED", {})
    monkeypatch.setattr(charts, "SHARED_FIGURES", 2)
    built = []

    def build(n):
        def figure():
            built.append(n)
            return go.Figure(go.Scatter(y=[n]))
        return figure

    first = charts._shared_figure("hidden", ("config", 10), build(10))
    assert charts._shared_figure("hidden", ("config", 10), build(10)) == first  # another session
    assert built == [10] and '"y":[10]' in first
    charts._shared_figure("hidden", ("config", 20), build(20))
    charts._shared_figure("predictions", ("config", 20), build(21))  # another chart, same version
    assert built == [10, 20, 21] and len(charts._SHARED) == 2  # the oldest went
    charts._shared_figure("hidden", ("config", 10), build(10))
    assert built == [10, 20, 21, 10]


def test_a_version_that_cannot_be_a_key_is_not_shared():
    assert charts._shared_figure("hidden", ["a", "list"], lambda: go.Figure()) is None

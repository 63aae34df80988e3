"""ui.live_chart: a figure updated in place in the browser, rebuilt only when its version moves."""

from __future__ import annotations

from pathlib import Path

import plotly
from plotly_charts import charts, values
from streamlit.testing.v1 import AppTest

from explorer import ui


def _page():
    import plotly.graph_objects as go
    import streamlit as st

    from explorer import ui

    ss = st.session_state
    ss.builds = ss.get("builds", 0)

    def build():
        ss.builds += 1
        return go.Figure(go.Scatter(y=[ss.value]))

    ui.live_chart("demo_chart", build, version=ss.get("version"), every=ss.get("every", 0.0))


def _drawn(at: AppTest, **state) -> tuple[float, int]:
    for name, value in state.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception
    return float(values(charts(at)["demo_chart"])[0]), at.session_state.builds


def test_without_a_version_every_rerun_builds_the_figure():
    at = AppTest.from_function(_page)
    assert _drawn(at, value=1.0) == (1.0, 1)
    assert _drawn(at, value=2.0) == (2.0, 2)


def test_the_same_version_sends_the_kept_figure_and_a_new_one_rebuilds():
    at = AppTest.from_function(_page)
    assert _drawn(at, value=1.0, version=7) == (1.0, 1)
    assert _drawn(at, value=2.0, version=7) == (1.0, 1)  # unchanged version: not rebuilt
    assert _drawn(at, value=3.0, version=8) == (3.0, 2)


def test_a_new_version_waits_until_every_seconds_have_passed():
    at = AppTest.from_function(_page)
    assert _drawn(at, value=1.0, version=1, every=3600.0) == (1.0, 1)
    assert _drawn(at, value=2.0, version=2, every=3600.0) == (1.0, 1)  # too soon: the kept figure
    assert _drawn(at, value=3.0, version=3, every=0.0) == (3.0, 2)


def test_the_chart_module_and_plotly_js_are_published(tmp_path: Path):
    """The app serves live_chart.js and the plotly.js of the plotly package it builds figures with
    (no download); a changed file is copied again."""
    static = tmp_path / "static"
    ui.publish_static(static)
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert (static / "plotly.min.js").read_bytes() == shipped.read_bytes()
    module = Path(ui.__file__).parent / "assets" / "live_chart.js"
    (static / "live_chart.js").write_text("// an older version")
    ui.publish_static(static)
    assert (static / "live_chart.js").read_bytes() == module.read_bytes()

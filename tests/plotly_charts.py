"""Read an AppTest page's plotly charts: by widget key, as plotly's own figure JSON."""

from __future__ import annotations

import base64
import json

import numpy as np
from streamlit.testing.v1 import AppTest

LIVE_CHART = "rnn_explorer.live_chart"  # ui.live_chart: a Plotly figure updated in place


def charts(at: AppTest) -> dict[str, dict]:
    """The page's plotly charts by widget key ("$$ID-<hash>-<user key>" -> user key): those of
    st.plotly_chart and of ui.live_chart alike."""
    found = {c.proto.id.rsplit("-", 1)[-1]: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    for live in at.get("bidi_component"):
        if live.proto.component_name == LIVE_CHART:
            found[live.proto.id.rsplit("-", 1)[-1]] = live_figure(json.loads(live.proto.json))
    return found


def live_payload(at: AppTest, key: str) -> dict:
    """What ui.live_chart sent for `key` in the last run: {gen, rev, tail, figure?, config?}."""
    for live in at.get("bidi_component"):
        if live.proto.component_name == LIVE_CHART and live.proto.id.endswith(f"-{key}"):
            return json.loads(live.proto.json)
    raise KeyError(key)


def live_figure(payload: dict, base: dict | None = None) -> dict:
    """The figure a live chart's payload draws, as the browser puts it together (live_chart.js):
    its base (the payload's own figure, or the one given) with each growing trace cut at `from`
    and continued with its tail. A full script run's payload always carries its figure."""
    figure = json.loads(payload["figure"]) if "figure" in payload else json.loads(json.dumps(base))
    for t, start, xs, ys, *name in payload["tail"]:
        trace = figure["data"][t]
        trace["x"], trace["y"] = list(trace.get("x", []))[:start] + xs, list(trace.get("y", []))[:start] + ys
        if name:
            trace["name"] = name[0]
    return figure


def values(figure: dict, trace: int = 0, axis: str = "y") -> np.ndarray:
    """One trace's x, y or z values; plotly may send them as a base64 typed array (with a shape)."""
    data = figure["data"][trace].get(axis, [])
    if isinstance(data, dict):
        flat = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return flat.reshape([int(n) for n in str(data.get("shape", flat.size)).split(",")])
    found = np.asarray(data, dtype=object)
    return np.where(np.equal(found, None), np.nan, found).astype(float)  # JSON's gaps: null


def names(figure: dict) -> list[str]:
    return [t.get("name", "") for t in figure["data"]]

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
            found[live.proto.id.rsplit("-", 1)[-1]] = json.loads(json.loads(live.proto.json)["figure"])
    return found


def values(figure: dict, trace: int = 0, axis: str = "y") -> np.ndarray:
    """One trace's x, y or z values; plotly may send them as a base64 typed array (with a shape)."""
    data = figure["data"][trace].get(axis, [])
    if isinstance(data, dict):
        flat = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        return flat.reshape([int(n) for n in str(data.get("shape", flat.size)).split(",")])
    return np.asarray(data, dtype=float)


def names(figure: dict) -> list[str]:
    return [t.get("name", "") for t in figure["data"]]

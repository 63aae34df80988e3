"""How fast the inside views build at the largest sizes the app allows: T=1000 steps, hidden 256.

For each view of `explorer.views.VIEWS`: the median time to build the figure from a
`Trace` (numpy -> go.Figure), to serialize it as Streamlit does (`plotly.io.to_json`),
and the JSON's size, which is what the browser must parse and draw. Synthetic LSTM
traces (random states and gates in their real ranges), probe batch of 8, the cursor
in the middle; one layer forward-only, and two bidirectional layers.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import plotly.io as pio

from explorer.trace import Trace
from explorer.views import VIEWS, ViewOptions

STEPS, HIDDEN, BATCH, REPEATS = 1000, 256, 8, 5
SHAPES = ((1, 1), (2, 2))  # (layers, directions)


def synthetic_trace(layers: int, directions: int, steps: int = STEPS, hidden: int = HIDDEN,
                    batch: int = BATCH, seed: int = 0) -> Trace:
    """An LSTM-shaped trace with random values in each quantity's real range."""
    rng = np.random.default_rng(seed)
    shape = (layers, directions, batch, steps, hidden)
    sig = lambda: rng.random(shape, dtype=np.float32)  # noqa: E731
    return Trace(
        cell_type="lstm", hidden=rng.uniform(-1, 1, shape).astype(np.float32),
        output=np.zeros((batch, steps, directions * hidden), np.float32),
        cell=rng.normal(0, 1, shape).astype(np.float32),
        gates={"i": sig(), "f": sig(), "g": rng.uniform(-1, 1, shape).astype(np.float32), "o": sig()},
        layer_input=rng.random((batch, steps, 2), dtype=np.float32),
        inputs=rng.random((batch, steps, 2), dtype=np.float32),
        targets=rng.integers(0, 2, batch), predictions=rng.normal(size=(batch, 2)).astype(np.float32),
        step=500,
    )


def measure(trace: Trace) -> list[dict]:
    options = ViewOptions(cursor=STEPS // 2, units=(0, 1, 2, 3), classes=("even", "odd")).fit(trace)
    rows = []
    for view in VIEWS.values():
        builds, dumps = [], []
        for _ in range(REPEATS):
            start = time.perf_counter()
            fig = view.figure(trace, options)
            built = time.perf_counter()
            text = pio.to_json(fig, validate=False)
            builds.append(built - start)
            dumps.append(time.perf_counter() - built)
        rows.append({"view": view.name, "build_ms": 1000 * statistics.median(builds),
                     "json_ms": 1000 * statistics.median(dumps), "json_kb": len(text) / 1024,
                     "note": fig.layout.title.subtitle.text or ""})
    return rows


def main() -> tuple[list[dict], str]:
    rows, lines = [], [
        "## Inside views at T=1000, hidden 256",
        "",
        "`benchmarks/inside_views.py`: median of 5 builds of each view's figure from a synthetic LSTM "
        f"trace (batch {BATCH}), then `plotly.io.to_json` as Streamlit sends it. Budget: under a second. "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')} (the app sets 1).",
        "",
        "| layers × directions | view | build (ms) | to JSON (ms) | JSON (KB) | what the figure says |",
        "|---|---|---:|---:|---:|---|",
    ]
    for layers, directions in SHAPES:
        trace = synthetic_trace(layers, directions)
        for row in measure(trace):
            row["shape"] = f"{layers} × {directions}"
            rows.append(row)
            lines.append(f"| {row['shape']} | {row['view']} | {row['build_ms']:.0f} | {row['json_ms']:.0f} | "
                         f"{row['json_kb']:.0f} | {row['note']} |")
    return rows, "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(main()[1])

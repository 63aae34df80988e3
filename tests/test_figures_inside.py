"""The inside views, built from hand-made `Trace`s: the right traces, axes, labels, values and cursor.

No torch is needed to build these figures (the builders never import it); the traces
here are numpy arrays with known values.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.export import chart_config, figure_html, table_csv
from explorer.figures.gates import GATE_TITLES, gate_heatmaps, gate_lines, saturation, saturation_shares
from explorer.figures.hidden import HEAD, hidden_layers
from explorer.figures.timeline import CURSOR, around, decimate, heatmap_window
from explorer.figures.trajectory import pca, trajectory
from explorer.figures.unrolled import unrolled_diagram
from explorer.theme import GATE_COLORS
from explorer.trace import Trace
from explorer.views import VIEWS, ViewOptions, views_for

ROOT = Path(__file__).resolve().parents[1]
VOCAB = ("a", "b", "c")
GATES = {"lstm": "ifgo", "gru": "rzn", "rnn_tanh": ""}


def hand_trace(cell="lstm", layers=2, dirs=2, batch=3, steps=6, units=4, answers="one",
               lengths=None) -> Trace:
    """Hidden states counting up (h[l, d, b, t, u] = (1000l + 100d + 10b + t + u/10) / 10000), gates
    all 0.5 except a known pattern, tokens a b c a b c, class targets 0 1 0 …"""
    shape = (layers, dirs, batch, steps, units)
    layer, d, b, t, u = np.indices(shape)
    hidden = (1000 * layer + 100 * d + 10 * b + t + u / 10) / 10000
    gates = {g: np.full(shape, 0.5) for g in GATES[cell]}
    for g in gates:
        gates[g][..., 0] = 0.99  # unit 0 saturated in every gate
    predictions = (np.eye(2)[np.arange(batch) % 2] if answers == "one"
                   else np.eye(2)[np.indices((batch, steps)).sum(0) % 2])
    targets = np.arange(batch) % 2 if answers == "one" else np.indices((batch, steps)).sum(0) % 2
    return Trace(cell_type=cell, hidden=hidden, output=hidden[-1, 0], gates=gates,
                 cell=hidden * 2 if cell == "lstm" else None,
                 inputs=np.tile(np.arange(steps) % 3, (batch, 1)), vocab=VOCAB,
                 layer_input=np.ones((batch, steps, 2)), predictions=predictions, targets=targets,
                 lengths=lengths, step=40, task="parity")


def shapes(fig, name=CURSOR) -> list:
    return [s for s in fig.layout.shapes if s.name == name]


def test_hidden_heatmaps_one_per_layer_and_direction_top_layer_first():
    trace = hand_trace()
    fig = hidden_layers(trace, example=1, cursor=2)
    assert len(fig.data) == 4
    for k, (layer, d) in enumerate([(1, 0), (1, 1), (0, 0), (0, 1)]):
        np.testing.assert_allclose(fig.data[k].z, trace.hidden[layer, d, 1].T, rtol=1e-6)
        np.testing.assert_array_equal(fig.data[k].x, np.arange(6))
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["layer 2 → forward", "layer 2 ← backward", "layer 1 → forward", "layer 1 ← backward"]
    assert fig.layout.coloraxis.cmid == 0
    assert fig.layout.coloraxis.cmax == pytest.approx(trace.hidden[:, :, 1].max())
    assert fig.layout.xaxis3.ticktext[:3] == ("0<br>a", "1<br>b", "2<br>c")
    assert "training step 40" in fig.layout.title.text


def test_hidden_heatmap_marks_the_cursor_and_what_the_head_reads():
    trace = hand_trace(lengths=np.array([6, 4, 6]))
    fig = hidden_layers(trace, example=1, cursor=2)
    cursor = shapes(fig)
    assert len(cursor) == 4 and {(s.x0, s.x1) for s in cursor} == {(1.5, 2.5)}
    assert fig.layout.meta["cursor"] == 2
    head = shapes(fig, HEAD)  # forward at the last real step (length 4), backward at step 0, top layer
    assert [(s.xref, s.x0) for s in head] == [("x", 2.5), ("x2", -0.5)]
    assert "[h→ at step 3 ; h← at step 0]" in fig.layout.title.subtitle.text
    per_step = hidden_layers(hand_trace(answers="per step"), cursor=2)
    assert not shapes(per_step, HEAD)
    assert "[h→_t ; h←_t] at every step" in per_step.layout.title.subtitle.text


def test_long_sequences_are_windowed_around_the_cursor_and_say_so():
    trace = hand_trace(layers=1, dirs=1, batch=2, steps=1000, units=256)
    fig = hidden_layers(trace, cursor=900)
    steps = np.asarray(fig.data[0].x)
    assert len(steps) < 1000 and steps[0] <= 900 <= steps[-1]
    assert np.asarray(fig.data[0].z).size <= 80_000
    note = fig.layout.title.subtitle.text
    assert f"steps {steps[0]}–{steps[-1]} of 1000, a window around the cursor" in note
    assert around(0, 1000, 9).steps.tolist() == list(range(9))
    assert around(999, 1000, 9).steps.tolist() == list(range(991, 1000))
    assert heatmap_window(5, 10, rows=4).whole
    assert decimate(1000, 400).stride == 3 and decimate(1000, 400).note() == "1 step in 3 drawn, of 1000"


def test_unrolled_diagram_draws_a_cell_per_step_layer_and_direction():
    trace = hand_trace(steps=20)
    fig = unrolled_diagram(trace, example=0, cursor=12, classes=("even", "odd"))
    assert len(fig.data) == 4  # one hover row per layer-direction
    window = list(range(8, 17))
    np.testing.assert_array_equal(fig.data[0].x, np.arange(9))
    boxes = [s for s in fig.layout.shapes if s.type == "rect" and s.name != CURSOR]
    assert len(boxes) == 4 * 9
    (cursor,) = shapes(fig)
    assert (cursor.x0 + cursor.x1) / 2 == 12 - 8
    texts = [a.text for a in fig.layout.annotations]
    for t in window:
        assert f"x<sub>{t}</sub><br><b>{VOCAB[t % 3]}</b>" in texts
    assert "h<sub>11</sub>" in texts and "c<sub>11</sub>" in texts  # the states entering step 12
    assert "h<sub>13</sub>" in texts  # the backward state entering step 12 comes from step 13
    assert "steps 8–16 of 20" in fig.layout.title.subtitle.text
    assert "h_t = [0.0008, 0.00081, 0.00082, 0.00083]" in fig.data[0].hovertext[0]  # layer 1 forward, step 8


def test_unrolled_diagram_shows_the_answer_and_the_padding():
    trace = hand_trace(layers=1, dirs=1, lengths=np.array([4, 6, 6]))
    fig = unrolled_diagram(trace, example=0, cursor=3, classes=("even", "odd"))
    texts = [a.text for a in fig.layout.annotations]
    assert "ŷ<sub>3</sub> <b>even</b><br>target even" in texts  # one answer, at the last real step
    assert sum("pad" in t for t in texts) == 2
    dotted = [s for s in fig.layout.shapes if s.type == "rect" and s.line.dash == "dot"]
    assert len(dotted) == 2
    per_step = unrolled_diagram(hand_trace(layers=1, dirs=1, answers="per step"), classes=("x", "y"))
    assert sum(a.text.startswith("ŷ") for a in per_step.layout.annotations) == 6


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gate_heatmaps_one_panel_per_gate_in_its_colour(cell):
    trace = hand_trace(cell)
    fig = gate_heatmaps(trace, layer=1, direction=1, example=2, cursor=4)
    panels = list(GATES[cell]) + (["c"] if cell == "lstm" else [])
    assert [h.name for h in fig.data] == [GATE_TITLES.get(p, "cell state c") for p in panels]
    for heat, name in zip(fig.data, panels, strict=True):
        source = trace.cell if name == "c" else trace.gates[name]
        np.testing.assert_allclose(heat.z, source[1, 1, 2].T, rtol=1e-6)
        if name in ("i", "f", "o", "r", "z"):
            assert heat.colorscale[-1][1] == GATE_COLORS[name] and (heat.zmin, heat.zmax) == (0, 1)
    assert len(shapes(fig)) == len(panels) and fig.layout.meta["cursor"] == 4


def test_gate_lines_one_line_per_gate_and_unit_in_gate_colours():
    trace = hand_trace()
    fig = gate_lines(trace, layer=0, direction=0, example=0, units=(0, 3), cursor=1)
    assert len(fig.data) == 2 * 6  # i f g o, c and h for each unit
    for line in fig.data[:4]:
        assert line.line.color == GATE_COLORS[line.legendgroup]
    np.testing.assert_allclose(fig.data[6].y, trace.gates["i"][0, 0, 0, :, 3])
    assert [line.showlegend for line in fig.data] == [True] * 6 + [False] * 6
    assert [s.x0 for s in shapes(fig)] == [1, 1]


def test_saturation_counts_values_near_0_or_1_and_ignores_padding():
    trace = hand_trace(lengths=np.array([6, 3, 6]))
    trace.gates["g"][..., 1] = -0.97  # candidates saturate at |g| > 0.95
    for name in trace.gates:
        trace.gates[name][:, :, 1, 3:] = np.nan  # padded steps of example 2
    shares = saturation_shares(trace, layer=0, direction=0)
    np.testing.assert_allclose(shares["i"], 1 / 4)
    np.testing.assert_allclose(shares["g"], 2 / 4)
    fig = saturation(trace, cursor=5)
    assert [line.name for line in fig.data] == [GATE_TITLES[g] for g in "ifgo"]
    assert fig.layout.yaxis.tickformat == ".0%" and shapes(fig)[0].x0 == 5


def test_pca_finds_the_direction_points_vary_along():
    rng = np.random.default_rng(0)
    direction = np.array([3.0, 4.0, 0.0]) / 5
    points = rng.normal(size=(50, 1)) * direction + 1e-3 * rng.normal(size=(50, 3))
    points[7] = np.nan
    scores, explained, components = pca(points, 2)
    assert explained[0] > 0.999 and abs(explained.sum() - 1) < 1e-3
    np.testing.assert_allclose(components[0], direction, atol=1e-2)  # largest loading made positive
    assert np.isnan(scores[7]).all() and np.isfinite(np.delete(scores, 7, axis=0)).all()


@pytest.mark.parametrize("dims", [2, 3])
def test_trajectory_colours_by_class_and_rings_the_cursor_step(dims):
    trace = hand_trace(layers=1, dirs=1)
    fig = trajectory(trace, cursor=3, dims=dims, color_by="target", classes=("even", "odd"))
    assert [t.name for t in fig.data] == ["paths", "even", "odd", "step 3"]
    assert {t.type for t in fig.data} == {"scatter3d" if dims == 3 else "scatter"}
    ring = fig.data[-1]
    assert ring.legendgroup == CURSOR and len(ring.x) == trace.batch_size
    scores, explained, _ = pca(trace.hidden[0, 0].reshape(-1, trace.hidden_size), dims)
    np.testing.assert_allclose(ring.x, scores.reshape(3, 6, dims)[:, 3, 0])
    title = fig.layout.scene.xaxis.title.text if dims == 3 else fig.layout.xaxis.title.text
    assert title == f"PC1 ({explained[0]:.0%} of variance)"
    by_time = trajectory(trace, cursor=0, color_by="time")
    assert by_time.data[1].marker.colorbar.title.text == "step"


def test_the_3d_trajectory_is_seen_from_far_enough_to_fit_the_figure():
    """Plotly's camera, 1.25 along each axis, cut the cube's bottom corner and two axis titles."""
    eye = trajectory(hand_trace(layers=1, dirs=1), dims=3).layout.scene.camera.eye
    assert eye.x is not None and np.hypot(eye.x, eye.y) >= 2.5 and 1.0 <= eye.z < eye.x


def test_every_view_builds_for_every_cell_and_gates_only_where_there_are_some():
    for cell in GATES:
        trace = hand_trace(cell)
        options = ViewOptions(cursor=99, units=(0, 9, 2), layer=7, example=-3).fit(trace)
        assert (options.cursor, options.units, options.layer, options.example) == (5, (0, 3, 2), 1, 0)
        names = [view.name for view in views_for(trace)]
        assert ("gates" in names) == bool(GATES[cell])
        for name in names:
            fig = VIEWS[name].figure(trace, options)
            assert fig.layout.meta["cursor"] == 5, name
            table = VIEWS[name].table(trace, options)
            assert len(table) >= trace.seq_len and not table.empty


def test_downloads_are_self_contained_html_and_csv():
    fig = saturation(hand_trace(), cursor=1)
    html = figure_html(fig, "saturation").decode()
    assert "<html>" in html and len(html) > 1_000_000  # plotly.js inline
    assert not re.search(r"<script[^>]*\bsrc=", html)  # nothing fetched from the network
    assert chart_config("inside saturation")["toImageButtonOptions"]["filename"] == "inside_saturation"
    csv = table_csv(VIEWS["saturation"].table(hand_trace(), ViewOptions())).decode().splitlines()
    assert csv[0] == "step,saturated_i,saturated_f,saturated_g,saturated_o" and len(csv) == 7


def test_gate_titles_match_the_cell_registry():
    from explorer.cells import CELLS

    for spec in CELLS.values():
        assert [GATE_TITLES[g].rsplit(" ", 1)[0] for g in spec.gates] == list(spec.gate_titles)


def test_every_view_builds_with_torch_unavailable():
    """In a fresh interpreter where `import torch` fails, every view's figure and table build
    from a hand-made trace of each cell type: figures and traces never need torch."""
    script = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "from test_figures_inside import hand_trace\n"
        "from explorer.views import ViewOptions, views_for\n"
        "for cell in ('rnn_tanh', 'lstm', 'gru'):\n"
        "    trace = hand_trace(cell)\n"
        "    for view in views_for(trace):\n"
        "        assert view.figure(trace, ViewOptions()).data, (cell, view.name)\n"
        "        assert len(view.table(trace, ViewOptions())), (cell, view.name)\n"
        "print('built', flush=True)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT / "tests", capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "built", done.stderr[-2000:]

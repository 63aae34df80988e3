"""The attention figures, from hand-made arrays: no torch, no browser."""

from __future__ import annotations

import numpy as np

from explorer.figures.attention import (
    CORRECT,
    WRONG,
    attention_bars,
    attention_heatmap,
    bottleneck_curve,
    context_vector,
    token_comparison,
)
from explorer.theme import SERIES_COLORS

SOURCE = ["3", "1", "4", "1"]  # repeated tokens: the axes must be positions, not categories
OUTPUT = ["1", "4", "1", "3", "<eos>"]


def anti_diagonal() -> np.ndarray:
    weights = np.full((5, 4), 0.02)
    for t in range(4):
        weights[t, 3 - t] = 0.94
    weights[4] = 0.25
    return weights


def test_heatmap_is_decoder_steps_by_encoder_steps_with_tokens_on_both_axes():
    fig = attention_heatmap(anti_diagonal(), SOURCE, OUTPUT, selected=2, title="α")
    heat = fig.data[0]
    np.testing.assert_array_equal(heat.z, anti_diagonal())
    assert heat.zmin == 0 and heat.zmax == 0.94
    assert list(fig.layout.xaxis.tickvals) == [0, 1, 2, 3]
    assert list(fig.layout.xaxis.ticktext) == ["0<br>3", "1<br>1", "2<br>4", "3<br>1"]
    assert list(fig.layout.yaxis.ticktext)[-1] == "4: <eos>" and fig.layout.yaxis.autorange == "reversed"
    assert heat.customdata[0][3] == "1 ← 1"  # output token ← input token, for the hover
    box = fig.layout.shapes[0]  # the selected decoder step is outlined
    assert (box.y0, box.y1, box.x0, box.x1) == (1.5, 2.5, -0.5, 3.5)


def test_bars_and_context_show_one_step():
    bars = attention_bars(anti_diagonal()[1], SOURCE)
    np.testing.assert_allclose(bars.data[0].y, [0.02, 0.02, 0.94, 0.02])
    assert tuple(bars.layout.yaxis.range) == (0, 1)
    context = context_vector(np.array([-0.5, 0.0, 0.25]))
    np.testing.assert_allclose(context.data[0].y, [-0.5, 0.0, 0.25])
    # one colour string per bar on a scale symmetric about 0: -0.5 the blue end, 0 the middle, 0.25 red
    blue, white, red = context.data[0].marker.color
    assert (blue, white, red) == ("rgb(5, 48, 97)", "rgb(247, 247, 247)", "rgb(229, 131, 104)")


def test_token_comparison_marks_each_token_right_or_wrong():
    """Rows: target, then each decoding; 1 where it matches the target at that position."""
    fig = token_comparison(["1", "4", "1", "3", "<eos>"],
                           {"greedy": ["1", "4", "4", "3", "<eos>"], "beam": ["1", "4", "1", "3", "<eos>"],
                            "long": ["1", "4", "1", "3", "3", "<eos>"]})
    heat = fig.data[0]
    z = np.asarray(heat.z, dtype=float)
    assert list(fig.layout.yaxis.ticktext) == ["target", "greedy", "beam", "long"]
    np.testing.assert_array_equal(z[1, :5], [1, 1, 0, 1, 1])
    np.testing.assert_array_equal(z[2, :5], [1, 1, 1, 1, 1])
    np.testing.assert_array_equal(z[3], [1, 1, 1, 1, 0, 0])  # "3" where <eos> belongs, and one extra
    assert np.isnan(z[1, 5]) and np.isnan(z[0, 5])  # nothing there and nothing expected
    assert heat.text[1][2] == "4"
    assert heat.colorscale[0][1] == WRONG and heat.colorscale[-1][1] == CORRECT


def test_bottleneck_curve_draws_one_line_per_kind_and_the_baseline():
    fig = bottleneck_curve([4, 8, 12], {"none": [1.0, 0.4, 0.0], "additive": [1.0, 1.0, 0.97]},
                           {"none": "none", "additive": "additive (Bahdanau)"}, baseline=[0.01, 0.0, 0.0],
                           baseline_label="copy the input", x_title="input length (digits)")
    assert [t.name for t in fig.data] == ["none", "additive (Bahdanau)", "baseline: copy the input"]
    np.testing.assert_allclose(fig.data[0].y, [1.0, 0.4, 0.0])
    assert [t.line.color for t in fig.data[:2]] == SERIES_COLORS[:2] and fig.data[2].line.dash == "dash"
    assert list(fig.layout.xaxis.tickvals) == [4, 8, 12] and fig.layout.showlegend
    assert fig.layout.xaxis.title.text == "input length (digits)"

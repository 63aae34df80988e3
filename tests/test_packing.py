"""Packing made visible: h_n with and without pack_padded_sequence, the steps each costs, figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.cells import CELLS, FUSED_CELLS
from explorer.figures.packing import final_states, step_grid
from explorer.packing import INPUT_SIZE, PackingSpec, compare, parse_lengths


@pytest.mark.parametrize("cell", FUSED_CELLS)
def test_packed_and_unpacked_h_n_agree_on_full_rows_and_differ_on_padded_rows(cell):
    spec = PackingSpec(cell=cell, lengths=(6, 4, 6, 1, 3))
    result = compare(spec)
    full = result.lengths == 6
    np.testing.assert_allclose(result.padded[full], result.packed[full], atol=1e-6)
    assert (result.gap[~full] > 1e-3).all()


def test_packed_h_n_is_each_row_run_alone_on_its_real_steps():
    spec = PackingSpec(cell="gru", hidden_size=5, lengths=(5, 2, 3), seed=3)
    result = compare(spec)
    torch.manual_seed(spec.seed)
    layer = CELLS["gru"].module(INPUT_SIZE, 5, batch_first=True)
    x = torch.randn(3, 5, INPUT_SIZE)
    with torch.no_grad():
        for b, n in enumerate(spec.lengths):
            _, h_n = layer(x[b:b + 1, :n])
            np.testing.assert_allclose(result.packed[b], h_n[0, 0].numpy(), atol=1e-6)


def test_steps_padded_against_packed():
    result = compare(PackingSpec(lengths=(7, 5, 3, 2)))
    assert (result.steps_padded, result.steps_packed) == (28, 17)
    assert result.batch_sizes.tolist() == [4, 4, 3, 2, 2, 1, 1]  # rows still running at each step
    grid = step_grid(result.lengths)
    assert "Padded: 28 steps · packed: 17 steps (11 padding steps skipped, 39%)" in grid.layout.title.text
    np.testing.assert_array_equal(np.asarray(grid.data[0].z).sum(axis=0), result.batch_sizes)


def test_final_states_figure_marks_the_gap_per_row():
    result = compare(PackingSpec(lengths=(4, 2)))
    fig = final_states(result.lengths, result.padded, result.packed)
    assert [trace.type for trace in fig.data] == ["heatmap", "heatmap", "bar"]
    np.testing.assert_allclose(fig.data[2].x, result.gap)
    assert list(fig.data[0].y) == ["row 0 (n=4)", "row 1 (n=2)"]


@pytest.mark.parametrize("text, expected", [("7, 5, 3", (7, 5, 3)), ("4 4", (4, 4)), (" 1 ", (1,))])
def test_lengths_parse(text, expected):
    assert parse_lengths(text) == (expected, [])


@pytest.mark.parametrize("text, message", [
    ("", "Type the lengths"), ("3, x", "whole numbers"), ("-2", "whole numbers"), ("1 " * 9, "1 to 8"),
    ("99999999999", "whole numbers"),
])
def test_bad_lengths_get_clear_messages(text, message):
    lengths, problems = parse_lengths(text)
    assert lengths == () and len(problems) == 1 and message in problems[0]


@pytest.mark.parametrize("spec, message", [
    (PackingSpec(lengths=(0, 3)), "between 1 and 20"), (PackingSpec(lengths=(21,)), "between 1 and 20"),
    (PackingSpec(hidden_size=17), "Hidden units"), (PackingSpec(cell="jordan"), "Unknown cell"),
])
def test_out_of_range_specs_are_refused_with_words(spec, message):
    assert any(message in p for p in spec.validate())
    with pytest.raises(ValueError, match=message):
        compare(spec)

"""The Shape explorer page under AppTest: set the widgets, read the shapes it shows, compare with torch
(tests/test_shapes.py covers the whole grid of settings on the core function)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_shapes import torch_shapes

from explorer.shapes import ShapeQuestion

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = [  # (cell, input_size, hidden_size, num_layers, bidirectional, batch_first, batch, length)
    ("lstm", 5, 7, 3, True, False, 2, 9),
    ("gru", 4, 2, 4, False, False, 32, 100),
    ("rnn_tanh", 64, 128, 1, True, True, 1, 1),
    ("rnn_relu", 2, 3, 2, False, True, 5, 7),
]


@pytest.fixture(scope="module")
def at() -> AppTest:
    """One page for the whole grid: each setting changes the widgets of the last."""
    return AppTest.from_file(str(ROOT / "pages" / "shapes.py"), default_timeout=30).run()


def shown(at: AppTest) -> dict[str, tuple[int, ...]]:
    """Tensor name -> shape, read from the page's table of dimensions."""
    table = at.dataframe[0].value
    return {name: tuple(int(n) for n in rows.sort_values("dimension")["size"])
            for name, rows in table.groupby("tensor", sort=False)}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: "-".join(map(str, s)))
def test_the_shapes_shown_are_those_of_a_real_module(at, setting):
    cell, input_size, hidden, layers, bidirectional, batch_first, batch, length = setting
    at.segmented_control(key="shapes_cell").set_value(cell)
    for name, value in (("input_size", input_size), ("hidden_size", hidden), ("num_layers", layers),
                        ("batch", batch), ("length", length)):
        at.number_input(key=f"shapes_{name}").set_value(value)
    at.toggle(key="shapes_bidirectional").set_value(bidirectional)
    at.toggle(key="shapes_batch_first").set_value(batch_first)
    at.run()
    assert not at.exception and not at.warning
    question = ShapeQuestion(cell, input_size, hidden, layers, bidirectional, batch_first, batch, length)
    assert shown(at) == torch_shapes(question)
    text = "\n".join(m.value for m in at.markdown)
    for name, shape in torch_shapes(question).items():
        assert f"**`{name}`** has shape **`{shape}`**" in text
    assert text.count(":green[:material/check_circle:]") == 1 + bidirectional
    assert "puts the batch second even when batch_first=True" in text

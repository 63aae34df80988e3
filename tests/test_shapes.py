"""The shape explorer reports what torch.nn returns, with a sentence per dimension."""

from __future__ import annotations

import itertools

import pytest
import torch

from explorer.cells import CELLS, FUSED_CELLS
from explorer.shapes import ShapeQuestion, explore

GRID = [ShapeQuestion(cell, input_size=2, hidden_size=5, num_layers=layers, bidirectional=bidirectional,
                      batch_first=batch_first, batch=3, length=4)
        for cell, layers, bidirectional, batch_first in itertools.product(FUSED_CELLS, (1, 3), (False, True),
                                                                           (False, True))]


def torch_shapes(q: ShapeQuestion) -> dict[str, tuple[int, ...]]:
    """Independently of explorer.shapes: build the module, run it, read the shapes."""
    spec = CELLS[q.cell]
    rnn = spec.module(q.input_size, q.hidden_size, num_layers=q.num_layers, bidirectional=q.bidirectional,
                      batch_first=q.batch_first, **spec.module_kwargs)
    x = torch.zeros((q.batch, q.length, q.input_size) if q.batch_first else (q.length, q.batch, q.input_size))
    output, state = rnn(x)
    shapes = {"input": tuple(x.shape), "output": tuple(output.shape)}
    if spec.has_cell_state:
        shapes |= {"h_n": tuple(state[0].shape), "c_n": tuple(state[1].shape)}
    else:
        shapes["h_n"] = tuple(state.shape)
    return shapes


@pytest.mark.parametrize("question", GRID, ids=lambda q: f"{q.cell}-L{q.num_layers}-bi{int(q.bidirectional)}"
                                                         f"-bf{int(q.batch_first)}")
def test_shapes_match_the_module_and_every_dimension_is_explained(question):
    answer = explore(question)
    assert {t.name: t.shape for t in answer.tensors} == torch_shapes(question)
    for tensor in answer.tensors:
        assert len(tensor.meanings) == len(tensor.shape)
    h_n = next(t for t in answer.tensors if t.name == "h_n")
    assert h_n.meanings[1].startswith("batch: 3 — h_n puts the batch second")
    assert all(held for _, _, held in answer.facts) and len(answer.facts) == 1 + question.bidirectional
    assert f"nn.{CELLS[question.cell].module.__name__}(input_size=2, hidden_size=5" in answer.code


def test_bad_questions_get_messages_not_modules():
    question = ShapeQuestion("transformer", hidden_size=0, length=5000)
    assert question.validate() == [
        "Unknown cell 'transformer'. Choose one of: rnn_tanh, rnn_relu, lstm, gru.",
        "Hidden size must be between 1 and 128 (got 0).",
        "Length must be between 1 and 100 (got 5000).",
    ]
    with pytest.raises(ValueError, match="Hidden size"):
        explore(question)

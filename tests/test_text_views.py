"""Connectivity against autograd; units over text and connectivity figures for every cell."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.cells import CELLS
from explorer.checkpoint import model_file
from explorer.config import RunConfig
from explorer.connectivity import connectivity
from explorer.figures.connectivity import connectivity_figure
from explorer.figures.text import CharLossCurve, next_char_figure, units_over_text
from explorer.models import SequenceModel
from explorer.tasks import TASKS
from explorer.text.features import char_features, correlations, ranked_units
from explorer.text.model import load_lm, read_text, series_of
from explorer.train import Trainer
from explorer.views import VIEWS, ViewOptions, views_for


@pytest.mark.parametrize("cell, bidirectional, task", [
    ("lstm", False, "text"), ("gru", True, "mod3"), ("rnn_tanh", False, "sine"), ("jordan", False, "sine")])
def test_connectivity_equals_autograds_jacobian(cell, bidirectional, task):
    torch.manual_seed(0)
    model = SequenceModel(TASKS[task], cell, hidden_size=5, bidirectional=bidirectional,
                          embedding_size=3).double().eval()
    batch = TASKS[task].sample(np.random.default_rng(0), 1, 7)
    x = torch.as_tensor(batch.x[0])
    inputs = model.encode(x[None]).detach()[0].double()  # (T, F)

    def outputs(values):  # (T, F) -> (T, O)
        return model.read_out(model.rnn(values[None])[0])[0]

    jacobian = torch.autograd.functional.jacobian(outputs, inputs)  # (T, O, T, F)
    expected = jacobian.pow(2).sum(dim=(1, 3)).sqrt().numpy()  # (T, T)
    found = connectivity(model, x, max_rows=4)  # small chunks: the rows must add up across them
    np.testing.assert_allclose(found, expected, rtol=1e-9, atol=1e-12)
    future = found[np.triu_indices(len(found), 1)]  # k > t: what a forward layer cannot have read
    assert np.all(future > 0) if bidirectional else np.all(future == 0)


def test_features_follow_the_text():
    f = char_features("a 'bc'\n(x[y])")
    np.testing.assert_array_equal(f["inside quotes"], [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["nesting depth"], [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 1, 0])
    np.testing.assert_array_equal(f["position in line"], [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(f["vowel"][:2], [1, 0])


def test_a_unit_that_copies_a_feature_ranks_first_with_r_1():
    features = char_features("x = 'abc' + 'de'\n" * 3)
    quotes = features["inside quotes"]
    units = np.stack([np.sin(np.arange(len(quotes))), 2 * quotes - 1, np.zeros(len(quotes))], axis=1)
    r = correlations(units, features)
    assert r[1, 0] == pytest.approx(1.0) and r[2].tolist() == [0.0] * len(features)
    ranked = ranked_units({"h": units}, features)
    top = ranked[ranked.feature == "inside quotes"].iloc[0]
    assert (top.unit, round(top.r, 6)) == (1, 1.0)
    assert "nesting depth" not in set(ranked.feature)  # no brackets: a constant feature is left out


@pytest.mark.parametrize("cell", CELLS)
def test_units_over_text_and_connectivity_build_for_every_cell(cell):
    cfg = RunConfig(task="text", corpus="code", cell=cell, hidden_size=6, embedding_size=4, seq_len=8,
                    batch_size=4, steps=1)
    trainer = Trainer(cfg)
    alphabet = "".join(trainer.task.vocab)
    model = load_lm(cfg, alphabet, model_file(trainer.model, cfg))
    text = "x = 'ok'\n    y"
    reading = read_text(model, alphabet, text)
    series = series_of(reading.trace)
    assert set(series) >= {"h", *reading.trace.gates}
    for name, values in series.items():
        fig = units_over_text(text, values[:, 0], f"{name} unit 0", signed=name not in "ifozr")
        heat = fig.data[0]
        assert heat.text[0][4] == "'" and heat.z[0][4] == pytest.approx(values[4, 0])
        assert np.isnan(heat.z[0][len("x = 'ok'\n")])  # the first row ends at the newline
    fig = connectivity_figure(reading.connectivity, list(text), cursor=5)
    assert fig.data[0].z.shape == (len(text), len(text))
    np.testing.assert_allclose(fig.data[1].y, np.maximum(reading.connectivity[5], 1e-12))
    assert set(reading.units.columns) == {"feature", "series", "unit", "r", "|r|"}


def test_the_connectivity_view_is_in_the_inside_registry_for_many_to_many_probes():
    trace = Trainer(RunConfig(task="mod3", seq_len=6, hidden_size=4, steps=1)).probe_trace()
    assert VIEWS["connectivity"] in views_for(trace)
    fig = VIEWS["connectivity"].figure(trace, ViewOptions(cursor=3).fit(trace))
    assert fig.data[0].z.shape == (6, 6)
    assert len(VIEWS["connectivity"].table(trace, ViewOptions())) == 36
    many_to_one = Trainer(RunConfig(task="parity", seq_len=6, hidden_size=4, steps=1)).probe_trace()
    assert VIEWS["connectivity"] not in views_for(many_to_one)


def test_the_loss_curve_draws_both_baselines_and_the_distribution_its_bars():
    fig = CharLossCurve(3.0, 1.5).extend(np.arange(1, 4), np.array([3.2, 2.5, 2.0])).figure()
    assert [s.y0 for s in fig.layout.shapes] == [3.0, 1.5]
    assert "bigram 1.50 nats = 2.16 bits/char" in [a.text for a in fig.layout.annotations]
    bars = next_char_figure([("a", 0.7), (" ", 0.2), ("\n", 0.1)], " ")
    colors = bars.data[0].marker.color
    assert list(bars.data[0].x) == ["a", "·", "⏎"] and colors[1] != colors[0] == colors[2]

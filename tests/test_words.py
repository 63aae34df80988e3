"""The names and tagging tasks: generators, worked examples, typed-input checks, entity F1, and
short runs that beat their baselines; the trained model reading typed text."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer import RunConfig, Trainer
from explorer.__main__ import main
from explorer.checkpoint import model_file
from explorer.figures.words import confusion_matrix, name_path, prefix_probabilities, tag_comparison
from explorer.reading import load_model, read_name, read_tags, score
from explorer.tasks import TASKS, names, tagging

TAG = tagging.TAG_TO_ID


def tags(*names_: str) -> list[int]:
    return [TAG[t] for t in names_]


@pytest.mark.parametrize("module", [names, tagging], ids=["names", "tagging"])
def test_generators_are_deterministic_under_a_seed(module):
    a, b = (module.sample(np.random.default_rng(7), 64, 16) for _ in range(2))
    other = module.sample(np.random.default_rng(8), 64, 16)
    for field in ("x", "y", "lengths"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.x, other.x)
    assert a.lengths.max() <= 16 and (a.x[np.arange(16)[None] >= a.lengths[:, None]] == 0).all()


def test_names_worked_example_is_what_the_generator_draws():
    batch = names.sample(np.random.default_rng(0), 1, 10)
    assert batch.x[0].tolist() == [14, 9, 19, 8, 1, 0, 0, 0, 0, 0]
    assert "".join(names.VOCAB[i] for i in batch.x[0] if i) == "nisha"
    assert (batch.lengths[0], names.CLASSES[batch.y[0]]) == (5, "Shimeo")
    assert "nisha" in names.__doc__ and '"Shimeo"' in names.__doc__


def test_names_follow_their_languages_and_weights():
    """Every generated name uses only its language's letters; classes come in the stated shares."""
    batch = names.sample(np.random.default_rng(1), 4000, 12)
    shares = np.bincount(batch.y, minlength=len(names.CLASSES)) / len(batch.y)
    np.testing.assert_allclose(shares, names.WEIGHTS, atol=0.025)
    for row, n, y in zip(batch.x[:300], batch.lengths[:300], batch.y[:300], strict=True):
        language = names.LANGUAGES[y]
        alphabet = set("".join(language.onsets + language.vowels + language.codas + language.endings))
        assert set(names.VOCAB[i] for i in row[:n]) <= alphabet


def test_names_baseline_is_the_majority_class():
    base = names.TASK.baseline(12)
    assert base.metric == pytest.approx(0.30)
    assert base.loss == pytest.approx(-sum(w * math.log(w) for w in (0.3, 0.25, 0.2, 0.15, 0.1)))


@pytest.mark.parametrize("text, message", [
    ("", "Type a name"),
    ("   ", "Type a name"),
    ("a" * 25, "at most 24 letters (this one has 25)"),
    ("Nish4!", "never saw '!', '4'"),
    ("zoë", "never saw 'ë'"),
    ("<pad>", "never saw '<', '>'"),
])
def test_typed_names_get_clear_messages(text, message):
    problems = names.check(text)
    assert len(problems) == 1 and message in problems[0]


def test_typed_names_that_can_be_read():
    assert names.check(" Nisha ") == [] and names.check("a" * 24) == []


def test_tagging_worked_example_is_what_the_generator_draws():
    batch = tagging.sample(np.random.default_rng(0), 1, 12)
    n = batch.lengths[0]
    assert " ".join(tagging.VOCAB[i] for i in batch.x[0, :n]) == "washington welcomed john chen"
    assert batch.y[0, :n].tolist() == tags("B-LOC", "O", "B-PER", "I-PER")
    assert batch.x[0].tolist() == [17, 64, 4, 13, 0, 0, 0, 0, 0, 0, 0, 0]


def test_tagging_tags_are_well_formed_bio_and_words_are_ambiguous():
    """Every I-X follows a B-X or I-X; 'jordan' is a person, a place and an organisation's start."""
    batch = tagging.sample(np.random.default_rng(2), 2000, 20)
    real = np.arange(20)[None] < batch.lengths[:, None]
    for row, n in zip(batch.y, batch.lengths, strict=True):
        for before, tag in zip(row[:n - 1], row[1:n], strict=True):
            if tagging.CLASSES[tag].startswith("I-"):
                assert tagging.CLASSES[before][2:] == tagging.CLASSES[tag][2:]
    jordan = batch.y[real & (batch.x == tagging.WORD_TO_ID["jordan"])]
    assert {tagging.CLASSES[t][2:] for t in jordan} == {"PER", "LOC", "ORG"}


def test_entities_and_f1_on_hand_made_rows():
    gold = np.array([tags("B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O")])
    assert tagging.entities(gold[0]) == {(0, 2, "PER"), (3, 5, "ORG")}
    assert tagging.entities(tags("I-LOC", "I-LOC", "B-LOC")) == {(0, 2, "LOC"), (2, 3, "LOC")}
    # one entity right, one with the wrong type, one too many: P = 1/3, R = 1/2, F1 = 0.4
    pred = np.array([tags("B-PER", "I-PER", "O", "B-LOC", "I-LOC", "B-PER")])
    p, r, f1 = tagging.entity_f1(pred, gold, [6])
    assert (p, r, f1) == (pytest.approx(1 / 3), pytest.approx(1 / 2), pytest.approx(0.4))
    assert tagging.entity_f1(pred, gold, [2])[2] == 1.0  # only the first two words count


def test_tagging_baseline_is_the_most_frequent_tag_of_each_word():
    table = tagging.most_frequent_tags(12)
    assert tagging.CLASSES[table[tagging.WORD_TO_ID["said"]]] == "O"
    assert tagging.CLASSES[table[tagging.WORD_TO_ID["motors"]]] == "I-ORG"
    base = tagging.TASK.baseline(12)
    assert 0.5 < base.metric < 1 and 0 < base.loss < math.log(len(tagging.CLASSES))


@pytest.mark.parametrize("text, message", [
    ("", "Type a sentence"),
    ("anna visited atlantis", "not these: 'atlantis'"),
    ("anna " * 41, "at most 40 words (this one has 41)"),
    ("<pad> anna", "not these: '<pad>'"),
])
def test_typed_sentences_get_clear_messages(text, message):
    problems = tagging.check(text)
    assert len(problems) == 1 and message in problems[0]


SMALL = RunConfig(hidden_size=16, batch_size=32, lr=0.01, probe_every=1000)


def trained(config: RunConfig):
    trainer = Trainer(config)
    for _ in trainer.fit():
        pass
    return load_model(config, model_file(trainer.model, config))


@pytest.fixture(scope="module")
def names_model():
    config = replace(SMALL, task="names", seq_len=12, steps=60)
    return config, trained(config)


@pytest.fixture(scope="module")
def tagging_model():
    config = replace(SMALL, task="tagging", seq_len=12, steps=60, bidirectional=True)
    return config, trained(config)


def test_a_short_run_learns_names_above_the_majority_baseline(names_model):
    config, model = names_model
    scored = score(model, config)
    assert scored.accuracy > names.TASK.baseline(12).metric + 0.2
    assert scored.confusion.sum() == 512
    assert np.trace(scored.confusion) / 512 == pytest.approx(scored.accuracy)


def test_a_short_run_tags_entities_above_the_most_frequent_tag_baseline(tagging_model):
    config, model = tagging_model
    scored = score(model, config)
    assert scored.entity_f1 > scored.baseline_f1 + 0.1
    assert scored.accuracy > tagging.TASK.baseline(12).metric
    assert scored.confusion.sum() == int(tagging.sample(np.random.default_rng([0, 2]), 512, 12).lengths.sum())


def test_a_typed_name_is_read_prefix_by_prefix(names_model):
    """Row t of the reading is the model's answer on the first t+1 letters alone."""
    _, model = names_model
    reading = read_name(model, "Kushaya")
    assert reading.letters == tuple("kushaya") and reading.probs.shape == (7, len(names.CLASSES))
    np.testing.assert_allclose(reading.probs.sum(-1), 1, atol=1e-5)
    import torch
    alone = torch.softmax(model(torch.as_tensor(names.encode("kush")[None])), -1)[0].detach().numpy()
    np.testing.assert_allclose(reading.probs[3], alone, atol=1e-5)
    assert reading.trace.hidden.shape[:4] == (1, 1, 1, 7)
    fig = prefix_probabilities(reading.letters, reading.probs, names.CLASSES)
    assert list(fig.data[0].x) == ["1: k", "2: u", "3: s", "4: h", "5: a", "6: y", "7: a"]


def test_a_typed_sentence_is_tagged_both_ways_and_forwards_only(tagging_model):
    _, model = tagging_model
    reading = read_tags(model, "jordan motors hired anna in jordan")
    assert reading.probs.shape == reading.forward_probs.shape == (6, len(tagging.CLASSES))
    assert reading.trace.hidden.shape[:4] == (1, 2, 1, 6)  # forward and backward states, apart
    fig = tag_comparison(reading.words, reading.probs, tagging.CLASSES, reading.forward_probs)
    assert list(fig.data[0].y) == ["both directions", "forward states only"]
    differ = reading.probs.argmax(-1) != reading.forward_probs.argmax(-1)
    assert len(fig.layout.shapes) == differ.sum()


def test_confusion_matrix_figure_shows_counts_and_row_shares():
    counts = np.array([[3, 1], [0, 4]])
    fig = confusion_matrix(counts, ("a", "b"))
    np.testing.assert_allclose(np.asarray(fig.data[0].z), [[0.75, 0.25], [0, 1]])
    np.testing.assert_array_equal(np.asarray(fig.data[0].text), counts)


@pytest.mark.parametrize("task, flags", [("names", []), ("tagging", ["--bidirectional"])])
def test_the_cli_trains_both_tasks_headless(task, flags, capsys):
    code = main(["train", "--task", task, "--seq-len", "12", "--steps", "20", "--hidden-size", "8",
                 "--json", *flags])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["status"] == "finished" and result["steps"] == 20
    assert result["baseline_metric"] == pytest.approx(TASKS[task].baseline(12).metric)


def test_a_names_path_is_lettered(names_model):
    _, model = names_model
    reading = read_name(model, "nisha")
    fig = name_path(reading.trace, reading.letters)
    points = next(t for t in fig.data if t.name == "step")
    assert list(points.text) == list("nisha") and len(points.x) == 5
    assert "“nisha”" in fig.layout.title.text and not fig.layout.title.subtitle.text  # no cursor to explain


def test_only_the_backward_direction_reads_the_word_after(tagging_model):
    """'jordan motors' is an organisation and 'jordan said' is not: the forward states alone give the
    same answer at 'jordan' whatever follows; both directions together tell them apart."""
    _, model = tagging_model
    org, other = read_tags(model, "anna met jordan motors staff"), read_tags(model, "anna met jordan said")
    np.testing.assert_allclose(org.forward_probs[:3], other.forward_probs[:3], atol=1e-6)
    assert tagging.CLASSES[org.probs[2].argmax()] == "B-ORG"
    assert tagging.CLASSES[other.probs[2].argmax()] != "B-ORG"


@given(st.text(max_size=80))
def test_any_typed_text_is_checked_and_what_passes_encodes(text):
    """Whatever is typed: words back, or ids the model knows."""
    for module in (names, tagging):
        problems = module.check(text)
        assert all(isinstance(p, str) and p.endswith(".") for p in problems)
        if not problems:
            ids = module.encode(text.strip().lower())
            assert 1 <= len(ids) and (ids > 0).all() and (ids < len(module.VOCAB)).all()

"""Tests for the task registry: shapes, determinism, targets and baselines of every task."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from explorer.tasks import TASKS, Baseline, Batch, Task, get_task
from explorer.tasks import sentiment as sentiment_module

B = 16
ALL = list(TASKS.values())
IDS = list(TASKS)


def seq_lens(task: Task) -> list[int]:
    middle = (task.min_seq_len + task.max_seq_len) // 2
    return sorted({task.min_seq_len, task.default_seq_len, min(middle, 200)})


CASES = [(task, n) for task in ALL for n in seq_lens(task)]
CASE_IDS = [f"{task.name}-{n}" for task, n in CASES]


def steps(task: Task, seq_len: int) -> int:
    """How many time steps a batch has: copy adds 10 symbols and 10 answer steps."""
    return seq_len + 20 if task.name == "copy" else seq_len


def draw(task: Task, seq_len: int, seed: int = 0, batch_size: int = B) -> Batch:
    return task.sample(np.random.default_rng(seed), batch_size, seq_len)


# ---------------------------------------------------------------- registry


def test_registry_order_and_names():
    assert list(TASKS) == ["sine", "adding", "copy", "mod3", "parity", "sentiment", "series"]
    for name, task in TASKS.items():
        assert task.name == name
        assert get_task(name) is task


def test_get_task_unknown_lists_valid_names():
    with pytest.raises(KeyError) as info:
        get_task("nope")
    message = str(info.value)
    for name in TASKS:
        assert name in message


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_declared_fields_are_consistent(task: Task):
    assert task.min_seq_len <= task.default_seq_len <= task.max_seq_len
    assert task.metric_name in ("accuracy", "mse")
    assert task.higher_is_better == (task.metric_name == "accuracy")
    assert task.title and task.description
    if task.input_kind == "tokens":
        assert task.vocab is not None and len(task.vocab) == task.input_size
    else:
        assert task.vocab is None
    if task.target_kind == "class":
        assert task.classes is not None and len(task.classes) == task.output_size
        assert task.metric_name == "accuracy"
    else:
        assert task.classes is None
        assert task.metric_name == "mse"


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_docs_have_a_worked_example(task: Task):
    module = sys.modules[task.sample.__module__]
    assert module.__doc__ and "worked example" in module.__doc__.lower()
    assert "example" in task.description.lower()


# ---------------------------------------------------------------- shapes


@pytest.mark.parametrize(("task", "seq_len"), CASES, ids=CASE_IDS)
def test_shapes_and_dtypes(task: Task, seq_len: int):
    batch = draw(task, seq_len)
    T = steps(task, seq_len)
    assert batch.batch_size == B and batch.seq_len == T

    if task.input_kind == "tokens":
        assert batch.x.shape == (B, T) and batch.x.dtype == np.int64
        assert batch.x.min() >= 0 and batch.x.max() < task.input_size
    else:
        assert batch.x.shape == (B, T, task.input_size) and batch.x.dtype == np.float32

    time_shape = (B,) if task.output == "many_to_one" else (B, T)
    if task.target_kind == "class":
        assert batch.y.shape == time_shape and batch.y.dtype == np.int64
        assert batch.y.min() >= 0 and batch.y.max() < task.output_size
    else:
        assert batch.y.shape == (*time_shape, task.output_size)
        assert batch.y.dtype == np.float32

    if batch.lengths is not None:
        assert batch.lengths.shape == (B,) and batch.lengths.dtype == np.int64
        assert batch.lengths.min() >= 1 and batch.lengths.max() <= T
    for mask in (batch.loss_mask, batch.metric_mask):
        if mask is not None:
            assert task.output == "many_to_many"
            assert mask.shape == (B, T) and mask.dtype == np.bool_


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_same_seed_same_batch_other_seed_differs(task: Task):
    n = task.default_seq_len
    a, b, c = draw(task, n, seed=7), draw(task, n, seed=7), draw(task, n, seed=8)
    for field in ("x", "y", "lengths", "loss_mask", "metric_mask"):
        fa, fb = getattr(a, field), getattr(b, field)
        assert (fa is None) == (fb is None)
        if fa is not None:
            np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(a.x, c.x)


# ---------------------------------------------------------------- targets


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["sine"]))
def test_sine_targets_are_the_next_value_of_a_sine(seq_len: int):
    batch = draw(TASKS["sine"], seq_len)
    x, y = batch.x[..., 0].astype(np.float64), batch.y[..., 0].astype(np.float64)
    np.testing.assert_array_equal(batch.y[:, :-1, 0], batch.x[:, 1:, 0])
    wave = np.concatenate([x, y[:, -1:]], axis=1)  # t = 0..T
    assert np.abs(wave).max() <= 1.0
    # Every sine obeys s[t+1] + s[t-1] = 2 cos(omega) s[t]: fit cos(omega) per sequence.
    mid, around = wave[:, 1:-1], wave[:, 2:] + wave[:, :-2]
    cos_omega = (mid * around).sum(1) / (2 * (mid * mid).sum(1))
    np.testing.assert_allclose(around, 2 * cos_omega[:, None] * mid, atol=1e-5)
    omega = np.arccos(np.clip(cos_omega, -1, 1))
    assert omega.min() > 0.05 - 1e-3 and omega.max() < 0.2 + 1e-3


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["adding"]))
def test_adding_target_is_the_sum_of_the_marked_values(seq_len: int):
    batch = draw(TASKS["adding"], seq_len)
    values, marker = batch.x[..., 0], batch.x[..., 1]
    assert values.min() >= 0.0 and values.max() < 1.0
    assert set(np.unique(marker)) <= {0.0, 1.0}
    half = seq_len // 2
    np.testing.assert_array_equal(marker[:, :half].sum(1), 1)
    np.testing.assert_array_equal(marker[:, half:].sum(1), 1)
    expected = (values * marker).sum(1)
    np.testing.assert_allclose(batch.y[:, 0], expected, atol=1e-6)


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["copy"]))
def test_copy_recalls_the_first_ten_symbols(seq_len: int):
    task = TASKS["copy"]
    batch = draw(task, seq_len)
    blank, delim = task.vocab.index("_"), task.vocab.index(":")
    x, y, T = batch.x, batch.y, seq_len
    assert x[:, :10].max() < 8
    for row in x:
        # symbols, T-1 blanks, the delimiter, 10 blanks
        assert list(row[10:]) == [blank] * (T - 1) + [delim] + [blank] * 10
    np.testing.assert_array_equal(y[:, -10:], x[:, :10])
    assert (y[:, :-10] == blank).all()
    assert batch.loss_mask is None
    expected_mask = np.zeros_like(batch.metric_mask)
    expected_mask[:, -10:] = True
    np.testing.assert_array_equal(batch.metric_mask, expected_mask)


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["mod3"]))
def test_mod3_targets(seq_len: int):
    batch = draw(TASKS["mod3"], seq_len)
    assert batch.x.max() <= 9
    np.testing.assert_array_equal(batch.y, batch.x % 3)


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["parity"]))
def test_parity_targets_over_the_real_length(seq_len: int):
    task = TASKS["parity"]
    batch = draw(task, seq_len, batch_size=64)
    pad = task.vocab.index("_")
    for row, length, label in zip(batch.x, batch.lengths, batch.y, strict=True):
        bits, padding = row[:length], row[length:]
        assert set(bits.tolist()) <= {0, 1}
        assert (padding == pad).all()
        assert label == bits.sum() % 2


def test_parity_lengths_cover_the_range():
    batch = draw(TASKS["parity"], 20, batch_size=2000)
    assert batch.lengths.min() == 1 and batch.lengths.max() == 20
    assert 0.45 < batch.y.mean() < 0.55


# ---------------------------------------------------------------- sentiment

POSITIVE_WORDS = {"good", "great", "fun", "brilliant"}
NEGATIVE_WORDS = {"bad", "boring", "awful", "dull"}


def independent_label(words: list[str]) -> int:
    """Scan back from the last polar adjective to the start of its clause, looking for "not"."""
    polar = [i for i, w in enumerate(words) if w in POSITIVE_WORDS | NEGATIVE_WORDS]
    i = polar[-1]
    positive = words[i] in POSITIVE_WORDS
    j = i - 1
    while j >= 0 and words[j] != "but":
        if words[j] == "not":
            positive = not positive
        j -= 1
    return int(positive)


HAND_WRITTEN = [
    ("the movie was good", 1),
    ("the movie was not good", 0),
    ("this film is very dull", 0),
    ("this film is not really dull", 1),
    ("the plot was bad but the acting was great", 1),
    ("the plot was great but the acting was not great", 0),
    ("the plot was not bad but the acting felt boring", 0),
    ("honestly the movie was good but i think the plot felt really awful with my friends", 0),
    ("the acting is not fun but i watched it on sunday this film was brilliant overall", 1),
]


@pytest.mark.parametrize(("sentence", "label"), HAND_WRITTEN)
def test_sentiment_rule_on_hand_written_sentences(sentence: str, label: int):
    words = sentence.split()
    assert sentiment_module.label_of(words) == label
    assert independent_label(words) == label
    ids = sentiment_module.encode(sentence)
    assert ids.dtype == np.int64
    assert sentiment_module.decode(ids) == sentence


@pytest.mark.parametrize("seq_len", seq_lens(TASKS["sentiment"]))
def test_sentiment_generated_labels_and_padding(seq_len: int):
    task = TASKS["sentiment"]
    batch = draw(task, seq_len, batch_size=64)
    pad = task.vocab.index("<pad>")
    assert pad == 0
    for row, length, label in zip(batch.x, batch.lengths, batch.y, strict=True):
        assert (row[:length] != pad).all() and (row[length:] == pad).all()
        words = sentiment_module.decode(row).split()
        assert len(words) == length <= seq_len
        assert independent_label(words) == label
        assert sentiment_module.label_of(words) == label


def test_sentiment_seq_len_dial_lengthens_sentences_and_labels_balance():
    task = TASKS["sentiment"]
    short, long = draw(task, 12, batch_size=500), draw(task, 200, batch_size=200)
    assert short.lengths.mean() < 12 < 60 < long.lengths.mean()
    assert 0.42 < short.y.mean() < 0.58
    assert "but" in {w for row in short.x for w in sentiment_module.decode(row).split()}


def test_sentiment_docstring_example_encodes_as_stated():
    sentence = "the movie was not very good but the acting was great honestly"
    assert sentence in sentiment_module.__doc__
    ids = sentiment_module.encode(sentence).tolist() + [0, 0]
    assert str(ids) in sentiment_module.__doc__
    assert sentiment_module.label_of(sentence.split()) == 1


def test_sentiment_encode_rejects_unknown_words():
    with pytest.raises(KeyError):
        sentiment_module.encode("the movie was spectacular")


# ---------------------------------------------------------------- baselines


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_baseline_type(task: Task):
    for n in seq_lens(task):
        base = task.baseline(n)
        assert isinstance(base, Baseline) and base.label
        assert math.isfinite(base.loss) and math.isfinite(base.metric)


def test_baseline_numbers():
    sine = 1 - (math.sin(0.2) - math.sin(0.05)) / 0.15
    for n in (10, 50, 1000):
        assert TASKS["sine"].baseline(n).loss == pytest.approx(sine)
        assert TASKS["sine"].baseline(n).metric == pytest.approx(sine)
        assert TASKS["adding"].baseline(n) == Baseline(1 / 6, 1 / 6, "predict 1: MSE 1/6")
        assert TASKS["mod3"].baseline(n).loss == pytest.approx(math.log(3))
        assert TASKS["mod3"].baseline(n).metric == pytest.approx(1 / 3)
        assert TASKS["mod3"].baseline(n).label == "chance: 1/3"
        for name in ("parity", "sentiment"):
            assert TASKS[name].baseline(n).loss == pytest.approx(math.log(2))
            assert TASKS[name].baseline(n).metric == 0.5
    for T in (1, 10, 500):
        copy = TASKS["copy"].baseline(T)
        assert copy.loss == pytest.approx(10 * math.log(8) / (T + 20))
        assert copy.metric == pytest.approx(1 / 8)
        assert copy.label == "memoryless: guess the symbols"


def test_sine_baseline_matches_repeat_last_value():
    batch = draw(TASKS["sine"], 50, seed=3, batch_size=4096)
    mse = float(((batch.y - batch.x) ** 2).mean())
    assert mse == pytest.approx(TASKS["sine"].baseline(50).loss, rel=0.05)


def test_adding_baseline_matches_predict_one():
    batch = draw(TASKS["adding"], 10, seed=3, batch_size=20000)
    mse = float(((batch.y - 1.0) ** 2).mean())
    assert mse == pytest.approx(1 / 6, rel=0.05)

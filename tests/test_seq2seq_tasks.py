"""The seq2seq task registry: every task's batches, worked example, answers and baseline."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pytest

from explorer.seq2seq import TASKS
from explorer.seq2seq import dates as date_formats
from explorer.seq2seq.tasks import EOS, PAD

ALL = list(TASKS.values())
IDS = list(TASKS)


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_batches_are_padded_ragged_and_end_with_eos(task):
    """Sources right-padded with <pad> to the longest, lengths in range; targets end with <eos>."""
    length = min(task.default_len, task.max_len)
    batch = task.sample(np.random.default_rng(0), 64, length)
    assert batch.src.shape == (64, batch.src_len.max()) and batch.src.dtype == np.int64
    for row, n, source, tgt, target in zip(batch.src, batch.src_len, batch.sources, batch.tgt,
                                           batch.targets, strict=True):
        assert n == len(source) <= task.source_len(length)
        assert (row[n:] == PAD).all() and (row[:n] != PAD).all()
        assert "".join(task.source_vocab[i] for i in row[:n]) == source
        assert tgt[len(target)] == EOS and (tgt[len(target) + 1:] == PAD).all()
        assert task.decode_target(tgt) == target
    if not task.fixed_length:
        assert len(set(batch.src_len.tolist())) > 1  # ragged: lengths are drawn per example


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_every_target_is_the_right_answer(task):
    """`solve` (the task's rule, written independently of the generator) agrees on 500 pairs."""
    batch = task.sample(np.random.default_rng(1), 500, task.default_len)
    assert [task.solve(s) for s in batch.sources] == list(batch.targets)


@pytest.mark.parametrize("task", ALL, ids=IDS)
def test_worked_example_in_the_description_is_right(task):
    """The description's first `source` → `target` example is what the task asks."""
    source, target = re.search(r"`([^`]+)` → `([^`]+)`", task.description).groups()
    assert task.solve(source) == target
    assert not task.check_source(source, task.max_len)


def test_exact_match_baselines():
    """Each trivial rule scores what arithmetic says it should (2000 examples, ±0.03)."""
    assert TASKS["reverse"].baseline(1) == 1.0  # one digit is its own reverse
    # lengths 1..3 equally likely: palindromes with probability 1, 1/10, 1/10
    assert TASKS["reverse"].baseline(3) == pytest.approx((1 + 0.1 + 0.1) / 3, abs=0.03)
    assert TASKS["reverse"].baseline(4, min_len=4) == pytest.approx(0.01, abs=0.01)  # exactly 4 digits
    assert TASKS["dates"].baseline(18) == pytest.approx(1 / len(date_formats.FORMATS), abs=0.03)
    # one digit each: no carry when a + b < 10, 55 of the 100 pairs
    assert TASKS["addition"].baseline(1) == pytest.approx(0.55, abs=0.03)
    # n digits are already sorted with probability C(n + 9, 9) / 10^n
    sorted_already = np.mean([math.comb(n + 9, 9) / 10**n for n in range(1, 13)])
    assert TASKS["sort"].baseline(12) == pytest.approx(sorted_already, abs=0.03)


def test_check_source_explains_unknown_characters_and_long_inputs():
    reverse = TASKS["reverse"]
    assert reverse.check_source("12345", 12) == []
    unknown = reverse.check_source("12a4?", 12)
    assert len(unknown) == 1 and "'?'" in unknown[0] and "'a'" in unknown[0]
    too_long = reverse.check_source("1" * 13, 12)
    assert len(too_long) == 1 and "13 characters" in too_long[0] and "at most 12" in too_long[0]
    assert reverse.check_source("", 12) == ["Type a source to decode."]
    assert TASKS["addition"].check_source("123+456", 3) == []


def test_every_date_format_round_trips_and_names_one_date():
    """Every format reads back as exactly its own date: no source is ambiguous."""
    rng = np.random.default_rng(2)
    for _ in range(300):
        date = dt.date.fromordinal(int(rng.integers(date_formats.FIRST.toordinal(),
                                                    date_formats.LAST.toordinal() + 1)))
        written = [date_formats.write(date, fmt) for fmt in date_formats.FORMATS]
        assert all(date_formats.readings(text) == {date} for text in written), written
    assert date_formats.parse("31 February 2021") is None
    assert date_formats.parse("not a date") is None
    assert date_formats.write(dt.date(2021, 3, 7), "{wd}, {d} {mon} {Y}") == "Sun, 7 Mar 2021"
    assert set(date_formats.characters()) >= set("0123456789 ,./-")
    assert TASKS["dates"].solve("03/07/2021") == "2021-03-07"
    assert TASKS["dates"].solve("07.03.2021") == "2021-03-07"

"""Parity: is the number of ones odd? (many-to-one classification, variable length).

Tokens: "0" (id 0), "1" (id 1) and the pad "_" (id 2). Each sequence is a random bit string
whose length is drawn uniformly from 1..T, padded after its real length with "_" up to T
steps; ``lengths`` holds the real lengths. The target is 1 ("odd") if the real bits contain
an odd number of ones, else 0 ("even").

seq_len = T, the maximum length. Every bit flips the answer, so the network must carry one
bit of state across the whole string. Lengths vary on purpose: with all strings of a fixed
length such as 50, the gradient gives no hint until the whole chain is learned and training
stays at chance; drawing lengths from 1..T mixes in short strings that are learned first and
then extend to longer ones.

Worked example (T = 6, real length 4):

    x = [1, 0, 1, 1, 2, 2]      i.e. "1011__"
    lengths = [4]
    y = 1 ("odd": three ones)

Baseline: chance, loss ln 2 ≈ 0.693, accuracy 0.5.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

PAD = 2
VOCAB = ("0", "1", "_")
CLASSES = ("even", "odd")


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    lengths = rng.integers(1, seq_len + 1, size=batch_size, dtype=np.int64)
    bits = rng.integers(0, 2, size=(batch_size, seq_len), dtype=np.int64)
    padded = np.arange(seq_len)[None, :] >= lengths[:, None]
    bits[padded] = 0
    y = bits.sum(axis=1) % 2
    x = np.where(padded, PAD, bits).astype(np.int64)
    return Batch(x=x, y=y.astype(np.int64), lengths=lengths)


def baseline(seq_len: int) -> Baseline:
    return Baseline(loss=math.log(2), metric=0.5, label="chance: 1/2")


TASK = Task(
    name="parity",
    title="Parity",
    description=(
        "The network reads a bit string and must say whether it contains an odd number of "
        "ones. Example: `1011` → odd (three ones). Every bit flips the answer, so one bit of "
        "state must survive the whole string. Lengths are drawn from 1 up to seq_len so the "
        "network can learn short strings first; with one fixed long length it stays at "
        "chance. Baseline: chance, 50%."
    ),
    input_kind="tokens",
    input_size=len(VOCAB),
    output="many_to_one",
    target_kind="class",
    output_size=len(CLASSES),
    metric_name="accuracy",
    sample=sample,
    baseline=baseline,
    default_seq_len=20,
    min_seq_len=1,
    max_seq_len=500,
    vocab=VOCAB,
    classes=CLASSES,
)

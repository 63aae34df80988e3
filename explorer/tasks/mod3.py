"""Mod 3: label each digit with its remainder mod 3 (many-to-many classification).

The input is a string of random digits 0..9 (token ids equal the digits); the target at every
step is that step's digit mod 3. This is a sanity task: the answer depends only on the
current input, so no memory is needed and even a feed-forward layer solves it. If a model
fails here, something in the pipeline is broken.

seq_len = T, the number of digits. It does not change the difficulty, since nothing has to
be remembered.

Worked example (T = 6):

    x = [7, 2, 9, 4, 0, 5]
    y = [1, 2, 0, 1, 0, 2]      (7 % 3 = 1, 2 % 3 = 2, 9 % 3 = 0, ...)

Baseline: chance, predicting 1/3 for each class: loss ln 3 ≈ 1.099, accuracy 1/3.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

VOCAB = tuple(str(d) for d in range(10))
CLASSES = ("0", "1", "2")


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    x = rng.integers(0, 10, size=(batch_size, seq_len), dtype=np.int64)
    return Batch(x=x, y=x % 3)


def baseline(seq_len: int) -> Baseline:
    return Baseline(loss=math.log(3), metric=1.0 / 3.0, label="chance: 1/3")


TASK = Task(
    name="mod3",
    title="Digit mod 3 (sanity check)",
    description=(
        "At every step the network sees a digit and must output that digit mod 3. "
        "Example: `7 2 9 4 0 5` → `1 2 0 1 0 2`. The answer depends only on the current "
        "digit, so no memory is needed: this is a sanity check that should reach 100% "
        "quickly. Baseline: chance, 1/3."
    ),
    input_kind="tokens",
    input_size=len(VOCAB),
    output="many_to_many",
    target_kind="class",
    output_size=len(CLASSES),
    metric_name="accuracy",
    sample=sample,
    baseline=baseline,
    default_seq_len=20,
    min_seq_len=1,
    max_seq_len=1000,
    vocab=VOCAB,
    classes=CLASSES,
)

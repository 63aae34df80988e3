"""Adding problem: add the two marked numbers (many-to-one regression).

The input has two features per step: feature 0 is a random number from U[0, 1], feature 1 is
a marker that is 1 at exactly two steps, one in the first half (t < T // 2) and one in the
second half (t >= T // 2), and 0 elsewhere. After reading the whole sequence the network must
output the sum of the two marked numbers. Loss and metric are the MSE.

seq_len = T, the length of the sequence. The first marked number must be kept in memory for
up to T - 1 steps, so a longer seq_len means a longer memory span.

Worked example (T = 6):

    values  = [0.31, 0.72, 0.15, 0.94, 0.40, 0.58]
    markers = [0,    1,    0,    0,    1,    0   ]   one in t < 3, one in t >= 3
    x       = [[0.31, 0], [0.72, 1], [0.15, 0], [0.94, 0], [0.40, 1], [0.58, 0]]   (1, 6, 2)
    y       = [0.72 + 0.40] = [1.12]                                             (1, 1)

Baseline: the sum of two U[0, 1] numbers has mean 1 and variance 1/12 + 1/12 = 1/6, so always
predicting 1 scores MSE 1/6 ≈ 0.167.
"""

from __future__ import annotations

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    values = rng.random((batch_size, seq_len)).astype(np.float32)
    half = seq_len // 2
    first = rng.integers(0, half, size=batch_size)
    second = rng.integers(half, seq_len, size=batch_size)
    rows = np.arange(batch_size)
    markers = np.zeros((batch_size, seq_len), dtype=np.float32)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1)
    y = (values[rows, first] + values[rows, second])[:, None].astype(np.float32)
    return Batch(x=x, y=y)


def baseline(seq_len: int) -> Baseline:
    return Baseline(loss=1.0 / 6.0, metric=1.0 / 6.0, label="predict 1: MSE 1/6")


TASK = Task(
    name="adding",
    title="Adding problem",
    description=(
        "Each step carries a random number in [0, 1] and a marker. Exactly two steps are "
        "marked, one in each half of the sequence; at the end the network must output the "
        "sum of the two marked numbers. Example: values `0.31 0.72 0.15 0.94 0.40 0.58` "
        "with markers `0 1 0 0 1 0` → target `0.72 + 0.40 = 1.12`. The first marked number "
        "has to be remembered across the sequence. Baseline: always answering 1 scores "
        "MSE 1/6."
    ),
    input_kind="real",
    input_size=2,
    output="many_to_one",
    target_kind="regression",
    output_size=1,
    metric_name="mse",
    sample=sample,
    baseline=baseline,
    default_seq_len=50,
    min_seq_len=4,
    max_seq_len=1000,
)

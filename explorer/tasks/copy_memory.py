"""Copy memory: reproduce 10 symbols after a delay (many-to-many classification).

Tokens: ids 0..7 are the symbols "A".."H", 8 is the blank "_", 9 is the delimiter ":".
The input is 10 random symbols, then T blanks of which the last one is replaced by the
delimiter, then 10 more blanks. The target is blank everywhere except the last 10 steps,
which must be the 10 symbols in their original order. The loss covers every step; accuracy
is measured on the last 10 steps only.

seq_len = T, the delay between the end of the symbols and the delimiter. The sequence the
network actually sees is T + 20 steps long (10 symbols + T + 10 answer steps), and every
symbol must be held in memory for T + 10 steps.

Worked example (T = 3, so 23 steps):

    x = C A H B E D G F A A  _ _ :  _ _ _ _ _ _ _ _ _ _
    y = _ _ _ _ _ _ _ _ _ _  _ _ _  C A H B E D G F A A
    x ids = [2, 0, 7, 1, 4, 3, 6, 5, 0, 0, 8, 8, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8]
    y ids = [8] * 13 + [2, 0, 7, 1, 4, 3, 6, 5, 0, 0]
    metric_mask is True on the last 10 steps.

Baseline, a network without memory: it can learn to output blank with certainty up to the
delimiter and to know that symbols come after it, but it can only guess them, 1 in 8. Its
cross-entropy is ln 8 on each of the 10 answer steps and 0 elsewhere, so the mean loss per
step is 10 ln 8 / (T + 20), and its accuracy on the answer steps is 1/8.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

N_SYMBOLS = 8
BLANK = 8
DELIMITER = 9
N_COPY = 10
VOCAB = ("A", "B", "C", "D", "E", "F", "G", "H", "_", ":")


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    total = seq_len + 2 * N_COPY
    symbols = rng.integers(0, N_SYMBOLS, size=(batch_size, N_COPY), dtype=np.int64)
    x = np.full((batch_size, total), BLANK, dtype=np.int64)
    x[:, :N_COPY] = symbols
    x[:, N_COPY + seq_len - 1] = DELIMITER
    y = np.full((batch_size, total), BLANK, dtype=np.int64)
    y[:, -N_COPY:] = symbols
    metric_mask = np.zeros((batch_size, total), dtype=bool)
    metric_mask[:, -N_COPY:] = True
    return Batch(x=x, y=y, loss_mask=None, metric_mask=metric_mask)


def baseline(seq_len: int) -> Baseline:
    return Baseline(
        loss=N_COPY * math.log(N_SYMBOLS) / (seq_len + 2 * N_COPY),
        metric=1.0 / N_SYMBOLS,
        label="memoryless: guess the symbols",
    )


TASK = Task(
    name="copy",
    title="Copy memory",
    description=(
        "The network reads 10 random symbols (A–H), then a stretch of blanks ending in a "
        "delimiter `:`, and must then write the 10 symbols back in order. Example with a "
        "delay of 3: input `CAHBEDGFAA__:__________` → target "
        "`_____________CAHBEDGFAA`. The delay (seq_len) sets how long the symbols must be "
        "held; the full sequence is delay + 20 steps. Accuracy counts the last 10 steps "
        "only. Baseline: without memory the symbols can only be guessed, 1 in 8."
    ),
    input_kind="tokens",
    input_size=len(VOCAB),
    output="many_to_many",
    target_kind="class",
    output_size=len(VOCAB),
    metric_name="accuracy",
    sample=sample,
    baseline=baseline,
    default_seq_len=10,
    min_seq_len=1,
    max_seq_len=500,
    vocab=VOCAB,
    classes=VOCAB,
)

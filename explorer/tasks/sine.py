"""Sine: predict the next value of a sine wave (many-to-many regression).

Each sequence is one sine wave ``s_t = sin(phase + omega * t)``. For every sequence the phase
is drawn from U[0, 2π) and the angular step ``omega`` from U[0.05, 0.2] rad per step, so the
period is between about 31 and 126 steps. The input is the wave at t = 0..T-1 and the target
at every step is the next value, the wave at t = 1..T. Loss and metric are the MSE over all
steps.

seq_len = T, the number of steps fed in. One value alone does not say whether the wave is
rising or falling, nor how fast it turns; a couple of past values do. So the memory needed is
short, and a longer seq_len mostly adds more (easier) steps later in the sequence.

Worked example (phase 0, omega 0.1, T = 4), values rounded:

    x = [sin 0.0, sin 0.1, sin 0.2, sin 0.3] = [0.000, 0.100, 0.199, 0.296]   shape (1, 4, 1)
    y = [sin 0.1, sin 0.2, sin 0.3, sin 0.4] = [0.100, 0.199, 0.296, 0.389]   shape (1, 4, 1)

Baseline, "repeat the last value" (predict y_t = x_t): with a uniform phase,
E[(sin(a + w) - sin(a))^2] = 1 - cos w at every step, and averaging over w ~ U[w0, w1] gives

    MSE = 1 - (sin w1 - sin w0) / (w1 - w0) = 1 - (sin 0.2 - sin 0.05) / 0.15 ≈ 0.00873,

the same for every seq_len.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.tasks.base import Baseline, Batch, Task

OMEGA_MIN = 0.05  # rad per step: period ≈ 126 steps
OMEGA_MAX = 0.2  # rad per step: period ≈ 31 steps

REPEAT_LAST_MSE = 1.0 - (math.sin(OMEGA_MAX) - math.sin(OMEGA_MIN)) / (OMEGA_MAX - OMEGA_MIN)


def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
    phase = rng.uniform(0.0, 2.0 * math.pi, size=(batch_size, 1))
    omega = rng.uniform(OMEGA_MIN, OMEGA_MAX, size=(batch_size, 1))
    t = np.arange(seq_len + 1, dtype=np.float64)[None, :]
    wave = np.sin(phase + omega * t).astype(np.float32)
    return Batch(x=wave[:, :-1, None], y=wave[:, 1:, None])


def baseline(seq_len: int) -> Baseline:
    return Baseline(
        loss=REPEAT_LAST_MSE,
        metric=REPEAT_LAST_MSE,
        label=f"repeat last value: MSE {REPEAT_LAST_MSE:.4f}",
    )


TASK = Task(
    name="sine",
    title="Sine: next value",
    description=(
        "Each sequence is a sine wave with a random phase and a random speed "
        "(0.05 to 0.2 rad per step). At every step the network sees the current value and "
        "must predict the next one. Example: input `0.000, 0.100, 0.199, 0.296` → "
        "targets `0.100, 0.199, 0.296, 0.389`. One value cannot tell rising from falling, "
        "so a little memory helps. Baseline: repeating the last value scores "
        f"MSE ≈ {REPEAT_LAST_MSE:.4f}."
    ),
    input_kind="real",
    input_size=1,
    output="many_to_many",
    target_kind="regression",
    output_size=1,
    metric_name="mse",
    sample=sample,
    baseline=baseline,
    default_seq_len=50,
    min_seq_len=10,
    max_seq_len=1000,
)

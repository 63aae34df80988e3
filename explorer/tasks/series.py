"""Series: forecast a time series from windows of its training part (regression).

The series is split in time (explorer.forecast.split: the first 70% trains) and normalised with
the training part's mean and standard deviation, z = (y - mean) / std. Each sequence is a window
of z drawn at random from the training part only; seq_len = T, the window the network reads.
Two ways to forecast H steps ahead (`FORECAST_SHAPES`):

- closed loop: at every step predict the next value (many-to-many, like the sine task); to
  forecast, read the window, then feed each prediction back as the next input, H times;
- direct: read the window and emit all H next values at once (many-to-one, H outputs).

The registered task (`TASK`, for the Train page and the CLI without --data) is the closed loop
on the generated seasonal series; the Forecast page and ``--data`` build one per series
(`series_task`). Worked example, closed loop (T = 4), z rounded:

    window = [0.12, 0.57, 0.91, 0.88, 0.43]
    x = [0.12, 0.57, 0.91, 0.88]   shape (1, 4, 1)
    y = [0.57, 0.91, 0.88, 0.43]   shape (1, 4, 1)     (direct, H = 2: x = the first 4, y = the
                                                       next two, shape (1, 2))

Baseline: persistence, repeating the last value seen, scored on the training part in z units.
The held-out loss (`Trainer.evaluate`) reads windows of the validation part, never trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from explorer.forecast.generated import generate
from explorer.forecast.split import Scaler, Split, windows
from explorer.tasks.base import Baseline, Batch, Task

DEFAULT_WINDOW = 48


def _starts(rng: np.random.Generator, size: int, z: np.ndarray, length: int) -> np.ndarray:
    return rng.integers(0, len(z) - length + 1, size=size)


@dataclass(frozen=True)
class ForecastShape:
    """How a model forecasts, as a task: what a sequence and its target are, and its baseline."""

    name: str
    title: str
    output: str  # the Task's output kind
    sample: Callable[[np.ndarray, int], Callable]  # (z_train, H) -> the Task's sample
    persistence: Callable[[np.ndarray, int], float]  # (z_train, H) -> persistence MSE on the training part
    outputs: Callable[[int], int]  # H -> the model's outputs per step


def _closed_sample(z: np.ndarray, horizon: int) -> Callable:
    def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
        w = windows(z, _starts(rng, batch_size, z, seq_len + 1), seq_len + 1).astype(np.float32)
        return Batch(x=w[:, :-1, None], y=w[:, 1:, None])  # (B, T, 1) each
    return sample


def _direct_sample(z: np.ndarray, horizon: int) -> Callable:
    def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:
        w = windows(z, _starts(rng, batch_size, z, seq_len + horizon), seq_len + horizon).astype(np.float32)
        return Batch(x=w[:, :seq_len, None], y=w[:, seq_len:])  # (B, T, 1), (B, H)
    return sample


def _persistence(z: np.ndarray, steps: int) -> float:
    """MSE of repeating y_t for y_{t+1..t+steps}, over the training part."""
    return float(np.mean([np.mean((z[k:] - z[:-k]) ** 2) for k in range(1, steps + 1)]))


FORECAST_SHAPES: dict[str, ForecastShape] = {s.name: s for s in (
    ForecastShape("closed", "closed loop (predictions fed back)", "many_to_many", _closed_sample,
                  lambda z, h: _persistence(z, 1), lambda h: 1),
    ForecastShape("direct", "direct (all steps at once)", "many_to_one", _direct_sample, _persistence,
                  lambda h: h),
)}


def series_task(z_train: np.ndarray, shape: str = "closed", horizon: int = 1, title: str = "",
                z_held: np.ndarray | None = None) -> Task:
    """The task of forecasting this training part (normalised) `horizon` steps ahead; `z_held`
    (the validation part, normalised the same way) is where `Trainer.evaluate` draws its windows."""
    how = FORECAST_SHAPES[shape]
    mse = how.persistence(z_train, horizon)
    what = "next value" if how.output == "many_to_many" else f"next {horizon} values"
    ahead = 1 if how.output == "many_to_many" else horizon  # steps after a window its target needs
    return Task(
        name="series",
        title=title or "Series: forecast",
        description=__doc__.split("\n\n")[1],
        input_kind="real",
        input_size=1,
        output=how.output,
        target_kind="regression",
        output_size=how.outputs(horizon),
        metric_name="mse",
        sample=how.sample(z_train, horizon),
        held_out=None if z_held is None else how.sample(z_held, horizon),
        baseline=lambda seq_len: Baseline(mse, mse, f"persistence ({what}): MSE {mse:.4f}"),
        default_seq_len=min(DEFAULT_WINDOW, len(z_train) // 2),
        min_seq_len=2,
        max_seq_len=min(len(z_train) - horizon, len(z_held) - ahead if z_held is not None else len(z_train)),
    )


def _default() -> Task:
    values = generate("seasonal").array()
    split = Split.of(len(values))
    scaler = Scaler.fit(values[:split.train_end])
    task = series_task(scaler.apply(values[:split.train_end]), title="Series: generated seasonal, next value",
                       z_held=scaler.apply(values[split.train_end:split.val_end]))
    return replace(task, description=(
        "A generated series with two seasons (24 and 100 steps), a slow trend and noise, normalised "
        "on its first 70%; the network reads windows of that part and predicts the next value at "
        "every step. Example: input `0.12, 0.57, 0.91, 0.88` → targets `0.57, 0.91, 0.88, 0.43`. "
        "Baseline: repeating the last value. The Forecast page forecasts many steps ahead, on your "
        "own CSV too."))


TASK = _default()

"""`ForecastSpec`: one forecasting run (settings, the series, the horizon), and what it prepares.

    spec = ForecastSpec(RunConfig(task="series", cell="gru", seq_len=48), generate("seasonal"), horizon=12)
    spec.problems(Limits())          # messages for a person; empty when it can run
    ready = spec.prepare()           # split, scaler, season, the task to train on

The spec is frozen and hashable: the job layer shares and caches runs by it. The series inside
compares by its digest, so the numbers never become a key (nor go into a URL).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.config import Limits, RunConfig
from explorer.forecast.baselines import detect_season
from explorer.forecast.data import SeriesData
from explorer.forecast.split import Scaler, Split
from explorer.tasks.base import Task
from explorer.tasks.series import FORECAST_SHAPES, series_task

MAX_HORIZON = 200


@dataclass(frozen=True)
class ForecastSpec:
    config: RunConfig  # task "series"; seq_len is the window the network reads
    series: SeriesData
    horizon: int = 12  # steps forecast ahead
    shape: str = "closed"  # a key of FORECAST_SHAPES: closed loop or direct
    season: int = 0  # seasonal-naive's m in steps; 0: found on the training part

    def problems(self, limits: Limits | None = None) -> list[str]:
        problems = list(self.config.validate(limits))
        if self.config.task != "series":
            problems.append(f"A forecast trains the task 'series' (got {self.config.task!r}).")
        if self.shape not in FORECAST_SHAPES:
            problems.append(f"Unknown forecast {self.shape!r}; choose one of {', '.join(FORECAST_SHAPES)}.")
        split, most = Split.of(len(self.series)), (limits or Limits()).max_series_points
        if len(self.series) > most:
            problems.append(f"The series has {len(self.series):,} points; this server forecasts at most "
                            f"{most:,} (EXPLORER_MAX_SERIES_POINTS).")
        if not (isinstance(self.horizon, int) and 1 <= self.horizon <= MAX_HORIZON):
            problems.append(f"The horizon must be a whole number of steps from 1 to {MAX_HORIZON} "
                            f"(got {self.horizon!r}).")
            return problems
        window, test = self.config.seq_len, split.n - split.val_end
        if window + self.horizon > split.train_end // 2:
            problems.append(f"A window of {window} plus a horizon of {self.horizon} steps is more than "
                            f"half the training part ({split.train_end} of {split.n} points): shorten one "
                            "of them.")
        if self.horizon > min(test, split.val_end - split.train_end):
            problems.append(f"The horizon ({self.horizon}) is longer than the validation or test part "
                            f"({split.val_end - split.train_end} and {test} points): shorten it.")
        if not (isinstance(self.season, int) and 0 <= self.season <= split.train_end // 2):
            problems.append(f"The season must be 0 (found on the training part) or a number of steps up to "
                            f"{split.train_end // 2}, half the training part (got {self.season!r}).")
        return problems

    def prepare(self) -> Prepared:
        values = self.series.array()
        split = Split.of(len(values))
        scaler = Scaler.fit(values[:split.train_end])  # the training part alone
        z = scaler.apply(values)
        found = detect_season(z[:split.train_end]) if self.season == 0 else self.season
        task = series_task(z[:split.train_end], self.shape, self.horizon, title=self.series.name)
        return Prepared(self, values, z, split, scaler, max(found, 1), found > 0 or self.season > 0, task)


@dataclass(frozen=True)
class Prepared:
    spec: ForecastSpec
    values: np.ndarray  # (n,) in the data's units
    z: np.ndarray  # (n,) normalised with the training part's scaler
    split: Split
    scaler: Scaler
    season: int  # seasonal-naive's m (1, persistence, when none was found)
    season_found: bool  # given, or found on the training part
    task: Task  # windows of the training part, the spec's shape

"""Kind "forecast": one run of a `ForecastSpec` (the Forecast page; the CLI runs the same `Work`).

A train run on the series' training part whose every probe also forecasts the validation and
test parts; the baselines are scored once, at the start, on the same windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.config import Limits
from explorer.forecast.spec import ForecastSpec
from explorer.jobs.kind import JobKind, View
from explorer.jobs.train import Snapshot, TrainState, TrainWork

if TYPE_CHECKING:  # the evaluation imports torch: only the worker needs it
    from explorer.forecast.evaluate import Forecast, Scores


@dataclass
class ForecastSnapshot(Snapshot):
    spec: ForecastSpec | None = None
    season: int = 1  # seasonal-naive's m
    season_found: bool = False
    forecast: Forecast | None = None  # the latest at or before the step shown
    baselines: dict[str, Scores] | None = None


class ForecastWork(TrainWork):
    def __init__(self, spec: ForecastSpec, limits: Limits):
        super().__init__(spec.config, limits)
        self.spec = spec

    def begin(self) -> dict:
        from explorer.forecast.evaluate import baseline_scores, evaluate
        from explorer.train import ConfigError, Trainer

        if problems := self.spec.problems(self.limits):
            raise ConfigError(problems)
        self.ready = self.spec.prepare()
        self.trainer = Trainer(self.config, self.limits, task=self.ready.task)
        self.baselines = baseline_scores(self.ready, self.limits.max_tokens_per_batch)
        return {"device": str(self.trainer.device), "trace": self.trainer.probe_trace(),
                "season": (self.ready.season, self.ready.season_found), "baselines": self.baselines,
                "forecast": evaluate(self.trainer.model, self.ready, 0, self.baselines)}

    def advance(self) -> tuple:
        from explorer.forecast.evaluate import evaluate

        progress = self.trainer.step()
        due = progress.trace is not None or self.trainer.done
        return progress, (evaluate(self.trainer.model, self.ready, progress.step, self.baselines)
                          if due else None)

    def forecast(self) -> Forecast:
        """The model's forecast now (the CLI reads it at the end)."""
        from explorer.forecast.evaluate import evaluate

        return evaluate(self.trainer.model, self.ready, self.trainer.step_count, self.baselines)


class ForecastState(TrainState):
    def __init__(self, spec: ForecastSpec):
        super().__init__(spec.config)
        self.spec = spec
        self.forecasts: list[Forecast] = []
        self.season, self.baselines = (1, False), None

    def started(self, payload: dict) -> None:
        super().started(payload)
        self.season, self.baselines = payload["season"], payload["baselines"]
        self.forecasts.append(payload["forecast"])

    def progressed(self, payload: tuple) -> None:
        progress, forecast = payload
        super().progressed(progress)
        if forecast is not None:
            self.forecasts.append(forecast)

    def snapshot(self, view: View) -> ForecastSnapshot:
        base = super().snapshot(view)
        shown = [f for f in self.forecasts if f.step <= view.shown]
        return ForecastSnapshot(**base.__dict__, spec=self.spec, season=self.season[0],
                                season_found=self.season[1], forecast=shown[-1] if shown else None,
                                baselines=self.baselines)


def _steps(spec: ForecastSpec) -> int:
    return spec.config.steps


FORECAST = JobKind("forecast", ForecastWork, ForecastState, _steps)

"""Multi-step forecasts scored per horizon step, the model's beside the baselines', on held-out parts.

    scores = baseline_scores(ready)                   # part -> Scores of every baseline, once per run
    result = evaluate(model, ready, step, scores)     # a Forecast: the model added, and paths to draw

For each origin o of a part (evenly spread, at most `MAX_ORIGINS` and as many as fit a server's
`max_tokens_per_batch` of (T + H)-step windows; the forecast z[o:o+H] inside the part, the window
z[o-T:o] read before it), errors are taken in the data's own units:

    MSE_h = mean_o (ŷ_{o+h} - y_{o+h})²,   MAE_h = mean_o |ŷ_{o+h} - y_{o+h}|,   h = 1..H
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from explorer.config import Limits
from explorer.forecast.baselines import BASELINES, Context
from explorer.forecast.spec import Prepared
from explorer.forecast.split import origins, windows

MAX_ORIGINS = 200  # per part: a forecast at every probe costs about a quarter of the training between
MAX_DRAWN = 60  # forecasts drawn over the test part
HELD_OUT = ("validation", "test")
MODEL = "model"


@dataclass(frozen=True)
class Scores:
    """One part's forecast errors per horizon step, in the data's units."""

    part: str
    origins: np.ndarray  # (N,)
    mse: dict[str, np.ndarray]  # forecaster -> (H,)
    mae: dict[str, np.ndarray]  # forecaster -> (H,)

    def with_forecaster(self, name: str, mse: np.ndarray, mae: np.ndarray) -> Scores:
        return Scores(self.part, self.origins, self.mse | {name: mse}, self.mae | {name: mae})


@dataclass(frozen=True)
class Forecast:
    """The model's forecasts at one training step, with the baselines on the same windows."""

    step: int
    scores: dict[str, Scores]  # "validation", "test"
    drawn: np.ndarray  # (K,) origins of the drawn forecasts: every H steps across the test part
    paths: np.ndarray  # (K, H) the model's forecasts from them, in the data's units

    def mse(self, name: str = MODEL, part: str = "test") -> float:
        return float(self.scores[part].mse[name].mean())


def _context(ready: Prepared, at: np.ndarray) -> Context:
    return Context(ready.z, at, ready.spec.horizon, ready.split.train_end, ready.spec.config.seq_len,
                   ready.season)


def most_origins(ready: Prepared, tokens: int) -> int:
    """Forecasts one evaluation may make: their windows and horizons within `tokens` steps."""
    return max(1, min(MAX_ORIGINS, tokens // (ready.spec.config.seq_len + ready.spec.horizon)))


def part_origins(ready: Prepared, part: str, tokens: int) -> np.ndarray:
    start, stop = ready.split.parts()[part]
    return origins(start, stop, ready.spec.config.seq_len, ready.spec.horizon, most_origins(ready, tokens))


def _errors(ready: Prepared, at: np.ndarray, z_forecast: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    actual = windows(ready.values, at, ready.spec.horizon)  # (N, H)
    error = ready.scaler.invert(z_forecast) - actual
    return (error**2).mean(axis=0), np.abs(error).mean(axis=0)


def baseline_scores(ready: Prepared, tokens: int = Limits.max_tokens_per_batch) -> dict[str, Scores]:
    """Every baseline on each held-out part; `tokens` bounds the windows (a server's limit)."""
    scores = {}
    for part in HELD_OUT:
        at = part_origins(ready, part, tokens)
        errors = {name: _errors(ready, at, b.forecast(_context(ready, at))) for name, b in BASELINES.items()}
        scores[part] = Scores(part, at, {k: mse for k, (mse, _) in errors.items()},
                              {k: mae for k, (_, mae) in errors.items()})
    return scores


def _closed(model: nn.Module, context: torch.Tensor, horizon: int) -> torch.Tensor:
    return model.free_run(context, horizon)[..., 0]  # (N, H): each prediction fed back as the next input


def _direct(model: nn.Module, context: torch.Tensor, horizon: int) -> torch.Tensor:
    return model(context)  # (N, H): all steps at once


# a forecast shape's use of its model: (model, context (N, T, 1), H) -> (N, H) in z units
MODEL_FORECASTS: dict[str, Callable[[nn.Module, torch.Tensor, int], torch.Tensor]] = {
    "closed": _closed, "direct": _direct}


@torch.no_grad()
def model_forecast(model: nn.Module, ready: Prepared, at: np.ndarray) -> np.ndarray:
    """(N, H) forecasts in z units from the origins `at`, each reading the window before it."""
    model.eval()
    device = next(model.parameters()).device
    window = ready.spec.config.seq_len
    context = torch.as_tensor(windows(ready.z, at - window, window), dtype=torch.float32, device=device)
    out = MODEL_FORECASTS[ready.spec.shape](model, context[:, :, None], ready.spec.horizon)
    return out.double().cpu().numpy()


def evaluate(model: nn.Module, ready: Prepared, step: int, baselines: dict[str, Scores]) -> Forecast:
    scores = {}
    for part, base in baselines.items():
        scores[part] = base.with_forecaster(MODEL, *_errors(ready, base.origins,
                                                            model_forecast(model, ready, base.origins)))
    start, stop = ready.split.parts()["test"]
    horizon, window = ready.spec.horizon, ready.spec.config.seq_len
    drawn = np.arange(max(start, window), stop - horizon + 1, horizon)  # back to back
    most = max(1, min(MAX_DRAWN, len(baselines["test"].origins)))  # within the same bound as the scores
    drawn = drawn[::max(1, -(-len(drawn) // most))]
    paths = ready.scaler.invert(model_forecast(model, ready, drawn)) if len(drawn) else np.zeros((0, horizon))
    return Forecast(step, scores, drawn, paths)

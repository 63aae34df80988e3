"""BASELINES: forecasts with no network, on the same windows as the model's.

Each takes a `Context` and returns (N, H) forecasts in z units. They see what the model sees:
the values before each origin, and (the linear autoregression) a fit on the training part.

    persistence     ŷ_{o+h} = y_{o-1}                                   repeat the last value
    seasonal_naive  ŷ_{o+h} = y_{o-m+(h mod m)}                          repeat the last season
    linear_ar       ŷ_t = c + Σ_{k=1..p} a_k y_{t-k}, fitted by least squares on the training
                    part, p = min(window, MAX_AR_ORDER), run forward H steps on its own forecasts

`detect_season` finds m on the training part: the lag of the highest autocorrelation after it
first falls below zero (trend removed first), if that is above `SEASON_MIN_ACF`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_AR_ORDER = 64
SEASON_MIN_ACF = 0.3


@dataclass(frozen=True)
class Context:
    z: np.ndarray  # (n,) the whole normalised series; a forecaster reads z[:o] for origin o
    origins: np.ndarray  # (N,) where each forecast starts
    horizon: int
    train_end: int
    window: int  # what the model reads
    season: int  # m, at least 1


def _persistence(c: Context) -> np.ndarray:
    return np.repeat(c.z[c.origins - 1][:, None], c.horizon, axis=1)  # (N, H)


def _seasonal_naive(c: Context) -> np.ndarray:
    h = np.arange(c.horizon)
    return c.z[c.origins[:, None] - c.season + (h % c.season)[None, :]]  # (N, H)


def ar_order(window: int, train_end: int) -> int:
    return max(1, min(window, MAX_AR_ORDER, train_end // 4))


def fit_ar(train: np.ndarray, order: int) -> np.ndarray:
    """[a_1 … a_p, c] by least squares: y_t ≈ Σ a_k y_{t-k} + c over the training part."""
    lags = np.stack([train[order - k:len(train) - k] for k in range(1, order + 1)], axis=1)  # (n-p, p)
    design = np.hstack([lags, np.ones((len(lags), 1))])
    coef, *_ = np.linalg.lstsq(design, train[order:], rcond=None)
    return coef


def _linear_ar(c: Context) -> np.ndarray:
    order = ar_order(c.window, c.train_end)
    coef = fit_ar(c.z[:c.train_end], order)
    history = c.z[c.origins[:, None] - np.arange(1, order + 1)[None, :]]  # (N, p): y_{o-1}, y_{o-2} …
    out = np.empty((len(c.origins), c.horizon))
    for h in range(c.horizon):
        out[:, h] = history @ coef[:-1] + coef[-1]
        history = np.hstack([out[:, h:h + 1], history[:, :-1]])
    return out


@dataclass(frozen=True)
class Baseline:
    name: str
    title: str
    forecast: Callable[[Context], np.ndarray]


BASELINES: dict[str, Baseline] = {b.name: b for b in (
    Baseline("persistence", "persistence (repeat the last value)", _persistence),
    Baseline("seasonal_naive", "seasonal-naive (repeat the last season)", _seasonal_naive),
    Baseline("linear_ar", "linear autoregression (least squares)", _linear_ar),
)}


def detect_season(train: np.ndarray) -> int:
    """The main season of the training part in steps, or 0 when none stands out."""
    n = len(train)
    t = np.arange(n)
    rest = train - np.polyval(np.polyfit(t, train, 1), t)  # the trend removed
    spectrum = np.abs(np.fft.rfft(rest, 2 * n)) ** 2
    acf = np.fft.irfft(spectrum)[:n // 3]
    if acf[0] <= 0:
        return 0
    acf = acf / acf[0]
    below = np.flatnonzero(acf < 0)
    if not len(below):
        return 0
    lag = int(below[0] + np.argmax(acf[below[0]:]))
    return lag if acf[lag] > SEASON_MIN_ACF else 0

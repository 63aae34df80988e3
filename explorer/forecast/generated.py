"""GENERATORS: series made by our own code, the same numbers for the same seed (nothing downloaded).

    series = generate("seasonal", seed=0)        # a SeriesData of DEFAULT_POINTS values

seasonal    y_t = 0.002 t + sin(2π t / 24) + 0.5 sin(2π t / 100) + ε_t,  ε_t ~ N(0, 0.2²)
            two seasons (24 and 100 steps) on a slow trend: seasonal-naive at 24 misses the slower one;
            the season found on the training part is 96 steps (four of 24, nearly one of 100)
stock       y_t = 100 exp(Σ_{s≤t} r_s),  r_s ~ N(0.0002, 0.01²): a geometric random walk, where
            persistence is about the best any forecast can do
oscillator  y_t = 2ρ cos(ω) y_{t-1} - ρ² y_{t-2} + ε_t,  ρ = 0.97, ω = 2π/30, ε_t ~ N(0, 0.1²):
            a damped spring kicked at random, ringing at a period of about 30 steps
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.forecast.data import SeriesData

DEFAULT_POINTS = 1000


def _seasonal(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n, dtype=float)
    return (0.002 * t + np.sin(2 * math.pi * t / 24) + 0.5 * np.sin(2 * math.pi * t / 100)
            + rng.normal(0.0, 0.2, n))


def _stock(rng: np.random.Generator, n: int) -> np.ndarray:
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, n)))


def _oscillator(rng: np.random.Generator, n: int) -> np.ndarray:
    rho, omega = 0.97, 2 * math.pi / 30
    a1, a2 = 2 * rho * math.cos(omega), -rho**2
    kicks, y = rng.normal(0.0, 0.1, n), np.zeros(n)
    y[0] = 1.0  # released from a stretch
    for t in range(1, n):
        y[t] = a1 * y[t - 1] + (a2 * y[t - 2] if t > 1 else 0.0) + kicks[t]
    return y


@dataclass(frozen=True)
class Generator:
    name: str
    title: str
    make: Callable[[np.random.Generator, int], np.ndarray]  # (rng, n) -> (n,)


GENERATORS: dict[str, Generator] = {g.name: g for g in (
    Generator("seasonal", "Two seasons and a trend, with noise", _seasonal),
    Generator("stock", "A random-walk 'stock' price", _stock),
    Generator("oscillator", "A damped oscillator, kicked at random", _oscillator),
)}


def generate(name: str, seed: int = 0, n: int = DEFAULT_POINTS) -> SeriesData:
    """The generator `name`'s series; KeyError listing the names for an unknown one."""
    if name not in GENERATORS:
        raise KeyError(f"unknown series {name!r}; choose one of {', '.join(GENERATORS)}")
    values = GENERATORS[name].make(np.random.default_rng([seed, 7]), n)
    return SeriesData.of(f"generated: {name} (seed {seed})", values)

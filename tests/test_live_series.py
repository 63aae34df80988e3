"""Curves that grow a few steps at a time: the same numbers as drawing the whole run at once."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from explorer.figures.compare import RaceLoss
from explorer.figures.series import Binned, Trailing
from explorer.figures.training import GradientNormCurve, LearningCurve


def noisy(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.random(n)
    values[rng.random(n) < 0.05] = np.nan  # a diverged or undrawable step now and then
    return np.arange(1, n + 1, dtype=float), values


def in_pieces(n: int, seed: int = 1):
    """Slices of 0..n of random sizes (1 to 60), as refreshes see a run."""
    rng, start = np.random.default_rng(seed), 0
    while start < n:
        stop = min(n, start + int(rng.integers(1, 61)))
        yield slice(start, stop)
        start = stop


@pytest.mark.parametrize(("reduce", "batch"), [("mean", np.nanmean), ("max", np.nanmax)])
def test_binned_matches_binning_the_whole_series(reduce, batch):
    """Bins of k (a power of two) consecutive steps, at most max_points of them, whatever the feeding."""
    steps, values = noisy(5000)
    whole = Binned(500, reduce).extend(steps, values)
    fed = Binned(500, reduce)
    for part in in_pieces(5000):
        fed.extend(steps[part], values[part])
    assert whole.k == fed.k == 16 and len(whole.x) == 313  # 5000 / 16, the last bin partial
    np.testing.assert_array_equal(fed.x, whole.x)
    np.testing.assert_allclose(fed.y, whole.y)
    padded = np.full(313 * 16, np.nan)
    padded[:5000] = values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_allclose(whole.y, batch(padded.reshape(313, 16), axis=1))
    assert whole.x[-1] == 5000 and whole.x[0] == 16


def test_a_bin_of_nothing_drawable_is_a_gap():
    binned = Binned(4).extend([1, 2, 3], [np.nan, np.nan, 1.0])
    assert np.isnan(binned.y[0]) and binned.y[2] == 1.0


@pytest.mark.parametrize("partial", [False, True])
def test_trailing_mean_over_the_finite_values_of_each_window(partial):
    steps, values = noisy(400)
    trailing, xs, means = Trailing(10, partial), [], []
    for part in in_pieces(400):
        x, mean = trailing.extend(steps[part], values[part])
        xs.append(x)
        means.append(mean)
    expected = np.array([np.nanmean(values[max(0, i - 9):i + 1]) for i in range(400)])
    first = 0 if partial else 9
    np.testing.assert_allclose(np.concatenate(means), expected[first:])
    np.testing.assert_array_equal(np.concatenate(xs), steps[first:])


def test_a_learning_curve_fed_by_refreshes_is_the_whole_runs_figure():
    steps, values = noisy(3000)
    live = LearningCurve(name="loss", smooth=10, baseline=0.5, baseline_label="guess")
    for part in in_pieces(3000):
        assert live.feed(list(steps[:part.stop]), list(values[:part.stop])) is True
    assert live.feed(list(steps), list(values)) is False  # nothing new
    assert live.feed(list(steps[:5]), list(values[:5])) is None  # not its series
    whole = LearningCurve(name="loss", smooth=10, baseline=0.5, baseline_label="guess").extend(steps, values)
    for (x, y, name), (wx, wy, wname) in zip(live.series(), whole.series(), strict=True):
        np.testing.assert_array_equal(x, wx)
        np.testing.assert_allclose(y, wy)
        assert name == wname
    assert [name for *_, name in whole.series()] == ["loss (mean of every 8 steps)", "loss (mean of 10)"]


def test_the_trend_appears_with_the_smooth_th_step():
    curve = LearningCurve(name="loss", smooth=10)
    curve.extend(np.arange(1, 10), np.ones(9))
    assert not curve.shape() and len(curve.series()) == 1
    curve.extend([10], [1.0])
    assert curve.shape() and len(curve.series()) == 2


def test_a_gradient_norm_curve_fed_by_refreshes_counts_every_clipped_step():
    steps, norms = noisy(2000)
    norms = norms * 3
    live = GradientNormCurve(threshold=1.0)
    for part in in_pieces(2000):
        live.feed(steps[:part.stop], norms[:part.stop], np.minimum(norms[:part.stop], 1.0))
    whole = GradientNormCurve(threshold=1.0).extend(steps, norms, np.minimum(norms, 1.0))
    assert live.acted == whole.acted == int(np.sum(norms > 1.0))
    for (x, y, name), (wx, wy, wname) in zip(live.series(), whole.series(), strict=True):
        np.testing.assert_array_equal(x, wx)
        np.testing.assert_allclose(y, wy)
        assert name == wname


def test_a_race_fed_by_refreshes_is_the_whole_races_figure():
    titles = {"lstm": "LSTM", "gru": "GRU"}
    (steps, a), (_, b) = noisy(700, 1), noisy(700, 2)
    live = RaceLoss(titles)
    for part in in_pieces(700):
        half = part.stop // 2  # one cell lags behind
        live.feed({"lstm": (steps[:part.stop], a[:part.stop]), "gru": (steps[:half], b[:half])})
    whole = RaceLoss(titles)
    whole.feed({"lstm": (steps, a), "gru": (steps[:350], b[:350])})
    assert [name for *_, name in live.series()] == ["LSTM (raw)", "LSTM", "GRU (raw)", "GRU"]
    for (x, y, _), (wx, wy, _) in zip(live.series(), whole.series(), strict=True):
        np.testing.assert_array_equal(x, wx)
        np.testing.assert_allclose(y, wy)

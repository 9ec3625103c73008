import math

import numpy as np
import pytest
from scipy import stats

from sim.stats import Interval, overtake_week, overtake_weeks, t_band, t_interval


def test_known_value_by_hand():
    # mean 2, sd 1, n 3: half-width = t(0.975, df=2) / sqrt(3). With 2 degrees of
    # freedom the t quantile has a closed form: t_p = (2p - 1) * sqrt(2 / (4 p (1 - p))).
    p = 0.975
    t = (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))
    assert t == pytest.approx(4.302652729749464, rel=1e-12)
    iv = t_interval([1.0, 2.0, 3.0])
    half = t / math.sqrt(3)
    assert iv.n == 3
    assert iv.mean == pytest.approx(2.0)
    assert iv.low == pytest.approx(2.0 - half, rel=1e-12)
    assert iv.high == pytest.approx(2.0 + half, rel=1e-12)
    assert iv.half_width == pytest.approx(half, rel=1e-12)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [2, 5, 20])
def test_matches_scipy(confidence, n):
    x = np.random.default_rng(n).normal(10.0, 3.0, size=n)
    iv = t_interval(x, confidence)
    low, high = stats.t.interval(confidence, df=n - 1, loc=x.mean(), scale=stats.sem(x))
    assert iv.mean == pytest.approx(x.mean(), rel=1e-12)
    assert iv.low == pytest.approx(low, rel=1e-10)
    assert iv.high == pytest.approx(high, rel=1e-10)
    assert iv.confidence == confidence


def test_single_sample_has_a_mean_but_no_interval():
    iv = t_interval([4.2])
    assert iv.n == 1
    assert iv.mean == 4.2
    assert math.isnan(iv.low) and math.isnan(iv.high)
    assert not iv.excludes(0.0)


def test_constant_sample_has_zero_width_and_the_exact_value():
    iv = t_interval([0.1] * 7)
    assert iv.n == 7
    assert iv.mean == 0.1
    assert iv.low == iv.high == 0.1


def test_empty_sample_is_all_nan():
    iv = t_interval([])
    assert iv.n == 0
    assert all(math.isnan(v) for v in (iv.mean, iv.low, iv.high))


def test_non_finite_values_are_ignored():
    assert t_interval([1.0, float("nan"), 3.0, float("inf")]) == t_interval([1.0, 3.0])


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 95])
def test_confidence_must_be_a_fraction(confidence):
    with pytest.raises(ValueError, match="confidence"):
        t_interval([1.0, 2.0], confidence)


def test_band_agrees_with_interval_column_by_column():
    rng = np.random.default_rng(3)
    samples = rng.normal(size=(6, 4))  # 6 seeds x 4 weeks
    samples[:, 2] = 5.0  # a constant week
    samples[1:, 3] = np.nan  # a week with a single finite value
    mean, low, high, n = t_band(samples, axis=0)
    for j in range(samples.shape[1]):
        iv = t_interval(samples[:, j])
        np.testing.assert_allclose([mean[j], low[j], high[j]], [iv.mean, iv.low, iv.high], rtol=1e-12)
        assert n[j] == iv.n
    assert low[2] == high[2] == 5.0
    assert np.isnan(low[3]) and mean[3] == samples[0, 3]


def test_excludes():
    assert Interval(2.0, 1.0, 3.0, 5).excludes(0.0)
    assert not Interval(2.0, -1.0, 3.0, 5).excludes(0.0)
    assert Interval(-2.0, -3.0, -1.0, 5).excludes(0.0)


def test_interval_covers_the_mean_and_narrows_with_seeds():
    rng = np.random.default_rng(0)
    small = t_interval(rng.normal(1, 1, 10), 0.9)
    large = t_interval(rng.normal(1, 1, 1000), 0.9)
    assert small.low < small.mean < small.high
    assert large.high - large.low < small.high - small.low


def test_overtake_week_takes_the_last_crossing_and_the_tie_rule():
    weeks = np.arange(1, 7)
    a = np.array([0.0, 2, 0, 1, 1, 3])
    b = np.array([1.0, 1, 1, 1, 1, 1])
    assert overtake_week(a, b, weeks) == 6  # level in weeks 4-5: not ahead
    assert overtake_week(a, b, weeks, level_counts=True) == 4
    assert overtake_week(b, a, weeks) is None  # behind at the end
    assert overtake_week(a + 5, b, weeks) == 1  # ahead throughout
    np.testing.assert_array_equal(overtake_weeks(np.stack([a, b]), np.stack([b, a]), weeks), [6.0, np.inf])

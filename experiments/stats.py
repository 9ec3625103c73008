"""Confidence intervals for experiments over many seeds.

Each seed of a scenario is one independent draw of the model's outcome, so a
result is reported as the mean over seeds with a Student-t confidence interval
(``mean ± t(1 - α/2, n - 1) · s / √n``). The helpers here are the only place
the experiments compute intervals, so that tables, charts and text agree.

Edge cases are explicit: with no finite value the mean and bounds are NaN; with
one value the mean is that value and the bounds are NaN (the spread cannot be
estimated); when all values are equal the interval has zero width.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy_stats


@dataclass(frozen=True)
class Interval:
    """A mean with its confidence interval.

    Attributes:
        mean: Mean of the finite values.
        low: Lower bound of the interval (NaN when it cannot be estimated).
        high: Upper bound of the interval (NaN when it cannot be estimated).
        n: Number of finite values used.
        confidence: Confidence level, e.g. 0.95.
    """

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        """Half the width of the interval (NaN when it cannot be estimated)."""
        return (self.high - self.low) / 2.0

    def excludes(self, value: float = 0.0) -> bool:
        """Whether the interval lies entirely above or below ``value``."""
        return bool(
            np.isfinite(self.low) and np.isfinite(self.high) and (self.low > value or self.high < value)
        )


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def t_band(samples: np.ndarray, confidence: float = 0.95, axis: int = 0) -> tuple[np.ndarray, ...]:
    """Mean and t-interval of many quantities at once, e.g. one per week.

    Args:
        samples: Array whose ``axis`` runs over seeds (independent draws).
            Non-finite values are ignored.
        confidence: Confidence level, strictly between 0 and 1.
        axis: Axis that runs over seeds.

    Returns:
        ``(mean, low, high, n)`` arrays with ``axis`` removed.

    Raises:
        ValueError: ``confidence`` is not strictly between 0 and 1.
    """
    _check_confidence(confidence)
    x = np.moveaxis(np.asarray(samples, dtype=float), axis, 0)
    finite = np.isfinite(x)
    n = finite.sum(axis=0)
    xz = np.where(finite, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xz.sum(axis=0) / n
        dev = np.where(finite, x - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
        lo_val = np.where(finite, x, np.inf).min(axis=0, initial=np.inf)
        hi_val = np.where(finite, x, -np.inf).max(axis=0, initial=-np.inf)
        constant = (n >= 1) & (lo_val == hi_val)
        # All values equal: report that value exactly, with a zero-width interval.
        mean = np.where(constant, lo_val, mean)
        tcrit = _scipy_stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1))
        half = np.where(constant, 0.0, tcrit * sd / np.sqrt(n))
    half = np.where(n >= 2, half, np.nan)
    mean = np.where(n >= 1, mean, np.nan)
    return mean, mean - half, mean + half, n


def t_interval(values: Iterable[float], confidence: float = 0.95) -> Interval:
    """Mean of independent draws with its Student-t confidence interval.

    Args:
        values: One value per seed; NaN and infinite values are ignored.
        confidence: Confidence level, strictly between 0 and 1.

    Returns:
        The mean and its interval. One value gives NaN bounds; equal values
        give a zero-width interval; no value gives NaN throughout.

    Raises:
        ValueError: ``confidence`` is not strictly between 0 and 1.

    Example:
        >>> iv = t_interval([1.0, 2.0, 3.0])
        >>> round(iv.mean, 3), round(iv.low, 3), round(iv.high, 3)
        (2.0, -0.484, 4.484)
    """
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float).ravel()
    mean, low, high, n = t_band(arr[:, None], confidence=confidence, axis=0)
    return Interval(float(mean[0]), float(low[0]), float(high[0]), int(n[0]), confidence)

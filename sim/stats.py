"""Statistics over seeds: intervals, paired differences, bootstrap, dips and crossover weeks.

Each seed of a scenario is one independent draw of the model's outcome, so a
result is reported as the mean over seeds with a Student-t confidence interval
(``mean ± t(1 - α/2, n - 1) · s / √n``); a statistic that is not a mean (a
crossover week, the depth of a dip) gets a paired bootstrap interval over seeds.
This module is the one place OrgStack computes them, so that the experiments, the
diagnosis, the studio and the reports agree.

Edge cases are explicit: with no finite value the mean and bounds are NaN; with
one value the mean is that value and the bounds are NaN (the spread cannot be
estimated); when all values are equal the interval has zero width.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as _scipy_stats

CONFIDENCE = 0.95
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20261122  # fixed, so that every analysis of the same results gives the same intervals


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


def interval(row: Mapping[str, Any], key: str) -> Interval:
    """Return the interval of ``key`` in a row of :func:`summarise`."""
    return Interval(
        float(row[f"{key}_mean"]),
        float(row[f"{key}_ci_low"]),
        float(row[f"{key}_ci_high"]),
        int(row.get("n_seeds", 0)),
        CONFIDENCE,
    )


def interval_columns(key: str, iv: Interval) -> dict[str, float]:
    """Write an interval as the columns :func:`interval` reads back: ``<key>_mean``, ``_ci_low``, ``_ci_high``."""
    return {f"{key}_mean": iv.mean, f"{key}_ci_low": iv.low, f"{key}_ci_high": iv.high}


def paired_values(runs: pd.DataFrame, column: str, key: str, a: Any, b: Any) -> pd.Series:
    """Per-seed ``a - b`` of ``key`` between two values of ``column``, on the seeds both have."""
    first = runs[runs[column] == a].set_index("seed")[key]
    second = runs[runs[column] == b].set_index("seed")[key]
    seeds = first.index.intersection(second.index).sort_values()
    return first.loc[seeds] - second.loc[seeds]


def paired_difference(runs: pd.DataFrame, column: str, key: str, a: Any, b: Any) -> Interval:
    """Mean of the per-seed difference ``a - b`` with its 95% t-interval (paired by seed)."""
    return t_interval(paired_values(runs, column, key, a, b).to_numpy(dtype=float), CONFIDENCE)


def paired_matrices(a: pd.DataFrame, b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Align two seed-by-week matrices on their common seeds and weeks."""
    seeds = a.index.intersection(b.index)
    weeks = a.columns.intersection(b.columns)
    return a.loc[seeds, weeks].to_numpy(float), b.loc[seeds, weeks].to_numpy(float), weeks.to_numpy()


def band(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over seeds (rows) of each week with its 95% t-band."""
    mean, low, high, _ = t_band(matrix, CONFIDENCE, axis=0)
    return mean, low, high


def bootstrap(
    statistic: Callable[..., np.ndarray],
    *matrices: np.ndarray,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[Interval, np.ndarray]:
    """Paired bootstrap over seeds of a statistic of mean curves.

    Every matrix has one row per seed, the rows paired across matrices (row
    ``i`` is seed ``i`` in each). A resample draws seeds with replacement, the
    same draw for every matrix, and averages each matrix's rows into a mean
    curve; ``statistic`` maps the stacked mean curves (one row per resample)
    to one number per resample. ``inf`` stands for "never within the horizon".

    Returns:
        ``(interval, values)``: the statistic of the full-sample mean curves with
        the 2.5th and 97.5th percentiles of the resampled values (no
        interpolation, so ``inf`` survives), and the resampled values.
    """
    n = matrices[0].shape[0]
    if any(m.shape[0] != n for m in matrices):
        raise ValueError("bootstrap: the matrices must have the same seeds (rows)")
    point = float(np.asarray(statistic(*(m.mean(axis=0, keepdims=True) for m in matrices)))[0])
    if n < 2:
        return Interval(point, np.nan, np.nan, n, CONFIDENCE), np.array([point])
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=samples) / n
    values = np.asarray(statistic(*(weights @ m for m in matrices)), dtype=float)
    alpha = 1.0 - CONFIDENCE
    low, high = np.quantile(values, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
    return Interval(point, float(low), float(high), n, CONFIDENCE), values


def rolling_mean(curves: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` weeks along the last axis (shorter at the start)."""
    curves = np.asarray(curves, dtype=float)
    cum = np.cumsum(curves, axis=-1)
    out = cum.copy()
    out[..., window:] = cum[..., window:] - cum[..., :-window]
    counts = np.minimum(np.arange(1, curves.shape[-1] + 1), window)
    return out / counts


def dip(
    treat: np.ndarray, base: np.ndarray, weeks: np.ndarray, start: int = 0, window: int = 1
) -> tuple[Interval, float]:
    """Return the largest relative value loss of ``treat`` against ``base``, with its 95% interval.

    Both are seed-by-week matrices paired by row. The **trough week** is where
    the mean curves (``window``-week trailing means; 1 = weekly values) are
    furthest apart, ``max_w (1 - mean treat(w) / mean base(w))`` from column
    ``start`` on; the depth is that loss, and its Student-t interval is over the
    per-seed losses at the trough week, ``(base_s - treat_s) / mean base``. (A
    percentile bootstrap of the maximum itself is biased upwards - noisier
    resamples have deeper maxima - and its interval can miss the estimate.)

    Returns:
        ``(depth, trough week)``; a depth of 0 with no interval and a NaN week if
        ``treat`` is never below ``base``.
    """
    t = rolling_mean(np.atleast_2d(treat), window)
    b = rolling_mean(np.atleast_2d(base), window)
    mean_t, mean_b = t.mean(axis=0), b.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = 1.0 - mean_t[start:] / mean_b[start:]
    if loss.size == 0 or not np.isfinite(loss).any() or np.nanmax(loss) <= 0:
        return Interval(0.0, np.nan, np.nan, t.shape[0], CONFIDENCE), np.nan
    at = start + int(np.nanargmax(loss))
    return t_interval((b[:, at] - t[:, at]) / mean_b[at], CONFIDENCE), float(np.asarray(weeks)[at])


def overtake_weeks(
    ahead: np.ndarray, behind: np.ndarray, weeks: np.ndarray, *, level_counts: bool = False
) -> np.ndarray:
    """Per row, the first week from which ``ahead`` stays above ``behind`` to the end.

    The crossover and payback weeks of every analysis, the studio and the
    roadmap are this one rule.

    Args:
        ahead: Curves, one per row (or one curve).
        behind: The curves they are compared with, of the same shape (or one curve).
        weeks: The week of each column.
        level_counts: Whether being level counts as being ahead (a payback: "at
            or above"); by default ``ahead`` must be strictly above.

    Returns:
        Per row, the first week if ``ahead`` leads throughout, ``inf`` if it is
        not ahead in the last week.
    """
    a, b = np.atleast_2d(ahead), np.atleast_2d(behind)
    above = a >= b if level_counts else a > b
    weeks = np.asarray(weeks, dtype=float)
    n_weeks = above.shape[1]
    below = ~above
    # index of the last week not above, -1 if none
    last_below = np.where(below.any(axis=1), n_weeks - 1 - np.argmax(below[:, ::-1], axis=1), -1)
    out = np.full(above.shape[0], np.inf)
    ok = above[:, -1]
    out[ok] = weeks[last_below[ok] + 1]
    return out


def overtake_week(
    ahead: np.ndarray, behind: np.ndarray, weeks: np.ndarray, *, level_counts: bool = False
) -> int | None:
    """First week from which ``ahead`` stays above ``behind`` to the end, for one pair of curves.

    Returns:
        That week (the first week if ``ahead`` leads throughout), or None if
        ``ahead`` is not ahead at the last week (see :func:`overtake_weeks`).
    """
    if np.asarray(ahead).size == 0:
        return None
    week = overtake_weeks(
        np.asarray(ahead)[None], np.asarray(behind)[None], weeks, level_counts=level_counts
    )[0]
    return None if np.isinf(week) else int(week)

"""Shared pieces of the named experiments: the sweep's results, statistics and rendering.

Every named experiment (``configs/experiment/<name>.yaml``) is a Hydra sweep;
at its end the sweep machinery writes ``results.parquet`` in the sweep
directory (one row per run-week: the swept values as columns named by their
override key, ``run``, ``week`` and every weekly metric of ``sim.simulate``)
and calls ``experiments.<name>.analyse(results, out_dir)``. This module holds
what the five analyses share, so that they compute and show numbers the same
way:

* **results**: :func:`results_frame` builds a frame of exactly that schema from
  runs made in Python, :func:`sweep_params` reads an experiment's sweep from its
  YAML and :func:`run_sweep` runs a (reduced) sweep without Hydra's launcher -
  the tests use both; :func:`load_settings` reads the experiment's own settings
  back from the sweep directory's ``multirun.yaml``.
* **statistics**: per-run totals and final-year means (:func:`per_run`), means
  with Student-t 95% intervals over seeds (:func:`experiments.stats.t_interval`,
  the one place intervals over seeds are computed), paired differences by seed
  (:func:`paired_difference`), seed-by-week matrices (:func:`curve_matrix`) and a
  paired bootstrap over seeds for statistics that are not means - a crossover
  week, the depth of a dip, a recovery week (:func:`bootstrap`).
* **rendering**: :class:`Report` collects headings, generated text, tables and
  matplotlib figures and writes them once as ``summary.md`` (figures as PNG files
  beside it) and as a self-contained ``summary.html`` (the same figures embedded
  as base64 PNG).

``python -m experiments.report NAME DIR`` re-runs an analysis on a sweep
directory that already holds ``results.parquet``.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import importlib
import io
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from experiments.headline import METRICS, Metric, final_window, fmt, window_label
from experiments.stats import Interval, t_band, t_interval
from sim.config import compose_config
from sim.model.metrics import COLUMNS as METRIC_COLUMNS
from sim.overrides import split_override, value_text
from sim.sweeps.jobs import job_dir_name

CONFIDENCE = 0.95
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20261122  # fixed, so that every analysis of the same results gives the same intervals
RESERVED = ("run", "week")  # columns of results.parquet that are neither swept values nor metrics
EXPERIMENT_NAMES = ("foundations_vs_execution", "horizon", "sequencing", "shocks", "people")

__all__ = [
    "BOOTSTRAP_SAMPLES",
    "CONFIDENCE",
    "METRICS",
    "Metric",
    "Report",
    "Table",
    "bootstrap",
    "curve_matrix",
    "final_window",
    "fmt",
    "fmt_interval",
    "fmt_week",
    "load_settings",
    "paired_difference",
    "per_run",
    "results_frame",
    "run_sweep",
    "summarise",
    "sweep_params",
    "swept_columns",
    "window_label",
]


# ----------------------------------------------------------------------------- results


def label(value: Any) -> Any:
    """Return a swept value as results.parquet holds it: a list ``[a, b]`` becomes ``"a+b"``."""
    return value_text(value) if isinstance(value, list | tuple) else value


def results_frame(runs: Iterable[tuple[Mapping[str, Any], pd.DataFrame]]) -> pd.DataFrame:
    """Build a frame of the schema of a sweep's ``results.parquet``.

    Args:
        runs: One ``(override values, weekly frame)`` pair per run, the values
            keyed by their override key (``intervention``, ``org``, ``seed``,
            ``org.teams``, ``experiment`` ...) and the weekly frame as
            ``sim.simulate`` returns it (indexed by ``week``).

    Returns:
        One row per run-week, as ``sim.sweeps.results.collect`` writes it: ``run`` (the
        job directory's name), one column per override key in key order (lists
        joined with ``+``), ``week`` and every weekly metric.
    """
    parts = []
    for swept, weekly in runs:
        part = weekly.reset_index()
        front = {"run": job_dir_name([_override(k, v) for k, v in swept.items()])}
        front.update({key: label(swept[key]) for key in sorted(swept)})
        for position, (key, value) in enumerate(front.items()):
            part.insert(position, key, value)
        parts.append(part)
    if not parts:
        raise ValueError("no runs to put in a results frame")
    return pd.concat(parts, ignore_index=True)


def swept_columns(results: pd.DataFrame) -> list[str]:
    """Return the columns of a results frame that hold swept values (neither metrics nor ``run``/``week``)."""
    known = set(METRIC_COLUMNS) | set(RESERVED)
    return [c for c in results.columns if c not in known]


def sweep_params(name: str) -> dict[str, list[Any]]:
    """Return the sweep of ``configs/experiment/<name>.yaml``: each swept key with its values, typed.

    ``range(0,30)`` becomes the integers 0-29, ``a,b`` the two strings.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    cfg = compose_config([f"+experiment={name}"], with_hydra=True)
    parser = OverridesParser.create()
    params: dict[str, list[Any]] = {}
    for key, text in cfg.hydra.sweeper.params.items():
        override = parser.parse_override(f"{key}={text}")
        params[str(key)] = (
            list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
        )
    return params


def sweep_dir(name: str) -> str:
    """Return the ``hydra.sweep.dir`` of an experiment's YAML."""
    return str(compose_config([f"+experiment={name}"], with_hydra=True).hydra.sweep.dir)


def _override(key: str, value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"{key}=[{','.join(str(v) for v in value)}]"
    return f"{key}={value}"


def run_sweep(
    params: Mapping[str, Sequence[Any]],
    overrides: Sequence[str] = (),
    extra: Callable[[dict[str, Any]], Sequence[str]] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Run every combination of ``params`` in this process and return the results frame.

    A stand-in for ``orgstack --multirun`` in tests and small studies: the same
    cartesian product as Hydra's basic sweeper, the same schema as the sweep's
    ``results.parquet``. Each combination but the seed is composed once.

    Args:
        params: Swept keys and their values (e.g. from :func:`sweep_params`).
        overrides: Fixed overrides for every run (``+experiment=NAME``, ``weeks=40`` ...).
        extra: Optional function of one combination returning more overrides for
            it alone (e.g. a smaller ``org.teams`` for one organisation); they are
            not swept columns.
        columns: Weekly columns to keep (all by default).
    """
    from sim.api import run_config
    from sim.config import load_config

    keys = list(params)
    constant = dict(split_override(line) for line in overrides if "=" in line)
    runs = []
    for combo in itertools.product(*(params[k] for k in keys)):
        point = dict(zip(keys, combo, strict=True))
        seed = point.get("seed")
        fixed = [_override(k, v) for k, v in point.items() if k != "seed"]
        more = list(extra(point)) if extra else []
        config = load_config([*overrides, *fixed, *more, "seed=0"])
        if seed is not None:
            config = dataclasses.replace(config, seed=int(seed))
        weekly = run_config(config).weekly
        if columns is not None:
            weekly = weekly.loc[:, list(columns)]
        runs.append(({**constant, **point}, weekly))
    return results_frame(runs)


def reduced_sweep(
    name: str,
    seeds: int = 2,
    weeks: int = 40,
    only: Mapping[str, Sequence[Any]] | None = None,
    teams: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Run an experiment's own sweep (its YAML) at a reduced size, in this process.

    Args:
        name: The experiment (``configs/experiment/<name>.yaml``).
        seeds: Keep the first ``seeds`` seeds of the sweep.
        weeks: Horizon (a ``weeks=`` override, as on the command line).
        only: Keep only these values of some swept keys (each must be in the sweep).
        teams: Stream-aligned teams per organisation to run instead of the
            preset's (e.g. ``{"enterprise": 20}``); not a swept column.

    Returns:
        The results frame, as the sweep machinery would write it for the same
        command line (``orgstack --multirun +experiment=NAME weeks=W ...``).
    """
    params = sweep_params(name)
    params["seed"] = params["seed"][:seeds]
    for key, values in (only or {}).items():
        missing = [v for v in values if v not in params[key]]
        if missing:
            raise ValueError(f"{name}: {key} values {missing} are not in the sweep")
        params[key] = list(values)
    sizes = dict(teams or {})

    def extra(point: dict[str, Any]) -> list[str]:
        org = point.get("org")
        return [f"org.teams={sizes[org]}"] if org in sizes else []

    return run_sweep(params, [f"+experiment={name}", f"weeks={weeks}"], extra)


def load_settings(out_dir: Path | str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Return the experiment's settings: ``defaults`` updated by the ``experiment`` node of the sweep.

    Hydra writes the sweep's configuration to ``multirun.yaml`` in the sweep
    directory; its ``experiment`` node holds the settings of
    ``configs/experiment/<name>.yaml`` (and any override of them). Without that
    file the defaults are used.
    """
    settings = dict(defaults)
    node = _multirun(out_dir).get("experiment")
    if isinstance(node, dict):
        settings.update({k: v for k, v in node.items() if k != "name"})
    return settings


def _multirun(out_dir: Path | str) -> dict[str, Any]:
    path = Path(out_dir) / "multirun.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def sweep_order(out_dir: Path | str, key: str) -> list[str]:
    """Return the values of a swept key in the order the sweep lists them (from ``multirun.yaml``).

    A command-line sweep of the key (``hydra.overrides.task``) wins over the
    experiment's ``hydra.sweeper.params``; without either, an empty list.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    data = _multirun(out_dir)
    hydra_node = data.get("hydra") or {}
    lines = [str(x) for x in ((hydra_node.get("overrides") or {}).get("task") or [])]
    text = None
    for line in lines:
        name, sep, value = line.lstrip("+~").partition("=")
        if sep and name == key:
            text = value
    if text is None:
        text = ((hydra_node.get("sweeper") or {}).get("params") or {}).get(key)
    if text is None:
        return []
    try:
        override = OverridesParser.create().parse_override(f"{key}={text}")
    except Exception:  # noqa: BLE001 - an unreadable sweep just gives no order
        return []
    values = list(override.sweep_iterator()) if override.is_sweep_override() else [override.value()]
    return [str(label(v)) for v in values]


def prepare(
    results: pd.DataFrame,
    out_dir: Path | str,
    defaults: Mapping[str, Any],
    compute: Callable[[pd.DataFrame, dict[str, Any]], dict[str, Any]],
) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """Do what every analysis does first: create ``out_dir``, read the settings, order and compute.

    Returns:
        ``(out_dir, settings, result)`` where ``result`` is ``compute(results, settings)``
        on the results in the sweep's order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = load_settings(out_dir, defaults)
    return out_dir, settings, compute(arrange(results, out_dir), settings)


def arrange(
    results: pd.DataFrame, out_dir: Path | str, keys: Sequence[str] = ("org", "intervention", "shock")
) -> pd.DataFrame:
    """Order the rows so that organisations, interventions and shocks come in the sweep's order.

    ``results.parquet`` sorts runs by their swept values (alphabetically); the
    analyses show scenarios in order of first appearance, so this puts them back
    in the order the experiment's YAML lists them (values it does not list keep
    their place after those it does).
    """
    sort_cols, frame = [], results
    for key in keys:
        order = sweep_order(out_dir, key)
        if key not in results.columns or not order:
            continue
        rank = {v: i for i, v in enumerate(order)}
        col = f"__order_{key}"
        frame = frame.assign(**{col: frame[key].astype(str).map(lambda v, rank=rank: rank.get(v, len(rank)))})
        sort_cols.append(col)
    if not sort_cols:
        return results
    rest = [c for c in ("seed", "week") if c in frame.columns]
    frame = frame.sort_values([*sort_cols, *rest], kind="stable")
    return frame.drop(columns=sort_cols).reset_index(drop=True)


def require(results: pd.DataFrame, columns: Iterable[str], experiment: str) -> None:
    """Stop with a clear message when the results lack a column the analysis needs."""
    missing = [c for c in columns if c not in results.columns]
    if missing:
        raise ValueError(
            f"{experiment}: results have no column {', '.join(repr(c) for c in missing)}; "
            f"sweep it (see configs/experiment/{experiment}.yaml)"
        )


def fill_default(results: pd.DataFrame, column: str, value: Any) -> pd.DataFrame:
    """Add a constant column for a key the sweep did not vary (e.g. ``org`` left at its default)."""
    if column in results.columns:
        return results
    out = results.copy()
    out[column] = value
    return out


# ----------------------------------------------------------------------------- statistics


def metric_label(metric: Metric, weeks: int) -> str:
    """Row or column label of a metric for a horizon."""
    return metric.label.format(weeks=weeks, window=window_label(weeks))


def per_run(results: pd.DataFrame, by: Sequence[str], metrics: Sequence[Metric] = METRICS) -> pd.DataFrame:
    """One row per run (``by`` + ``seed``) with each metric: a total over the horizon or a final-year mean.

    The horizon is the last week in the results; the final year is
    :func:`experiments.headline.final_window` of it (weeks 105-156 of 156).
    """
    keys = [*by, "seed"]
    weeks = int(results["week"].max())
    first, last = final_window(weeks)
    groups = results.groupby(keys, observed=True, sort=True)
    final = results[results["week"].between(first, last)].groupby(keys, observed=True, sort=True)
    columns = {}
    for m in metrics:
        columns[m.key] = groups[m.column].sum() if m.how == "total" else final[m.column].mean()
    return pd.DataFrame(columns).reset_index()


def summarise(runs: pd.DataFrame, by: Sequence[str], keys: Sequence[str]) -> pd.DataFrame:
    """Mean and 95% t-interval over seeds of each of ``keys``, per group of ``by``.

    Returns:
        One row per group: the ``by`` columns, ``n_seeds`` and, per key,
        ``<key>_mean``, ``<key>_ci_low`` and ``<key>_ci_high``.
    """
    rows = []
    for group, part in runs.groupby(list(by), observed=True, sort=False):
        group = group if isinstance(group, tuple) else (group,)
        row: dict[str, Any] = dict(zip(by, group, strict=True))
        row["n_seeds"] = int(part["seed"].nunique())
        for key in keys:
            iv = t_interval(part[key].to_numpy(dtype=float), CONFIDENCE)
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = iv.mean, iv.low, iv.high
        rows.append(row)
    return pd.DataFrame(rows)


def interval(row: Mapping[str, Any], key: str) -> Interval:
    """Return the interval of ``key`` in a row of :func:`summarise`."""
    return Interval(
        float(row[f"{key}_mean"]),
        float(row[f"{key}_ci_low"]),
        float(row[f"{key}_ci_high"]),
        int(row.get("n_seeds", 0)),
        CONFIDENCE,
    )


def paired_values(runs: pd.DataFrame, column: str, key: str, a: Any, b: Any) -> pd.Series:
    """Per-seed ``a - b`` of ``key`` between two values of ``column``, on the seeds both have."""
    first = runs[runs[column] == a].set_index("seed")[key]
    second = runs[runs[column] == b].set_index("seed")[key]
    seeds = first.index.intersection(second.index).sort_values()
    return first.loc[seeds] - second.loc[seeds]


def paired_difference(runs: pd.DataFrame, column: str, key: str, a: Any, b: Any) -> Interval:
    """Mean of the per-seed difference ``a - b`` with its 95% t-interval (paired by seed)."""
    return t_interval(paired_values(runs, column, key, a, b).to_numpy(dtype=float), CONFIDENCE)


def curve_matrix(results: pd.DataFrame, column: str, cumulative: bool = False) -> pd.DataFrame:
    """Seeds (rows) by weeks (columns) of one weekly metric for one scenario's rows."""
    matrix = results.pivot_table(index="seed", columns="week", values=column, aggfunc="first").sort_index()
    matrix = matrix.sort_index(axis=1)
    return matrix.cumsum(axis=1) if cumulative else matrix


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


def overtake_weeks(ahead: np.ndarray, behind: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Per row, the first week from which ``ahead`` stays strictly above ``behind`` to the end.

    The row-wise form of :func:`experiments.headline.overtake_week`: the first
    week if ``ahead`` leads throughout, ``inf`` if it is not above in the last week.
    """
    above = np.atleast_2d(ahead) > np.atleast_2d(behind)
    weeks = np.asarray(weeks, dtype=float)
    n_weeks = above.shape[1]
    below = ~above
    # index of the last week not above, -1 if none
    last_below = np.where(below.any(axis=1), n_weeks - 1 - np.argmax(below[:, ::-1], axis=1), -1)
    out = np.full(above.shape[0], np.inf)
    ok = above[:, -1]
    out[ok] = weeks[last_below[ok] + 1]
    return out


# ----------------------------------------------------------------------------- formatting


def fmt_interval(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``mean [low, high]`` of an interval, in a table cell."""
    mean = fmt(iv.mean * scale)
    if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return f"{mean}{unit}"
    return f"{mean}{unit} [{fmt(iv.low * scale)}, {fmt(iv.high * scale)}]"


def fmt_signed(x: float) -> str:
    """Return a number with its sign (``+1,234``, ``-5.6``)."""
    if x is None or not np.isfinite(x):
        return "n/a"
    text = fmt(abs(x))
    return f"-{text}" if x < 0 else f"+{text}"


def fmt_signed_interval(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``+mean [low, high]`` of a difference."""
    mean = fmt_signed(iv.mean * scale)
    if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return f"{mean}{unit}"
    return f"{mean}{unit} [{fmt_signed(iv.low * scale)}, {fmt_signed(iv.high * scale)}]"


def fmt_week(x: float, never: str = "never") -> str:
    """Return a week number, or ``never`` for ``inf`` (not within the horizon)."""
    if x is None or np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return never
    return f"{int(round(x))}"


def fmt_week_interval(iv: Interval, never: str = "never") -> str:
    """``week [low, high]`` of a bootstrap interval of weeks; ``inf`` reads ``never``."""
    text = fmt_week(iv.mean, never)
    if np.isnan(iv.low) or np.isnan(iv.high):
        return text
    return f"{text} [{fmt_week(iv.low, never)}, {fmt_week(iv.high, never)}]"


def fmt_percent(x: float, signed: bool = False) -> str:
    """Return a share as a percentage."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{100 * x:+.1f}%" if signed else f"{100 * x:.1f}%"


def ci_phrase(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``95% CI low to high`` for running text."""
    if np.isfinite(iv.low) and np.isfinite(iv.high):
        return f"95% CI {fmt(iv.low * scale)}{unit} to {fmt(iv.high * scale)}{unit}"
    return "no interval from a single seed"


def clear(iv: Interval, value: float = 0.0) -> bool:
    """Whether a 95% interval lies entirely on one side of ``value``."""
    return iv.excludes(value)


def join(names: Sequence[str], word: str = "and") -> str:
    """Join names as ``a``, ``a and b``, ``a, b and c``."""
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def plural(n: int, one: str, many: str) -> str:
    """Return ``one`` for a count of 1 and ``many`` otherwise (``org`` / ``orgs``, ``delivers`` / ``deliver``)."""
    return one if n == 1 else many


def organisations(n: int) -> str:
    """Return ``1 organisation`` / ``3 organisations``."""
    return f"{n} {plural(n, 'organisation', 'organisations')}"


def capital(text: str) -> str:
    """Return the text with its first letter in upper case (the rest untouched)."""
    return text[:1].upper() + text[1:]


def seeds_text(n: int) -> str:
    """``1 seed`` / ``n seeds``."""
    return f"{n} seed" if n == 1 else f"{n} seeds"


def seed_range(seeds: Iterable[int]) -> str:
    """``0-29`` for a contiguous range, else the list."""
    s = sorted(int(x) for x in seeds)
    if s and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}-{s[-1]}" if len(s) > 1 else str(s[0])
    return ", ".join(map(str, s))


def org_sizes(results: pd.DataFrame, orgs: Iterable[str]) -> dict[str, str]:
    """Stream-aligned teams of each organisation: the swept ``org.teams`` if any, else the preset's."""
    from sim.config import load_config

    sizes = {}
    for org in orgs:
        if "org.teams" in results.columns:
            teams = sorted(results.loc[results["org"] == org, "org.teams"].unique())
            sizes[org] = ", ".join(str(int(t)) for t in teams)
        else:
            sizes[org] = str(load_config([f"org={org}"]).org.teams)
    return sizes


# ----------------------------------------------------------------------------- the report


@dataclass
class Table:
    """A table of text cells.

    Attributes:
        columns: Header cells.
        rows: Body rows, each as many cells as ``columns``.
        caption: Optional line above the table.
        align: ``l`` or ``r`` per column; by default the first is left, the rest right.
    """

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    align: list[str] | None = None

    def _align(self) -> list[str]:
        return self.align or ["l"] + ["r"] * (len(self.columns) - 1)

    def markdown(self) -> str:
        """Return the table as GitHub-flavoured Markdown."""

        def cell(text: str) -> str:
            return str(text).replace("|", "\\|").replace("\n", " ")

        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(cell(c) for c in self.columns) + " |")
        lines.append("|" + "|".join("---:" if a == "r" else "---" for a in self._align()) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        """Return the table as an HTML fragment."""
        align = self._align()
        head = "".join(
            f"<th class='{a}'>{_inline_html(str(c))}</th>" for c, a in zip(self.columns, align, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(f"<td class='{a}'>{_inline_html(str(c))}</td>" for c, a in zip(row, align, strict=True))
            + "</tr>"
            for row in self.rows
        )
        caption = f"<p class='caption'>{_inline_html(self.caption)}</p>" if self.caption else ""
        return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline_html(text: str) -> str:
    """Escape text and render the inline Markdown the reports use: `code` and **bold**."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)


@dataclass
class _Figure:
    filename: str
    caption: str
    png: bytes


@dataclass
class Report:
    """A summary written once as Markdown and once as self-contained HTML.

    Build it with :meth:`heading`, :meth:`text`, :meth:`bullets`, :meth:`table`
    and :meth:`figure`, then :meth:`write` it to a directory.
    """

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def heading(self, text: str, level: int = 2) -> None:
        """Add a heading (level 2 or deeper; the title is level 1)."""
        self.blocks.append(("heading", (level, text)))

    def text(self, paragraph: str) -> None:
        """Add a paragraph (inline `code` and **bold** allowed)."""
        if paragraph:
            self.blocks.append(("text", paragraph))

    def bullets(self, items: Sequence[str]) -> None:
        """Add a bulleted list."""
        if items:
            self.blocks.append(("bullets", list(items)))

    def table(self, table: Table) -> None:
        """Add a table."""
        self.blocks.append(("table", table))

    def figure(self, fig: Any, filename: str, caption: str) -> None:
        """Add a matplotlib figure; it is rendered to PNG now and written by :meth:`write`."""
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=110)
        self.blocks.append(("figure", _Figure(filename, caption, buffer.getvalue())))

    def markdown(self) -> str:
        """Return the report as Markdown; figures are referenced by file name."""
        out = [f"# {self.title}", ""]
        for kind, item in self.blocks:
            if kind == "heading":
                level, text = item
                out += ["#" * level + " " + text, ""]
            elif kind == "text":
                out += [item, ""]
            elif kind == "bullets":
                out += [f"- {line}" for line in item] + [""]
            elif kind == "table":
                out += [item.markdown(), ""]
            elif kind == "figure":
                out += [f"![{item.caption}]({item.filename})", "", f"*{item.caption}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """Return the report as one HTML page with every figure embedded (base64 PNG)."""
        body = [f"<h1>{_inline_html(self.title)}</h1>"]
        for kind, item in self.blocks:
            if kind == "heading":
                level, text = item
                body.append(f"<h{level}>{_inline_html(text)}</h{level}>")
            elif kind == "text":
                body.append(f"<p>{_inline_html(item)}</p>")
            elif kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{_inline_html(x)}</li>" for x in item) + "</ul>")
            elif kind == "table":
                body.append(item.html())
            elif kind == "figure":
                data = base64.b64encode(item.png).decode("ascii")
                body.append(
                    f"<figure><img alt='{html.escape(item.caption)}' src='data:image/png;base64,{data}'>"
                    f"<figcaption>{_inline_html(item.caption)}</figcaption></figure>"
                )
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n"
        )

    def write(self, out_dir: Path | str, name: str = "summary", html: bool = True) -> dict[str, Path]:
        """Write ``<name>.md``, ``<name>.html`` (unless ``html`` is false) and each figure's PNG into ``out_dir``.

        A figure's file name may include subdirectories of ``out_dir`` (e.g. ``images/a.png``).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"md": out / f"{name}.md"}
        for kind, item in self.blocks:
            if kind == "figure":
                path = out / item.filename
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(item.png)
                paths[item.filename] = path
        paths["md"].write_text(self.markdown())
        if html:
            paths["html"] = out / f"{name}.html"
            paths["html"].write_text(self.html())
        return paths


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;"
    "color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}"
    "th,td{border-bottom:1px solid #ddd;padding:0.25em 0.6em;vertical-align:top}"
    "th{background:#f4f4f4}td.r,th.r{text-align:right;white-space:nowrap}td.l,th.l{text-align:left}"
    "code{background:#f4f4f4;padding:0 0.2em}p.caption{margin-bottom:0.2em;font-weight:600}"
    "figure{margin:1em 0}figure img{max-width:100%}figcaption{font-size:0.9em;color:#555}"
)


def new_figure(width: float, height: float) -> Any:
    """Return a matplotlib figure on the Agg canvas (no display, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def colours(names: Sequence[str]) -> dict[str, Any]:
    """Return a distinct colour per name (tab10 up to ten, tab20 beyond)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV (no index)."""
    frame.to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments.report NAME DIR``: analyse ``DIR/results.parquet`` again."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in EXPERIMENT_NAMES:
        print(
            f"usage: python -m experiments.report {{{','.join(EXPERIMENT_NAMES)}}} SWEEP_DIR",
            file=sys.stderr,
        )
        return 2
    name, directory = args
    path = Path(directory) / "results.parquet"
    if not path.is_file():
        print(f"report: error: {path} does not exist; run the sweep first", file=sys.stderr)
        return 1
    module = importlib.import_module(f"experiments.{name}")
    module.analyse(pd.read_parquet(path), Path(directory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

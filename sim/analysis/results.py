"""A sweep's ``results.parquet`` read as analyses need it: settings, order, totals per run, summaries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.analysis.catalogue import METRICS, Metric, final_window
from sim.model.metrics import COLUMNS as METRIC_COLUMNS
from sim.overrides import override_parser, split_text, value_text
from sim.stats import CONFIDENCE, t_interval

RESERVED = ("run", "week")  # columns of results.parquet that are neither swept values nor metrics


DEFAULT_ORG = "struggling"  # configs/config.yaml's org, which a sweep that does not vary it runs


def label(value: Any) -> Any:
    """Return a swept value as results.parquet holds it: a list ``[a, b]`` becomes ``"a+b"``."""
    return value_text(value) if isinstance(value, list | tuple) else value


def swept_columns(results: pd.DataFrame) -> list[str]:
    """Return the columns of a results frame that hold swept values (neither metrics nor ``run``/``week``)."""
    known = set(METRIC_COLUMNS) | set(RESERVED)
    return [c for c in results.columns if c not in known]


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
    data = _multirun(out_dir)
    hydra_node = data.get("hydra") or {}
    lines = [str(x) for x in ((hydra_node.get("overrides") or {}).get("task") or [])]
    text = None
    for line in lines:
        name, value = split_text(line)
        if value is not None and name == key:
            text = value
    if text is None:
        text = ((hydra_node.get("sweeper") or {}).get("params") or {}).get(key)
    if text is None:
        return []
    try:
        (override,) = override_parser().parse_overrides([f"{key}={text}"])
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


def require(results: pd.DataFrame, columns: Iterable[str], experiment: str) -> pd.DataFrame:
    """Return the results with an ``org`` column, or stop with a clear message when they lack one it needs.

    A sweep that did not vary ``org`` ran the default organisation (``struggling``, ``configs/config.yaml``)
    and has no ``org`` column; it is added as a constant, so that every analysis can group by it.
    """
    missing = [c for c in columns if c not in results.columns]
    if missing:
        raise ValueError(
            f"{experiment}: results have no column {', '.join(repr(c) for c in missing)}; "
            f"sweep it (see configs/experiment/{experiment}.yaml)"
        )
    if "org" in results.columns:
        return results
    return results.assign(org=DEFAULT_ORG)


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


def curve_matrix(results: pd.DataFrame, column: str, cumulative: bool = False) -> pd.DataFrame:
    """Seeds (rows) by weeks (columns) of one weekly metric for one scenario's rows."""
    matrix = results.pivot_table(index="seed", columns="week", values=column, aggfunc="first").sort_index()
    matrix = matrix.sort_index(axis=1)
    return matrix.cumsum(axis=1) if cumulative else matrix


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


def highest(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return the row with the largest value in ``column`` (the first, on a tie)."""
    return frame.loc[frame[column].idxmax()]


def lowest(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return the row with the smallest value in ``column`` (the first, on a tie)."""
    return frame.loc[frame[column].idxmin()]

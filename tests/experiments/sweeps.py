"""Experiment sweeps run in process, reduced, without Hydra's launcher: for the experiment tests."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from sim.analysis.results import label
from sim.config import compose_config
from sim.overrides import split_override
from sim.sweeps.jobs import job_dir_name


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

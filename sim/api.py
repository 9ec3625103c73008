"""The public API: run a simulation from Hydra overrides."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from joblib import Parallel, delayed

from sim.config import load_config
from sim.model.batches import batches, chunks
from sim.model.model import OrgModel
from sim.model.params import Config
from sim.workers import worker_count


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run.

    Attributes:
        config: The validated configuration that was run.
        weekly: Organisation metrics, one row per week, indexed by ``week``.
        teams: Per-team values in long form (``week``, ``team`` and metrics),
            recorded every ``record.team_every`` weeks.
    """

    config: Config
    weekly: pd.DataFrame
    teams: pd.DataFrame


def run_config(config: Config) -> RunResult:
    """Run the model for a validated configuration."""
    return run_configs([config])[0]


def run_configs(
    configs: Sequence[Config], *, progress: Callable[[float], None] | None = None, n_jobs: int = 1
) -> list[RunResult]:
    """Run several validated configurations, batching those that can share a model.

    Runs that differ only in seed, interventions and shocks are simulated
    together as the worlds of one model (see ``sim.model.model``), at most
    ``sim.model.batches.MAX_BATCH_TEAMS`` stream-aligned teams at a time; each run's numbers are
    the same as on its own, whatever the batching and the number of workers.

    Args:
        configs: The configurations, in the order the results are wanted.
        progress: Called as the work advances with the share done, from 0 to 1
            (after every simulated week in this process; after every chunk of
            runs with workers).
        n_jobs: Worker processes (joblib's loky; -1: one per core). Starting
            them takes a second or two, so they pay off from a few hundred runs.

    Returns:
        One result per configuration, in the same order.
    """
    if n_jobs == 1 or len(configs) < 2:
        return _simulate(configs, progress)
    parts = chunks(configs, workers=worker_count(n_jobs))
    outputs = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_simulate)([configs[i] for i in part], None) for part in parts
    )
    results: list[RunResult | None] = [None] * len(configs)
    done = 0
    for part, out in zip(parts, outputs, strict=True):
        for i, result in zip(part, out, strict=True):
            results[i] = result
        done += len(part)
        if progress is not None:
            progress(done / len(configs))
    return results


def run_over_seeds(
    configs: Sequence[Config], seeds: Sequence[int], *, progress: Callable[[float], None] | None = None
) -> list[pd.DataFrame]:
    """Run each configuration over the same seeds, batched, and stack each one's weeks by seed.

    Common random numbers: every configuration meets the same seeds, so that
    differences between them are not differences of luck.

    Args:
        configs: The configurations (their own seeds are replaced).
        seeds: The seeds each configuration runs with.
        progress: Called with the share of the work done, from 0 to 1.

    Returns:
        Per configuration, its weekly frames stacked and indexed by ``seed`` and ``week``.
    """
    seeds = list(seeds)
    results = run_configs([dataclasses.replace(c, seed=s) for c in configs for s in seeds], progress=progress)
    n = len(seeds)
    return [
        pd.concat([r.weekly for r in results[i * n : (i + 1) * n]], keys=seeds, names=["seed", "week"])
        for i in range(len(configs))
    ]


def _simulate(configs: Sequence[Config], progress: Callable[[float], None] | None) -> list[RunResult]:
    """Run configurations in this process, in batches of worlds."""
    parts = batches(configs)
    total = sum(len(b) * configs[b[0]].org.teams * configs[b[0]].weeks for b in parts)
    done = 0
    results: list[RunResult | None] = [None] * len(configs)
    for batch in parts:
        model = OrgModel([configs[i] for i in batch])
        weekly_cost = len(batch) * model.n_teams
        for _ in range(model.config.weeks):
            model.step()
            done += weekly_cost
            if progress is not None:
                progress(done / total)
        for world, i in enumerate(batch):
            results[i] = RunResult(configs[i], model.recorder.frame(world), model.recorder.team_frame(world))
    return results


def run(overrides: Sequence[str] = ()) -> RunResult:
    """Compose the configuration from overrides and run it.

    Args:
        overrides: Hydra overrides, e.g. ``["org=enterprise", "seed=2"]``.

    Returns:
        The run's configuration, weekly metrics and per-team values.

    Raises:
        sim.model.schema.ConfigError: An override or value is not allowed.
    """
    return run_config(load_config(overrides))


def simulate(overrides: Sequence[str] = ()) -> pd.DataFrame:
    """Simulate an organisation week by week and return its weekly metrics.

    Args:
        overrides: Hydra overrides of ``configs/``: at least ``org=``,
            ``intervention=`` (one name or a list ``[a,b]``), ``shock=``,
            ``seed=``, ``weeks=``, ``org.teams=`` and ``plan=FILE``.

    Returns:
        One row per week, indexed by ``week`` from 1, with the layer strengths,
        the DORA keys and cluster, value, innovation, people and cost columns
        listed in ``docs/model.md``.

    Raises:
        sim.model.schema.ConfigError: An override or value is not allowed.

    Example:
        >>> from sim import simulate
        >>> df = simulate(["intervention=foundations_first", "seed=1"])
        >>> df["value"].sum()  # doctest: +SKIP
    """
    return run(overrides).weekly


def simulate_many(
    runs: Sequence[Sequence[str]], *, progress: Callable[[float], None] | None = None
) -> pd.DataFrame:
    """Simulate several runs and return their weekly metrics in one frame.

    Args:
        runs: One list of Hydra overrides per run, as for :func:`simulate`
            (typically the same organisation and plan with ``seed=0`` ...
            ``seed=19``).
        progress: Called with the share of the work done, from 0 to 1.

    Returns:
        The runs' weekly frames stacked, indexed by ``run`` (the position in
        ``runs``) and ``week``.

    Raises:
        sim.model.schema.ConfigError: An override or value of any run is not allowed;
            nothing is simulated then.
    """
    configs = [load_config(overrides) for overrides in runs]
    # Only the weekly frames are returned: per-team records would be built and dropped.
    quiet = [dataclasses.replace(c, record=dataclasses.replace(c.record, team_every=0)) for c in configs]
    results = run_configs(quiet, progress=progress)
    return pd.concat([r.weekly for r in results], keys=range(len(results)), names=["run", "week"])

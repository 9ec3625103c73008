"""The public API: run a simulation from Hydra overrides."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from joblib import Parallel, delayed

from sim.config import load_config
from sim.model import OrgModel, batch_shape
from sim.params import Config
from sim.workers import worker_count

# Stream-aligned teams simulated together in one batch: large enough that numpy's
# per-call overhead is spread over many runs, small enough to stay in cache.
MAX_BATCH_TEAMS = 2_000
# Chunks of runs handed to workers: several per worker, so that they finish
# together (and a progress bar moves), few enough that each is a sizeable batch.
CHUNKS_PER_WORKER = 4
MAX_CHUNK_RUNS = 64
# A chunk holds at least this many stream-aligned teams (50 default runs) while every
# worker still gets one: a default run costs ~13 ms in a batch of 25 runs, ~9 ms in one
# of 50, where numpy's per-call overhead is spread over twice as many worlds.
MIN_CHUNK_TEAMS = 600


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
    together as the worlds of one model (see ``sim.model``), at most
    ``MAX_BATCH_TEAMS`` stream-aligned teams at a time; each run's numbers are
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


def chunks(configs: Sequence[Config], workers: int) -> list[list[int]]:
    """Cut configurations into chunks for workers, those that can share a model next to each other.

    Args:
        configs: The configurations.
        workers: How many workers will share the chunks.

    Returns:
        Positions in ``configs``, chunk by chunk: about ``CHUNKS_PER_WORKER``
        chunks per worker, so that workers finish together, but fewer when
        chunks would hold under ``MIN_CHUNK_TEAMS`` teams (never fewer than
        one per worker), and at most ``MAX_CHUNK_RUNS`` runs each.
    """
    order = [i for group in _by_shape(configs) for i in group]
    workers = max(workers, 1)
    teams = max((c.org.teams for c in configs), default=1)
    sizeable = min(MIN_CHUNK_TEAMS // teams, math.ceil(len(order) / workers))
    size = max(1, min(max(math.ceil(len(order) / (CHUNKS_PER_WORKER * workers)), sizeable), MAX_CHUNK_RUNS))
    return [order[i : i + size] for i in range(0, len(order), size)]


def _by_shape(configs: Sequence[Config]) -> list[list[int]]:
    """Positions of the configurations grouped by what a batch must share, in order of appearance."""
    groups: list[tuple[Config, list[int]]] = []
    for i, config in enumerate(configs):
        shape = batch_shape(config)
        group = next((members for key, members in groups if key == shape), None)
        if group is None:
            groups.append((shape, [i]))
        else:
            group.append(i)
    return [members for _, members in groups]


def _simulate(configs: Sequence[Config], progress: Callable[[float], None] | None) -> list[RunResult]:
    """Run configurations in this process, in batches of worlds."""
    batches = []
    for members in _by_shape(configs):
        size = max(1, MAX_BATCH_TEAMS // configs[members[0]].org.teams)
        batches += [members[i : i + size] for i in range(0, len(members), size)]
    total = sum(len(b) * configs[b[0]].org.teams * configs[b[0]].weeks for b in batches)
    done = 0
    results: list[RunResult | None] = [None] * len(configs)
    for batch in batches:
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
        sim.schema.ConfigError: An override or value is not allowed.
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
        sim.schema.ConfigError: An override or value is not allowed.

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
        sim.schema.ConfigError: An override or value of any run is not allowed;
            nothing is simulated then.
    """
    configs = [load_config(overrides) for overrides in runs]
    # Only the weekly frames are returned: per-team records would be built and dropped.
    quiet = [dataclasses.replace(c, record=dataclasses.replace(c.record, team_every=0)) for c in configs]
    results = run_configs(quiet, progress=progress)
    return pd.concat([r.weekly for r in results], keys=range(len(results)), names=["run", "week"])

"""The public API: run a simulation from Hydra overrides.

Every public function checks its arguments before anything runs: a wrong type
raises ``TypeError`` and a wrong value ``ConfigError``, each naming the argument
(``overrides[1]``, ``configs[3].weeks``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from sim.config import SEARCH_PATH, check_config, check_overrides, load_config
from sim.model.batches import batches, chunks
from sim.model.model import OrgModel
from sim.model.params import Config
from sim.model.schema import ConfigError, as_dict, build, check_range
from sim.overrides import split_text
from sim.workers import check_n_jobs, worker_count


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
    """Run the model for a validated configuration.

    Raises:
        TypeError: ``config`` is not a Config.
        sim.model.schema.ConfigError: One of its fields is not allowed (a Config
            built in code is checked as one composed from files is).
    """
    (config,) = _checked_configs([config], "config")
    return _run_checked([config])[0]


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

    Raises:
        TypeError: An argument has the wrong type.
        sim.model.schema.ConfigError: A configuration or ``n_jobs`` is not allowed.
    """
    check_n_jobs(n_jobs)
    _check_progress(progress)
    return _run_checked(_checked_configs(configs, "configs"), progress=progress, n_jobs=n_jobs)


def _run_checked(
    configs: Sequence[Config], *, progress: Callable[[float], None] | None = None, n_jobs: int = 1
) -> list[RunResult]:
    """Run checked configurations: :func:`run_configs` without its checks."""
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
    if isinstance(seeds, str) or not isinstance(seeds, Sequence):
        raise TypeError(f"seeds: must be a list of whole numbers, got {type(seeds).__name__}")
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
        TypeError: ``overrides`` is not a list of strings.
        sim.model.schema.ConfigError: An override or value is not allowed.
    """
    return _run_checked([load_config(_checked_overrides(overrides, "overrides"))])[0]


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
        TypeError: ``overrides`` is not a list of strings.
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
        TypeError: ``runs`` is not a list of lists of strings.
        sim.model.schema.ConfigError: An override or value of any run is not allowed,
            or there is no run; nothing is simulated then.
    """
    if isinstance(runs, str) or not isinstance(runs, Sequence):
        raise TypeError(f"runs: must be a list of override lists, got {type(runs).__name__}")
    if not runs:
        raise ConfigError("runs", "must list at least one run (a list of override lists)")
    _check_progress(progress)
    configs = [load_config(_checked_overrides(overrides, f"runs[{i}]")) for i, overrides in enumerate(runs)]
    # Only the weekly frames are returned: per-team records would be built and dropped.
    quiet = [dataclasses.replace(c, record=dataclasses.replace(c.record, team_every=0)) for c in configs]
    results = _run_checked(quiet, progress=progress)
    return pd.concat([r.weekly for r in results], keys=range(len(results)), names=["run", "week"])


def _checked_overrides(overrides: Any, name: str) -> list[str]:
    """Check an argument of override lines; refuse Hydra's own settings, which no run reads.

    Raises:
        TypeError: It is a string (which would be read letter by letter) or not a
            list of strings.
        sim.model.schema.ConfigError: An override cannot be parsed, gives a key twice,
            or sets Hydra (``hydra.run.dir``: the API writes no files and runs no sweep).
    """
    if isinstance(overrides, str | bytes) or not isinstance(overrides, Sequence):
        raise TypeError(
            f"{name}: must be a list of override strings such as ['seed=1'], got {type(overrides).__name__} "
            f"{overrides!r:.60}"
        )
    for i, line in enumerate(overrides):
        if not isinstance(line, str):
            raise TypeError(f"{name}[{i}]: must be an override string such as 'seed=1', got {line!r:.60}")
        key = split_text(line)[0]
        if (key == "hydra" or key.startswith(("hydra.", "hydra/"))) and key != SEARCH_PATH:
            raise ConfigError(
                key,
                "is a setting of the orgstack command (Hydra's directories and launchers); no run "
                "reads it, and the Python API writes no files",
            )
    return check_overrides(overrides)


def _checked_configs(configs: Any, name: str) -> list[Config]:
    """Check configurations as composition checks them, whether made by :func:`load_config` or in code.

    Each configuration is rebuilt from its plain data, which checks every
    field's type and range (``Config(weeks=4.5)`` passes the range checks of
    its own ``__post_init__``); configurations that share all but their seed (a
    sweep's, by :func:`dataclasses.replace`) are rebuilt once (~4 ms), and their
    seeds checked one by one.

    Returns:
        The configurations as rebuilt: equal to the given ones, with a whole
        float such as ``4.0`` turned into the integer a field needs.

    Raises:
        TypeError: ``configs`` is not a list of Config.
        sim.model.schema.ConfigError: A field is not allowed, named ``configs[i].field``.
    """
    if isinstance(configs, str) or not isinstance(configs, Sequence):
        raise TypeError(f"{name}: must be a list of Config, got {type(configs).__name__}")
    rebuilt: dict[tuple[int, ...], Config] = {}
    seed_spec = next(f for f in dataclasses.fields(Config) if f.name == "seed").metadata
    out = []
    for i, config in enumerate(configs):
        where = name if name == "config" else f"{name}[{i}]"
        if not isinstance(config, Config):
            raise TypeError(f"{where}: must be a Config (sim.load_config makes one), got {config!r:.60}")
        shared = tuple(id(getattr(config, f.name)) for f in dataclasses.fields(config) if f.name != "seed")
        try:
            if shared not in rebuilt:
                rebuilt[shared] = build(Config, as_dict(config))
                check_config(rebuilt[shared])
                out.append(rebuilt[shared])
                continue
            if isinstance(config.seed, bool) or not isinstance(config.seed, int):
                raise ConfigError("seed", f"must be an integer, got {config.seed!r}")
            check_range(config.seed, seed_spec, "seed")
        except ConfigError as err:
            raise ConfigError(f"{where}.{err.field}", err.message) from None
        out.append(dataclasses.replace(rebuilt[shared], seed=config.seed))
    return out


def _check_progress(progress: Any) -> None:
    if progress is not None and not callable(progress):
        raise TypeError(f"progress: must be a function of the share done, or None; got {progress!r:.60}")

"""The public API: run a simulation from Hydra overrides."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.config import load_config
from sim.model import OrgModel
from sim.params import Config


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
    model = OrgModel(config)
    model.run_for(config.weeks)
    return RunResult(config, model.recorder.frame(), model.recorder.team_frame())


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
    frames = []
    for i, config in enumerate(configs):
        frames.append(run_config(config).weekly)
        if progress is not None:
            progress((i + 1) / len(configs))
    return pd.concat(frames, keys=range(len(frames)), names=["run", "week"])

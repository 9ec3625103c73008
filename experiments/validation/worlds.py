"""Run many configurations in parallel and keep what the validation needs of each.

The validation (population, sensitivity, robustness) runs thousands of worlds:
each is a validated :class:`sim.model.params.Config` with its own seed, built in the
parent and run in joblib workers in batches (:func:`sim.api.run_configs`). A worker
returns small :class:`Outcome` objects rather than the weekly frames, so that moving
results between processes costs little. Seeds belong to the configurations, never
to the workers, and joblib returns results in task order, so the results are
identical whatever the number of workers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from joblib import Parallel, cpu_count, delayed
from tqdm import tqdm

from sim.api import run_configs
from sim.model.batches import chunks
from sim.model.metrics import DORA_KEYS
from sim.model.params import Config, Record


@dataclass(frozen=True)
class Outcome:
    """What one run yields for the validation.

    Attributes:
        deploys_per_week: Mean over the final window of the median team's deploys per week.
        lead_time_days: Mean over the final window of the median team's lead time.
        time_to_restore_hours: Mean over the final window of the median team's time to restore.
        change_failure_rate: Mean over the final window of the organisation's change failure rate.
        value: Cumulative value over the whole horizon.
        innovations: Innovations shipped over the whole horizon.
        attrition: People who left over the whole horizon, per starting stream-aligned person.
        cumulative_value: Cumulative value at the end of each week.
    """

    deploys_per_week: float
    lead_time_days: float
    time_to_restore_hours: float
    change_failure_rate: float
    value: float
    innovations: float
    attrition: float
    cumulative_value: np.ndarray


def lean(config: Config) -> Config:
    """Return the same run without per-team records, which the validation never reads."""
    return replace(config, record=Record(team_every=0))


def outcome(config: Config, weekly: pd.DataFrame, window: int = 52) -> Outcome:
    """Summarise one run's weekly frame.

    Args:
        config: The run's configuration (seed included).
        weekly: The run's weekly metrics.
        window: Weeks at the end of the horizon over which the DORA keys are averaged.

    Returns:
        The run's outcome.
    """
    final = weekly.iloc[-window:]
    start_people = config.org.teams * config.org.team_size
    return Outcome(
        **{key: float(final[key].mean()) for key in DORA_KEYS},
        value=float(weekly["value"].sum()),
        innovations=float(weekly["innovations"].sum()),
        attrition=float(weekly["attrition"].sum()) / start_people,
        cumulative_value=weekly["value"].cumsum().to_numpy(np.float32),
    )


def _outcomes(configs: Sequence[Config], window: int) -> list[Outcome]:
    """Run configurations in batches (in a worker) and return only their outcomes."""
    return [outcome(c, r.weekly, window) for c, r in zip(configs, run_configs(configs), strict=True)]


def run_all(
    configs: Sequence[Config], label: str, workers: int | None = None, window: int = 52
) -> list[Outcome]:
    """Run every configuration, in parallel, with a progress bar on stderr.

    The runs are cut into chunks as :func:`sim.model.batches.chunks` does for
    :func:`sim.api.run_configs` (those that can share a model side by side), and
    each worker returns only the chunk's outcomes.

    Args:
        configs: The runs, each with its own seed.
        label: Name shown on the progress bar.
        workers: Parallel processes; ``None`` means one per CPU, 1 runs in this process.
        window: Weeks over which the DORA keys are averaged (see :func:`outcome`).

    Returns:
        One outcome per configuration, in the order given; identical whatever ``workers`` is.

    Raises:
        ValueError: ``workers`` is less than 1.
    """
    workers = cpu_count() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    tty = sys.stderr.isatty()
    # Away from a terminal (make in a log, CI) one line every 10 s instead of a redrawn bar.
    bar = tqdm(total=len(configs), desc=label, unit="run", mininterval=0.5 if tty else 10.0, ascii=not tty)
    parts = chunks(configs, workers)
    jobs = (delayed(_outcomes)([lean(configs[i]) for i in part], window) for part in parts)
    outcomes: list[Outcome | None] = [None] * len(configs)
    with bar, Parallel(n_jobs=min(workers, max(len(parts), 1)), return_as="generator") as parallel:
        for part, done in zip(parts, parallel(jobs), strict=True):
            for i, result in zip(part, done, strict=True):
                outcomes[i] = result
            bar.update(len(part))
    return outcomes

"""Run many configurations in parallel and keep what the validation needs of each.

The validation (population, sensitivity, robustness) runs thousands of worlds:
each is a validated :class:`sim.params.Config` with its own seed, built in the
parent and run in a joblib worker through :func:`sim.api.run_config`. A worker
returns a small :class:`Outcome` rather than the weekly frame, so that moving
results between processes costs little. Seeds belong to the configurations, never
to the workers, and joblib returns results in task order, so the results are
identical whatever the number of workers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from joblib import Parallel, cpu_count, delayed
from tqdm import tqdm

from sim.api import run_config
from sim.params import Config, Record


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


DORA_KEYS: tuple[str, ...] = (
    "deploys_per_week",
    "lead_time_days",
    "time_to_restore_hours",
    "change_failure_rate",
)


def lean(config: Config) -> Config:
    """Return the same run without per-team records, which the validation never reads."""
    return replace(config, record=Record(team_every=0))


def run_outcome(config: Config, window: int = 52) -> Outcome:
    """Run one configuration and summarise it.

    Args:
        config: The run's configuration (seed included).
        window: Weeks at the end of the horizon over which the DORA keys are averaged.

    Returns:
        The run's outcome.
    """
    weekly = run_config(config).weekly
    final = weekly.iloc[-window:]
    start_people = config.org.teams * config.org.team_size
    return Outcome(
        **{key: float(final[key].mean()) for key in DORA_KEYS},
        value=float(weekly["value"].sum()),
        innovations=float(weekly["innovations"].sum()),
        attrition=float(weekly["attrition"].sum()) / start_people,
        cumulative_value=weekly["value"].cumsum().to_numpy(np.float32),
    )


def run_all(
    configs: Sequence[Config], label: str, workers: int | None = None, window: int = 52
) -> list[Outcome]:
    """Run every configuration, in parallel, with a progress bar on stderr.

    Args:
        configs: The runs, each with its own seed.
        label: Name shown on the progress bar.
        workers: Parallel processes; ``None`` means one per CPU, 1 runs in this process.
        window: Weeks over which the DORA keys are averaged (see :func:`run_outcome`).

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
    jobs = (delayed(run_outcome)(lean(config), window) for config in configs)
    outcomes = []
    with bar, Parallel(n_jobs=min(workers, max(len(configs), 1)), return_as="generator") as parallel:
        for outcome in parallel(jobs):
            outcomes.append(outcome)
            bar.update()
    return outcomes

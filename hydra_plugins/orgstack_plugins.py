"""OrgStack's Hydra plugins: a launcher that runs a sweep in batches of worlds, and its sweeper.

Hydra accepts plugins only from the ``hydra_plugins`` namespace package; the
work is done in :mod:`sim.sweeps.launcher`. ``configs/config.yaml`` selects both
(``hydra/launcher: orgstack``, ``hydra/sweeper: orgstack``); Hydra's joblib and Ray
launchers remain available (``hydra/launcher=joblib``, ``ray_local``, ``ray_cluster``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.launcher import Launcher
from omegaconf import DictConfig


class BatchLauncher(Launcher):
    """Run a sweep's jobs in batches of worlds on worker processes (see :mod:`sim.sweeps.launcher`).

    Args:
        n_jobs: Worker processes (-1: every core; 1: in this process).
    """

    def __init__(self, n_jobs: int = -1) -> None:
        self.n_jobs = n_jobs
        self.config: DictConfig | None = None

    def setup(self, *, hydra_context: Any, task_function: Any, config: DictConfig) -> None:
        """Keep the sweep's configuration; the task is always an OrgStack run."""
        self.config = config

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Run the jobs and return one completed JobReturn each (failures are in their ``run.json``)."""
        from sim.sweeps import jobs, launcher

        assert self.config is not None
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        named = jobs.uses_job_dir_names(self.config)
        named_jobs = [
            (jobs.job_dir_name(overrides) if named else str(initial_job_idx + i), list(overrides))
            for i, overrides in enumerate(job_overrides)
        ]
        launcher.launch(sweep_dir, named_jobs, n_jobs=self.n_jobs)
        return [
            JobReturn(
                overrides=overrides,
                working_dir=str(sweep_dir / name),
                task_name=str(self.config.hydra.job.name),
                status=JobStatus.COMPLETED,
            )
            for name, overrides in named_jobs
        ]


class OrgStackSweeper(BasicSweeper):
    """Hydra's basic sweeper without its check that composes every job in the parent first.

    ``orgstack`` has already checked each value of the sweep before Hydra started
    (:func:`sim.cli.run.check_args`), and a run that still fails is recorded in its
    ``run.json``; composing every job once more, one after another in the parent,
    would cost more than simulating the sweep.
    """

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Accept the batch: see the class docstring."""

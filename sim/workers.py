"""How a sweep's worker processes start.

Workers are forked from one process that has imported OrgStack once (a
``forkserver``, where the platform has one): a worker spawned afresh would
spend about two seconds importing numpy, pandas, Hydra and Mesa before its
first run, as long as a 200-run sweep's work on two cores.

That process's own imports take as long. ``orgstack`` starts it before the
command imports anything heavy (:mod:`sim.__main__`), so that the two processes
import on two cores at once and the workers are ready when the first runs are:
this module imports only the standard library, and ``import sim`` imports
nothing until a name is used.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Any

from sim.model.schema import ConfigError  # standard library only, like this module

# What the process that workers are forked from imports once, for all of them: the
# launcher's chunk runner and the model it simulates with.
WORKER_MODULES = ["sim.sweeps.launcher", "sim.api"]


def worker_context() -> BaseContext:
    """Return how sweep workers start: forked from a process with OrgStack imported, or spawned."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


def start_workers_early() -> None:
    """Start the process that workers are forked from now, while the sweep is being set up."""
    if worker_context().get_start_method() == "forkserver":
        forkserver.ensure_running()


def worker_count(n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` (-1: one per core this process may use, as joblib counts them)."""
    if n_jobs >= 0:
        return n_jobs
    from joblib import cpu_count  # it knows containers' CPU quotas; imported only when needed

    return cpu_count()


def check_n_jobs(value: Any, field: str = "n_jobs") -> int:
    """Check a number of worker processes: a whole number of at least 1, or -1 for one per core.

    Raises:
        ConfigError: Naming ``field``, for anything else (0, -2, ``abc``, 1.5, true).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not (value == -1 or value >= 1):
        raise ConfigError(
            field,
            f"must be a whole number of worker processes, at least 1, or -1 for one per core; got {value!r}",
        )
    return value

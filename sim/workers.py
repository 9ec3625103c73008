"""How a sweep's worker processes start, and the ``orgstack`` command's entry point that starts them first.

Workers are forked from one process that has imported OrgStack once (a
``forkserver``, where the platform has one): a worker spawned afresh would
spend about two seconds importing numpy, pandas, Hydra and Mesa before its
first run, as long as a 200-run sweep's work on two cores.

That process's own imports take as long. ``orgstack`` starts it before the
command imports anything heavy (:func:`main`), so that the two processes import
on two cores at once and the workers are ready when the first runs are: this
module imports only the standard library and Hydra's command-line parser, and
``import sim`` imports nothing until a name is used.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from collections.abc import Sequence
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from pathlib import Path

# What the process that workers are forked from imports once, for all of them: the
# launcher's chunk runner and the model it simulates with.
WORKER_MODULES = ["sim.launcher", "sim.api"]
# The launcher's configuration, read for its default number of workers.
LAUNCHER_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "hydra" / "launcher" / "orgstack.yaml"


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


def uses_workers(parsed: argparse.Namespace) -> bool:
    """Whether a parsed command line runs a sweep on worker processes of OrgStack's launcher.

    An experiment's configuration or another launcher can still decide
    otherwise; this reads the command line only.
    """
    if not parsed.multirun:
        return False
    from omegaconf import OmegaConf  # Hydra's; imported only for sweeps

    n_jobs = OmegaConf.load(LAUNCHER_CONFIG).n_jobs
    for line in parsed.overrides:
        key, _, value = line.partition("=")
        key = key.lstrip("+~")
        if key == "hydra/launcher" and value != "orgstack":
            return False
        if key == "hydra.launcher.n_jobs" and value.lstrip("-").isdigit():
            n_jobs = int(value)
    return worker_count(n_jobs) > 1


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``orgstack`` console script: start a sweep's workers, then run the command.

    Args:
        argv: Command-line arguments without the program name; defaults to
            ``sys.argv[1:]`` (see :func:`sim.cli.main`).
    """
    from hydra._internal.utils import get_args_parser  # Hydra's own command line, so flags parse alike

    args = list(sys.argv[1:] if argv is None else argv)
    if uses_workers(get_args_parser().parse_args(args)):
        start_workers_early()
    from sim.cli import main as run_command

    run_command(args)

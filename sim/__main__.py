"""The ``orgstack`` command's entry point (also ``python -m sim``): start a sweep's workers, then run it.

A sweep's workers are forked from a process that imports OrgStack once
(:mod:`sim.workers`). Started here, before the command imports anything heavy,
that process and the command import on two cores at once. So this module
imports only the standard library and OrgStack's stdlib-only :mod:`sim.workers`,
:mod:`sim.overrides` and :mod:`sim.paths`, and Hydra's command-line parser where
it reads the arguments.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from sim.overrides import split_text
from sim.paths import CONFIG_DIR
from sim.workers import start_workers_early, worker_count

# The launcher's configuration, read for its default number of workers.
LAUNCHER_CONFIG = CONFIG_DIR / "hydra" / "launcher" / "orgstack.yaml"


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
        key, value = split_text(line)
        if key == "hydra/launcher" and value != "orgstack":
            return False
        if key == "hydra.launcher.n_jobs" and value and value.lstrip("-").isdigit():
            n_jobs = int(value)
    return worker_count(n_jobs) > 1


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``orgstack`` console script: start a sweep's workers, then run the command.

    Args:
        argv: Command-line arguments without the program name; defaults to
            ``sys.argv[1:]`` (see :func:`sim.cli.run.main`).
    """
    # A Ctrl-C while the command starts waits for the imports to finish: raised inside one, it can
    # land in importlib's own callbacks, where Python prints it as a traceback nobody can catch.
    interrupted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    try:
        from sim.cli.errors import parse_hydra_args

        args = list(sys.argv[1:] if argv is None else argv)
        if uses_workers(parse_hydra_args(args, "orgstack")):
            start_workers_early()
        from sim.cli.run import main as run_command
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:  # nothing has run yet
        print("orgstack: interrupted before anything ran", file=sys.stderr)
        raise SystemExit(130)
    try:
        run_command(args)
    finally:
        # The command has ended (and said so): a Ctrl-C now would only kill Python's own
        # shutdown, which restores the default action, silently and with another exit code.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()

"""``orgstack-collect DIR``: rebuild a sweep's ``results.parquet`` and ``failures.csv`` from its runs.

Each finished run's files are checked against its ``run.json`` first (a damaged run
is reported as failed: re-running the sweep runs it again), the directory is locked
while the results are written (a sweep still writing it is refused), and the exit
code is 0, 1 when no run finished or the results cannot be written, 2 for a
directory that is not a sweep's or is in use.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from sim.files import DirectoryLock, Locked
from sim.sweeps.callbacks import EXIT_FAILED, collect_failed
from sim.sweeps.jobs import OK, scan
from sim.sweeps.results import collect, report

PROG = "orgstack-collect"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``orgstack-collect DIR``: rebuild a sweep's results.parquet and report."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Rebuild results.parquet (and failures.csv) of a sweep directory from its runs.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        parser.exit(2, f"{PROG}: error: {args.sweep_dir}: not a directory\n")
    try:
        with DirectoryLock(args.sweep_dir, PROG):
            runs = scan(args.sweep_dir, verify=True)
            path = collect(args.sweep_dir, runs=runs)
    except (Locked, FileNotFoundError) as err:  # in use, or not a sweep's directory
        parser.exit(2, f"{PROG}: error: {err}\n")
    except (OSError, ValueError, pa.ArrowException) as err:
        parser.exit(EXIT_FAILED, collect_failed(args.sweep_dir, err, PROG) + "\n")
    print(report(args.sweep_dir, runs, path), flush=True)
    if not any(r.status == OK for r in runs):
        raise SystemExit(EXIT_FAILED)


if __name__ == "__main__":
    main()

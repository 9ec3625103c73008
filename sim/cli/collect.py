"""``orgstack-collect DIR``: rebuild a sweep's ``results.parquet`` and ``failures.csv`` from its runs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from sim.sweeps.jobs import scan
from sim.sweeps.results import collect, report


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``orgstack-collect DIR``: rebuild a sweep's results.parquet and report."""
    parser = argparse.ArgumentParser(
        prog="orgstack-collect",
        description="Rebuild results.parquet (and failures.csv) of a sweep directory from its runs.",
    )
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    args = parser.parse_args(argv)
    if not args.sweep_dir.is_dir():
        parser.exit(2, f"orgstack-collect: error: {args.sweep_dir}: not a directory\n")
    runs = scan(args.sweep_dir)
    try:
        path = collect(args.sweep_dir, runs=runs)
    except FileNotFoundError as err:
        parser.exit(2, f"orgstack-collect: error: {err}\n")
    print(report(args.sweep_dir, runs, path), flush=True)


if __name__ == "__main__":
    main()

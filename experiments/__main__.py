"""``python -m experiments NAME DIR``: run a named experiment's analysis again on a sweep directory's ``results.parquet``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.config import options


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m experiments NAME DIR``: analyse ``DIR/results.parquet`` again."""
    args = list(sys.argv[1:] if argv is None else argv)
    names = options("experiment")
    if len(args) != 2 or args[0] not in names:
        print(
            f"usage: python -m experiments {{{','.join(names)}}} SWEEP_DIR",
            file=sys.stderr,
        )
        return 2
    name, directory = args
    path = Path(directory) / "results.parquet"
    if not path.is_file():
        print(f"report: error: {path} does not exist; run the sweep first", file=sys.stderr)
        return 1
    module = importlib.import_module(f"experiments.{name}")
    module.analyse(pd.read_parquet(path), Path(directory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

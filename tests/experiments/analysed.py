"""Run an experiment's analysis as the sweep machinery would, for the experiment tests."""

import contextlib
import io
from pathlib import Path
from types import ModuleType

import pandas as pd


def analysed(module: ModuleType, out: Path, frame: pd.DataFrame) -> tuple[Path, pd.DataFrame, str]:
    """Write ``frame`` as ``results.parquet``, read it back and analyse it into ``out``.

    Returns:
        ``(out, results, printed)``: the output folder, the results as the
        analysis received them, and what it printed.
    """
    frame.to_parquet(out / "results.parquet")
    results = pd.read_parquet(out / "results.parquet")  # as the sweep machinery hands it over
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        module.analyse(results, out)
    return out, results, printed.getvalue()

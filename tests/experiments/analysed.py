"""Run an experiment's analysis as the sweep machinery would, for the experiment tests."""

import contextlib
import io
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from tests.experiments.sweeps import reduced_sweep


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


def reduced_analysis(
    module: ModuleType, tmp: pytest.TempPathFactory, seeds: int, weeks: int, **sweep: Any
) -> tuple[Path, pd.DataFrame, str]:
    """Run the experiment's own sweep at a reduced size (:func:`reduced_sweep`) and analyse it into a new folder."""
    return analysed(module, tmp.mktemp(module.NAME), reduced_sweep(module.NAME, seeds, weeks, **sweep))


def assert_wrote(
    done: tuple[Path, pd.DataFrame, str], name: str, files: tuple[str, ...], figures: int = 0
) -> None:
    """Assert that an analysis wrote its summary, ``files`` and embedded figures, and said where.

    Args:
        done: What :func:`analysed` returned.
        name: The experiment's name, which its printed line starts with.
        files: The files it writes besides ``summary.md`` and ``summary.html``.
        figures: How many figures the HTML summary embeds; 0 for at least one.
    """
    out, _, printed = done
    for file in ("summary.md", "summary.html", *files):
        assert (out / file).is_file(), file
    embedded = (out / "summary.html").read_text().count("data:image/png;base64,")
    assert embedded == figures if figures else embedded >= 1
    assert f"{name}:" in printed and str(out) in printed

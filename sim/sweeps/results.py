"""A sweep's tidy results: ``results.parquet`` (one row per run and week), ``failures.csv`` and a report."""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.files import show, temp_path, write_atomic
from sim.overrides import split_override, value_text
from sim.sweeps.frames import recall
from sim.sweeps.jobs import (
    FAILED,
    FAILURES_FILE,
    INCOMPLETE,
    METRICS_FILE,
    OK,
    RESULTS_FILE,
    Run,
    read_metrics,
    scan,
)

ROWS_PER_GROUP = 100_000  # rows buffered before collect() writes a row group
LISTED_FAILURES = 20  # failures listed one per line in a sweep's report


def collect(
    sweep_dir: Path, *, rows_per_group: int = ROWS_PER_GROUP, runs: Sequence[Run] | None = None
) -> Path:
    """Gather the finished runs of a sweep into ``results.parquet`` in the sweep directory.

    One row per run and week, the runs ordered by their swept values: ``run`` (the job
    directory's name), one column per override key (``intervention``, ``org``,
    ``seed``, ``org.teams`` ...: ints or floats where every run's value is one, else
    text, a list ``[a,b]`` as ``a+b``), ``week``, then every weekly metric. Only runs
    whose ``run.json`` says ``ok`` are included; failed runs are listed in
    ``failures.csv`` (removed when none failed), incomplete ones are skipped.

    Runs are read one at a time and written in row groups of about
    ``rows_per_group`` rows (at least one run each), so memory stays bounded
    whatever the number of runs. Both files are replaced atomically.

    Args:
        sweep_dir: The sweep directory (``hydra.sweep.dir``).
        rows_per_group: Rows buffered before a row group is written.
        runs: The sweep's runs, if already scanned (:func:`scan`, with ``verify``).

    Returns:
        The path of ``results.parquet``.

    Raises:
        FileNotFoundError: The directory does not exist or holds no runs.
        OSError: A file cannot be read or written.
        pyarrow.ArrowException: A run's ``metrics.parquet`` cannot be read as one.
    """
    sweep_dir = Path(sweep_dir)
    runs = scan(sweep_dir, verify=True) if runs is None else list(runs)
    if not runs:
        raise FileNotFoundError(f"{sweep_dir}: no runs here (no directory with run.json or .hydra/)")
    _write_failures(sweep_dir, runs)
    return _write_results(sweep_dir, [r for r in runs if r.status == OK], max(1, rows_per_group))


@dataclass(frozen=True)
class _Column:
    name: str
    dtype: str
    values: dict[str, Any]  # run name -> value


def _override_columns(runs: Sequence[Run], reserved: set[str]) -> list[_Column]:
    by_key: dict[str, dict[str, Any]] = {}
    for run in runs:
        for line in run.overrides:
            if "=" in line:  # a deletion (~key) has no value
                key, value = split_override(line)
                by_key.setdefault(key, {})[run.name] = value
    columns = []
    for key in sorted(by_key):
        values = by_key[key]
        present = list(values.values())
        complete = len(values) == len(runs)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            dtype = "int64" if complete else "Int64"
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
            dtype, values = "float64", {k: float(v) for k, v in values.items()}
        else:
            dtype, values = "str", {k: value_text(v) for k, v in values.items()}
        name = f"override.{key}" if key in reserved else key
        columns.append(_Column(name, dtype, values))
    return columns


def _read_weekly(sweep_dir: Path, run: Run) -> pa.Table:
    """Read a run's weekly metrics as an Arrow table with a ``week`` column."""
    path = sweep_dir / run.name / METRICS_FILE
    table = recall(path)
    if table is None:
        table = read_metrics(path.parent)[2]
    if "week" in table.column_names:
        return table
    # pandas keeps a RangeIndex (week 1..n) as metadata, not as a column.
    index = (table.schema.pandas_metadata or {}).get("index_columns") or [{}]
    first = index[0] if isinstance(index[0], dict) else {}
    start, step = int(first.get("start", 1)), int(first.get("step", 1))
    weeks = pa.array(range(start, start + step * table.num_rows, step), type=pa.int64())
    return table.add_column(0, "week", weeks)


def _template(first: pa.Table | None, columns: list[_Column], metrics: list[str]) -> pa.Schema:
    """Make the schema of results.parquet, with pandas metadata so that dtypes read back as written."""
    front = {"run": pd.Series(dtype="str")}
    for col in columns:
        front[col.name] = pd.Series(dtype=col.dtype)
    weekly = first.slice(0, 0).to_pandas() if first is not None else pd.DataFrame()
    weekly = weekly.reset_index() if weekly.index.name == "week" else weekly
    weekly = weekly.reindex(columns=["week", *metrics])
    if first is None:
        weekly["week"] = weekly["week"].astype("int64")
    template = pd.concat([pd.DataFrame(front), weekly], axis=1)
    return pa.Schema.from_pandas(template, preserve_index=False)


def _run_table(weekly: pa.Table, run: Run, columns: list[_Column], schema: pa.Schema) -> pa.Table:
    n = weekly.num_rows
    constants = {"run": run.name, **{col.name: col.values.get(run.name) for col in columns}}
    present = dict(zip(weekly.column_names, weekly.columns, strict=True))
    arrays = []
    for field in schema:
        if field.name in constants:
            arrays.append(pa.repeat(pa.scalar(constants[field.name], type=field.type), n))
            continue
        if field.name not in present:
            arrays.append(pa.nulls(n, field.type))
            continue
        array = present[field.name]
        arrays.append(array if array.type == field.type else array.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write_results(sweep_dir: Path, runs: list[Run], rows_per_group: int) -> Path:
    path = sweep_dir / RESULTS_FILE
    first = _read_weekly(sweep_dir, runs[0]) if runs else None
    read_first = runs[0] if runs else None
    metrics = [c for c in first.column_names if c != "week"] if first is not None else []
    columns = _override_columns(runs, reserved={"run", "week", *metrics})

    def order(run: Run) -> tuple[Any, ...]:
        key = [
            (run.name not in c.values, c.values.get(run.name, 0 if c.dtype != "str" else "")) for c in columns
        ]
        return (*key, run.name)

    runs = sorted(runs, key=order)
    schema = _template(first, columns, metrics)
    tmp = temp_path(path)
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            buffer: list[pa.Table] = []
            rows = 0
            for run in runs:
                weekly = first if run is read_first else _read_weekly(sweep_dir, run)
                table = _run_table(weekly, run, columns, schema)
                buffer.append(table)
                rows += table.num_rows
                if rows >= rows_per_group:
                    writer.write_table(pa.concat_tables(buffer), row_group_size=max(rows, 1))
                    buffer, rows = [], 0
            if buffer:
                writer.write_table(pa.concat_tables(buffer), row_group_size=max(rows, 1))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def _write_failures(sweep_dir: Path, runs: Sequence[Run]) -> Path | None:
    path = sweep_dir / FAILURES_FILE
    failed = [r for r in runs if r.status == FAILED]
    if not failed:
        path.unlink(missing_ok=True)
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["run", "overrides", "error"])
    for run in failed:
        writer.writerow([run.name, " ".join(run.overrides), run.error or ""])
    write_atomic(path, out.getvalue())
    return path


def report(sweep_dir: Path, runs: Sequence[Run], results: Path | None) -> str:
    """Summarise a sweep: runs ok, failed (with their errors) and incomplete; where the files are.

    The last line is ``results: <path>``.
    """
    counts = {s: sum(r.status == s for r in runs) for s in (OK, FAILED, INCOMPLETE)}
    head = f"sweep: {len(runs)} runs in {show(sweep_dir)}: {counts[OK]} ok, {counts[FAILED]} failed"
    lines = [head + (f", {counts[INCOMPLETE]} incomplete" if counts[INCOMPLETE] else "")]
    failed = [r for r in runs if r.status == FAILED]
    for run in failed[:LISTED_FAILURES]:
        lines.append(f"  failed  {run.name}: {run.error}")
    if len(failed) > LISTED_FAILURES:
        lines.append(f"  ... and {len(failed) - LISTED_FAILURES} more")
    if failed:
        lines.append(f"failures: {show(Path(sweep_dir) / FAILURES_FILE)}")
    if counts[INCOMPLETE]:
        lines.append(
            f"  {counts[INCOMPLETE]} runs did not finish (interrupted, or still running); re-run the sweep "
            f"with hydra.sweep.dir={show(sweep_dir)} to finish them"
        )
    lines.append(f"results: {show(results) if results else 'none'}")
    return "\n".join(lines)

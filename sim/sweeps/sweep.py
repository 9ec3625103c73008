"""Sweeps: one directory per run, a record of how each run ended, progress, tidy results.

``orgstack --multirun`` runs every combination of the sweep's values, each in its own
job directory inside the sweep directory (``hydra.sweep.dir``)::

    <sweep dir>/
      multirun.yaml                       Hydra's configuration of the sweep
      intervention-none,seed-0,weeks-8/   one directory per run, named from its overrides
        .hydra/                           Hydra's config.yaml, hydra.yaml, overrides.yaml
        metrics.parquet                   weekly metrics, indexed by week
        teams.parquet                     per-team values
        summary.txt                       the run's summary, as ``orgstack`` prints it for one run
        traceback.txt                     only when the run failed
        run.json                          written last: status, error, overrides, seconds
      results.parquet                     one row per run-week of the runs that finished
      failures.csv                        run, overrides, error of each failed run (when any)

A job directory's name depends only on the run's overrides (:func:`job_dir_name`), so
re-running the same sweep into the same directory maps every run to the same place,
and a job whose ``run.json`` says ``ok`` for the same overrides is skipped
(:func:`is_finished`). ``run.json`` is replaced atomically once every other file of
the run is written, so ``"status": "ok"`` means the run finished, and a job directory
without it is a run that was interrupted (or is still running).

:func:`collect` turns the finished runs into ``results.parquet``, one run at a time, and
``orgstack-collect DIR`` does the same from the command line. :class:`Progress` draws
the progress bar of a sweep from the parent process (``sim.sweeps.callbacks`` starts it).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

from sim.config import override_parser

RUN_FILE = "run.json"
METRICS_FILE = "metrics.parquet"
TEAMS_FILE = "teams.parquet"
SUMMARY_FILE = "summary.txt"
TRACEBACK_FILE = "traceback.txt"
RESULTS_FILE = "results.parquet"
FAILURES_FILE = "failures.csv"

OK, FAILED, INCOMPLETE = "ok", "failed", "incomplete"

# hydra.sweep.subdir in configs/config.yaml: each job directory is named from the job's overrides.
SUBDIR = "${orgstack.job_dir:${hydra.overrides.task}}"
MAX_NAME = 150  # characters of a job directory name; longer names are cut and end in a hash
ROWS_PER_GROUP = 100_000  # rows buffered before collect() writes a row group
ERROR_CHARS = 500  # an error in run.json is one line of at most this many characters
LISTED_FAILURES = 20  # failures listed one per line in a sweep's report

# Weekly tables the launcher's workers read back after writing them, by metrics file, with the
# file's (mtime_ns, size) then: collect() uses each once instead of reading the file again in
# the parent, the one part of a sweep that does not run in parallel. At most READ_AHEAD are
# kept (~45 kB each for 156 weeks); beyond that collect() reads the files.
READ_AHEAD = 4096
_read_ahead: dict[str, tuple[tuple[int, int], pa.Table]] = {}
_schemas: dict[tuple, pa.Schema] = {}  # frame_table's Arrow schemas, by the frame's shape
_file_schemas: dict[pa.Schema, pa.Schema] = {}  # what write_frame's files read back as
FileTable = tuple[Path, tuple[int, int], pa.Table]  # a Parquet file, its (mtime_ns, size), its table
_UNSAFE = re.compile(r"[^A-Za-z0-9._+,-]")


# --- job directories ---------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def split_override(line: str) -> tuple[str, Any]:
    """Split an override line into its key and its value.

    The key has no ``+``, ``++`` or ``~`` prefix (``+experiment=x`` gives
    ``experiment``); the value is what Hydra's grammar makes of it: ``3`` an int,
    ``0.5`` a float, ``[a,b]`` a list, ``none`` a string, ``null`` None.
    """
    try:
        (override,) = override_parser().parse_overrides([line])
    except HydraException:
        key, _, value = line.partition("=")
        return key.lstrip("+~"), value
    return override.key_or_group, override.value()


def value_text(value: Any) -> str:
    """Write an override's value as text: a list ``[a,b]`` as ``a+b``, None as ``null``."""
    if isinstance(value, list | tuple):
        return "+".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{value_text(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def job_dir_name(overrides: Sequence[str]) -> str:
    """Name the job directory of a run from its task overrides.

    The overrides are sorted by key and written ``key-value`` joined by ``,`` (a list
    value as ``a+b``), e.g. ``intervention-platform_team+talent_program,seed-3``; a
    run without overrides is ``default``. Characters other than letters, digits and
    ``. _ + , -`` become ``_``, and a name that had any, or that is longer than
    :data:`MAX_NAME`, is cut and ends in a hash of the overrides, so that different
    runs never share a directory and the same run always gets the same one.

    There is no ``=`` in the name: pyarrow (and so ``pandas.read_parquet``) reads a
    directory ``key=value`` above a parquet file as a partition and adds a column.
    """
    parts = []
    for line in sorted(overrides, key=lambda item: (split_override(item)[0], item)):
        key, value = split_override(line)
        parts.append(f"{key}-{value_text(value)}" if "=" in line else line)
    name = ",".join(parts) or "default"
    safe = _UNSAFE.sub("_", name)
    if safe != name or len(safe) > MAX_NAME:
        digest = hashlib.sha1("\n".join(sorted(overrides)).encode()).hexdigest()[:10]
        safe = f"{safe[: MAX_NAME - 11]}-{digest}"
    return safe


def _job_dir_resolver(overrides: Any) -> str:
    return job_dir_name([str(item) for item in overrides])


# Resolved in each job's process (Hydra evaluates hydra.sweep.subdir there); every process
# that runs a job imports this module, through sim.cli.run (the task) and sim.sweeps.callbacks.
OmegaConf.register_new_resolver("orgstack.job_dir", _job_dir_resolver, replace=True)


# --- run records -------------------------------------------------------------------------


def one_line(err: BaseException) -> str:
    """Describe an exception on one line: ``Type: message``, at most ERROR_CHARS long."""
    message = " ".join(str(err).split())
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 3] + "..."


def _temp_path(path: Path) -> Path:
    """Name a temporary file beside ``path``, unique to this process and thread (hidden: collect ignores it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def write_atomic(path: Path, text: str) -> None:
    """Write a text file so that readers see either the old file or the whole new one.

    Atomic for other processes (a sweep's progress bar reads ``run.json`` while jobs
    write it), not durable against a power cut: there is no fsync, which would cost
    more than writing a run's other files, and those are not synced either.
    """
    tmp = _temp_path(path)
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_run(
    job_dir: Path, *, status: str, error: str | None, overrides: Sequence[str], seconds: float
) -> None:
    """Record how a run ended in ``run.json`` (atomically; the last file a run writes)."""
    record = {"status": status, "error": error, "overrides": list(overrides), "seconds": round(seconds, 6)}
    write_atomic(Path(job_dir) / RUN_FILE, json.dumps(record, indent=2) + "\n")


def read_run(job_dir: Path) -> dict[str, Any] | None:
    """Read a run's ``run.json``: a dict, or None when there is none (or it is unreadable)."""
    try:
        record = json.loads((Path(job_dir) / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_finished(job_dir: Path, overrides: Sequence[str]) -> bool:
    """Whether the job directory holds a finished (``ok``) run of exactly these overrides."""
    record = read_run(job_dir)
    return (
        record is not None
        and record.get("status") == OK
        and sorted(record.get("overrides") or []) == sorted(overrides)
    )


@dataclass(frozen=True)
class Run:
    """One job directory of a sweep.

    Attributes:
        name: The job directory's name (the ``run`` column of ``results.parquet``).
        status: ``ok``, ``failed``, or ``incomplete`` (no ``run.json``: interrupted or running).
        overrides: The run's task overrides.
        error: One line describing the failure, for a failed run.
        seconds: How long the run took, when it has a ``run.json``.
    """

    name: str
    status: str
    overrides: tuple[str, ...]
    error: str | None = None
    seconds: float | None = None


def scan(sweep_dir: Path) -> list[Run]:
    """List the runs of a sweep directory, by name.

    A run is a subdirectory with a ``run.json`` or Hydra's ``.hydra/``; hidden
    directories and anything else (an experiment's figures, say) are ignored.
    """
    runs = []
    for entry in sorted(os.scandir(sweep_dir), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        path = Path(entry.path)
        record = read_run(path)
        if record is None:
            if (path / ".hydra").is_dir():
                runs.append(Run(entry.name, INCOMPLETE, _hydra_overrides(path)))
            continue
        status = record.get("status")
        error = record.get("error")
        if status not in (OK, FAILED):
            status, error = FAILED, f"run.json has an unknown status {status!r}"
        seconds = record.get("seconds")
        runs.append(
            Run(
                entry.name,
                status,
                tuple(str(o) for o in record.get("overrides") or ()),
                error=None if status == OK else str(error),
                seconds=float(seconds) if isinstance(seconds, int | float) else None,
            )
        )
    return runs


def _hydra_overrides(job_dir: Path) -> tuple[str, ...]:
    try:
        overrides = yaml.safe_load((job_dir / ".hydra" / "overrides.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ()
    return tuple(str(o) for o in overrides) if isinstance(overrides, list) else ()


# --- tidy results ------------------------------------------------------------------------


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
        runs: The sweep's runs, if already scanned (:func:`scan`).

    Returns:
        The path of ``results.parquet``.

    Raises:
        FileNotFoundError: The directory does not exist or holds no runs.
    """
    sweep_dir = Path(sweep_dir)
    runs = scan(sweep_dir) if runs is None else list(runs)
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


def frame_table(frame: pd.DataFrame, *, index: bool = True) -> pa.Table:
    """Convert a frame to Arrow as ``DataFrame.to_parquet`` does, with its pandas metadata.

    pyarrow works out the schema and pandas' metadata column by column, more
    than the rest of writing a run's files; the runs of a sweep write frames of
    one shape, so they are worked out once per shape (columns, dtypes, index).

    Args:
        frame: The frame.
        index: Keep its index (as metadata when it is a ``RangeIndex``).
    """
    preserve = None if index else False  # None: a RangeIndex as metadata, another index as columns
    if index and not isinstance(frame.index, pd.RangeIndex):
        return pa.Table.from_pandas(frame, preserve_index=preserve)
    key = (tuple(frame.columns), tuple(frame.dtypes), repr(frame.index) if index else None)
    schema = _schemas.get(key)
    if schema is None:
        table = pa.Table.from_pandas(frame, preserve_index=preserve)
        _schemas[key] = table.schema
        return table
    arrays = []
    for field, (_, column) in zip(schema, frame.items(), strict=True):
        values = column.array
        if isinstance(values, pd.Categorical):
            categories = pa.array(np.asarray(values.categories), type=field.type.value_type)
            arrays.append(pa.DictionaryArray.from_arrays(values.codes, categories, ordered=values.ordered))
        elif isinstance(column.dtype, np.dtype):
            arrays.append(pa.array(np.asarray(values), type=field.type))
        else:
            arrays.append(pa.array(column, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_frame(frame: pd.DataFrame, path: Path, *, index: bool = True) -> FileTable:
    """Write a frame to Parquet, readable with ``pandas.read_parquet`` as it was.

    Returns:
        The file, its (mtime_ns, size) and its table as a read would give it
        back, for :func:`remember`.
    """
    table = frame_table(frame, index=index)
    # Dictionary encoding only for categoricals (it keeps their categories): run metrics are
    # floats that seldom repeat, and without it the files are smaller and written faster.
    categorical = [field.name for field in table.schema if pa.types.is_dictionary(field.type)]
    pq.write_table(table, path, use_dictionary=categorical)
    stat = os.stat(path)
    # A file reads back with types of its own (a categorical's large strings as strings):
    # read the first file of each schema, and give later tables the types it read back with.
    read_schema = _file_schemas.get(table.schema)
    if read_schema is None:
        read = pq.ParquetFile(path).read(use_threads=False)
        _file_schemas[table.schema] = read.schema
    else:
        read = table.cast(read_schema)
    return Path(path), (stat.st_mtime_ns, stat.st_size), read


def read_metrics(job_dir: Path) -> FileTable:
    """Read a job's ``metrics.parquet``: its path, its (mtime_ns, size) and its table."""
    path = Path(job_dir) / METRICS_FILE
    stat = os.stat(path)
    # One file, read directly: no dataset discovery (a directory named key=value, from a
    # custom subdir, would become a column) and no thread pool for a few kB.
    return path, (stat.st_mtime_ns, stat.st_size), pq.ParquetFile(path).read(use_threads=False)


def remember(read: Sequence[FileTable]) -> None:
    """Keep metrics tables for the next :func:`collect` in this process, so that it need not read them.

    A launcher's workers hand over the tables they wrote (:func:`write_frame`).
    """
    for path, stamp, table in read:
        if len(_read_ahead) >= READ_AHEAD:
            return
        _read_ahead[os.path.abspath(path)] = (stamp, table)


def _recall(path: Path) -> pa.Table | None:
    """Take a remembered table of this metrics file, if the file has not changed since."""
    kept = _read_ahead.pop(os.path.abspath(path), None)
    if kept is None:
        return None
    stat = os.stat(path)
    return kept[1] if kept[0] == (stat.st_mtime_ns, stat.st_size) else None


def _read_weekly(sweep_dir: Path, run: Run) -> pa.Table:
    """Read a run's weekly metrics as an Arrow table with a ``week`` column."""
    path = sweep_dir / run.name / METRICS_FILE
    table = _recall(path)
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
    tmp = _temp_path(path)
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


def show(path: Path) -> str:
    """Show a path as the user would type it: relative to the working directory when inside it."""
    path = Path(path)
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


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


# --- progress ----------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """A progress bar with an ETA for a sweep whose runs finish in other processes.

    Launchers (OrgStack's workers, joblib's, Ray) run the jobs elsewhere and tell the parent
    nothing until all are done, so a thread of the parent watches the job
    directories instead: a run has finished when its ``run.json`` appears or changes.
    On a terminal the bar redraws in place; otherwise (a log, a pipe) it prints a line
    at the start, at most every ``log_every`` seconds while runs finish, and at the end.
    Failures are printed as they are seen.

    Args:
        sweep_dir: The sweep directory.
        names: Job directory names of the runs this sweep launches, or None to watch
            every subdirectory.
        total: Number of runs of the sweep, including skipped ones (None: unknown).
        skipped: Runs already finished before the sweep started.
        stream: Where to draw (default: stderr).
    """

    WIDTH = 24

    def __init__(
        self,
        sweep_dir: Path,
        names: Sequence[str] | None,
        total: int | None,
        skipped: int = 0,
        stream: TextIO | None = None,
        interval: float = 0.5,
        log_every: float = 10.0,
    ) -> None:
        self.sweep_dir = Path(sweep_dir)
        self.names = None if names is None else list(names)
        self.total, self.skipped = total, skipped
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval, self.log_every = interval, log_every
        self.finished = self.failed = 0
        self._seen: set[str] = set()
        self._baseline: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = time.monotonic()
        self._last_line = ""
        self._last_log = 0.0

    def _candidates(self) -> list[str]:
        if self.names is not None:
            return self.names
        with contextlib.suppress(OSError):
            return [e.name for e in os.scandir(self.sweep_dir) if e.is_dir() and not e.name.startswith(".")]
        return []

    def _mtime(self, name: str) -> int | None:
        try:
            return os.stat(self.sweep_dir / name / RUN_FILE).st_mtime_ns
        except OSError:
            return None

    def start(self) -> None:
        """Remember what is there already, draw the empty bar and start watching."""
        for name in self._candidates():
            mtime = self._mtime(name)
            if mtime is not None:
                self._baseline[name] = mtime
        self._t0 = time.monotonic()
        self._draw(force=True)
        self._thread = threading.Thread(target=self._watch, name="orgstack-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and draw the final state on its own line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._poll()
        self._draw(force=True, final=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._poll()
                self._draw()
            except Exception:  # noqa: BLE001 - a progress bar must never break a sweep
                pass

    def _poll(self) -> None:
        for name in self._candidates():
            if name in self._seen:
                continue
            mtime = self._mtime(name)
            if mtime is None or self._baseline.get(name) == mtime:
                continue
            self._seen.add(name)
            self.finished += 1
            record = read_run(self.sweep_dir / name) or {}
            if record.get("status") == FAILED:
                self.failed += 1
                self._write_line(f"failed  {name}: {record.get('error')}")

    def line(self) -> str:
        """Write the bar as text: runs done of the total, elapsed time and ETA."""
        done = self.skipped + self.finished
        elapsed = time.monotonic() - self._t0
        if self.total:
            left = max(self.total - done, 0)
            eta = _clock(elapsed / self.finished * left) if self.finished else ("0:00" if not left else "?")
            frac = min(done / self.total, 1.0)
            fill = round(self.WIDTH * frac)
            text = (
                f"sweep [{'#' * fill}{'-' * (self.WIDTH - fill)}] {done}/{self.total} {frac:4.0%}"
                f" | elapsed {_clock(elapsed)} | ETA {eta}"
            )
        else:
            text = f"sweep: {done} runs done | elapsed {_clock(elapsed)} | ETA ?"
        return text + (f" | {self.failed} failed" if self.failed else "")

    def _write_line(self, text: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[K{text}\n")
            self._last_line = ""
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _draw(self, force: bool = False, final: bool = False) -> None:
        text = self.line()
        if self.tty:
            if force or text != self._last_line:
                self.stream.write(f"\r\x1b[K{text}" + ("\n" if final else ""))
                self.stream.flush()
                self._last_line = text
            return
        now = time.monotonic()
        counts = text.split(" | ")[0]
        if force or (counts != self._last_line and now - self._last_log >= self.log_every):
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last_line, self._last_log = counts, now


# --- the sweep of this process ----------------------------------------------------------


@dataclass
class SweepState:
    """What the parent process knows of the sweep it runs (for the progress bar and the exit).

    Attributes:
        sweep_dir: The sweep directory, absolute.
        total: Runs of the sweep, including those already finished (None: unknown).
        skipped: Runs already finished before the sweep started.
        progress: The progress bar while the sweep runs.
        ended: Whether the sweep got to its end (``on_multirun_end``).
        exit_code: ``orgstack``'s exit code once ended.
    """

    sweep_dir: Path
    total: int | None = None
    skipped: int = 0
    progress: Progress | None = None
    ended: bool = False
    exit_code: int = 0


current: SweepState | None = None  # the sweep of this process while ``orgstack --multirun`` runs

# Sweepers that expand a sweep the way Hydra's basic sweeper does.
BASIC_SWEEPERS = (
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
    "hydra_plugins.orgstack_plugins.OrgStackSweeper",
)


def uses_job_dir_names(config: DictConfig) -> bool:
    """Whether the sweep's job directories are named by :func:`job_dir_name`."""
    sweep = OmegaConf.to_container(config.hydra.sweep, resolve=False)
    return isinstance(sweep, dict) and sweep.get("subdir") == SUBDIR


def planned_jobs(config: DictConfig, loader: Any) -> list[list[str]] | None:
    """List the task overrides of every job the sweep will launch, as Hydra's basic sweeper does.

    The sweep is ``hydra.sweeper.params`` followed by the command line's task
    overrides (a key set in both takes the command line's value), each combination
    of their values one job. None when another sweeper is configured.

    Args:
        config: The sweep's composed configuration (as given to ``on_multirun_start``).
        loader: Hydra's config loader (to expand ``glob()`` choices of config groups).
    """
    if OmegaConf.select(config, "hydra.sweeper._target_") not in BASIC_SWEEPERS:
        return None
    params = OmegaConf.select(config, "hydra.sweeper.params", default=None) or {}
    lines = [f"{k}={v}" for k, v in params.items()]
    lines += [str(o) for o in config.hydra.overrides.task]
    parsed = OverridesParser.create(config_loader=loader).parse_overrides(lines)
    return [job for batch in BasicSweeper.split_arguments(parsed, None) for job in batch]


if __name__ == "__main__":
    main()

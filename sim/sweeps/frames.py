"""Weekly frames as Parquet files: written fast, read back as they were, and handed over without a re-read."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# Weekly tables the launcher's workers read back after writing them, by metrics file, with the
# file's (mtime_ns, size) then: collect() uses each once instead of reading the file again in
# the parent, the one part of a sweep that does not run in parallel. At most READ_AHEAD are
# kept (~45 kB each for 156 weeks); beyond that collect() reads the files.
READ_AHEAD = 4096
_read_ahead: dict[str, tuple[tuple[int, int], pa.Table]] = {}
_schemas: dict[tuple, pa.Schema] = {}  # frame_table's Arrow schemas, by the frame's shape
_file_schemas: dict[pa.Schema, pa.Schema] = {}  # what write_frame's files read back as (read_back)
FileTable = tuple[Path, tuple[int, int], pa.Table]  # a Parquet file, its (mtime_ns, size), its table


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
            # from_pandas: a NaN is stored as null, as pandas stores it (a week without a deploy has no lead time).
            arrays.append(pa.array(np.asarray(values), type=field.type, from_pandas=True))
        else:
            arrays.append(pa.array(column, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_frame(frame: pd.DataFrame, path: Path, *, index: bool = True) -> pa.Table:
    """Write a frame to Parquet, readable with ``pandas.read_parquet`` as it was.

    Returns:
        The Arrow table written (for :func:`read_back`).
    """
    table = frame_table(frame, index=index)
    # Dictionary encoding only for categoricals (it keeps their categories): run metrics are
    # floats that seldom repeat, and without it the files are smaller and written faster.
    categorical = [field.name for field in table.schema if pa.types.is_dictionary(field.type)]
    pq.write_table(table, path, use_dictionary=categorical)
    return table


def read_back(path: Path, table: pa.Table) -> FileTable:
    """Describe a file :func:`write_frame` wrote: its (mtime_ns, size) and its table as a read gives it.

    A sweep's workers hand this to :func:`remember`, so that collecting need not read the file.
    """
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


def remember(read: Sequence[FileTable]) -> None:
    """Keep metrics tables for the next :func:`collect` in this process, so that it need not read them.

    A launcher's workers hand over the tables they wrote (:func:`read_back`).
    """
    for path, stamp, table in read:
        if len(_read_ahead) >= READ_AHEAD:
            return
        _read_ahead[os.path.abspath(path)] = (stamp, table)


def recall(path: Path) -> pa.Table | None:
    """Take a remembered table of this metrics file, if the file has not changed since."""
    kept = _read_ahead.pop(os.path.abspath(path), None)
    if kept is None:
        return None
    stat = os.stat(path)
    return kept[1] if kept[0] == (stat.st_mtime_ns, stat.st_size) else None

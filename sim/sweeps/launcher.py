"""Run the jobs of a sweep in batches of worlds: the work of ``orgstack``'s Hydra launcher.

Hydra's usual launchers run a sweep job by job: each job composes its
configuration again (~50 ms), sets up logging and writes its ``.hydra/`` files,
several times the cost of the simulation itself. This launcher composes each
distinct configuration once in the parent (runs that differ only in ``seed=``
share one composition), orders the runs so that those that can share a model
are neighbours, and hands worker processes chunks of runs that
:func:`sim.api.run_configs` simulates as batches of worlds. Each run still gets
its own job directory with ``metrics.parquet``, ``teams.parquet``,
``summary.txt``, ``run.json`` and ``.hydra/overrides.yaml``, as a job of the
per-job launchers writes them (without Hydra's copies of the composed
configuration, ``.hydra/config.yaml`` and ``hydra.yaml``: ``multirun.yaml`` and
the overrides reproduce it), so resuming, the progress bar and
``results.parquet`` work the same. The numbers do not depend on the chunking or the number of workers: a
run gives the same numbers alone or in any batch. Workers start as
:mod:`sim.workers` says.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pyarrow as pa
import yaml

from sim.config import load_config
from sim.model.batches import chunks
from sim.model.params import Config
from sim.model.schema import ConfigError
from sim.sweeps import frames
from sim.sweeps.jobs import is_finished, record_job
from sim.workers import worker_context, worker_count

Job = tuple[Path, list[str], Config]


def launch(sweep_dir: Path, jobs: Sequence[tuple[str, Sequence[str]]], n_jobs: int = -1) -> None:
    """Run the sweep's jobs that have not finished yet, writing each one's files.

    Args:
        sweep_dir: The sweep directory.
        jobs: Each job's directory name and task overrides.
        n_jobs: Worker processes (-1: one per core; 1: this process).
    """
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra's logging would show every step
    pending: list[Job] = []
    for name, overrides in jobs:
        out = Path(sweep_dir) / name
        if is_finished(out, overrides):
            continue
        try:
            config = load_config(overrides)
        except ConfigError as err:
            _open_job(out, overrides)
            record_job(out, overrides, seconds=0.0, error=err)
            continue
        pending.append((out, list(overrides), config))
    if not pending:
        return
    workers = worker_count(n_jobs)
    parts = [[pending[i] for i in part] for part in chunks([c for _, _, c in pending], workers=workers)]
    if workers == 1 or len(parts) == 1:
        for part in parts:
            frames.remember(run_chunk(part))
        return
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(parts)), mp_context=worker_context(), initializer=_stop_on_interrupt
    )
    try:
        for done in as_completed([pool.submit(_run_chunk_packed, part) for part in parts]):
            frames.remember(_unpack(done.result()))
    finally:
        # On an interrupt or a failed worker, what has not started is not started.
        pool.shutdown(cancel_futures=True)


# Per schema: the files, their stamps and row counts, and their tables in one Arrow IPC stream.
Packed = list[tuple[list[Path], list[tuple[int, int]], list[int], bytes]]


def _run_chunk_packed(chunk: Sequence[Job]) -> Packed:
    """Run :func:`run_chunk` in a worker and pack its tables in one Arrow stream per schema.

    Pickled one by one, a chunk of 50 runs' tables cost ~75 ms to send and ~35 ms to
    receive (column by column), while the worker starts nothing; as a stream, ~5 ms.
    """
    groups: list[tuple[pa.Schema, list[frames.FileTable]]] = []
    for read in run_chunk(chunk):
        if not groups or not read[2].schema.equals(groups[-1][0], check_metadata=True):
            groups.append((read[2].schema, []))
        groups[-1][1].append(read)
    packed: Packed = []
    for schema, reads in groups:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, schema) as writer:
            for _, _, table in reads:
                writer.write_table(table)
        paths, stamps, tables = zip(*reads, strict=True)
        packed.append((list(paths), list(stamps), [t.num_rows for t in tables], sink.getvalue().to_pybytes()))
    return packed


def _unpack(packed: Packed) -> list[frames.FileTable]:
    """Unpack the tables of :func:`_run_chunk_packed`, one per file again."""
    out = []
    for paths, stamps, rows, stream in packed:
        table, start = pa.ipc.open_stream(stream).read_all(), 0
        for path, stamp, n in zip(paths, stamps, rows, strict=True):
            out.append((path, stamp, table.slice(start, n)))
            start += n
    return out


def _stop_on_interrupt() -> None:
    # A Ctrl-C reaches the workers with the command. A worker that turned it into an
    # exception would only fail its chunk and go on to the next one queued, after the
    # command has stopped; the default action ends it at once, like the command.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _open_job(out: Path, overrides: Sequence[str]) -> None:
    """Write Hydra's record of a job's overrides, as a per-job launcher does when the job starts.

    It also marks the directory as a run until its ``run.json`` is written, so
    an interrupted run shows as incomplete.
    """
    (out / ".hydra").mkdir(parents=True, exist_ok=True)
    (out / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(list(overrides)), encoding="utf-8")


def run_chunk(chunk: Sequence[Job]) -> list[frames.FileTable]:
    """Simulate a chunk of jobs together and write each one's files.

    When the batch raises, its runs are simulated one by one, so that only the
    run at fault is recorded as failed.

    Returns:
        The finished runs' metrics files and the tables written to them, so
        that collecting the sweep in the parent need not read them again.
    """
    # The model is imported where runs are simulated: workers have it preloaded
    # (WORKER_MODULES), and a sweep's parent on workers never imports it.
    from sim.api import run_configs

    start = time.perf_counter()
    for out, overrides, _ in chunk:
        _open_job(out, overrides)
    try:
        results = run_configs([config for _, _, config in chunk])
    except Exception as err:  # noqa: BLE001 - a run that raises is recorded, not raised
        if len(chunk) > 1:
            return [read for job in chunk for read in run_chunk([job])]
        out, overrides, _ = chunk[0]
        record_job(out, overrides, seconds=time.perf_counter() - start, error=err)
        return []
    seconds = (time.perf_counter() - start) / len(chunk)
    written = [
        record_job(out, overrides, seconds=seconds, config=config, result=result)
        for (out, overrides, config), result in zip(chunk, results, strict=True)
    ]
    return [metrics for metrics in written if metrics is not None]

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

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa
import yaml

from sim.config import load_config
from sim.model.batches import chunks
from sim.model.params import Config
from sim.model.schema import ConfigError
from sim.sweeps import frames
from sim.sweeps.jobs import is_finished, record_job
from sim.workers import (
    deferring_interrupts,
    ensure_forkserver,
    ignoring_interrupts,
    interrupted,
    worker_context,
    worker_count,
)

Job = tuple[Path, list[str], Config]
CHUNKS_IN_FLIGHT = 2  # per worker: the chunk it runs, and the next one waiting in its queue


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
    _run_on_workers(parts, min(workers, len(parts)))


def _run_on_workers(parts: Sequence[Sequence[Job]], workers: int) -> None:
    """Run chunks on worker processes, each worker a pool of its own, so that one dying loses only its chunk.

    A pool of several workers breaks as a whole when one dies (killed, out of
    memory): it stops the others mid-chunk. Each worker is a pool of one here,
    with a second chunk queued behind the one it runs, so that it never waits
    for the parent between chunks. When one dies, the runs of the chunk it was
    running that had not finished are recorded as failed (a resume runs them
    again), its queued chunk goes back to the queue, a new worker takes its
    place, and the other workers go on. On an interrupt, what has not started
    is not started.
    """
    if worker_context().get_start_method() == "forkserver":
        ensure_forkserver()
    queue = list(parts)
    # Per worker, its chunks in the order they were handed to it: the first is the one it runs.
    given: dict[ProcessPoolExecutor, list[tuple[Future[Packed], Sequence[Job]]]] = {}

    def hand_out(pool: ProcessPoolExecutor | None = None) -> None:
        # A worker is started on the first submit; a Ctrl-C while it starts waits until it has.
        with deferring_interrupts():
            if pool is None:
                pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=worker_context(),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
                given[pool] = []
            while queue and len(given[pool]) < CHUNKS_IN_FLIGHT:
                part = queue.pop(0)
                given[pool].append((pool.submit(_run_chunk_packed, part), part))

    try:
        for _ in range(workers):
            hand_out()
        while any(given.values()):
            done, _ = wait([f for chunks in given.values() for f, _ in chunks], return_when=FIRST_COMPLETED)
            for pool, chunks in list(given.items()):
                if not chunks or chunks[0][0] not in done:
                    continue
                future, part = chunks.pop(0)
                try:
                    frames.remember(_unpack(future.result()))
                except BrokenProcessPool:
                    if interrupted(wait=0.5):  # a Ctrl-C ended it: the command is stopping too
                        raise KeyboardInterrupt from None
                    _worker_died(part)
                    queue[:0] = [queued for _, queued in chunks]  # never started
                    chunks.clear()
                    pool.shutdown(wait=False)
                    if queue:
                        hand_out()
                    continue
                hand_out(pool)
    except BaseException:
        # Interrupted: a worker started after the Ctrl-C did not get it, and would run its chunk to
        # the end, maybe after the command has gone (writing into the directory, or failing with a
        # traceback of its own). Its run is incomplete either way.
        for pool in given:
            _stop_workers(pool)
        raise
    finally:
        with ignoring_interrupts():  # a second Ctrl-C must not leave workers behind
            for pool in given:
                pool.shutdown(cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's worker processes now (Python 3.14 has ``terminate_workers`` for it)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError):  # already gone
            process.terminate()


def _worker_died(part: Sequence[Job]) -> None:
    """Record the runs of a chunk whose worker died as failed, but those it had finished."""
    died = RuntimeError(
        "the worker process running it died (killed, or out of memory); re-run the sweep to run it again"
    )
    for out, overrides, _ in part:
        if not is_finished(out, overrides):
            _open_job(out, overrides)
            record_job(out, overrides, seconds=0.0, error=died)


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


def _start_worker(command: int) -> None:
    """Set a worker up to end with the command that started it.

    A Ctrl-C reaches the workers with the command. A worker that turned it into an
    exception would only fail its chunk and go on to the next one queued, after the
    command has stopped; the default action ends it at once, like the command.

    A command killed outright (SIGKILL, the OOM killer) tells its workers nothing,
    and a worker would wait for its next chunk forever, or finish the one it has
    while a resume writes the same directory: it watches the command, and ends
    when the command has gone.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    threading.Thread(target=_end_with, args=(command,), daemon=True, name="orgstack-watch").start()


def _end_with(command: int, every: float = 0.5) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(command, 0)  # signal 0: only asks whether the process exists
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:  # the pid is another user's now: the command has gone
            os._exit(1)


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

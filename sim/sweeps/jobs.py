"""A sweep's job directories: their names, the record of how each run ended, and writing a run's files.

A job directory's name depends only on the run's overrides (:func:`job_dir_name`), so
re-running the same sweep into the same directory maps every run to the same place,
and a job whose ``run.json`` says ``ok`` for the same overrides, and whose files are
whole, is skipped (:func:`is_finished`). ``run.json`` is replaced atomically once every
other file of the run is written (:func:`record_job`), and records the size and SHA-256
of each of them (:data:`VOUCHED`): ``"status": "ok"`` means the run finished and its
files are the ones it wrote while they match (:func:`damage`). A job directory without
``run.json`` is a run that was interrupted (or is still running).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from omegaconf import DictConfig, OmegaConf

from sim.files import write_atomic
from sim.model.params import Config
from sim.overrides import split_override, value_text
from sim.summary import summary
from sim.sweeps.frames import FileTable, read_back, write_frame

if TYPE_CHECKING:
    from sim.api import RunResult

RUN_FILE = "run.json"
METRICS_FILE = "metrics.parquet"
TEAMS_FILE = "teams.parquet"
SUMMARY_FILE = "summary.txt"
TRACEBACK_FILE = "traceback.txt"
RESULTS_FILE = "results.parquet"
FAILURES_FILE = "failures.csv"

OK, FAILED, INCOMPLETE = "ok", "failed", "incomplete"
# The files a finished run's run.json vouches for, by size and checksum.
VOUCHED = (METRICS_FILE, TEAMS_FILE, SUMMARY_FILE)

# hydra.sweep.subdir in configs/config.yaml: each job directory is named from the job's overrides.
SUBDIR = "${orgstack.job_dir:${hydra.overrides.task}}"
MAX_NAME = 150  # characters of a job directory name; longer names are cut and end in a hash
ERROR_CHARS = 500  # an error in run.json is one line of at most this many characters
_UNSAFE = re.compile(r"[^A-Za-z0-9._+,-]")


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


def one_line(err: BaseException) -> str:
    """Describe an exception on one line: ``Type: message``, at most ERROR_CHARS long."""
    message = " ".join(str(err).split())
    text = f"{type(err).__name__}: {message}" if message else type(err).__name__
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 3] + "..."


def write_run(
    job_dir: Path, *, status: str, error: str | None, overrides: Sequence[str], seconds: float
) -> None:
    """Record how a run ended in ``run.json`` (atomically; the last file a run writes).

    A finished run's record lists the size and SHA-256 of each of its files
    (those of :data:`VOUCHED` that it wrote), for :func:`damage` to check.
    """
    job_dir = Path(job_dir)
    record: dict[str, Any] = {
        "status": status,
        "error": error,
        "overrides": list(overrides),
        "seconds": round(seconds, 6),
    }
    if status == OK:
        record["files"] = {
            name: _fingerprint(job_dir / name) for name in VOUCHED if (job_dir / name).is_file()
        }
    write_atomic(job_dir / RUN_FILE, json.dumps(record, indent=2) + "\n")


def _fingerprint(path: Path) -> dict[str, Any]:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return {"bytes": size, "sha256": hashlib.file_digest(handle, "sha256").hexdigest()}


def damage(job_dir: Path, record: dict[str, Any]) -> str | None:
    """Say how a finished run's files differ from what its ``run.json`` vouches for; None when whole.

    A file truncated, replaced (another run's, or ``teams.parquet`` copied over
    ``metrics.parquet``) or removed since the run wrote it no longer matches. A
    record without sizes and checksums vouches for nothing, so it is damaged too.
    """
    files = record.get("files")
    if not isinstance(files, dict):
        return f"its {RUN_FILE} records no sizes and checksums"
    for name, wanted in files.items():
        path = Path(job_dir) / str(name)
        if not isinstance(wanted, dict):
            return f"its {RUN_FILE} has no size and checksum of {name}"
        try:
            size = os.stat(path).st_size
            if size != wanted.get("bytes"):
                return f"{name} has {size} bytes; the run wrote {wanted.get('bytes')}"
            if _fingerprint(path)["sha256"] != wanted.get("sha256"):
                return f"{name} is not the file the run wrote (its checksum differs)"
        except OSError as err:
            return f"cannot read {name}: {err.strerror or err}"
    return None


def read_run(job_dir: Path) -> dict[str, Any] | None:
    """Read a run's ``run.json``: a dict, or None when there is none (or it is unreadable)."""
    try:
        record = json.loads((Path(job_dir) / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def is_finished(job_dir: Path, overrides: Sequence[str]) -> bool:
    """Whether the job directory holds a finished (``ok``) run of exactly these overrides, its files whole."""
    record = read_run(job_dir)
    return (
        record is not None
        and record.get("status") == OK
        and sorted(record.get("overrides") or []) == sorted(overrides)
        and damage(job_dir, record) is None
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


def scan(sweep_dir: Path, *, verify: bool = False) -> list[Run]:
    """List the runs of a sweep directory, by name.

    A run is a subdirectory with a ``run.json`` or Hydra's ``.hydra/``; hidden
    directories and anything else (an experiment's figures, say) are ignored.

    Args:
        sweep_dir: The sweep directory.
        verify: Check each finished run's files against its ``run.json``
            (:func:`damage`; reads them all) and count a run whose files are not
            whole, or that has no ``metrics.parquet``, as failed, saying why.
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
        if status == OK and verify:
            wrong = damage(path, record)
            if wrong is None and METRICS_FILE not in record["files"]:
                wrong = f"it has no {METRICS_FILE}"
            if wrong:
                status, error = (
                    FAILED,
                    f"damaged: {wrong}; re-run the sweep into this directory to run it again",
                )
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


def uses_job_dir_names(config: DictConfig) -> bool:
    """Whether the sweep's job directories are named by :func:`job_dir_name`."""
    sweep = OmegaConf.to_container(config.hydra.sweep, resolve=False)
    return isinstance(sweep, dict) and sweep.get("subdir") == SUBDIR


def write_outputs(out: Path, config: Config, result: RunResult) -> pa.Table:
    """Write a run's files but ``run.json``; return the weekly metrics table written."""
    metrics = write_frame(result.weekly, out / METRICS_FILE)
    write_frame(result.teams, out / TEAMS_FILE, index=False)
    (out / SUMMARY_FILE).write_text(summary(config, result.weekly) + "\n", encoding="utf-8")
    return metrics


def record_job(
    out: Path,
    overrides: Sequence[str],
    *,
    seconds: float,
    config: Config | None = None,
    result: RunResult | None = None,
    error: BaseException | None = None,
) -> FileTable | None:
    """Write a sweep job's files: its outputs and ``run.json``, or its traceback and a failed ``run.json``.

    Args:
        out: The job directory.
        overrides: The job's task overrides.
        seconds: How long the job took.
        config: The job's configuration, when it ran.
        result: The job's result, when it ran.
        error: Why the job failed, when it did.

    Returns:
        When the job finished ``ok``, its metrics file and the table written to
        it (see :func:`sim.sweeps.frames.remember`); else None.
    """
    for stale in (RUN_FILE, TRACEBACK_FILE):
        (out / stale).unlink(missing_ok=True)
    if error is None:
        try:
            metrics = read_back(out / METRICS_FILE, write_outputs(out, config, result))
        except Exception as err:  # noqa: BLE001 - a job that cannot write its outputs has failed
            error = err
    if error is None:
        write_run(out, status=OK, error=None, overrides=overrides, seconds=seconds)
        return metrics
    (out / TRACEBACK_FILE).write_text("".join(traceback.format_exception(error)), encoding="utf-8")
    write_run(out, status=FAILED, error=one_line(error), overrides=overrides, seconds=seconds)
    return None


def read_metrics(job_dir: Path) -> FileTable:
    """Read a job's ``metrics.parquet``: its path, its (mtime_ns, size) and its table."""
    path = Path(job_dir) / METRICS_FILE
    stat = os.stat(path)
    # One file, read directly: no dataset discovery (a directory named key=value, from a
    # custom subdir, would become a column) and no thread pool for a few kB.
    return path, (stat.st_mtime_ns, stat.st_size), pq.ParquetFile(path).read(use_threads=False)

"""Hydra callbacks of ``orgstack``: what the parent process does around a sweep.

``configs/config.yaml`` registers :class:`SweepCallback` under ``hydra.callbacks``.
When ``orgstack --multirun`` starts, it works out the sweep's runs, says how many
are already finished (and will be skipped) and starts the progress bar. At the end
it collects the finished runs into ``results.parquet`` in the sweep directory,
prints a report (runs ok, failed with their errors, incomplete; the last line
``results: <path>``) and, when the composed configuration names an experiment
(``experiment.name``, set by ``configs/experiment/<name>.yaml``), hands the
results to ``experiments.<name>.analyse(results, out_dir)``.

Launchers run the jobs in other processes (OrgStack's workers, joblib's, Ray) and tell
the parent nothing until all are done, so everything here works from the files
the jobs write: ``run.json`` is the sign that a run has finished.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from hydra.core.global_hydra import GlobalHydra
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim import files
from sim.sweeps import jobs, progress
from sim.sweeps.results import collect, report

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2  # as the commands' (sim.cli.errors, which nothing outside sim/cli imports)


def analyse(name: str, results: Path, out_dir: Path) -> None:
    """Run a named experiment's analysis: ``experiments.<name>.analyse(frame, out_dir)``.

    Args:
        name: The experiment's name (``experiment.name``), a module of ``experiments``.
        results: The sweep's ``results.parquet``.
        out_dir: Where the analysis writes its files (created if missing).

    Raises:
        ImportError: There is no module ``experiments.<name>``.
        AttributeError: The module has no ``analyse`` function.
    """
    module = importlib.import_module(f"experiments.{name}")
    function = getattr(module, "analyse", None)
    if not callable(function):
        raise AttributeError(f"experiments.{name} has no function analyse(results, out_dir)")
    out_dir.mkdir(parents=True, exist_ok=True)
    function(pd.read_parquet(results), out_dir)


def finish(sweep_dir: Path, experiment: str | None = None, out_dir: Path | None = None) -> int:
    """Collect a sweep, print its report, run its experiment's analysis; return the exit code.

    The exit code is 0, or 1 when no run of the sweep directory finished, the
    collection failed (a file that cannot be read or written) or the analysis failed.
    Each finished run's files are checked against its ``run.json`` first; a
    damaged run is reported as failed.

    Args:
        sweep_dir: The sweep directory.
        experiment: The experiment's name, if the sweep is a named experiment.
        out_dir: Where the analysis writes (default: the sweep directory).
    """
    sweep_dir = Path(sweep_dir)
    runs = jobs.scan(sweep_dir, verify=True) if sweep_dir.is_dir() else []
    if not runs:
        print(f"sweep: no runs in {files.show(sweep_dir)}", flush=True)
        return EXIT_FAILED
    try:
        results = collect(sweep_dir, runs=runs)
    except (OSError, ValueError, pa.ArrowException) as err:
        print(collect_failed(sweep_dir, err), file=sys.stderr, flush=True)
        return EXIT_FAILED
    code = 0 if any(r.status == jobs.OK for r in runs) else EXIT_FAILED
    lines = report(sweep_dir, runs, results).splitlines()
    print("\n".join(lines[:-1]), flush=True)
    if experiment:
        target = Path(out_dir) if out_dir else sweep_dir
        if code:
            print(
                f"experiment {experiment}: no run finished; nothing to analyse", file=sys.stderr, flush=True
            )
        else:
            try:
                analyse(experiment, results, target)
            except Exception as err:  # noqa: BLE001 - the sweep's results stay; report and fail
                traceback.print_exc()
                print(
                    f"orgstack: error: experiment {experiment}: analysis failed: {jobs.one_line(err)}",
                    file=sys.stderr,
                    flush=True,
                )
                code = EXIT_FAILED
            else:
                print(f"analysis: {files.show(target)} (experiments.{experiment})", flush=True)
    print(lines[-1], flush=True)  # results: <path>
    return code


def collect_failed(sweep_dir: Path, err: BaseException, prog: str = "orgstack") -> str:
    """Say in one line that a sweep's collection failed, and what to do (its runs are kept)."""
    where = files.show(sweep_dir)
    return (
        f"{prog}: error: cannot collect the sweep in {where}: {jobs.one_line(err)}; its runs are kept: "
        f"fix the cause, then run orgstack-collect {where}"
    )


class SweepCallback(Callback):
    """Progress bar while a multirun runs; results, report and analysis at its end.

    The instance holds no state (Hydra sends callbacks to every job's process); the
    sweep's state lives in :data:`sim.sweeps.progress.current`, where ``orgstack`` also reads
    its exit code.
    """

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Plan the sweep, say what is already finished, start the progress bar."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        try:
            lock = files.DirectoryLock(sweep_dir, "orgstack --multirun")
        except (files.Locked, OSError) as err:
            # SystemExit, not an exception: Hydra turns a callback's exception into a warning and goes on.
            why = err if isinstance(err, files.Locked) else f"cannot make {files.show(sweep_dir)}: {err}"
            print(f"orgstack: error: hydra.sweep.dir: {why}; wait for it to end, or choose another "
                  "hydra.sweep.dir", file=sys.stderr, flush=True)  # fmt: skip
            raise SystemExit(EXIT_BAD_INPUT) from None
        state = progress.SweepState(sweep_dir.resolve(), lock=lock)
        progress.current = state
        try:
            planned = progress.planned_jobs(config, GlobalHydra.instance().config_loader())
        except Exception:  # noqa: BLE001 - Hydra's sweeper reports a bad sweep itself
            planned = None
        names, damaged = None, []
        if planned is not None:
            state.total = len(planned)
            if jobs.uses_job_dir_names(config):
                named = [(jobs.job_dir_name(job), job) for job in planned]
                names = [name for name, job in named if not jobs.is_finished(sweep_dir / name, job)]
                state.skipped = len(planned) - len(names)
                damaged = [name for name in names if _said_ok(sweep_dir / name)]
        count = f"{state.total} runs" if state.total is not None else "runs"
        head = f"sweep: {count} into {files.show(sweep_dir)}"
        if state.skipped:
            head += f"; {state.skipped} skipped, already finished"
        if damaged:
            head += f"; {len(damaged)} run again, their files not those their run.json vouches for"
        print(head, file=sys.stderr, flush=True)
        state.progress = progress.Progress(sweep_dir, names, total=state.total, skipped=state.skipped)
        state.progress.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Stop the progress bar; collect, report and analyse; record the exit code."""
        state = progress.current or progress.SweepState(Path(str(config.hydra.sweep.dir)).resolve())
        stop_progress(state)
        experiment = OmegaConf.select(config, "experiment.name", default=None)
        out_dir = OmegaConf.select(config, "experiment.out_dir", default=None)
        try:
            code = finish(
                Path(str(config.hydra.sweep.dir)),
                str(experiment) if experiment else None,
                Path(str(out_dir)) if out_dir else None,
            )
        finally:
            end_sweep(state)  # collected under the lock: no other command writes the directory meanwhile
        state.ended, state.exit_code = True, code
        progress.current = state


def stop_progress(state: progress.SweepState | None) -> None:
    """Stop a sweep's progress bar (at its end, or when it is interrupted)."""
    if state is not None and state.progress is not None:
        bar, state.progress = state.progress, None
        bar.stop()


def end_sweep(state: progress.SweepState | None) -> None:
    """Stop a sweep's progress bar and release its directory (when it is interrupted or fails)."""
    stop_progress(state)
    if state is not None and state.lock is not None:
        state.lock.release()


def _said_ok(job_dir: Path) -> bool:
    """Whether a job's ``run.json`` says ``ok`` (a job not finished for all that has damaged files)."""
    record = jobs.read_run(job_dir)
    return record is not None and record.get("status") == jobs.OK

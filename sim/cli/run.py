"""The ``orgstack`` command: run one simulation (or a sweep) from Hydra overrides.

``orgstack org=enterprise intervention=[platform_team,talent_program] seed=3``
runs one simulation, prints a summary and writes ``metrics.parquet`` (weekly
organisation metrics) and ``teams.parquet`` (per-team values) in Hydra's run
directory. ``orgstack --multirun seed='range(0,5)' intervention=none,execution_push``
runs every combination in parallel (joblib), each run in its own job directory
named from its overrides, with a progress bar; a run that raises is recorded as
failed and the others go on; at the end the runs are collected into
``results.parquet`` (see :mod:`sim.sweeps` and :mod:`sim.sweeps.callbacks`).
``orgstack --multirun +experiment=NAME`` runs a named experiment
(``configs/experiment/NAME.yaml``) and its analysis.

Bad input never reaches Hydra: the overrides are checked first, each value of a
sweep once against the other overrides (including the sweep an experiment's
``hydra.sweeper.params`` sets), and anything not allowed ends the command with
one line ``orgstack: error: <field>: <message>`` on stderr, exit code 2 and
nothing written.

Exit codes: 0; 2 for bad input; 1 when a single run fails, when no run of a sweep
finished, or when an experiment's analysis fails; 130 when interrupted.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import hydra
from hydra._internal.callbacks import Callbacks
from hydra._internal.utils import run_and_report
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.types import Override, ValueType
from hydra.core.utils import run_job
from hydra.errors import HydraException
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, OmegaConf

from sim import files
from sim.cli.errors import EXIT_INTERRUPTED, fail, parse_hydra_args
from sim.config import (
    CONFIG_DIR,
    EXPERIMENT,
    GROUPS,
    check_overrides,
    compose_config,
    compose_run,
    config_from_composed,
    implied_search_path,
    load_config,
    options,
    output_dir,
)
from sim.model.params import Config
from sim.model.schema import ConfigError
from sim.overrides import parse_override, value_text
from sim.summary import summary
from sim.sweeps import jobs, progress
from sim.sweeps.callbacks import EXIT_FAILED, end_sweep
from sim.workers import check_n_jobs, ignoring_interrupts, interrupted, watch_interrupts

PROG = "orgstack"

# Hydra flags after which the command does not run a job, so overrides need no check.
_NO_RUN_FLAGS = ("help", "hydra_help", "info", "shell_completion", "experimental_rerun")
# Flags that make Hydra compose otherwise (another config) or show instead of run: Hydra's main runs these.
_HYDRA_COMPOSES = ("cfg", "config_path", "config_name", "config_dir")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``orgstack`` command (the console script enters at :func:`sim.__main__.main`).

    Args:
        argv: Command-line arguments without the program name; defaults to
            ``sys.argv[1:]``. Hydra flags (``--multirun``, ``--cfg job``,
            ``--help`` ...) and ``hydra.*`` overrides are passed to Hydra.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    progress.current = None
    watch_interrupts()
    try:
        command = check_args(args)
    except ConfigError as err:
        fail(str(err), PROG)
    except Exception:
        if interrupted():  # a Ctrl-C that a library turned into another error midway
            _exit_interrupted()
        raise
    except KeyboardInterrupt:
        _exit_interrupted()
    try:
        if command.run is not None:
            run_and_report(lambda: _run_single(*command.run))
        else:
            sys.argv = [PROG, *command.args]
            _hydra_main()
    except KeyboardInterrupt:
        _exit_interrupted()
    except SystemExit as stop:
        if interrupted():
            _exit_interrupted()
        end_sweep(progress.current)
        if stop.code not in (None, 0):
            _stopped("stopped")
        raise
    state = progress.current
    if state is not None and state.exit_code:
        raise SystemExit(state.exit_code)


def _exit_interrupted() -> NoReturn:
    """End the command after a Ctrl-C: one line, what is kept, and exit code 130."""
    with ignoring_interrupts():  # a second Ctrl-C must not cut the report of the first short
        end_sweep(progress.current)
        _stopped("interrupted")
    raise SystemExit(EXIT_INTERRUPTED) from None


def _stopped(how: str) -> None:
    """Tell how to resume a sweep that ended before its end (Ctrl-C, a killed worker), or that a run was interrupted."""
    state = progress.current
    if state is None:
        if how == "interrupted":
            print(f"{PROG}: interrupted before any run finished", file=sys.stderr, flush=True)
        return
    if state.ended:
        return
    where = files.show(state.sweep_dir)
    runs = jobs.scan(state.sweep_dir) if state.sweep_dir.is_dir() else []
    if not runs:  # nothing started: Hydra has said why, or the interrupt came first
        if how == "interrupted":
            print(f"{PROG}: sweep interrupted before any run started", file=sys.stderr, flush=True)
        return
    done = sum(r.status == jobs.OK for r in runs)
    print(
        f"{PROG}: sweep {how}; its {done} finished runs are kept in {where}. Re-run the same command with "
        f"hydra.sweep.dir={where} to finish it (finished runs are skipped), or collect what is there "
        f"with: orgstack-collect {where}",
        file=sys.stderr,
        flush=True,
    )


@dataclass(frozen=True)
class Command:
    """A checked command line.

    Attributes:
        args: The arguments to hand Hydra, with the search path of a named
            experiment's generated presets added.
        run: For a plain single run, its configuration as Hydra composed it
            (with the ``hydra`` node) and as validated: the command runs the
            job itself, composing once. ``None`` when Hydra runs the command
            (a sweep, ``--cfg``, another config directory or name).
    """

    args: list[str]
    run: tuple[DictConfig, Config] | None = None


def check_args(args: Sequence[str]) -> Command:
    """Validate the overrides of a command line before Hydra runs anything.

    Hydra's own argument parser separates flags from overrides. Overrides of
    Hydra itself (``hydra.*``, ``hydra/...``) are left to Hydra. The other
    overrides are composed and validated with :func:`sim.config.load_config`;
    with ``--multirun``, each value of a sweep is checked once against the
    fixed overrides. The sweep is that of the command line merged with
    ``hydra.sweeper.params`` of the composed configuration (a named experiment
    sets it), the command line winning for a key both set, as Hydra's sweeper does.

    Returns:
        What to run; a plain single run composed and validated once.

    Raises:
        ConfigError: An override cannot be parsed, names an unknown key or
            preset, has a value of the wrong type or out of range, or is a
            sweep without ``--multirun``.
    """
    args = list(args)
    parsed = parse_hydra_args(args, PROG)
    if any(getattr(parsed, flag, None) for flag in _NO_RUN_FLAGS):
        return Command(args)
    lines = check_overrides(parsed.overrides)
    args = _replaced(args, parsed.overrides, lines)
    # A named experiment's runs find the presets it generates on the search path it declares.
    args += implied_search_path(lines)
    overrides = _parse(lines)
    _check_experiment(overrides, multirun=parsed.multirun, show_only=bool(parsed.cfg))
    try:
        if parsed.multirun:
            overrides = _with_sweeper_params(lines, overrides)
    finally:
        GlobalHydra.instance().clear()
    fixed = [o.input_line for o in overrides if not o.is_sweep_override()]
    sweeps = [o for o in overrides if o.is_sweep_override()]
    if sweeps and not parsed.multirun:
        o = sweeps[0]
        raise ConfigError(o.key_or_group, f"{o.input_line!r} is a sweep; add --multirun to run every value")
    if not parsed.multirun and not any(getattr(parsed, flag, None) for flag in _HYDRA_COMPOSES):
        return Command(args, compose_run(lines))
    try:
        load_config(fixed)
        for o in sweeps:
            for value in _sweep_values(o, fixed):
                load_config([*fixed, f"{o.get_key_element()}={value}"])
    finally:
        # Hydra's main initialises its own global state and refuses to start if
        # the compose API (used by load_config) has already done so.
        GlobalHydra.instance().clear()
    return Command(args)


def _parse(lines: Sequence[str]) -> list[Override]:
    """Parse overrides with Hydra's grammar, dropping those of Hydra itself."""
    result = []
    for line in lines:
        override = parse_override(line)
        if not override.is_hydra_override() and override.key_or_group != "hydra":
            result.append(override)
    return result


def _check_experiment(overrides: Sequence[Override], multirun: bool, show_only: bool) -> None:
    """Check that a named experiment exists, is only one, and runs as a sweep."""
    for o in overrides:
        if o.key_or_group != EXPERIMENT:
            continue
        names = options(EXPERIMENT)
        allowed = (
            f"choose from {', '.join(names)}" if names else f"there is none in {CONFIG_DIR / EXPERIMENT}"
        )
        if o.is_sweep_override():
            raise ConfigError(EXPERIMENT, f"run one named experiment at a time; {allowed}")
        value = o.value()
        if not isinstance(value, str) or value not in names:
            raise ConfigError(EXPERIMENT, f"unknown experiment {value_text(value)!r}; {allowed}")
        if not multirun and not show_only:
            raise ConfigError(EXPERIMENT, f"{o.input_line!r} is a sweep; add --multirun to run it")


def _with_sweeper_params(lines: Sequence[str], overrides: list[Override]) -> list[Override]:
    """Merge the composed ``hydra.sweeper.params`` before the command line's overrides."""
    params = _sweeper_params(lines)
    if not params:
        return overrides
    merged: dict[str, Override] = {}
    for o in [*_parse([f"{key}={value}" for key, value in params.items()]), *overrides]:
        merged[o.get_key_element()] = o
    return list(merged.values())


def _sweeper_params(lines: Sequence[str]) -> dict[str, object]:
    """Check a sweep's own settings and return the ``hydra.sweeper.params`` it composes.

    The fixed overrides are composed with Hydra's node: its sweep directory
    must be one that can be written, and the launcher's ``n_jobs`` a number of
    workers, before any run starts (Hydra would fail on either mid-way, with a
    traceback).

    Raises:
        ConfigError: The configuration cannot be composed, the sweep directory
            cannot be written, or ``hydra.launcher.n_jobs`` is not allowed.
    """
    fixed = [line for line in lines if not parse_override(line).is_sweep_override()]
    cfg = compose_config(fixed, with_hydra=True)
    output_dir(cfg, "hydra.sweep.dir")
    launcher = cfg.hydra.launcher
    if "n_jobs" in launcher:
        check_n_jobs(OmegaConf.select(cfg, "hydra.launcher.n_jobs"), "hydra.launcher.n_jobs")
    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    data = OmegaConf.to_container(params, resolve=False) if params is not None else {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _replaced(args: Sequence[str], old: Sequence[str], new: Sequence[str]) -> list[str]:
    """Replace a command line's overrides (``old``, in order) by ``new``, leaving its flags."""
    pending = list(zip(old, new, strict=True))
    out = []
    for arg in args:
        if pending and arg == pending[0][0]:
            arg = pending.pop(0)[1]
        out.append(arg)
    return out


def _sweep_values(override: Override, fixed: Sequence[str]) -> list[str]:
    """List the values a sweep override stands for, as override strings."""
    key = override.key_or_group
    if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
        if key not in GROUPS:
            raise ConfigError(key, f"glob() sweeps only apply to the groups {', '.join(GROUPS)}")
        available = options(key, fixed)
        names = list(override.value().filter(available))
        if not names:
            raise ConfigError(
                key, f"{override.input_line!r} matches no preset; choose from {', '.join(available)}"
            )
        return names
    if override.is_interval_sweep():
        raise ConfigError(
            key, "interval() sweeps need an optimising sweeper; sweep a list (a,b) or range() instead"
        )
    try:
        return list(override.sweep_string_iterator())
    except HydraException as err:
        raise ConfigError(key, str(err).splitlines()[0]) from None


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: Any) -> None:
    """Run one Hydra job: a sweep's, or a single run Hydra composed (another config directory)."""
    hc = HydraConfig.get()
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra's job logging would show every step
    out = Path(hc.runtime.output_dir)
    overrides = [str(o) for o in hc.overrides.task]
    if hc.mode == RunMode.MULTIRUN:
        _sweep_job(out, overrides, cfg)
        return
    try:
        config = config_from_composed(cfg)
    except ConfigError as err:
        fail(str(err), PROG)
    _single_job(out, overrides, config)


def _run_single(cfg: DictConfig, config: Config) -> None:
    """Run a single run's job as Hydra's main would, with the configuration already composed.

    Hydra's ``run_job`` makes the run directory, saves ``.hydra/`` and sets up
    the job's logging, as for any Hydra run. A directory that cannot be made or
    written (a read-only or full file system) ends the command in one line.
    """
    callbacks = Callbacks(cfg)
    callbacks.on_run_start(config=cfg, config_name="config")
    context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=callbacks)

    def job(_: DictConfig) -> None:
        logging.getLogger("MESA").setLevel(logging.WARNING)
        hc = HydraConfig.get()
        _single_job(Path(hc.runtime.output_dir), [str(o) for o in hc.overrides.task], config)

    try:
        ret = run_job(
            task_function=job,
            config=cfg,
            job_dir_key="hydra.run.dir",
            job_subdir_key=None,
            hydra_context=context,
        )
        callbacks.on_run_end(config=cfg, config_name="config", job_return=ret)
        _ = ret.return_value  # raises what the job raised
    except OSError as err:
        where = f" {files.show(Path(err.filename))}" if err.filename else ""
        print(f"{PROG}: error: cannot write{where}: {err.strerror or err}", file=sys.stderr, flush=True)
        raise SystemExit(EXIT_FAILED) from None
    finally:
        GlobalHydra.instance().clear()


def _single_job(out: Path, overrides: list[str], config: Config) -> None:
    """Simulate one run, write its files and ``run.json``, and print its summary."""
    from sim.api import run_config  # the model: imported only where runs are simulated (sim.model.batches)

    start = time.perf_counter()
    try:
        result = run_config(config)
        jobs.write_outputs(out, config, result)
    except Exception as err:
        jobs.write_run(
            out,
            status=jobs.FAILED,
            error=jobs.one_line(err),
            overrides=overrides,
            seconds=time.perf_counter() - start,
        )
        raise
    jobs.write_run(out, status=jobs.OK, error=None, overrides=overrides, seconds=time.perf_counter() - start)
    print(summary(config, result.weekly))
    shown = " and ".join(files.show(out / name) for name in (jobs.METRICS_FILE, jobs.TEAMS_FILE))
    print(f"\nwrote {shown}", flush=True)


def _sweep_job(out: Path, overrides: list[str], cfg: Any) -> None:
    """Run one job of a sweep; any exception is recorded in run.json, not raised.

    The job prints nothing: the sweep's progress bar and report speak for it, and
    its summary is in ``summary.txt``. A job that already finished (``run.json``
    says ``ok`` for the same overrides) is skipped.
    """
    if jobs.is_finished(out, overrides):
        return
    from sim.api import run_config  # the model: imported only where runs are simulated (sim.model.batches)

    start = time.perf_counter()
    try:
        config = config_from_composed(cfg)
        result = run_config(config)
    except Exception as err:
        jobs.record_job(out, overrides, seconds=time.perf_counter() - start, error=err)
    else:
        jobs.record_job(out, overrides, seconds=time.perf_counter() - start, config=config, result=result)


if __name__ == "__main__":
    main()

"""The ``orgstack`` command: run one simulation (or a sweep) from Hydra overrides.

``orgstack org=enterprise intervention=[platform_team,talent_program] seed=3``
runs one simulation, prints a summary and writes ``metrics.parquet`` (weekly
organisation metrics) and ``teams.parquet`` (per-team values) in Hydra's run
directory. ``orgstack --multirun seed='range(0,5)' intervention=none,execution_push``
runs every combination in parallel (joblib), each run in its own job directory
named from its overrides, with a progress bar; a run that raises is recorded as
failed and the others go on; at the end the runs are collected into
``results.parquet`` (see :mod:`sim.sweeps.sweep` and :mod:`sim.sweeps.callbacks`).
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
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
import pandas as pd
from hydra._internal.utils import get_args_parser  # Hydra's own command line, so flags parse alike
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import HydraException, OverrideParseException
from hydra.types import RunMode
from omegaconf import OmegaConf

from sim.config import CONFIG_DIR, GROUPS, compose_config, config_from_composed, load_config, options
from sim.model.levers import active
from sim.model.metrics import CLUSTERS, END_WEEKS, MATURITY_LEVELS, dora_cluster
from sim.model.params import LAYER_NAMES, Config
from sim.model.schema import ConfigError
from sim.sweeps import sweep
from sim.sweeps.callbacks import stop_progress

if TYPE_CHECKING:
    from sim.api import RunResult

PROG = "orgstack"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXPERIMENT = "experiment"  # the config group of named experiments (configs/experiment/)

# Hydra flags after which the command does not run a job, so overrides need no check.
_NO_RUN_FLAGS = ("help", "hydra_help", "info", "shell_completion", "experimental_rerun")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the ``orgstack`` command (the console script enters at :func:`sim.__main__.main`).

    Args:
        argv: Command-line arguments without the program name; defaults to
            ``sys.argv[1:]``. Hydra flags (``--multirun``, ``--cfg job``,
            ``--help`` ...) and ``hydra.*`` overrides are passed to Hydra.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        check_args(args)
    except ConfigError as err:
        fail(str(err))
    sys.argv = [PROG, *args]
    sweep.current = None
    try:
        _hydra_main()
    except KeyboardInterrupt:
        stop_progress(sweep.current)
        _stopped("interrupted")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except SystemExit as stop:
        stop_progress(sweep.current)
        if stop.code not in (None, 0):
            _stopped("stopped")
        raise
    state = sweep.current
    if state is not None and state.exit_code:
        raise SystemExit(state.exit_code)


def _stopped(how: str) -> None:
    """Tell how to resume a sweep that ended before its end (Ctrl-C, a killed worker)."""
    state = sweep.current
    if state is None or state.ended:
        return
    where = sweep.show(state.sweep_dir)
    runs = sweep.scan(state.sweep_dir) if state.sweep_dir.is_dir() else []
    if not runs:  # nothing started (Hydra has said why)
        return
    done = sum(r.status == sweep.OK for r in runs)
    print(
        f"{PROG}: sweep {how}; its {done} finished runs are kept in {where}. Re-run the same command with "
        f"hydra.sweep.dir={where} to finish it (finished runs are skipped), or collect what is there "
        f"with: orgstack-collect {where}",
        file=sys.stderr,
        flush=True,
    )


def fail(message: str, prog: str = PROG) -> None:
    """Print one error line on stderr and exit with the bad-input code (``orgstack`` and its siblings)."""
    line = " ".join(message.split())
    print(f"{prog}: error: {line}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def check_args(args: Sequence[str]) -> None:
    """Validate the overrides of a command line before Hydra runs anything.

    Hydra's own argument parser separates flags from overrides. Overrides of
    Hydra itself (``hydra.*``, ``hydra/...``) are left to Hydra. The other
    overrides are composed and validated with :func:`sim.config.load_config`;
    with ``--multirun``, each value of a sweep is checked once against the
    fixed overrides. The sweep is that of the command line merged with
    ``hydra.sweeper.params`` of the composed configuration (a named experiment
    sets it), the command line winning for a key both set, as Hydra's sweeper does.

    Raises:
        ConfigError: An override cannot be parsed, names an unknown key or
            preset, has a value of the wrong type or out of range, or is a
            sweep without ``--multirun``.
    """
    parsed = get_args_parser().parse_args(list(args))
    if any(getattr(parsed, flag, None) for flag in _NO_RUN_FLAGS):
        return
    overrides = _parse(parsed.overrides)
    _check_experiment(overrides, multirun=parsed.multirun, show_only=bool(parsed.cfg))
    try:
        if parsed.multirun:
            overrides = _with_sweeper_params(parsed.overrides, overrides)
    finally:
        GlobalHydra.instance().clear()
    fixed = [o.input_line for o in overrides if not o.is_sweep_override()]
    sweeps = [o for o in overrides if o.is_sweep_override()]
    if sweeps and not parsed.multirun:
        o = sweeps[0]
        raise ConfigError(o.key_or_group, f"{o.input_line!r} is a sweep; add --multirun to run every value")
    try:
        load_config(fixed)
        for o in sweeps:
            for value in _sweep_values(o):
                load_config([*fixed, f"{o.get_key_element()}={value}"])
    finally:
        # Hydra's main initialises its own global state and refuses to start if
        # the compose API (used by load_config) has already done so.
        GlobalHydra.instance().clear()


def _parse(lines: Sequence[str]) -> list[Override]:
    """Parse overrides with Hydra's grammar, dropping those of Hydra itself."""
    parser = OverridesParser.create()
    result = []
    for line in lines:
        try:
            (override,) = parser.parse_overrides([line])
        except OverrideParseException as err:
            key = line.split("=", 1)[0].lstrip("+~") if "=" in line else line
            reason = err.message.splitlines()[0]
            raise ConfigError(key, f"cannot parse override {line!r} ({reason})") from None
        if not override.key_or_group:
            raise ConfigError("override", f"{line!r} has no key before '='")
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
            raise ConfigError(EXPERIMENT, f"unknown experiment {sweep.value_text(value)!r}; {allowed}")
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
    """``hydra.sweeper.params`` of the configuration a multirun command line composes.

    A configuration Hydra cannot compose is left to Hydra to report: no params.
    """
    try:
        cfg = compose_config(lines, with_hydra=True)
        params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
        data = OmegaConf.to_container(params, resolve=False) if params is not None else {}
    except Exception:  # noqa: BLE001 - Hydra reports a configuration it cannot compose
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _sweep_values(override: Override) -> list[str]:
    """List the values a sweep override stands for, as override strings."""
    key = override.key_or_group
    if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
        if key not in GROUPS:
            raise ConfigError(key, f"glob() sweeps only apply to the groups {', '.join(GROUPS)}")
        names = list(override.value().filter(options(key)))
        if not names:
            raise ConfigError(
                key, f"{override.input_line!r} matches no preset; choose from {', '.join(options(key))}"
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
    """Run one Hydra job: simulate, write the parquet files and the summary, record the run."""
    hc = HydraConfig.get()
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra's job logging would show every step
    out = Path(hc.runtime.output_dir)
    overrides = [str(o) for o in hc.overrides.task]
    if hc.mode == RunMode.MULTIRUN:
        _sweep_job(out, overrides, cfg)
        return
    from sim.api import run_config  # the model: imported only where runs are simulated (sim.model.batches)

    start = time.perf_counter()
    try:
        config = config_from_composed(cfg)
    except ConfigError as err:
        fail(str(err))
    try:
        result = run_config(config)
        metrics_path = _write_outputs(out, config, result)[0]
    except Exception as err:
        sweep.write_run(
            out,
            status=sweep.FAILED,
            error=sweep.one_line(err),
            overrides=overrides,
            seconds=time.perf_counter() - start,
        )
        raise
    sweep.write_run(
        out, status=sweep.OK, error=None, overrides=overrides, seconds=time.perf_counter() - start
    )
    print(summary(config, result.weekly))
    teams_path = out / sweep.TEAMS_FILE
    print(f"\nwrote {_show(metrics_path)} and {_show(teams_path)}", flush=True)


def _write_outputs(out: Path, config: Config, result: RunResult) -> sweep.FileTable:
    """Write a run's files but ``run.json``; return the metrics file as :func:`sim.sweeps.sweep.write_frame` does."""
    metrics = sweep.write_frame(result.weekly, out / sweep.METRICS_FILE)
    sweep.write_frame(result.teams, out / sweep.TEAMS_FILE, index=False)
    (out / sweep.SUMMARY_FILE).write_text(summary(config, result.weekly) + "\n", encoding="utf-8")
    return metrics


def _sweep_job(out: Path, overrides: list[str], cfg: Any) -> None:
    """Run one job of a sweep; any exception is recorded in run.json, not raised.

    The job prints nothing: the sweep's progress bar and report speak for it, and
    its summary is in ``summary.txt``. A job that already finished (``run.json``
    says ``ok`` for the same overrides) is skipped.
    """
    if sweep.is_finished(out, overrides):
        return
    from sim.api import run_config  # the model: imported only where runs are simulated (sim.model.batches)

    start = time.perf_counter()
    try:
        config = config_from_composed(cfg)
        result = run_config(config)
    except Exception as err:
        record_job(out, overrides, seconds=time.perf_counter() - start, error=err)
    else:
        record_job(out, overrides, seconds=time.perf_counter() - start, config=config, result=result)


def record_job(
    out: Path,
    overrides: Sequence[str],
    *,
    seconds: float,
    config: Config | None = None,
    result: RunResult | None = None,
    error: BaseException | None = None,
) -> sweep.FileTable | None:
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
        it (see :func:`sim.sweeps.sweep.remember`); else None.
    """
    for stale in (sweep.RUN_FILE, sweep.TRACEBACK_FILE):
        (out / stale).unlink(missing_ok=True)
    if error is None:
        try:
            metrics = _write_outputs(out, config, result)
        except Exception as err:  # noqa: BLE001 - a job that cannot write its outputs has failed
            error = err
    if error is None:
        sweep.write_run(out, status=sweep.OK, error=None, overrides=overrides, seconds=seconds)
        return metrics
    (out / sweep.TRACEBACK_FILE).write_text("".join(traceback.format_exception(error)), encoding="utf-8")
    sweep.write_run(
        out, status=sweep.FAILED, error=sweep.one_line(error), overrides=overrides, seconds=seconds
    )
    return None


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _plan_items(items: dict[str, Any]) -> str:
    names = active(items)
    if not names:
        return "none"
    parts = []
    for name in names:
        item = items[name]
        details = [f"from week {item.start}"]
        if item.duration:
            details.append(f"for {item.duration} weeks")
        if item.intensity != 1:
            details.append(f"intensity {item.intensity:g}")
        parts.append(f"{name} ({', '.join(details)})")
    return ", ".join(parts)


def summary(config: Config, weekly: pd.DataFrame) -> str:
    """Describe a run and its outcome in a few readable lines.

    Args:
        config: The run's configuration.
        weekly: The run's weekly metrics (``RunResult.weekly``).

    Returns:
        The scenario (organisation, interventions, shocks, seed, horizon), the
        outcome (value, throughput, the DORA keys and cluster over the last
        weeks, innovations, attrition, cost, maturity) and the layer strengths
        at the start and at the end.
    """
    org = config.org
    end = weekly.tail(END_WEEKS)
    window = f"weeks {end.index[0]}-{end.index[-1]}"
    deploys, lead = end["deploys_per_week"].mean(), end["lead_time_days"].mean()
    restore, cfr = end["time_to_restore_hours"].mean(), end["change_failure_rate"].mean()
    cluster = CLUSTERS[int(dora_cluster(deploys, lead, restore, cfr))]
    level = int(weekly["maturity"].iloc[-1])
    rows = [
        ("cumulative value", f"{weekly['value'].sum():,.1f}"),
        ("throughput", f"{weekly['throughput'].mean():.1f} items/week (mean)"),
        (f"deploys ({window})", f"{deploys:.2f} per week"),
        (f"lead time ({window})", f"{lead:.1f} days"),
        (f"change failure rate ({window})", f"{cfr:.0%}"),
        (f"time to restore ({window})", f"{restore:.1f} hours"),
        (f"DORA cluster ({window})", cluster),
        ("innovations", f"{int(weekly['innovations'].sum())} shipped"),
        ("attrition", f"{weekly['attrition'].sum():.0f} people left"),
        ("cost", f"{weekly['cost'].sum():,.0f} k"),
        ("maturity (end)", f"{MATURITY_LEVELS[level - 1]} (level {level})"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [
        f"OrgStack: {org.name} - {org.description}",
        f"  org            {org.name}, {org.teams} stream-aligned teams",
        f"  interventions  {_plan_items(config.intervention)}",
        f"  shocks         {_plan_items(config.shock)}",
        f"  seed           {config.seed}",
        f"  weeks          {config.weeks}",
        "",
        "Outcome",
        *(f"  {label:<{width}}  {value}" for label, value in rows),
        "",
        f"  {'layer':<12}  {'week 1':>7}  {'week ' + str(weekly.index[-1]):>8}",
    ]
    first, last = weekly.iloc[0], weekly.iloc[-1]
    for name in LAYER_NAMES:
        col = f"layer_{name}"
        lines.append(f"  {name:<12}  {first[col]:7.2f}  {last[col]:8.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""A sweep's progress bar, drawn by the parent process, and what that process knows of its sweep."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim.files import DirectoryLock
from sim.sweeps.jobs import FAILED, RUN_FILE, read_run


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
        lock: The sweep directory's lock while the sweep runs.
    """

    sweep_dir: Path
    total: int | None = None
    skipped: int = 0
    progress: Progress | None = None
    ended: bool = False
    exit_code: int = 0
    lock: DirectoryLock | None = None


current: SweepState | None = None  # the sweep of this process while ``orgstack --multirun`` runs

# Sweepers that expand a sweep the way Hydra's basic sweeper does.
BASIC_SWEEPERS = (
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
    "hydra_plugins.orgstack_plugins.OrgStackSweeper",
)


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

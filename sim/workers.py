"""How a sweep's worker processes start.

Workers are forked from one process that has imported OrgStack once (a
``forkserver``, where the platform has one): a worker spawned afresh would
spend about two seconds importing numpy, pandas, Hydra and Mesa before its
first run, as long as a 200-run sweep's work on two cores.

That process's own imports take as long. ``orgstack`` starts it before the
command imports anything heavy (:mod:`sim.__main__`), so that the two processes
import on two cores at once and the workers are ready when the first runs are:
this module imports only the standard library, and ``import sim`` imports
nothing until a name is used.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
from collections.abc import Iterator
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from typing import Any

from sim.model.schema import ConfigError  # standard library only, like this module

# What the process that workers are forked from imports once, for all of them: the
# launcher's chunk runner and the model it simulates with.
WORKER_MODULES = ["sim.sweeps.launcher", "sim.api"]


def worker_context() -> BaseContext:
    """Return how sweep workers start: forked from a process with OrgStack imported, or spawned."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    return context


def start_workers_early() -> None:
    """Start the process that workers are forked from now, while the sweep is being set up."""
    if worker_context().get_start_method() == "forkserver":
        ensure_forkserver()


def ensure_forkserver() -> None:
    """Start the process that workers are forked from, if it is not running, deaf to Ctrl-C.

    A Ctrl-C reaches every process of the terminal's process group. The fork
    server ignores it once it has imported :data:`WORKER_MODULES`, but it takes
    a second or two to get there, and a Ctrl-C meanwhile printed a traceback of
    its imports. An ignored signal stays ignored in a process the parent starts,
    so it is ignored here while the server starts; the workers it forks end on
    a Ctrl-C all the same (:func:`sim.sweeps.launcher._start_worker`).
    """
    with ignoring_interrupts():
        forkserver.ensure_running()


@contextlib.contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C (SIGINT) inside the block: a second Ctrl-C while a command reports the first, say.

    Signals can be set in the main thread only; elsewhere the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


_interrupted = threading.Event()  # set by the first Ctrl-C after watch_interrupts()


def _on_interrupt(signum: int, frame: Any) -> None:
    _interrupted.set()
    raise KeyboardInterrupt


def watch_interrupts() -> None:
    """Make a Ctrl-C raise KeyboardInterrupt, as Python's own handler does, and remember that it came.

    A Ctrl-C can surface as another exception (a library that catches it midway
    and fails), or as a worker that died of it; :func:`interrupted` tells those
    apart from real failures.
    """
    _interrupted.clear()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_interrupt)


def interrupted(wait: float = 0.0) -> bool:
    """Whether a Ctrl-C came since :func:`watch_interrupts`, waiting up to ``wait`` seconds for it.

    A Ctrl-C reaches a sweep's workers and the command at once; a worker's death
    may be noticed a moment before the command's own signal handler runs.
    """
    return _interrupted.wait(wait) if wait > 0 else _interrupted.is_set()


@contextlib.contextmanager
def deferring_interrupts() -> Iterator[None]:
    """Hold a Ctrl-C back until the block ends (starting a worker: cut short, it printed a traceback).

    The handler is replaced, not the signal blocked: any thread may receive a
    signal, and blocking it in one would not hold it back.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        _interrupted.set()
        pending.append(signum)

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pending:
        raise KeyboardInterrupt


def worker_count(n_jobs: int) -> int:
    """Worker processes for ``n_jobs`` (-1: one per core this process may use, as joblib counts them)."""
    if n_jobs >= 0:
        return n_jobs
    from joblib import cpu_count  # it knows containers' CPU quotas; imported only when needed

    return cpu_count()


def check_n_jobs(value: Any, field: str = "n_jobs") -> int:
    """Check a number of worker processes: a whole number of at least 1, or -1 for one per core.

    Raises:
        ConfigError: Naming ``field``, for anything else (0, -2, ``abc``, 1.5, true).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not (value == -1 or value >= 1):
        raise ConfigError(
            field,
            f"must be a whole number of worker processes, at least 1, or -1 for one per core; got {value!r}",
        )
    return value

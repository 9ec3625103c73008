"""Figures of the what-if, as plain functions of data (no Solara), so tests can call them.

Figures are built with ``matplotlib.figure.Figure`` rather than pyplot: pyplot
keeps global state, and the app draws from several sessions' threads. The
metric grid is spaced by hand: constrained layout doubled its drawing time
(about 0.6 s more on this machine), most of the time between Run and results.

The app draws in a process of its own (:func:`draw_png`): drawing the metric
panels takes about 0.6 s of pure Python, which in the server's process would
hold the interpreter lock while the page's numbers are being sent, and would
slow every other session's page with it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import math
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.figures import png
from viz.scenario import LAYER_GROUPS, METRICS, Outcome, band

COLOURS = {"A": "#d95f02", "B": "#1b9e77"}
STRENGTH_CMAP = colormaps["RdYlGn"]
DPI = 80  # enough for a screen; drawing time grows with the square of it
DRAWING_PROCESSES = 1  # charts of every session queue for these; the server's process keeps the rest
SERVER_CHECK_S = 1.0  # how often the drawing process checks that the server is still there
KEPT_PICTURES = 32  # pictures kept by content, so that a figure asked for again is not drawn again

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pictures: OrderedDict[bytes, Future[bytes]] = OrderedDict()


def _build_and_draw(build: Callable[[], Figure]) -> bytes:
    return png(build(), DPI)


def _draw_pickled(payload: bytes) -> bytes:
    return _build_and_draw(pickle.loads(payload))


def _exit_with(server: int) -> None:
    """Make the drawing process exit when the server's process is gone, and only then.

    A server stopped by a signal does not shut its pool down, and the pool's
    processes would wait for work for ever. A Ctrl-C meant for the server is
    ignored here: the server stops, and this process follows.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while True:
            time.sleep(SERVER_CHECK_S)
            try:
                os.kill(server, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="orgstack-server-watch", daemon=True).start()


def _drawing_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # forkserver: the server's process has many threads, which fork must not copy; the
        # drawing process starts from one that has imported this module (matplotlib, pandas).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        _pool = ProcessPoolExecutor(
            max_workers=DRAWING_PROCESSES, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
        )
        atexit.register(_pool.shutdown, cancel_futures=True)
    return _pool


def start_drawing_process() -> None:
    """Start the drawing process now, so that the first chart does not wait for its imports."""
    with _lock:
        _drawing_pool().submit(int)


def start_drawing(build: Callable[[], Figure]) -> Future[bytes] | None:
    """Start drawing a figure in the drawing process, unless it is drawn or being drawn already.

    A page calls this as soon as it has the data, so that the picture is drawn
    while the page's numbers are being shown; :func:`draw_png` of an equal
    figure then waits for this drawing instead of starting another.

    Args:
        build: Makes the figure; a module-level function or a ``functools.partial``
            of one with picklable arguments, so that it can be sent to the drawing process.

    Returns:
        The drawing's future, or None when ``build`` cannot be sent (a lambda, a closure).
    """
    try:
        payload = pickle.dumps(build)
    except (pickle.PicklingError, AttributeError, TypeError) as err:
        _log.debug("%s cannot be sent to the drawing process: %s", build, err)
        return None
    key = hashlib.blake2b(payload, digest_size=16).digest()
    with _lock:
        if key in _pictures:
            _pictures.move_to_end(key)
            return _pictures[key]
        picture = _drawing_pool().submit(_draw_pickled, payload)
        _pictures[key] = picture
        while len(_pictures) > KEPT_PICTURES:
            _pictures.popitem(last=False)
    return picture


def draw_png(build: Callable[[], Figure]) -> bytes:
    """Build a figure and draw it to PNG in the drawing process, or in this one if that cannot be done.

    Args:
        build: Makes the figure (see :func:`start_drawing`).

    Returns:
        The PNG bytes, the same wherever they were drawn.
    """
    global _pool
    picture = start_drawing(build)
    if picture is not None:
        try:
            return picture.result()
        except BrokenProcessPool:
            _log.warning("the drawing process stopped; drawing here and starting a new one")
            with _lock:
                _pool = None
                _pictures.clear()
    return _build_and_draw(build)


def metrics_figure(
    outcome: Outcome, labels: dict[str, str], crossover: int | None, metrics: Sequence[str] = tuple(METRICS)
) -> Figure:
    """Plans A and B over time: the mean over seeds and the 10-90% band of each metric.

    Args:
        outcome: The runs of both plans.
        labels: Legend text of plans ``"A"`` and ``"B"``.
        crossover: Week from which the plan ahead in cumulative net value stays
            ahead, marked on every panel; ``None`` marks nothing.
        metrics: Keys of :data:`viz.scenario.METRICS` to draw, one panel each.

    Returns:
        The panels, four to a row, and a legend in the last cell.
    """
    cols = min(4, len(metrics) + 1)
    rows = math.ceil((len(metrics) + 1) / cols)
    fig = Figure(figsize=(3.25 * cols, 2.6 * rows))
    fig.subplots_adjust(
        left=0.05, right=0.99, bottom=0.2 / rows, top=1 - 0.14 / rows, wspace=0.22, hspace=0.38
    )
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        for key, runs in (("A", outcome.a), ("B", outcome.b)):
            stats = band(runs, metric)
            ax.fill_between(stats.index, stats["p10"], stats["p90"], color=COLOURS[key], alpha=0.2, lw=0)
            ax.plot(stats.index, stats["mean"], color=COLOURS[key], lw=1.6, label=f"{key}: {labels[key]}")
        if crossover is not None:
            ax.axvline(crossover, color="0.3", ls="--", lw=1)
        ax.set_title(METRICS[metric], fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(metrics) :]:
        ax.axis("off")
    handles, texts = axes[0].get_legend_handles_labels()
    if crossover is not None:
        handles.append(axes[0].lines[-1])
        texts.append(f"crossover, week {crossover}")
    axes[-1].legend(handles, texts, loc="center", fontsize=9, frameon=False, title="mean, 10-90% band")
    fig.supxlabel("week", fontsize=9, y=0.0)
    return fig


def layer_stack_figure(stacks: dict[str, dict[str, float]], week: int) -> Figure:
    """Draw the seven layers in their three groups, coloured by strength, one stack per plan.

    Args:
        stacks: Layer strengths (0-1) by plan label, e.g. ``{"A": {...}, "B": {...}}``.
        week: The week shown, for the title.

    Returns:
        A figure with one column of seven boxes per plan, partnership at the
        bottom and innovation at the top, each labelled with its strength.
    """
    fig = Figure(figsize=(2.2 + 2.3 * len(stacks), 4.2), layout="constrained")
    ax = fig.subplots()
    order = [(group, name) for group, names in LAYER_GROUPS for name in names]
    for col, (label, layers) in enumerate(stacks.items()):
        x = 1.2 + col * 1.1
        for row, (_, name) in enumerate(order):
            value = layers[name]
            ax.add_patch(Rectangle((x, row), 1.0, 0.92, color=STRENGTH_CMAP(value), ec="0.2", lw=0.6))
            ax.text(x + 0.5, row + 0.46, f"{name}\n{value:.2f}", ha="center", va="center", fontsize=8)
        ax.text(
            x + 0.5, len(order) + 0.2, f"Plan {label}", ha="center", va="bottom", fontsize=10, weight="bold"
        )
    row = 0
    for group, names in LAYER_GROUPS:
        ax.text(1.1, row + len(names) / 2 - 0.04, group, ha="right", va="center", fontsize=9, rotation=90)
        ax.axhline(row - 0.04, color="0.5", lw=0.6, xmin=0.05)
        row += len(names)
    ax.set_xlim(0.6, 1.2 + 1.1 * len(stacks))
    ax.set_ylim(-0.2, len(order) + 0.8)
    ax.axis("off")
    ax.set_title(f"Layer strengths at week {week}", fontsize=10)
    return fig

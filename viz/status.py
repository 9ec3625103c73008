"""How a page shows a background computation: progress while it runs, a readable error if it fails."""

from __future__ import annotations

import solara
from solara.lab import Task

from sim import ConfigError


def show_status(task: Task, idle: str) -> bool:
    """Render the state of a task that is not finished; tell whether its result can be shown.

    Args:
        task: The page's computation (``solara.lab.use_task``).
        idle: What to say before the first run.

    Returns:
        True when the task finished with a result, which the caller then shows.
    """
    if task.pending:
        solara.Text("Simulating...")
        solara.ProgressLinear(task.progress if task.progress else True)
    elif task.error:
        err = task.exception
        if isinstance(err, ConfigError):
            solara.Error(f"Cannot run this scenario: {err}")
        else:
            solara.Error(f"The simulation failed: {type(err).__name__}: {err}")
    elif task.finished and task.value is not None:
        return True
    else:
        solara.Info(idle)
    return False

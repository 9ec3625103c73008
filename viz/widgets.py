"""Small pieces the pages share: Markdown text, charts drawn off the page's thread, task status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reacton.ipywidgets as w
import solara
from markdown_it import MarkdownIt
from matplotlib.figure import Figure
from solara.lab import Task, use_task

from sim import ConfigError
from viz.charts import draw_png

# CommonMark with tables. solara.Markdown would also load KaTeX and Mermaid from the asset
# CDN in the browser, which solara-assets does not ship (KaTeX) and the text never needs.
_MARKDOWN = MarkdownIt("commonmark").enable("table")


def Markdown(text: str) -> solara.Element:
    """Render trusted Markdown (the app's own text) as HTML, with no browser-side extras."""
    return solara.HTML(
        tag="div",
        unsafe_innerHTML=_MARKDOWN.render(text),
        classes=["solara-markdown", "rendered_html", "jp-RenderedHTMLCommon"],
    )


def Note(text: str) -> solara.Element:
    """Show a line of help under an input or a chart, in the page's secondary text colour (AA contrast)."""
    return solara.Text(text, classes=["orgstack-note"])


def weeks_text(weeks: int) -> str:
    """``1 week`` / ``104 weeks``."""
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def HorizonSlider(weeks: int, on_value: Callable[[int], None], most: int) -> solara.Element:
    """Choose a run's horizon in weeks (the command line's ``weeks``), from 1 to ``most``."""
    return solara.SliderInt(f"Horizon: {weeks_text(weeks)}", value=weeks, min=1, max=most, on_value=on_value)


@solara.component
def Grid(min_width: int = 380, children: list | None = None) -> solara.Element:
    """Lay children out in as many equal columns of at least ``min_width`` px as the window holds."""
    style = {
        "display": "grid",
        "grid-template-columns": f"repeat(auto-fill, minmax(min({min_width}px, 100%), 1fr))",
        "gap": "12px",
        "width": "100%",
    }
    return solara.Div(children=children or [], style=style)


@solara.component
def Chart(
    draw: Callable[[], Figure], dependencies: list[Any], waiting: str = "Drawing the charts..."
) -> None:
    """Show a matplotlib figure, drawn to PNG off the page's thread (see :func:`viz.charts.draw_png`).

    Drawing a large figure takes longer than the simulation behind it, so the
    numbers of a page appear first and the picture follows; when the
    dependencies change, the previous picture stays until the new one is drawn.

    Args:
        draw: Builds the figure: a ``functools.partial`` of a module-level
            function, so that the drawing process can run it.
        dependencies: The figure is drawn again when one of these changes.
        waiting: What to say until the first picture is there.
    """
    task = use_task(lambda: draw_png(draw), dependencies=dependencies, raise_error=False)
    picture = task.value if task.finished else task.latest
    if picture is not None:
        w.Image(value=picture, format="png")
    elif task.error:
        solara.Error(f"The chart could not be drawn: {type(task.exception).__name__}: {task.exception}")
    else:
        solara.Text(waiting)
        solara.ProgressLinear(True)


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

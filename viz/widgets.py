"""Small pieces the pages share: Markdown text, charts drawn off the page's thread, task status."""

from __future__ import annotations

from collections.abc import Callable

import solara
from markdown_it import MarkdownIt
from solara.lab import Task

from sim import ConfigError

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

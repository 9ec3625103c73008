"""Small pieces the pages share: Markdown text and the state of a background computation."""

from __future__ import annotations

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

"""An analysis's document: headings, text, tables and figures, written as ``summary.md`` and ``summary.html``."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.figures import img_tag, png
from sim.text import join


@dataclass
class Table:
    """A table of text cells.

    Attributes:
        columns: Header cells.
        rows: Body rows, each as many cells as ``columns``.
        caption: Optional line above the table.
        align: ``l`` or ``r`` per column; by default the first is left, the rest right.
    """

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    align: list[str] | None = None

    def _align(self) -> list[str]:
        return self.align or ["l"] + ["r"] * (len(self.columns) - 1)

    def markdown(self) -> str:
        """Return the table as GitHub-flavoured Markdown."""

        def cell(text: str) -> str:
            return str(text).replace("|", "\\|").replace("\n", " ")

        lines = []
        if self.caption:
            lines += [self.caption, ""]
        lines.append("| " + " | ".join(cell(c) for c in self.columns) + " |")
        lines.append("|" + "|".join("---:" if a == "r" else "---" for a in self._align()) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        """Return the table as an HTML fragment."""
        align = self._align()
        head = "".join(
            f"<th class='{a}'>{_inline_html(str(c))}</th>" for c, a in zip(self.columns, align, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(f"<td class='{a}'>{_inline_html(str(c))}</td>" for c, a in zip(row, align, strict=True))
            + "</tr>"
            for row in self.rows
        )
        caption = f"<p class='caption'>{_inline_html(self.caption)}</p>" if self.caption else ""
        return f"{caption}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline_html(text: str) -> str:
    """Escape text and render the inline Markdown the reports use: `code` and **bold**."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)


@dataclass
class _Figure:
    filename: str
    caption: str
    png: bytes


@dataclass
class Report:
    """A summary written once as Markdown and once as self-contained HTML.

    Build it with :meth:`heading`, :meth:`text`, :meth:`bullets`, :meth:`table`,
    :meth:`section`, :meth:`tables`, :meth:`figure` and :meth:`data`, then
    :meth:`write` it to a directory.
    """

    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    tables_data: dict[str, Any] = field(default_factory=dict)

    def heading(self, text: str, level: int = 2) -> None:
        """Add a heading (level 2 or deeper; the title is level 1)."""
        self.blocks.append(("heading", (level, text)))

    def text(self, paragraph: str) -> None:
        """Add a paragraph (inline `code` and **bold** allowed)."""
        if paragraph:
            self.blocks.append(("text", paragraph))

    def bullets(self, items: Sequence[str]) -> None:
        """Add a bulleted list."""
        if items:
            self.blocks.append(("bullets", list(items)))

    def table(self, table: Table) -> None:
        """Add a table."""
        self.blocks.append(("table", table))

    def section(self, heading: str, paragraphs: Iterable[str], level: int = 2) -> None:
        """Add a heading and the paragraphs under it."""
        self.heading(heading, level)
        for paragraph in paragraphs:
            self.text(paragraph)

    def tables(self, titled: Iterable[tuple[str, Table]], level: int = 3) -> None:
        """Add each ``(heading, table)`` as a table under a heading of its own."""
        for heading, table in titled:
            self.heading(heading, level)
            self.table(table)

    def data(self, tables: Mapping[str, Any]) -> None:
        """Add a line naming the data files; :meth:`write` writes each table (a pandas frame) as that CSV file."""
        self.tables_data.update(tables)
        self.text("Data: " + ", ".join(f"`{name}`" for name in tables) + ".")

    def figure(self, fig: Any, filename: str, caption: str) -> None:
        """Add a matplotlib figure; it is rendered to PNG now and written by :meth:`write`."""
        self.blocks.append(("figure", _Figure(filename, caption, png(fig))))

    def markdown(self) -> str:
        """Return the report as Markdown; figures are referenced by file name."""
        out = [f"# {self.title}", ""]
        for kind, item in self.blocks:
            if kind == "heading":
                level, text = item
                out += ["#" * level + " " + text, ""]
            elif kind == "text":
                out += [item, ""]
            elif kind == "bullets":
                out += [f"- {line}" for line in item] + [""]
            elif kind == "table":
                out += [item.markdown(), ""]
            elif kind == "figure":
                out += [f"![{item.caption}]({item.filename})", "", f"*{item.caption}*", ""]
        return "\n".join(out)

    def html(self) -> str:
        """Return the report as one HTML page with every figure embedded (base64 PNG)."""
        body = [f"<h1>{_inline_html(self.title)}</h1>"]
        for kind, item in self.blocks:
            if kind == "heading":
                level, text = item
                body.append(f"<h{level}>{_inline_html(text)}</h{level}>")
            elif kind == "text":
                body.append(f"<p>{_inline_html(item)}</p>")
            elif kind == "bullets":
                body.append("<ul>" + "".join(f"<li>{_inline_html(x)}</li>" for x in item) + "</ul>")
            elif kind == "table":
                body.append(item.html())
            elif kind == "figure":
                body.append(
                    f"<figure>{img_tag(item.png, item.caption)}"
                    f"<figcaption>{_inline_html(item.caption)}</figcaption></figure>"
                )
        return (
            "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n"
        )

    def write(self, out_dir: Path | str, name: str = "summary", html: bool = True) -> dict[str, Path]:
        """Write ``<name>.md``, ``<name>.html`` (unless ``html`` is false), each figure's PNG and each data table into ``out_dir``.

        A figure's file name may include subdirectories of ``out_dir`` (e.g. ``images/a.png``).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"md": out / f"{name}.md"}
        for kind, item in self.blocks:
            if kind == "figure":
                path = out / item.filename
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(item.png)
                paths[item.filename] = path
        for filename, frame in self.tables_data.items():
            paths[filename] = out / filename
            frame.to_csv(paths[filename], index=False)
        paths["md"].write_text(self.markdown())
        if html:
            paths["html"] = out / f"{name}.html"
            paths["html"].write_text(self.html())
        return paths


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;"
    "color:#222;line-height:1.45}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}"
    "th,td{border-bottom:1px solid #ddd;padding:0.25em 0.6em;vertical-align:top}"
    "th{background:#f4f4f4}td.r,th.r{text-align:right;white-space:nowrap}td.l,th.l{text-align:left}"
    "code{background:#f4f4f4;padding:0 0.2em}p.caption{margin-bottom:0.2em;font-weight:600}"
    "figure{margin:1em 0}figure img{max-width:100%}figcaption{font-size:0.9em;color:#555}"
)


def wrote(paths: Mapping[str, Path]) -> str:
    """Say which files :meth:`Report.write` wrote, and where (the line an analysis prints last)."""
    files = list(paths.values())
    return f"  wrote {join([f.name for f in files])} to {files[0].parent}"


def new_figure(width: float, height: float) -> Any:
    """Return a matplotlib figure on the Agg canvas (no display, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def difference_panels(top: Any, bottom: Any, title: str) -> None:
    """Finish a column of two panels plotted against a baseline: zero line, grid, title, week axis."""
    for ax in (top, bottom):
        ax.axhline(0, color="0.2", linewidth=0.8)
        ax.grid(alpha=0.3)
    top.set_title(title)
    bottom.set_xlabel("week")


def colours(names: Sequence[str]) -> dict[str, Any]:
    """Return a distinct colour per name (tab10 up to ten, tab20 beyond)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {name: cmap(i % cmap.N) for i, name in enumerate(names)}

"""Matplotlib figures as PNG bytes, and as images embedded in a self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
from typing import Any


def png(figure: Any, dpi: int = 110, *, tight: bool = False) -> bytes:
    """Draw a figure to PNG bytes (``tight``: cropped to what is drawn)."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi, **({"bbox_inches": "tight"} if tight else {}))
    return out.getvalue()


def img_tag(data: bytes, alt: str) -> str:
    """Return an ``<img>`` holding the PNG itself (a data URI), so the page needs no other file."""
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'

"""Files as commands and sweeps write them: atomically, and shown as a user would type them."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path


def temp_path(path: Path) -> Path:
    """Name a temporary file beside ``path``, unique to this process and thread (hidden: collect ignores it)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def write_atomic(path: Path, text: str) -> None:
    """Write a text file so that readers see either the old file or the whole new one.

    Atomic for other processes (a sweep's progress bar reads ``run.json`` while jobs
    write it), not durable against a power cut: there is no fsync, which would cost
    more than writing a run's other files, and those are not synced either.
    """
    tmp = temp_path(path)
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def unwritable(path: Path) -> str | None:
    """Say why a file cannot be written at ``path``, or return None when it can.

    Tried for real, before the work that produces the file: a temporary file is
    made beside it and removed (permissions alone do not tell, for root or on a
    read-only file system). Parent directories are not made.
    """
    path = Path(path)
    if path.is_dir():
        return f"{show(path)} is a directory"
    if not path.parent.is_dir():
        return f"{show(path.parent)} is not an existing directory"
    probe = temp_path(path)
    try:
        probe.open("x").close()
        probe.unlink()
    except OSError as err:
        return f"cannot write in {show(path.parent)}: {err.strerror or err}"
    return None


def show(path: Path) -> str:
    """Show a path as the user would type it: relative to the working directory when inside it."""
    path = Path(path)
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)

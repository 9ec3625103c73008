"""Files as commands and sweeps write them: atomically, and shown as a user would type them."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO


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


LOCK_FILE = ".orgstack.lock"  # hidden: a sweep's collection ignores it


class Locked(Exception):
    """Another process holds a directory's lock; the message names it."""


class DirectoryLock:
    """An exclusive lock on a directory, held by this process until released (or until it ends).

    The lock is an advisory ``flock`` on a hidden file in the directory, so the
    operating system releases it when the holder dies, even by SIGKILL: a lock
    is never left behind. The file says who holds it, for the one who is refused.

    Args:
        directory: The directory (made if missing).
        holder: What holds it, e.g. ``orgstack --multirun``; the process id, host
            and time are added.

    Raises:
        Locked: Another process holds the lock.
        OSError: The directory or its lock file cannot be made.
    """

    def __init__(self, directory: Path, holder: str) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self._handle: IO[str] | None = open(directory / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._handle.seek(0)
            who = self._handle.read().strip() or "another process"
            self.release()
            raise Locked(f"{show(directory)} is in use by {who}") from None
        self._handle.seek(0)
        self._handle.truncate()
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        self._handle.write(f"{holder} (pid {os.getpid()} on {socket.gethostname()}, since {since})\n")
        self._handle.flush()

    def release(self) -> None:
        """Release the lock (closing the file releases it); again is harmless."""
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.close()

    def __enter__(self) -> DirectoryLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()

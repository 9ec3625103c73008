"""The one compiler setting every compiled module of the model uses.

Import ``jit`` from here rather than numba's ``njit``, so that all compiled
functions share one policy: machine code cached next to its source
(``cache=True``, so a later process loads it in well under a second), and
division by numpy's rules (``error_model="numpy"``: a zero denominator gives
inf or nan, as in numpy, instead of raising; the model's guards keep
denominators away from zero).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections import namedtuple
from pathlib import Path
from typing import Any

# LLVM's -O1 compiles these functions in about a third of the time -O3 takes (the cold
# compile is most of a minute), and a default run is as fast: what is left is the cost
# of passing arrays, not arithmetic. Set before numba is imported, which reads it then;
# NUMBA_OPT in the environment wins.
os.environ.setdefault("NUMBA_OPT", "1")
import numba  # noqa: E402
from numba import njit  # noqa: E402

_OPTIONS = {"cache": True, "error_model": "numpy"}

jit = njit(**_OPTIONS)
# Inlined into its callers at numba's level (inline="always"): a call between compiled functions
# passes every array as a struct and counts references to it, which can cost more than a small
# helper's own arithmetic.
inline = njit(**_OPTIONS, inline="always")
# Without numba's reference counting (_nrt=False), for hot functions that allocate nothing (their
# scratch arrays come from the caller): counting references to the arrays passed around inside
# them can take most of their time.
jit_uncounted = njit(**_OPTIONS, _nrt=False)
inline_uncounted = njit(**_OPTIONS, inline="always", _nrt=False)


# The record type of each rules dataclass and its extras, as record_type declared it.
_TYPES: dict[tuple[type, tuple[str, ...]], type] = {}


def record_type(cls: type, name: str, *extra: str) -> type:
    """Declare the named tuple that compiled code reads a frozen dataclass of rules as.

    Assign the result to ``name`` at the top level of the dataclass's module. numba
    caches machine code by the types of its arguments and finds a named tuple type
    again in a later process only by its module and name: a type made on the fly is
    a new one in every process, which would then compile afresh (half a minute).

    Args:
        cls: The dataclass; its ``int`` and ``float`` fields are the record's.
        name: The name the type is assigned to in ``cls``'s module.
        extra: Names of derived values the record adds (a property such as ``weekly_hazard``).
    """
    numeric = [f.name for f in dataclasses.fields(cls) if f.type in ("int", "float", int, float)]
    kind = namedtuple(name, [*numeric, *extra], module=cls.__module__)
    _TYPES[cls, extra] = kind
    return kind


def record(rules: Any, **extra: float) -> tuple:
    """Return a frozen dataclass's numeric fields as its named tuple, which compiled code can read.

    Compiled functions cannot take a dataclass; a named tuple of its numbers they read by the
    same names (``rules.overtime``). ``extra`` adds derived values under their own names, as
    :func:`record_type` declared them.

    Raises:
        TypeError: No record type was declared for the dataclass with these extras.
    """
    try:
        kind = _TYPES[type(rules), tuple(extra)]
    except KeyError:
        raise TypeError(
            f"{type(rules).__name__}: no record type declared with record_type({tuple(extra)})"
        ) from None
    values = [getattr(rules, n) for n in kind._fields[: len(kind._fields) - len(extra)]]
    return kind(*(float(v) for v in values), *(float(v) for v in extra.values()))


def cache_guard(source: str, layout: object) -> None:
    """Drop the cached machine code of the module at ``source`` when ``layout`` has changed.

    numba keys its cache on a function's own source file. Constants a compiled
    function reads from other modules (the rows of a stacked array, derived from
    a dataclass elsewhere) are frozen into its machine code, so a change there
    would silently reuse code compiled for the old layout. Call this at the top
    of such a module, before any of its functions compiles, with everything its
    code takes from elsewhere: on a change it deletes that module's cache files.

    Args:
        source: The module's ``__file__``.
        layout: Anything whose ``repr`` changes when the layout does (tuples of names).
    """
    path = Path(source)
    cache = (
        Path(os.environ["NUMBA_CACHE_DIR"])
        if os.environ.get("NUMBA_CACHE_DIR")
        else path.parent / "__pycache__"
    )
    stamp = cache / f"{path.stem}.layout"
    digest = hashlib.sha256(repr(layout).encode()).hexdigest()
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for old in cache.glob(f"{path.stem}.*.nb[ci]"):
            old.unlink(missing_ok=True)
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache, delete=False, suffix=".tmp") as f:
            f.write(digest)
        os.replace(f.name, stamp)
    except OSError:
        pass  # a read-only install: numba then caches elsewhere or not at all, and compiles afresh


__all__ = [
    "cache_guard",
    "inline",
    "inline_uncounted",
    "jit",
    "jit_uncounted",
    "numba",
    "record",
    "record_type",
]

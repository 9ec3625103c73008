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
from pathlib import Path
from typing import Any

# LLVM's -O1 compiles these functions in about a third of the time -O3 takes (the cold
# compile is most of a minute), and a default run is as fast: what is left is the cost
# of passing arrays, not arithmetic. Set before numba is imported, which reads it then;
# NUMBA_OPT in the environment wins.
os.environ.setdefault("NUMBA_OPT", "1")
import numba  # noqa: E402
import numpy as np  # noqa: E402
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


# How compiled code takes the rules (see record). Part of the cache layout of every module whose
# compiled code reads rules: numba's cache index names the types of its arguments, and an index
# naming a type that no longer exists cannot even be read.
RECORD_FORM = "one-element structured array"


def record(rules: Any, **extra: float) -> np.ndarray:
    """Return a frozen dataclass's numeric fields as a one-element structured array for compiled code.

    Compiled functions cannot take a dataclass. They take this array and read its element by
    the dataclass's names (``rules[0].overtime``); ``extra`` adds derived values under their
    own names. Why an array and not a named tuple: numba checks a tuple argument's type field
    by field at every call (some 3 us for 25 fields) and an array's by its dtype (a tenth of
    that), and a dtype is the same in every process, so numba's cache finds the code again.
    """
    numeric = [f.name for f in dataclasses.fields(rules) if f.type in ("int", "float", int, float)]
    values = [*(getattr(rules, n) for n in numeric), *extra.values()]
    return np.array([tuple(float(v) for v in values)], dtype=[(n, np.float64) for n in [*numeric, *extra]])


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
    "RECORD_FORM",
    "record",
]

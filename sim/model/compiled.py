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
import enum
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

# LLVM's -O1 compiles these functions in about a third of the time -O3 takes (the cold
# compile is most of a minute), and a default run is as fast: what is left is the cost
# of passing arrays, not arithmetic. Set before numba is imported, which reads it then;
# NUMBA_OPT in the environment wins.
os.environ.setdefault("NUMBA_OPT", "1")
import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit  # noqa: E402
from numba.core.caching import CacheImpl  # noqa: E402
from numba.extending import is_jitted  # noqa: E402

_OPTIONS = {"cache": True, "error_model": "numpy"}
# Source files whose cache cache_guard has checked in this process.
_GUARDED: set[str] = set()


def _guarded(**options: Any) -> Any:
    """Return numba's ``njit(**options)``, refusing a function whose module has not called :func:`cache_guard`."""
    compile_ = njit(**_OPTIONS, **options)

    def decorate(fn: Any) -> Any:
        if fn.__globals__.get("__file__") not in _GUARDED:
            raise RuntimeError(
                f"{fn.__module__}.{fn.__name__}: call cache_guard(globals()) after the module's imports"
            )
        return compile_(fn)

    return decorate


jit = _guarded()
# Inlined into its callers at numba's level (inline="always"): a call between compiled functions
# passes every array as a struct and counts references to it, which can cost more than a small
# helper's own arithmetic.
inline = _guarded(inline="always")
# Without numba's reference counting (_nrt=False), for hot functions that allocate nothing (their
# scratch arrays come from the caller): counting references to the arrays passed around inside
# them can take most of their time.
jit_uncounted = _guarded(_nrt=False)
inline_uncounted = _guarded(inline="always", _nrt=False)


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


def _frozen(value: Any) -> bool:
    """Whether numba would freeze a module global of this kind into machine code as a constant."""
    if isinstance(value, bool | int | float | str | bytes | np.generic | np.ndarray) or value is None:
        return True
    if isinstance(value, tuple):
        return all(_frozen(v) for v in value)
    if isinstance(value, dict):
        return all(_frozen(k) and _frozen(v) for k, v in value.items())
    return isinstance(value, type) and issubclass(value, enum.Enum)


def _describe(value: Any) -> str:
    """Describe a frozen global's value: the text changes when the value does, and is the same in every process."""
    if isinstance(value, np.ndarray):
        return f"array({value.dtype.str}, {value.shape}, {hashlib.sha256(value.tobytes()).hexdigest()})"
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_describe(k)}: {_describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, type):
        return f"{value.__name__}{[(m.name, m.value) for m in value]}"
    return repr(value)


def compiled_inputs(namespace: dict[str, Any]) -> str:
    """Describe everything that numba freezes into a module's machine code from outside its own file.

    That is the module's globals numba treats as constants (numbers, strings,
    arrays, enums, and tuples and dicts of them: the rows of a stacked array,
    a table of weights) and, for every compiled function it can call from
    another module, directly or through others (or through a module of its own
    package it imports whole), that module's source and, in turn, its own such
    globals.

    Args:
        namespace: The module's ``globals()``.

    Returns:
        Text that changes whenever any of them does.
    """
    own = namespace.get("__file__")
    package = str(namespace.get("__name__", "")).split(".")[0]
    parts = [f"RECORD_FORM={RECORD_FORM}"]
    seen: set[str] = set()
    stack = [namespace]
    while stack:
        names = stack.pop()
        for name, value in sorted(names.items()):
            if name.startswith("__"):
                continue
            if _frozen(value):
                parts.append(f"{name}={_describe(value)}")
                continue
            if is_jitted(value):
                module = sys.modules.get(value.py_func.__module__)
            elif isinstance(value, ModuleType) and value.__name__.split(".")[0] == package:
                module = value  # its compiled functions are reached as attributes (cap.effort)
            else:
                continue
            file = getattr(module, "__file__", None)
            if file is None or file in seen:
                continue
            seen.add(file)
            if file != own:
                parts.append(f"{module.__name__}:{hashlib.sha256(Path(file).read_bytes()).hexdigest()}")
            stack.append(vars(module))
    return "\n".join(parts)


def cache_guard(namespace: dict[str, Any]) -> None:
    """Drop a module's cached machine code when anything it was compiled with from elsewhere has changed.

    numba finds a cached function again by its own source file's time stamp
    only (numba issue #1833). Constants a compiled function reads from other
    modules (the rows of a stacked array) are frozen into its machine code, and
    so are the compiled functions it calls from other files, so a change to
    either would silently reuse code compiled for the old one: a changed random
    number generator would leave every caller drawing with the old. Call this
    in each module with compiled code, after its imports and before any of its
    functions compiles; it compares :func:`compiled_inputs` with what was
    stamped beside the cache and, on a difference, deletes that module's cache.

    Args:
        namespace: The module's ``globals()``.
    """
    source = namespace["__file__"]
    _GUARDED.add(source)
    cache = _cache_dir(source)
    if cache is None:
        return  # numba has nowhere to cache this module's code, so it compiles afresh
    stamp = cache / f"{Path(source).stem}.layout"
    digest = hashlib.sha256(compiled_inputs(namespace).encode()).hexdigest()
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for old in cache.glob(f"{Path(source).stem}.*.nb[ci]"):
            old.unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache, delete=False, suffix=".tmp") as f:
            f.write(digest)
        os.replace(f.name, stamp)
    except OSError:
        pass  # numba could not write there either, and compiles afresh


def _cache_dir(source: str) -> Path | None:
    """Where numba caches the compiled functions of the module at ``source``, as numba itself decides.

    In ``NUMBA_CACHE_DIR`` if it is set, else beside the source
    (``__pycache__``) if that is writable, else in the user's cache
    directory; None if nowhere.
    """
    for locator in CacheImpl._locator_classes:  # numba's own order of places to cache
        found = locator.from_function(cache_guard, source)
        if found is not None:
            return Path(found.get_cache_path())
    return None


__all__ = [
    "cache_guard",
    "compiled_inputs",
    "inline",
    "inline_uncounted",
    "jit",
    "jit_uncounted",
    "numba",
    "RECORD_FORM",
    "record",
]

"""Typed, validated construction of frozen dataclasses from plain data.

Every configuration object of OrgStack is a frozen dataclass whose fields carry
their allowed range, unit and meaning in ``metadata``. ``build`` turns the plain
dictionaries that Hydra composes into those objects and rejects a wrong key,
type or range with a :class:`ConfigError` that names the field and what is
allowed, so that callers can print one clear line instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any


class ConfigError(ValueError):
    """A configuration value that is not allowed.

    Attributes:
        field: Dotted path of the offending field, e.g. ``org.teams``.
        message: What is wrong and what is allowed.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)

    def __reduce__(self) -> tuple:
        # Rebuild from both parts, so that the error survives a process pool.
        return (ConfigError, (self.field, self.message))


def spec(
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str = "",
    doc: str = "",
    default: Any = dataclasses.MISSING,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare a dataclass field with its range, unit and meaning.

    Args:
        lo: Smallest allowed value (inclusive), or None for no bound.
        hi: Largest allowed value (inclusive), or None for no bound.
        unit: Unit shown in messages and the model documentation.
        doc: One-line meaning and rationale, shown in the documentation.
        default: Default value; omitted means the field is required.
        choices: Allowed strings, for string fields.

    Returns:
        A ``dataclasses.field`` carrying the metadata.
    """
    meta = {"lo": lo, "hi": hi, "unit": unit, "doc": doc, "choices": choices}
    if isinstance(default, (dict, list)):
        factory = default.copy
        return dataclasses.field(default_factory=factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def describe_range(meta: Mapping[str, Any]) -> str:
    """Say in words which values a field allows."""
    lo, hi, unit = meta.get("lo"), meta.get("hi"), meta.get("unit", "")
    suffix = f" {unit}" if unit and unit != "1" else ""
    if lo is not None and hi is not None:
        return f"a number from {lo:g} to {hi:g}{suffix}"
    if lo is not None:
        return f"a number of at least {lo:g}{suffix}"
    if hi is not None:
        return f"a number of at most {hi:g}{suffix}"
    return "a number"


def check_range(value: float, meta: Mapping[str, Any], path: str) -> None:
    """Raise ConfigError if ``value`` lies outside the field's declared range."""
    lo, hi = meta.get("lo"), meta.get("hi")
    if (
        (isinstance(value, float) and not math.isfinite(value))
        or (lo is not None and value < lo)
        or (hi is not None and value > hi)
    ):
        raise ConfigError(path, f"must be {describe_range(meta)}, got {value!r}")


def validate_fields(obj: Any) -> None:
    """Check every numeric field of a dataclass instance against its range.

    Meant for ``__post_init__`` so that objects built in code are checked as
    strictly as objects built from configuration files.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            check_range(value, f.metadata, f.name)


def _type_name(tp: Any) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _convert(tp: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, path, meta)
    if dataclasses.is_dataclass(tp):
        return build(tp, value, path)
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(path, f"must be a mapping of names to values, got {value!r}")
        key_tp, val_tp = args or (str, Any)
        return {
            str(k): _convert(val_tp, v, f"{path}.{k}" if path else str(k), meta) for k, v in value.items()
        }
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(path, f"must be a list, got {value!r}")
        return tuple(_convert(args[0], v, f"{path}[{i}]", meta) for i, v in enumerate(value))
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, f"must be true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ConfigError(path, f"must be an integer, got {value!r}")
        check_range(value, meta, path)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(path, f"must be a number, got {value!r}")
        check_range(float(value), meta, path)
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(path, f"must be a string, got {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise ConfigError(path, f"must be one of {', '.join(choices)}; got {value!r}")
        return value
    raise ConfigError(path, f"must be {_type_name(tp)}, got {value!r}")


def build[T](cls: type[T], data: Any, path: str = "") -> T:
    """Build a frozen dataclass from plain data, checking keys, types and ranges.

    Args:
        cls: The dataclass to build.
        data: A mapping of field names to plain values (nested mappings for
            nested dataclasses).
        path: Dotted path of ``data`` inside the whole configuration, used in
            error messages.

    Returns:
        The validated instance.

    Raises:
        ConfigError: A key is unknown or missing, or a value has the wrong
            type or lies outside its range.
    """
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        raise ConfigError(path, f"must be a mapping with keys {_keys(cls)}, got {data!r}")
    hints = _type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in fields]
    if unknown:
        where = f"{path}.{unknown[0]}" if path else str(unknown[0])
        raise ConfigError(where, f"unknown key; allowed keys are {_keys(cls)}")
    kwargs = {}
    for name, f in fields.items():
        sub = f"{path}.{name}" if path else name
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(sub, "is required but missing")
            continue
        kwargs[name] = _convert(hints[name], data[name], sub, f.metadata)
    try:
        return cls(**kwargs)
    except ConfigError as err:
        raise ConfigError(f"{path}.{err.field}" if path else err.field, err.message) from None


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """Return a dataclass's field types, resolved once: resolving parses the annotations afresh."""
    return typing.get_type_hints(cls)


def _keys(cls: type) -> str:
    return ", ".join(f.name for f in dataclasses.fields(cls) if f.init)


def as_dict(obj: Any) -> dict[str, Any]:
    """Return a dataclass instance as nested plain data (tuples become lists)."""

    def plain(v: Any) -> Any:
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return plain(dataclasses.asdict(obj))

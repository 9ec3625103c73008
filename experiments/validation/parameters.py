"""The model's numeric parameters by dotted name, e.g. ``operating.overtime`` or ``warmup_weeks``.

:class:`sim.model.params.Params` is nested: a few top-level fields and groups of
rules (``flow``, ``workforce``, ``leadership``, ``structure``, ``capability``,
``operating``), each a frozen dataclass. The validation addresses a parameter
by the same dotted path as a Hydra override (``params.operating.overtime=0.3``
without the ``params.`` prefix), reads its declared range from the field's
metadata (:func:`sim.model.schema.spec`), and builds new :class:`Params` by
replacing whole groups, so that every group is validated again.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping
from dataclasses import dataclass

from sim.model.params import Params
from sim.model.schema import ConfigError


@dataclass(frozen=True)
class Parameter:
    """One numeric parameter of :class:`Params`.

    Attributes:
        name: Dotted name, ``group.field`` or a top-level ``field``.
        group: The group's field name in ``Params``, or ``""`` for a top-level field.
        field: The field's name in its group.
        integer: Whether the field holds an integer (values set are rounded).
        lo: Smallest allowed value, or None.
        hi: Largest allowed value, or None.
    """

    name: str
    group: str
    field: str
    integer: bool
    lo: float | None
    hi: float | None


def _numeric(cls: type, group: str) -> list[Parameter]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if hints[f.name] in (int, float):
            name = f"{group}.{f.name}" if group else f.name
            out.append(
                Parameter(
                    name, group, f.name, hints[f.name] is int, f.metadata.get("lo"), f.metadata.get("hi")
                )
            )
    return out


@functools.cache
def numeric() -> dict[str, Parameter]:
    """Every numeric parameter of :class:`Params` by dotted name, in declaration order."""
    hints = typing.get_type_hints(Params)
    out: list[Parameter] = _numeric(Params, "")
    for f in dataclasses.fields(Params):
        if dataclasses.is_dataclass(hints[f.name]):
            out += _numeric(hints[f.name], f.name)
    return {p.name: p for p in out}


@functools.cache
def groups() -> tuple[str, ...]:
    """Return the names of the groups of :class:`Params`."""
    hints = typing.get_type_hints(Params)
    return tuple(f.name for f in dataclasses.fields(Params) if dataclasses.is_dataclass(hints[f.name]))


def lookup(name: str, path: str) -> Parameter:
    """Return the numeric parameter of that dotted name.

    Args:
        name: Dotted name, e.g. ``operating.overtime``.
        path: Where the name was given, for the error (e.g. ``ranges.operating.overtime``).

    Raises:
        ConfigError: No numeric parameter has that name; the message says which names are allowed.
    """
    known = numeric()
    if name in known:
        return known[name]
    group, _, field = name.rpartition(".")
    if group in groups():
        allowed = [p.field for p in known.values() if p.group == group]
        raise ConfigError(path, f"not a number parameter of params.{group}; allowed: {', '.join(allowed)}")
    top = [p.name for p in known.values() if not p.group]
    raise ConfigError(
        path,
        "not a number parameter of sim.model.params.Params; names are GROUP.NAME with GROUP one of "
        f"{', '.join(groups())} (e.g. operating.overtime), or one of {', '.join(top)}",
    )


def value(params: Params, name: str) -> float:
    """Return a parameter's value by dotted name.

    Raises:
        ConfigError: No numeric parameter has that name.
    """
    p = lookup(name, name)
    holder = getattr(params, p.group) if p.group else params
    return float(getattr(holder, p.field))


def replace(params: Params, values: Mapping[str, float]) -> Params:
    """Return ``params`` with the named parameters set, each group rebuilt (and so validated) once.

    Integer parameters are rounded to the nearest integer, so that a continuous
    design (Sobol, Latin hypercube) can vary them.

    Raises:
        ConfigError: A name is not a numeric parameter, or a value lies outside its allowed range.
    """
    top: dict[str, float | int] = {}
    nested: dict[str, dict[str, float | int]] = {}
    for name, v in values.items():
        p = lookup(name, name)
        cast = int(round(v)) if p.integer else float(v)
        (nested.setdefault(p.group, {}) if p.group else top)[p.field] = cast
    changes: dict[str, object] = dict(top)
    for group, fields in nested.items():
        try:
            changes[group] = dataclasses.replace(getattr(params, group), **fields)
        except ConfigError as err:
            raise ConfigError(f"{group}.{err.field}", err.message) from None
    return dataclasses.replace(params, **changes)

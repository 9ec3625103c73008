"""Override lines (``key=value``) as Hydra's grammar reads them: the one parser of OrgStack."""

from __future__ import annotations

import functools
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException


@functools.cache
def override_parser() -> OverridesParser:
    """Hydra's parser of override lines (building it takes a few milliseconds)."""
    return OverridesParser.create()


@functools.lru_cache(maxsize=8192)
def split_override(line: str) -> tuple[str, Any]:
    """Split an override line into its key and its value.

    The key has no ``+``, ``++`` or ``~`` prefix (``+experiment=x`` gives
    ``experiment``); the value is what Hydra's grammar makes of it: ``3`` an int,
    ``0.5`` a float, ``[a,b]`` a list, ``none`` a string, ``null`` None.
    """
    try:
        (override,) = override_parser().parse_overrides([line])
    except HydraException:
        key, _, value = line.partition("=")
        return key.lstrip("+~"), value
    return override.key_or_group, override.value()


def value_text(value: Any) -> str:
    """Write an override's value as text: a list ``[a,b]`` as ``a+b``, None as ``null``."""
    if isinstance(value, list | tuple):
        return "+".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{value_text(v)}" for k, v in value.items()) + "}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

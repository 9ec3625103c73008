"""Override lines (``key=value``) as Hydra's grammar reads them: the one parser of OrgStack.

Hydra is imported only when a line is parsed, so that the command's entry point
(:mod:`sim.__main__`) can read its own few keys with :func:`split_text` before
anything heavy is imported.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sim.model.schema import ConfigError  # standard library only, like this module

if TYPE_CHECKING:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Override


@functools.cache
def override_parser() -> OverridesParser:
    """Hydra's parser of override lines (building it takes a few milliseconds)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


def parse_override(line: str) -> Override:
    """Parse one override line with Hydra's grammar.

    Raises:
        ConfigError: The line cannot be parsed, or has no key before ``=``; the
            field is the line's key.
    """
    from hydra.errors import OverrideParseException

    try:
        (override,) = override_parser().parse_overrides([line])
    except OverrideParseException as err:
        reason = err.message.splitlines()[0]
        key = split_text(line)[0]
        field = key if key.isprintable() else repr(key)  # a newline in a key must not break the line
        raise ConfigError(field, f"cannot parse override {line!r} ({reason})") from None
    if not override.key_or_group:
        raise ConfigError("override", f"{line!r} has no key before '='")
    return override


def split_text(line: str) -> tuple[str, str | None]:
    """Split an override line into its key and its value's text, without Hydra's grammar.

    The key has no ``+``, ``++`` or ``~`` prefix; the value is None for a line
    without ``=`` (a deletion ``~key``). For quick looks at a key; anything that
    needs the value's meaning uses :func:`split_override`.
    """
    key, sep, value = line.partition("=")
    return key.lstrip("+~"), value if sep else None


@functools.lru_cache(maxsize=8192)
def split_override(line: str) -> tuple[str, Any]:
    """Split an override line into its key and its value.

    The key has no ``+``, ``++`` or ``~`` prefix (``+experiment=x`` gives
    ``experiment``); the value is what Hydra's grammar makes of it: ``3`` an int,
    ``0.5`` a float, ``[a,b]`` a list, ``none`` a string, ``null`` None.
    """
    from hydra.errors import HydraException

    try:
        (override,) = override_parser().parse_overrides([line])
    except HydraException:
        key, value = split_text(line)
        return key, value or ""
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

"""Query parameters of the studio's addresses: read and written as plain data (no Solara)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode


def parse_query(search: str | None) -> dict[str, str]:
    """Read a query string (``org=elite&weeks=104``) into a mapping; the last of a repeated key wins."""
    return dict(parse_qsl(search or "", keep_blank_values=True))


def format_query(params: dict[str, Any]) -> str:
    """Write parameters as a query string, keeping commas and dots readable (``a=x,y&org.teams=4``)."""
    return urlencode({k: str(v) for k, v in params.items()}, safe=",.[]")


def _number_param(
    params: dict[str, str], key: str, lo: float, hi: float, problems: list[str], kind: type
) -> float | int | None:
    if key not in params:
        return None
    text = params[key]
    try:
        value = kind(text)
    except ValueError:
        problems.append(f"{key}={text} is not a {'whole number' if kind is int else 'number'}")
        return None
    if not lo <= value <= hi:
        problems.append(f"{key}={text} is not from {lo:g} to {hi:g}")
        return None
    return value


def int_param(params: dict[str, str], key: str, lo: int, hi: int, problems: list[str]) -> int | None:
    """Read a whole number from the address's parameters, noting in ``problems`` why one cannot be used."""
    return _number_param(params, key, lo, hi, problems, int)


def float_param(params: dict[str, str], key: str, lo: float, hi: float, problems: list[str]) -> float | None:
    """Read a number from the address's parameters, noting in ``problems`` why one cannot be used."""
    return _number_param(params, key, lo, hi, problems, float)


def choice_param(params: dict[str, str], key: str, allowed: list[str], problems: list[str]) -> str | None:
    """Read one of the allowed names from the address's parameters, noting in ``problems`` an unknown one."""
    if key not in params:
        return None
    if params[key] not in allowed:
        problems.append(f"{key}={params[key]} is not one of {', '.join(allowed)}")
        return None
    return params[key]

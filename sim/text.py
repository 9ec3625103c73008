"""Numbers, intervals and lists as the reports, the studio and the commands write them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from sim.stats import Interval


def fmt(x: float) -> str:
    """Format a number for tables and text with a precision suited to its size."""
    if x is None or not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1000:
        return f"{x:,.0f}"
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def fmt_interval(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``mean [low, high]`` of an interval, in a table cell."""
    mean = fmt(iv.mean * scale)
    if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return f"{mean}{unit}"
    return f"{mean}{unit} [{fmt(iv.low * scale)}, {fmt(iv.high * scale)}]"


def fmt_signed(x: float) -> str:
    """Return a number with its sign (``+1,234``, ``-5.6``)."""
    if x is None or not np.isfinite(x):
        return "n/a"
    text = fmt(abs(x))
    return f"-{text}" if x < 0 else f"+{text}"


def fmt_signed_interval(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``+mean [low, high]`` of a difference."""
    mean = fmt_signed(iv.mean * scale)
    if not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return f"{mean}{unit}"
    return f"{mean}{unit} [{fmt_signed(iv.low * scale)}, {fmt_signed(iv.high * scale)}]"


def fmt_week(x: float, never: str = "never") -> str:
    """Return a week number, or ``never`` for ``inf`` (not within the horizon)."""
    if x is None or np.isnan(x):
        return "n/a"
    if np.isinf(x):
        return never
    return f"{int(round(x))}"


def fmt_week_interval(iv: Interval, never: str = "never") -> str:
    """``week [low, high]`` of a bootstrap interval of weeks; ``inf`` reads ``never``."""
    text = fmt_week(iv.mean, never)
    if np.isnan(iv.low) or np.isnan(iv.high):
        return text
    return f"{text} [{fmt_week(iv.low, never)}, {fmt_week(iv.high, never)}]"


def fmt_percent(x: float, signed: bool = False) -> str:
    """Return a share as a percentage."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{100 * x:+.1f}%" if signed else f"{100 * x:.1f}%"


def ci_phrase(iv: Interval, scale: float = 1.0, unit: str = "") -> str:
    """``95% CI low to high`` for running text."""
    if np.isfinite(iv.low) and np.isfinite(iv.high):
        return f"95% CI {fmt(iv.low * scale)}{unit} to {fmt(iv.high * scale)}{unit}"
    return "no interval from a single seed"


def join(names: Sequence[str], word: str = "and") -> str:
    """Join names as ``a``, ``a and b``, ``a, b and c``."""
    names = list(names)
    if not names:
        return ""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {word} {names[-1]}"


def plural(n: int, one: str, many: str) -> str:
    """Return ``one`` for a count of 1 and ``many`` otherwise (``org`` / ``orgs``, ``delivers`` / ``deliver``)."""
    return one if n == 1 else many


def organisations(n: int) -> str:
    """Return ``1 organisation`` / ``3 organisations``."""
    return f"{n} {plural(n, 'organisation', 'organisations')}"


def capital(text: str) -> str:
    """Return the text with its first letter in upper case (the rest untouched)."""
    return text[:1].upper() + text[1:]


def seeds_text(n: int) -> str:
    """``1 seed`` / ``n seeds``."""
    return f"{n} seed" if n == 1 else f"{n} seeds"


def seed_span(seeds: Sequence[int]) -> str:
    """``30 seeds (0-29)``: how many seeds and which."""
    return f"{seeds_text(len(seeds))} ({seed_range(seeds)})"


def compared(what: str, result: Mapping[str, Any], baseline: str) -> str:
    """Say what a comparison covers: ``7 schedules against `none` on 3 organisations, 30 seeds (0-29), 156 weeks``.

    Args:
        what: What is compared, in the plural (``schedules``).
        result: An analysis' result, with its ``names``, ``orgs``, ``seeds`` and ``weeks``.
        baseline: What they are compared against.
    """
    return (
        f"{len(result['names'])} {what} against `{baseline}` on {organisations(len(result['orgs']))}, "
        f"{seed_span(result['seeds'])}, {result['weeks']} weeks."
    )


def seed_range(seeds: Iterable[int]) -> str:
    """``0-29`` for a contiguous range, else the list."""
    s = sorted(int(x) for x in seeds)
    if s and s == list(range(s[0], s[-1] + 1)):
        return f"{s[0]}-{s[-1]}" if len(s) > 1 else str(s[0])
    return ", ".join(map(str, s))

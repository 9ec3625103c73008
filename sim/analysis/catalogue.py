"""The metrics every analysis reports: what each is computed from, its label and its direction."""

from __future__ import annotations

from dataclasses import dataclass

FINAL_WEEKS = 52  # the DORA keys are averaged over the last year of the horizon


@dataclass(frozen=True)
class Metric:
    """One row of the headline table.

    Attributes:
        key: Column stem in ``summary.csv`` (``<key>_mean``, ``_ci_low``, ``_ci_high``).
        column: Weekly column of the simulation it is computed from.
        how: ``total`` (sum over the horizon) or ``final`` (mean over the final year).
        label: Row label; ``{window}`` is replaced by the final-year window.
        higher_is_better: Direction used by the reading.
        scale: Factor applied for display only (e.g. 100 for a percentage).
        unit: Unit shown in the reading.
    """

    key: str
    column: str
    how: str
    label: str
    higher_is_better: bool
    scale: float = 1.0
    unit: str = ""


METRICS: tuple[Metric, ...] = (
    Metric("cumulative_net_value", "net_value", "total", "cumulative net value, k ({weeks} weeks)", True),
    Metric("innovations", "innovations", "total", "innovations (total)", True),
    Metric(
        "deploys_per_week", "deploys_per_week", "final", "deploys per week ({window})", True, unit="/week"
    ),
    Metric("lead_time_days", "lead_time_days", "final", "lead time, days ({window})", False, unit=" days"),
    Metric(
        "change_failure_rate",
        "change_failure_rate",
        "final",
        "change failure rate, % ({window})",
        False,
        100.0,
        "%",
    ),
    Metric(
        "time_to_restore_hours",
        "time_to_restore_hours",
        "final",
        "time to restore, h ({window})",
        False,
        unit=" h",
    ),
    Metric("attrition", "attrition", "total", "attrition (people left, total)", False),
    Metric("cost", "cost", "total", "cost (total)", False),
)


def final_window(weeks: int) -> tuple[int, int]:
    """Return the last year of a horizon (all of it if shorter): weeks 105-156 of 156."""
    return max(1, weeks - FINAL_WEEKS + 1), weeks


def window_label(weeks: int) -> str:
    """Name of the final-year window, e.g. ``year 3`` for weeks 105-156."""
    first, last = final_window(weeks)
    if last - first + 1 == FINAL_WEEKS and last % FINAL_WEEKS == 0:
        return f"year {last // FINAL_WEEKS}, weeks {first}-{last}"
    return f"weeks {first}-{last}"


def metric_label(metric: Metric, weeks: int) -> str:
    """Row or column label of a metric for a horizon."""
    return metric.label.format(weeks=weeks, window=window_label(weeks))

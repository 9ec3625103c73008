"""Weekly outputs: their names, the DORA cluster and maturity derived from them, the long form.

:class:`sim.model.record.WeeklyRecord` fills the columns named here; recording
goes into a preallocated numpy array every week, and per-team values every
``team_every`` weeks, because collecting agent data every step is what makes
Mesa runs big and slow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.model.params import LAYER_NAMES

CLUSTERS: tuple[str, ...] = ("low", "medium", "high", "elite")
MATURITY_LEVELS: tuple[str, ...] = ("Reactive", "Proactive", "Integrated", "Optimized", "Transformative")

# Boundaries between low | medium | high | elite for each DORA key, from the
# State of DevOps cluster tables (2021-2023): deploy monthly / weekly / daily;
# lead time a month / a week / a day; restore a week / a day / an hour;
# change failure rate 30% / 20% / 10% (elite ~5%, low 40-64%).
DEPLOY_BOUNDS = (0.25, 1.0, 5.0)  # deploys per week, higher is better
LEAD_TIME_BOUNDS = (30.0, 7.0, 1.0)  # days, lower is better
RESTORE_BOUNDS = (168.0, 24.0, 1.0)  # hours, lower is better
CFR_BOUNDS = (0.30, 0.20, 0.10)  # share, lower is better

# Stack score at which each maturity level (seed 001) begins after Reactive.
MATURITY_BOUNDS = (0.35, 0.5, 0.65, 0.8)

# Weekly metrics recorded, in output order.
RECORDED: tuple[str, ...] = (
    *(f"layer_{name}" for name in LAYER_NAMES),
    "throughput",
    "value",
    "value_innovation",
    "value_shadow_it",
    "deploys_per_week",
    "lead_time_days",
    "time_to_restore_hours",
    "change_failure_rate",
    "innovations",
    "experiments",
    "tech_debt",
    "debt_ratio",
    "incidents",
    "headcount",
    "attrition",
    "hires",
    "morale",
    "utilisation",
    "unplanned_share",
    "cognitive_load",
    "platform_maturity",
    "bu_trust",
    "shadow_it_share",
    "perceived_alignment",
    "cost",
    "items_in_system",
    "items_done",
    "flow_time_days",
    "lead_time_p85_days",
    "share_feature",
    "share_unplanned",
    "share_improvement",
    "share_experiments",
    "share_overhead",
    "share_idle",
    "unplanned_backlog",
    "pressure",
    "net_value",
    "programmes_abandoned",
)
# Output columns of the weekly frame: the recorded ones plus the derived cluster and maturity.
COLUMNS: tuple[str, ...] = (*RECORDED[:15], "dora_cluster", *RECORDED[15:], "maturity")

# Per-team measures of the team's items, as the weekly frame has them for the organisation.
TEAM_ITEM_COLUMNS: tuple[str, ...] = (
    "items_in_system",
    "items_done",
    "flow_time_days",
    "utilisation",
    "lead_time_p85_days",
    "unplanned_backlog",
)
TEAM_COLUMNS: tuple[str, ...] = (
    "business_unit",
    "people",
    "skill",
    "practice",
    "execution",
    "debt_ratio",
    "safety",
    "morale",
    "adoption",
    "cognitive_load",
    "throughput",
    "value",
    "deploys_per_week",
    "lead_time_days",
    "change_failure_rate",
    "time_to_restore_hours",
    "incidents",
    "coached",
    *TEAM_ITEM_COLUMNS,
)

# The DORA four keys as weekly columns, in the order dora_cluster takes them.
DORA_KEYS: tuple[str, ...] = (
    "deploys_per_week",
    "lead_time_days",
    "time_to_restore_hours",
    "change_failure_rate",
)
# A run's flows "at the end" are their means over this many last weeks (a quarter), in every summary.
END_WEEKS = 12


def dora_levels(deploys: Any, lead_time: Any, restore: Any, cfr: Any) -> np.ndarray:
    """Level of each DORA key, 0 (low) to 3 (elite); arrays broadcast.

    Returns:
        Array of shape ``(4, ...)``: deploy, lead time, restore, failure levels.
    """
    return np.stack(
        [
            np.searchsorted(DEPLOY_BOUNDS, deploys, side="right"),
            np.searchsorted([-b for b in LEAD_TIME_BOUNDS], -np.asarray(lead_time), side="left"),
            np.searchsorted([-b for b in RESTORE_BOUNDS], -np.asarray(restore), side="left"),
            np.searchsorted([-b for b in CFR_BOUNDS], -np.asarray(cfr), side="left"),
        ]
    )


def dora_cluster(deploys: Any, lead_time: Any, restore: Any, cfr: Any) -> np.ndarray:
    """DORA cluster index (0 low .. 3 elite): the mean of the keys' levels, ties going down."""
    mean = dora_levels(deploys, lead_time, restore, cfr).mean(axis=0)
    return np.ceil(mean - 0.5).astype(int)


def derived(values: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Return the weekly columns derived from the others: ``dora_cluster`` (categorical) and ``maturity``.

    Args:
        values: Weekly columns by name, with the four DORA keys and the seven ``layer_*``.
    """
    cluster = dora_cluster(
        values["deploys_per_week"],
        values["lead_time_days"],
        values["time_to_restore_hours"],
        values["change_failure_rate"],
    )
    layers = np.column_stack([values[f"layer_{n}"] for n in LAYER_NAMES])
    return {
        "dora_cluster": pd.Categorical.from_codes(cluster, categories=CLUSTERS, ordered=True),
        "maturity": maturity(layers).astype(int),
    }


def long_form(weeks: np.ndarray, data: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """Return per-team records in long form: a row per recorded week and team.

    Args:
        weeks: ``(rows,)`` the week of each record.
        data: ``(rows, len(columns), teams)`` the values.
        columns: Column names in ``data``'s order, ``business_unit`` among them.
    """
    rows, teams = data.shape[0], data.shape[2]
    frame = {"week": np.repeat(weeks, teams), "team": np.tile(np.arange(teams), rows)}
    for i, name in enumerate(columns):
        frame[name] = data[:, i].ravel()
    df = pd.DataFrame(frame)
    df["business_unit"] = df["business_unit"].astype(np.int32)
    return df


def maturity(layers: Any) -> Any:
    """Maturity level 1 (Reactive) .. 5 (Transformative) from the seven layer strengths.

    The stack score is the mean strength, but no more than the weakest layer
    plus 0.25: an organisation is only as mature as its stack allows.

    Args:
        layers: The seven strengths along the last axis (one organisation-week
            or an array of them).

    Returns:
        The level, an int for one set of layers or an int array otherwise.
    """
    layers = np.asarray(layers, dtype=float)
    score = np.minimum(layers.mean(axis=-1), layers.min(axis=-1) + 0.25)
    level = 1 + np.searchsorted(MATURITY_BOUNDS, score, side="right")
    return int(level) if np.ndim(level) == 0 else level

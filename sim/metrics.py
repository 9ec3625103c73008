"""Weekly outputs: the DORA keys and cluster, layer strengths, maturity and more.

The organisation-level metrics go into a preallocated numpy array every week,
and per-team values every ``team_every`` weeks, because collecting agent data
every step is what makes Mesa runs big and slow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.params import LAYER_NAMES

if TYPE_CHECKING:
    from sim.model import OrgModel

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

# Weekly values recorded as numbers, in the order Recorder.collect writes them.
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
)
# Output columns of the weekly frame: the recorded ones plus the derived cluster and maturity.
COLUMNS: tuple[str, ...] = (*RECORDED[:15], "dora_cluster", *RECORDED[15:], "maturity")

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
)


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


class Recorder:
    """Collects the weekly organisation metrics and sparse per-team values.

    Weekly values go into one preallocated array (a row per week); the DORA
    cluster and the maturity level are derived from it for all weeks at once
    when the frame is built. Mesa's ``DataCollector`` was measured at about
    90 microseconds per week for these 35 reporters, more than the rest of a
    12-team week, so it is not used here.

    Args:
        model: The model being recorded.
        weeks: Horizon in weeks.
        team_every: Record per-team values every this many weeks (0 = never).
    """

    def __init__(self, model: OrgModel, weeks: int, team_every: int) -> None:
        self.data = np.full((model.n_worlds, weeks, len(RECORDED)), np.nan)
        self.weeks_done = 0
        self.team_every = team_every
        n_records = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(n_records, dtype=np.int32)
        self.team_data = np.zeros(
            (n_records, len(TEAM_COLUMNS), model.n_worlds, model.n_teams), dtype=np.float32
        )
        self._team_row = 0

    def collect(self, model: OrgModel, w: dict[str, Any]) -> None:
        """Record the week just simulated, in every world of the model."""
        t, p, n = model.team, model.p, model.n_teams
        people = t["people"]
        debt_ratio = model._debt_norm()
        # Few large numpy calls rather than many small ones: sums by row of a stacked block.
        (
            arch_q,
            ex,
            done,
            innovations,
            experiments,
            debt,
            ratio,
            incidents,
            leavers,
            hires,
            utilisation,
            unplanned,
            capacity,
            load,
            rate,
            failing,
            cfr,
        ) = np.array(
            (
                w["arch_q"],
                w["exec"],
                w["done"],
                w["innovations"],
                w["experiments_run"],
                t["debt"],
                debt_ratio,
                w["incidents"],
                w["leavers"],
                w["hires"],
                w["utilisation"],
                w["unplanned"],
                w["capacity"],
                w["load"],
                w["deploy_rate"],
                w["deploy_rate"] * w["cfr"],
                w["cfr"],
            )
        ).sum(axis=2)
        total_people = people.sum(axis=1)
        weighted = np.matmul(
            np.array((t["safety"], t["skill"], t["morale"])).transpose(1, 0, 2), people[:, :, None]
        )
        safety, skill, morale = weighted[:, :, 0].T / total_people
        lo, hi = (n - 1) // 2, n // 2
        ordered = np.sort(np.array((w["deploy_rate"], w["lead_time"], w["ttr"])), axis=2)
        medians = 0.5 * (ordered[:, :, lo] + ordered[:, :, hi])
        headcount = total_people + model.platform["people"].sum(axis=1) + model.enabling["people"].sum(axis=1)
        deploying = rate > 0
        # One (values, worlds) block, every item of shape (worlds,); np.column_stack costs 3x more.
        self.data[:, self.weeks_done] = np.array(
            (
                model.partnership[:, 0],
                (model.clarity * w["focus"])[:, 0],
                arch_q / n,
                safety,
                skill,
                ex / n,
                model.capability[:, 0],
                done,
                w["value"][:, 0],
                model.innovation_stream[:, 0],
                w["value_shadow"][:, 0],
                medians[0],
                medians[1],
                medians[2],
                np.where(deploying, failing / np.where(deploying, rate, 1.0), cfr / n),
                innovations,
                experiments,
                debt,
                ratio / n,
                incidents,
                headcount,
                leavers,
                hires,
                morale,
                utilisation / n,
                unplanned / capacity,
                load / n,
                model.platform_maturity[:, 0],
                model.bu["trust"].sum(axis=1) / model.n_bu,
                model.bu["shadow"].sum(axis=1) / model.n_bu,
                model.perceived[:, 0],
                headcount * p.cost_per_person
                + model.spend[:, model.week - 1]
                + incidents * p.cost_per_incident,
            )
        ).T
        self.weeks_done += 1
        if self.team_every and model.week % self.team_every == 0 and self._team_row < len(self.team_weeks):
            self._collect_teams(model, w, debt_ratio)

    def _collect_teams(self, model: OrgModel, w: dict[str, Any], debt_ratio: np.ndarray) -> None:
        t, row = model.team, self._team_row
        # One assignment of all columns, in TEAM_COLUMNS order.
        self.team_data[row] = (
            t["business_unit"],
            t["people"],
            t["skill"],
            t["practice"],
            w["exec"],
            debt_ratio,
            t["safety"],
            t["morale"],
            t["adoption"],
            w["load"],
            w["done"],
            w["team_value"],
            w["deploy_rate"],
            w["lead_time"],
            w["cfr"],
            w["ttr"],
            w["incidents"],
            w["coached"],
        )
        self.team_weeks[row] = model.week
        self._team_row += 1

    def frame(self, world: int = 0) -> pd.DataFrame:
        """Weekly organisation metrics of one world, one row per week, indexed by ``week`` from 1."""
        n = self.weeks_done
        df = pd.DataFrame(self.data[world, :n], columns=RECORDED, index=pd.RangeIndex(1, n + 1, name="week"))
        cluster = dora_cluster(
            df["deploys_per_week"],
            df["lead_time_days"],
            df["time_to_restore_hours"],
            df["change_failure_rate"],
        )
        df["dora_cluster"] = pd.Categorical.from_codes(cluster, categories=CLUSTERS, ordered=True)
        df["maturity"] = maturity(df[[f"layer_{name}" for name in LAYER_NAMES]].to_numpy()).astype(int)
        df["innovations"] = df["innovations"].astype(int)
        return df[list(COLUMNS)]

    def team_frame(self, world: int = 0) -> pd.DataFrame:
        """Per-team values of one world in long form: one row per recorded week and team."""
        rows, n = self._team_row, self.team_data.shape[3]
        data = {"week": np.repeat(self.team_weeks[:rows], n), "team": np.tile(np.arange(n), rows)}
        for i, name in enumerate(TEAM_COLUMNS):
            data[name] = self.team_data[:rows, i, world].ravel()
        df = pd.DataFrame(data)
        df["business_unit"] = df["business_unit"].astype(np.int32)
        return df

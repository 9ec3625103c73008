"""Weekly outputs: the DORA keys and cluster, layer strengths, maturity and more.

The organisation-level metrics go into a preallocated numpy array every week,
and per-team values every ``team_every`` weeks, because collecting agent data
every step is what makes Mesa runs big and slow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.params import LAYER_NAMES

if TYPE_CHECKING:
    from sim.model.model import OrgModel

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

# Weekly metrics computed from what Recorder.collect records, in output order.
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


# Sums over teams recorded every week (one stacked sum), in this order.
_TEAM_SUMS: tuple[str, ...] = (
    "arch_q",
    "exec",
    "done",
    "innovations",
    "experiments_run",
    "debt",
    "debt_ratio",
    "incidents",
    "leavers",
    "hires",
    "utilisation",
    "unplanned",
    "capacity",
    "load",
    "deploy_rate",
    "failing",
    "cfr",
    "safety_people",
    "skill_people",
    "morale_people",
    "people",
)
# Team sums the recorder works out from products of the state, in this order.
_PRODUCTS: tuple[str, ...] = ("debt_ratio", "failing", "safety_people", "skill_people", "morale_people")
# Raw values recorded every week: the team sums, the median team's DORA keys,
# organisation-level values, business-unit and support-team sums.
_RAW: tuple[str, ...] = (
    *_TEAM_SUMS,
    "median_deploys",
    "median_lead_time",
    "median_restore",
    "partnership",
    "strategy",
    "capability",
    "value",
    "innovation_stream",
    "value_shadow",
    "platform_maturity",
    "perceived",
    "trust_sum",
    "shadow_sum",
    "platform_people",
    "enabling_people",
)


class Recorder:
    """Collects the weekly organisation metrics and sparse per-team values.

    Every week a few stacked numpy calls put raw sums into one preallocated
    array (a row per world and week); the metrics, the DORA cluster and the
    maturity level are derived from them for all weeks at once when the frame
    is built. Mesa's ``DataCollector`` was measured at about 90 microseconds per
    week for these 35 reporters, more than the rest of a 12-team week, so it is
    not used here.

    Args:
        model: The model being recorded.
        weeks: Horizon in weeks.
        team_every: Record per-team values every this many weeks (0 = never).
    """

    def __init__(self, model: OrgModel, weeks: int, team_every: int) -> None:
        self.raw = np.full((model.n_worlds, weeks, len(_RAW)), np.nan)
        self.weeks_done = 0
        self.n_teams, self.n_bu, self.n_worlds = model.n_teams, model.n_bu, model.n_worlds
        self.spend = model.spend
        self.cost_per_person, self.cost_per_incident = model.p.cost_per_person, model.p.cost_per_incident
        self.team_every = team_every
        n_records = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(n_records, dtype=np.int32)
        self.team_data = np.zeros(
            (n_records, len(TEAM_COLUMNS), model.n_worlds, model.n_teams), dtype=np.float32
        )
        self._team_row = 0
        from sim.model import mechanisms  # the layout of the state, where a model runs (it imports numba)

        # Where each sum comes from: a row of the week's quantities (before the teams' state,
        # so that "unplanned" is the unplanned work done this week) or of the teams' state,
        # summed whole, or one of the products collect works out, in _PRODUCTS' order.
        sources = (*mechanisms.WEEK, *mechanisms.TEAM, *_PRODUCTS)
        self._sum_rows = np.array([sources.index(name) for name in _TEAM_SUMS])
        self._median_rows = np.array([mechanisms.WEEK.index(k) for k in ("deploy_rate", "lead_time", "ttr")])
        self._params, self._debt_norm = model.params, mechanisms.debt_norm

    def collect(self, model: OrgModel, w: dict[str, Any]) -> None:
        """Record the week just simulated, in every world of the model."""
        t, n = model.team, model.n_teams
        people = t["people"]
        products = np.array(
            (
                self._debt_norm(self._params, t["debt"], people),
                w["deploy_rate"] * w["cfr"],
                t["safety"] * people,
                t["skill"] * people,
                t["morale"] * people,
            )
        )
        # Few large numpy calls rather than many small ones: the stacked state, summed by row.
        team_sums = np.concatenate((model.week_state, model.team_state, products)).sum(axis=2)[self._sum_rows]
        lo, hi = (n - 1) // 2, n // 2
        ordered = np.sort(model.week_state[self._median_rows], axis=2)
        # Organisation-level values: (worlds, 1) columns.
        state = model.org
        org = np.array(
            (
                state["partnership"],
                state["clarity"] * w["focus"],
                state["capability"],
                w["value"],
                state["innovation_stream"],
                w["value_shadow"],
                state["platform_maturity"],
                state["perceived"],
            ),
            dtype=float,
        ).reshape(8, self.n_worlds)
        self.raw[:, self.weeks_done] = np.concatenate(
            (
                team_sums,
                0.5 * (ordered[:, :, lo] + ordered[:, :, hi]),
                org,
                np.array((model.bu["trust"], model.bu["shadow"])).sum(axis=2),
                model.platform["people"].sum(axis=1)[None],
                model.enabling["people"].sum(axis=1)[None],
            )
        ).T
        self.weeks_done += 1
        if self.team_every and model.week % self.team_every == 0 and self._team_row < len(self.team_weeks):
            self._collect_teams(model, w, products[0])

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
        weeks = self.weeks_done
        raw = dict(zip(_RAW, self.raw[world, :weeks].T, strict=True))
        n, people = self.n_teams, raw["people"]
        headcount = people + raw["platform_people"] + raw["enabling_people"]
        deploying = raw["deploy_rate"] > 0
        values = {
            "layer_partnership": raw["partnership"],
            "layer_strategy": raw["strategy"],
            "layer_architecture": raw["arch_q"] / n,
            "layer_culture": raw["safety_people"] / people,
            "layer_talent": raw["skill_people"] / people,
            "layer_execution": raw["exec"] / n,
            "layer_innovation": raw["capability"],
            "throughput": raw["done"],
            "value": raw["value"],
            "value_innovation": raw["innovation_stream"],
            "value_shadow_it": raw["value_shadow"],
            "deploys_per_week": raw["median_deploys"],
            "lead_time_days": raw["median_lead_time"],
            "time_to_restore_hours": raw["median_restore"],
            "change_failure_rate": np.where(
                deploying, raw["failing"] / np.where(deploying, raw["deploy_rate"], 1.0), raw["cfr"] / n
            ),
            "innovations": raw["innovations"],
            "experiments": raw["experiments_run"],
            "tech_debt": raw["debt"],
            "debt_ratio": raw["debt_ratio"] / n,
            "incidents": raw["incidents"],
            "headcount": headcount,
            "attrition": raw["leavers"],
            "hires": raw["hires"],
            "morale": raw["morale_people"] / people,
            "utilisation": raw["utilisation"] / n,
            "unplanned_share": raw["unplanned"] / raw["capacity"],
            "cognitive_load": raw["load"] / n,
            "platform_maturity": raw["platform_maturity"],
            "bu_trust": raw["trust_sum"] / self.n_bu,
            "shadow_it_share": raw["shadow_sum"] / self.n_bu,
            "perceived_alignment": raw["perceived"],
            "cost": headcount * self.cost_per_person
            + self.spend[world, :weeks]
            + raw["incidents"] * self.cost_per_incident,
        }
        values.update(derived(values))
        values["innovations"] = values["innovations"].astype(int)
        # Built once, in column order: a frame reordered afterwards is copied again.
        return pd.DataFrame(
            {name: values[name] for name in COLUMNS}, index=pd.RangeIndex(1, weeks + 1, name="week")
        )

    def team_frame(self, world: int = 0) -> pd.DataFrame:
        """Per-team values of one world in long form: one row per recorded week and team."""
        return long_form(
            self.team_weeks[: self._team_row], self.team_data[: self._team_row, :, world], TEAM_COLUMNS
        )

"""Weekly outputs: the DORA keys and cluster, layer strengths, maturity and more.

The organisation-level metrics are gathered every week by Mesa's
``DataCollector``; per-team values go into preallocated numpy arrays every
``team_every`` weeks, because collecting agent data every step is what makes
Mesa runs big and slow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
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


def dora_levels(
    deploys: Any, lead_time: Any, restore: Any, cfr: Any
) -> np.ndarray:
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


def maturity(layers: np.ndarray) -> int:
    """Maturity level 1 (Reactive) .. 5 (Transformative) from the seven layer strengths.

    The stack score is the mean strength, but no more than the weakest layer
    plus 0.25: an organisation is only as mature as its stack allows.
    """
    score = min(float(np.mean(layers)), float(np.min(layers)) + 0.25)
    return 1 + int(np.searchsorted(MATURITY_BOUNDS, score, side="right"))


def weighted_median(values: np.ndarray) -> float:
    """Median across teams (the DORA keys are per team; we report the median team)."""
    return float(np.median(values))


class Recorder:
    """Collects the weekly organisation metrics and sparse per-team values.

    Args:
        model: The model being recorded.
        weeks: Horizon in weeks.
        team_every: Record per-team values every this many weeks (0 = never).
    """

    def __init__(self, model: OrgModel, weeks: int, team_every: int) -> None:
        self.current: dict[str, float] = {}
        names = self.columns()
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in names}
        )
        self.team_every = team_every
        n_records = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(n_records, dtype=np.int32)
        self.team_data = {
            name: np.zeros((n_records, model.n_teams), dtype=np.float32) for name in TEAM_COLUMNS
        }
        self._row = 0

    @staticmethod
    def columns() -> list[str]:
        """Names of the weekly organisation-level metrics, in output order."""
        return [
            *(f"layer_{name}" for name in LAYER_NAMES),
            "throughput",
            "value",
            "value_innovation",
            "value_shadow_it",
            "deploys_per_week",
            "lead_time_days",
            "time_to_restore_hours",
            "change_failure_rate",
            "dora_cluster",
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
            "maturity",
        ]

    def collect(self, model: OrgModel, w: dict[str, Any]) -> None:
        """Record the week just simulated."""
        t, p = model.team, model.p
        people = t["people"]
        debt_ratio = model._debt_norm()
        layers = np.array(
            [
                model.partnership,
                model.clarity * w["focus"],
                float(np.mean(w["arch_q"])),
                float(np.average(t["safety"], weights=people)),
                float(np.average(t["skill"], weights=people)),
                float(np.mean(w["exec"])),
                model.capability,
            ]
        )
        rate = w["deploy_rate"]
        deploys = weighted_median(rate)
        lead = weighted_median(w["lead_time"])
        restore = weighted_median(w["ttr"])
        cfr = float(np.sum(rate * w["cfr"]) / rate.sum()) if rate.sum() > 0 else float(np.mean(w["cfr"]))
        headcount = people.sum() + model.platform["people"].sum() + model.enabling["people"].sum()
        incidents = float(w["incidents"].sum())
        cur = self.current
        for name, value in zip(LAYER_NAMES, layers):
            cur[f"layer_{name}"] = float(value)
        cur.update(
            throughput=float(w["done"].sum()),
            value=float(w["value"]),
            value_innovation=float(model.innovation_stream),
            value_shadow_it=float(w["value_shadow"]),
            deploys_per_week=deploys,
            lead_time_days=lead,
            time_to_restore_hours=restore,
            change_failure_rate=cfr,
            dora_cluster=CLUSTERS[int(dora_cluster(deploys, lead, restore, cfr))],
            innovations=int(w["innovations"].sum()),
            experiments=float(w["experiments_run"].sum()),
            tech_debt=float(t["debt"].sum()),
            debt_ratio=float(np.mean(debt_ratio)),
            incidents=incidents,
            headcount=float(headcount),
            attrition=float(w["leavers"].sum()),
            hires=float(w["hires"].sum()),
            morale=float(np.average(t["morale"], weights=people)),
            utilisation=float(np.mean(w["utilisation"])),
            unplanned_share=float(w["unplanned"].sum() / w["capacity"].sum()),
            cognitive_load=float(np.mean(w["load"])),
            platform_maturity=float(model.platform_maturity),
            bu_trust=float(model.bu["trust"].mean()),
            shadow_it_share=float(model.bu["shadow"].mean()),
            perceived_alignment=float(model.perceived),
            cost=float(
                headcount * p.cost_per_person
                + model.spend[model.week - 1]
                + incidents * p.cost_per_incident
            ),
            maturity=maturity(layers),
        )
        self.datacollector.collect(model)
        if self.team_every and model.week % self.team_every == 0 and self._row < len(self.team_weeks):
            self._collect_teams(model, w, debt_ratio)

    def _collect_teams(self, model: OrgModel, w: dict[str, Any], debt_ratio: np.ndarray) -> None:
        t, row = model.team, self._row
        values = {
            "business_unit": t["business_unit"],
            "people": t["people"],
            "skill": t["skill"],
            "practice": t["practice"],
            "execution": w["exec"],
            "debt_ratio": debt_ratio,
            "safety": t["safety"],
            "morale": t["morale"],
            "adoption": t["adoption"],
            "cognitive_load": w["load"],
            "throughput": w["done"],
            "value": w["team_value"],
            "deploys_per_week": w["deploy_rate"],
            "lead_time_days": w["lead_time"],
            "change_failure_rate": w["cfr"],
            "time_to_restore_hours": w["ttr"],
            "incidents": w["incidents"],
            "coached": model._coached(),
        }
        for name in TEAM_COLUMNS:
            self.team_data[name][row] = values[name]
        self.team_weeks[row] = model.week
        self._row += 1

    def frame(self) -> pd.DataFrame:
        """Weekly organisation metrics, one row per week, indexed by ``week`` from 1."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index = pd.RangeIndex(1, len(df) + 1, name="week")
        df["dora_cluster"] = pd.Categorical(df["dora_cluster"], categories=CLUSTERS, ordered=True)
        df["maturity"] = df["maturity"].astype(int)
        df["innovations"] = df["innovations"].astype(int)
        return df

    def team_frame(self) -> pd.DataFrame:
        """Per-team values in long form: one row per recorded week and team."""
        rows, n = self._row, next(iter(self.team_data.values())).shape[1]
        data = {"week": np.repeat(self.team_weeks[:rows], n), "team": np.tile(np.arange(n), rows)}
        for name in TEAM_COLUMNS:
            data[name] = self.team_data[name][:rows].ravel()
        df = pd.DataFrame(data)
        df["business_unit"] = df["business_unit"].astype(np.int32)
        return df


def _reporter(name: str):
    def report(model: OrgModel) -> Any:
        return model.recorder.current[name]

    report.__name__ = f"report_{name}"
    return report

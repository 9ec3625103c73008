"""Model v2's weekly frame: every column of the public API, measured from the items and the people.

:class:`WeeklyRecord` is handed each week's measures (what
:meth:`sim.model.organisation.Organisation.step` returns) and nothing else: it
keeps a preallocated array a row per world and week, and builds each world's
frame at the end. The columns are ``sim.model.metrics.COLUMNS``; those
measured from the items are:

* ``utilisation``: busy person-days over available person-days of the teams'
  item work, 0-1;
* ``items_in_system``: the time-average of the items requested and not
  finished (waiting, in progress, blocked on another team, awaiting deploy);
  ``items_done``: items finished in the week; ``flow_time_days``: their mean
  request-to-done time; together they obey Little's law in steady state;
* ``lead_time_days`` and ``lead_time_p85_days``: DORA's lead time for changes
  (commit, taken as an item's finish, to production), the median and 85th
  percentile over the week's deployed changes (the teams' own, weighted by how
  many each deployed);
* ``share_feature``, ``share_unplanned``, ``share_improvement``,
  ``share_experiments``, ``share_overhead`` and ``share_idle``: where the
  people's time went (requested work and other teams' requests; incidents and
  rework; improvement and programmes; experiments; onboarding and
  coordination; idle), summing to 1;
* ``unplanned_backlog`` (incident and rework items waiting), ``pressure``
  (0-1) and ``net_value`` (value minus cost, thousands of currency units).

Layers are the stocks that stand for them: partnership, strategic clarity,
architecture standards, psychological safety, skill, delivery practice and
innovation capability.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.model.metrics import COLUMNS, RECORDED, TEAM_COLUMNS, derived, long_form

# Numeric columns recorded every week; the cluster and maturity are derived from them at the end.
_AT = {name: i for i, name in enumerate(RECORDED)}
# Measures that need events (deploys, restores, finished items), shown as last measured (_carried).
_CARRIED = (
    "lead_time_days",
    "lead_time_p85_days",
    "time_to_restore_hours",
    "change_failure_rate",
    "flow_time_days",
)
# Per-team measures summed over the teams for a column of their own.
_SUMMED = (
    "finished",
    "finished_feature",
    "finished_incident",
    "value_withdrawn",
    "withdrawn",
    "leavers",
    "joined",
    "available",
    "busy",
    "in_system_mean",
    "unplanned_backlog",
)
# Where the engine's item work went, per team (``share_*`` of each team's available days).
_ENGINE_SHARES = ("feature", "dependency", "incident", "rework", "improvement", "experiment", "idle")
_LAYER_STOCKS = {
    "partnership": "partnership",
    "strategy": "clarity",
    "architecture": "standards",
    "culture": "safety",
    "talent": "skill",
    "execution": "practice",
    "innovation": "innovation",
}


def _weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row of the last axis, the mean of the teams' values weighted by ``weights`` (nan where no weight)."""
    w = np.where(np.isfinite(values), weights, 0.0)
    total = w.sum(axis=-1)
    # np.nansum's own steps (nan to 0, then sum), without the cost of its checks every week.
    weighted = values * w
    np.copyto(weighted, 0.0, where=np.isnan(weighted))
    return np.where(total > 0, weighted.sum(axis=-1) / np.where(total > 0, total, 1.0), np.nan)


class WeeklyRecord:
    """The weekly frame of every world of a batch, filled a week at a time.

    Per-team values (``TEAM_COLUMNS``) are kept every
    ``team_every`` weeks for every team the work flows through: stream-aligned
    teams, then platform teams (``business_unit`` -1).

    Args:
        worlds: Worlds of the batch.
        weeks: Weeks to record.
        stream: Stream-aligned teams (the engine's first teams).
        units: Business units.
        unit_of: Business unit of each stream-aligned team.
        teams: Teams the work flows through (stream-aligned and platform).
        team_every: Keep per-team values every this many weeks; 0 for never.
    """

    def __init__(
        self,
        worlds: int,
        weeks: int,
        stream: int,
        units: int,
        unit_of=None,
        teams: int = 0,
        team_every: int = 0,
    ) -> None:
        self.data = np.full((worlds, weeks, len(RECORDED)), np.nan)
        self.stream, self.units, self.weeks_done = stream, units, 0
        self.team_every, self.teams = team_every, teams or stream
        self.unit_of = np.concatenate(
            [
                np.asarray(unit_of if unit_of is not None else np.zeros(stream), float),
                np.full(self.teams - stream, -1.0),
            ]
        )
        # The business_unit team column, a value per world and team.
        self._unit_of_team = np.broadcast_to(self.unit_of, (worlds, self.teams))
        rows = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(rows, dtype=np.int64)
        self.team_data = np.zeros((rows, len(TEAM_COLUMNS), worlds, self.teams), dtype=np.float32)
        self._team_row = 0
        self.last = np.full((len(_CARRIED), worlds), np.nan)  # see _carried

    def add(self, m: Mapping[str, np.ndarray]) -> None:
        """Record the week whose measures ``m`` are (one step of the organisation)."""
        values = {f"layer_{layer}": m[stock] for layer, stock in _LAYER_STOCKS.items()}
        values.update(self._columns(m))
        values.update(zip(_CARRIED, self._carried(m), strict=True))
        # One row a week, written at once: a column at a time costs more than the arithmetic.
        self.data[:, self.weeks_done] = np.array([values[name] for name in RECORDED]).T
        self.weeks_done += 1
        if (
            self.team_every
            and self.weeks_done % self.team_every == 0
            and self._team_row < len(self.team_weeks)
        ):
            self._add_teams(m)

    def _columns(self, m: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Return the week's columns, the carried ones (_carried) and the layers aside."""
        # Sums over the teams, taken together: one reduction instead of one a measure.
        total = dict(zip(_SUMMED, np.array([m[name] for name in _SUMMED]).sum(axis=-1), strict=True))
        available = np.maximum(total["available"], 1e-12)
        engine_share = dict(
            zip(
                _ENGINE_SHARES,
                (np.array([m[f"share_{k}"] for k in _ENGINE_SHARES]) * m["available"]).sum(axis=-1)
                / available,
                strict=True,
            )
        )
        work, days = m["days_work"], np.maximum(m["days_all"], 1e-12)
        unplanned = work * (engine_share["incident"] + engine_share["rework"]) / days
        resolved = total["withdrawn"] + total["finished_feature"]
        return {
            "throughput": total["finished_feature"],
            "value": m["value"],
            "value_innovation": m["value_innovation"],
            "value_shadow_it": total["value_withdrawn"],
            # The stream-aligned teams' mean, as np.mean takes it (a sum, then a division) for less.
            "deploys_per_week": m["deploys"][:, : self.stream].sum(axis=1) / self.stream,
            "innovations": m["innovations"],
            "experiments": m["experiments"],
            "tech_debt": m["debt"],
            "debt_ratio": m["debt_ratio"],
            "incidents": total["finished_incident"],
            "headcount": m["headcount"],
            "attrition": total["leavers"],
            "hires": total["joined"],
            "morale": m["morale"],
            "utilisation": np.where(total["available"] > 0, total["busy"] / available, 0.0),
            "share_feature": work * (engine_share["feature"] + engine_share["dependency"]) / days,
            "share_unplanned": unplanned,
            "share_improvement": (m["days_improvement"] + work * engine_share["improvement"]) / days,
            "share_experiments": (m["days_experiments"] + work * engine_share["experiment"]) / days,
            "share_overhead": (m["days_all"] - m["days_work"] - m["days_improvement"] - m["days_experiments"])
            / days,
            "share_idle": work * engine_share["idle"] / days,
            "unplanned_share": unplanned,
            "cognitive_load": m["cognitive_load"],
            "platform_maturity": m["self_service"],
            "bu_trust": m["trust"],
            "shadow_it_share": np.where(resolved > 0, total["withdrawn"] / np.maximum(resolved, 1e-12), 0.0),
            "perceived_alignment": np.minimum(m["partnership"] + m["theatre"], 1.0),
            "cost": m["cost"],
            "items_in_system": total["in_system_mean"],
            "items_done": total["finished"],
            "unplanned_backlog": total["unplanned_backlog"],
            "pressure": m["pressure"],
            "net_value": m["net_value"],
            "programmes_abandoned": np.full(m["value"].shape, m.get("programmes_abandoned", 0.0)),
        }

    def warm(self, m: Mapping[str, np.ndarray]) -> None:
        """Take a warm-up week's measures: not recorded, but the last measured DORA keys and flow time."""
        self._carried(m)

    def _carried(self, m: Mapping[str, np.ndarray]) -> np.ndarray:
        """Return the week's measures that need events (deploys, restores, finished items), as last measured.

        A week without the events a measure needs (no deploy, no restore) shows the last
        week that had them, as a dashboard of the DORA keys does; nan until there is one.

        Returns:
            ``(len(_CARRIED), worlds)``, a row per measure.
        """
        changes, deploys = m["changes_deployed"], m["deploys"].sum(axis=1)
        # The four weighted means at once, a row each: lead time, its 85th percentile, restore, flow.
        lead, lead_p85, restore, flow = _weighted(
            np.array([m["lead_time"], m["lead_time_p85"], m["restore_time"], m["flow_time"]]),
            np.array([changes, changes, m["restored"], m["finished"]]),
        )
        failure = np.where(deploys > 0, m["failures"].sum(axis=1) / np.maximum(deploys, 1), np.nan)
        now = np.array([lead, lead_p85, 24.0 * restore, failure, flow])  # in _CARRIED's order
        self.last = np.where(np.isnan(now), self.last, now)
        return self.last

    def _add_teams(self, m: Mapping[str, np.ndarray]) -> None:
        t = m["per_team"]
        deploys = m["deploys"]
        values = {
            "business_unit": self._unit_of_team,
            "people": t["people"],
            "skill": t["skill"],
            "practice": t["practice"],
            "execution": t["practice"],
            "debt_ratio": t["debt_ratio"],
            "safety": t["safety"],
            "morale": t["morale"],
            "adoption": t["adoption"],
            "cognitive_load": t["cognitive_load"],
            "throughput": m["finished_feature"],
            "value": m["value_delivered"],
            "deploys_per_week": deploys,
            "lead_time_days": m["lead_time"],
            "change_failure_rate": np.where(deploys > 0, m["failures"] / np.maximum(deploys, 1.0), np.nan),
            "time_to_restore_hours": 24.0 * m["restore_time"],
            "incidents": m["finished_incident"],
            "coached": t["coached"],
            "items_in_system": m["in_system_mean"],
            "items_done": m["finished"],
            "flow_time_days": m["flow_time"],
            "utilisation": m["utilisation"],
            "lead_time_p85_days": m["lead_time_p85"],
            "unplanned_backlog": m["unplanned_backlog"],
        }
        # All columns at once, as add writes its row.
        self.team_data[self._team_row] = np.array([values[name] for name in TEAM_COLUMNS])
        self.team_weeks[self._team_row] = self.weeks_done
        self._team_row += 1

    def team_frame(self, world: int = 0) -> pd.DataFrame:
        """Return the per-team values of one world in long form: a row per recorded week and team."""
        return long_form(
            self.team_weeks[: self._team_row], self.team_data[: self._team_row, :, world], TEAM_COLUMNS
        )

    def frame(self, world: int = 0) -> pd.DataFrame:
        """Return the weekly frame of one world, one row per week, indexed by ``week`` from 1."""
        weeks = self.weeks_done
        values = {name: self.data[world, :weeks, i] for name, i in _AT.items()}
        values.update(derived(values))
        return pd.DataFrame(
            {name: values[name] for name in COLUMNS},
            index=pd.RangeIndex(1, weeks + 1, name="week"),
        )

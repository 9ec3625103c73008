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
    """Per world, the mean of the teams' values weighted by ``weights`` (nan where no weight)."""
    w = np.where(np.isfinite(values), weights, 0.0)
    total = w.sum(axis=1)
    return np.where(total > 0, np.nansum(values * w, axis=1) / np.where(total > 0, total, 1.0), np.nan)


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
        rows = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(rows, dtype=np.int64)
        self.team_data = np.zeros((rows, len(TEAM_COLUMNS), worlds, self.teams), dtype=np.float32)
        self._team_row = 0
        self.last = np.full((worlds, len(_CARRIED)), np.nan)  # see _carried

    def add(self, m: Mapping[str, np.ndarray]) -> None:
        """Record the week whose measures ``m`` are (one step of the organisation)."""
        s, row = self.stream, self.data[:, self.weeks_done]
        at = _AT

        def put(name: str, value) -> None:
            row[:, at[name]] = value

        for layer, stock in _LAYER_STOCKS.items():
            put(f"layer_{layer}", m[stock])
        finished = m["finished"].sum(axis=1)
        put("throughput", m["finished_feature"].sum(axis=1))
        put("value", m["value"])
        put("value_innovation", m["value_innovation"])
        put("value_shadow_it", m["value_withdrawn"].sum(axis=1))
        put("deploys_per_week", m["deploys"][:, :s].mean(axis=1))
        for name, value in self._carried(m).items():
            put(name, value)
        put("innovations", m["innovations"])
        put("experiments", m["experiments"])
        put("tech_debt", m["debt"])
        put("debt_ratio", m["debt_ratio"])
        put("incidents", m["finished_incident"].sum(axis=1))
        put("headcount", m["headcount"])
        put("attrition", m["leavers"].sum(axis=1))
        put("hires", m["joined"].sum(axis=1))
        put("morale", m["morale"])
        available = m["available"].sum(axis=1)
        put("utilisation", np.where(available > 0, m["busy"].sum(axis=1) / np.maximum(available, 1e-12), 0.0))
        work = m["days_work"]
        engine_share = {
            k: (m[f"share_{k}"] * m["available"]).sum(axis=1) / np.maximum(available, 1e-12)
            for k in ("feature", "dependency", "incident", "rework", "improvement", "experiment", "idle")
        }
        total = np.maximum(m["days_all"], 1e-12)
        shares = {
            "share_feature": work * (engine_share["feature"] + engine_share["dependency"]) / total,
            "share_unplanned": work * (engine_share["incident"] + engine_share["rework"]) / total,
            "share_improvement": (m["days_improvement"] + work * engine_share["improvement"]) / total,
            "share_experiments": (m["days_experiments"] + work * engine_share["experiment"]) / total,
            "share_overhead": (m["days_all"] - m["days_work"] - m["days_improvement"] - m["days_experiments"])
            / total,
            "share_idle": work * engine_share["idle"] / total,
        }
        for name, value in shares.items():
            put(name, value)
        put("unplanned_share", shares["share_unplanned"])
        put("cognitive_load", m["cognitive_load"])
        put("platform_maturity", m["self_service"])
        put("bu_trust", m["trust"])
        withdrawn = m["withdrawn"].sum(axis=1)
        resolved = withdrawn + m["finished_feature"].sum(axis=1)
        put("shadow_it_share", np.where(resolved > 0, withdrawn / np.maximum(resolved, 1e-12), 0.0))
        put("perceived_alignment", np.minimum(m["partnership"] + m["theatre"], 1.0))
        put("cost", m["cost"])
        put("items_in_system", m["in_system_mean"].sum(axis=1))
        put("items_done", finished)
        put("unplanned_backlog", m["unplanned_backlog"].sum(axis=1))
        put("pressure", m["pressure"])
        put("net_value", m["net_value"])
        put("programmes_abandoned", m.get("programmes_abandoned", 0))
        self.weeks_done += 1
        if (
            self.team_every
            and self.weeks_done % self.team_every == 0
            and self._team_row < len(self.team_weeks)
        ):
            self._add_teams(m)

    def warm(self, m: Mapping[str, np.ndarray]) -> None:
        """Take a warm-up week's measures: not recorded, but the last measured DORA keys and flow time."""
        self._carried(m)

    def _carried(self, m: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Return the week's measures that need events (deploys, restores, finished items), as last measured.

        A week without the events a measure needs (no deploy, no restore) shows the last
        week that had them, as a dashboard of the DORA keys does; nan until there is one.
        """
        changes, deploys = m["changes_deployed"], m["deploys"].sum(axis=1)
        now = {
            "lead_time_days": _weighted(m["lead_time"], changes),
            "lead_time_p85_days": _weighted(m["lead_time_p85"], changes),
            "time_to_restore_hours": 24.0 * _weighted(m["restore_time"], m["restored"]),
            "change_failure_rate": np.where(
                deploys > 0, m["failures"].sum(axis=1) / np.maximum(deploys, 1), np.nan
            ),
            "flow_time_days": _weighted(m["flow_time"], m["finished"]),
        }
        for i, name in enumerate(_CARRIED):
            self.last[:, i] = np.where(np.isnan(now[name]), self.last[:, i], now[name])
            now[name] = self.last[:, i].copy()
        return now

    def _add_teams(self, m: Mapping[str, np.ndarray]) -> None:
        t = m["per_team"]
        deploys = m["deploys"]
        values = {
            "business_unit": np.broadcast_to(self.unit_of, deploys.shape),
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
        row = self.team_data[self._team_row]
        for i, name in enumerate(TEAM_COLUMNS):
            row[i] = values[name]
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

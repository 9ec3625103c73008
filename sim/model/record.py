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

from sim.model.compiled import cache_guard, jit
from sim.model.flow.items import rows
from sim.model.flow.serve import Out
from sim.model.metrics import COLUMNS, RECORDED, TEAM_COLUMNS, derived, long_form
from sim.model.week import Team, World

# Measures that need events (deploys, restores, finished items), shown as last measured.
CARRIED = (
    "lead_time_days",
    "lead_time_p85_days",
    "time_to_restore_hours",
    "change_failure_rate",
    "flow_time_days",
)
Rec = rows("Rec", RECORDED)
Col = rows("Col", TEAM_COLUMNS)
Carried = rows("Carried", CARRIED)

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())

# Layers are the stocks that stand for them, in RECORDED's order of the layer columns.
_LAYER_STOCKS = (World.PARTNERSHIP, World.CLARITY, World.STANDARDS, World.SAFETY, World.SKILL, World.PRACTICE)
_AT = {name: i for i, name in enumerate(RECORDED)}


# The carried measures that are the teams' means weighted by their events:
# (carried row, the teams' measure, its weight, unit factor).
_WEIGHTED = (
    (Carried.LEAD_TIME_DAYS, Out.LEAD_TIME, Out.CHANGES_DEPLOYED, 1.0),
    (Carried.LEAD_TIME_P85_DAYS, Out.LEAD_TIME_P85, Out.CHANGES_DEPLOYED, 1.0),
    (Carried.TIME_TO_RESTORE_HOURS, Out.RESTORE_TIME, Out.RESTORED, 24.0),
    (Carried.FLOW_TIME_DAYS, Out.FLOW_TIME, Out.FINISHED, 1.0),
)


@jit
def _carried(flow, w, last):
    """Update ``last[:, w]``, world ``w``'s measures that need events, where the week had them.

    A week without the events a measure needs (no deploy, no restore) shows the last week
    that had them, as a dashboard of the DORA keys does; nan until there is one. Each is the
    teams' mean weighted by their events (changes deployed, restores, items finished), over
    the teams that measured it.
    """
    sums = np.zeros(len(_WEIGHTED))
    weights = np.zeros(len(_WEIGHTED))
    deploys = 0.0
    failures = 0.0
    for t in range(flow.shape[2]):
        for k, (_, value, weight, _) in enumerate(_WEIGHTED):
            x = flow[value, w, t]
            if np.isfinite(x):
                sums[k] += x * flow[weight, w, t]
                weights[k] += flow[weight, w, t]
        deploys += flow[Out.DEPLOYS, w, t]
        failures += flow[Out.FAILURES, w, t]
    for k, (row, _, _, unit) in enumerate(_WEIGHTED):
        if weights[k] > 0.0:
            last[row, w] = sums[k] / weights[k] * unit
    if deploys > 0.0:
        last[Carried.CHANGE_FAILURE_RATE, w] = failures / deploys


@jit
def _carry(flow, last):
    """Update the carried measures of every world (:func:`_carried`)."""
    for w in range(last.shape[1]):
        _carried(flow, w, last)


@jit
def _week_rows(flow, world, leavers, joined, abandoned, stream, last, rows_out):
    """Write the week's recorded columns of every world, a row each, and update the carried measures.

    Args:
        flow: ``(len(OUT), worlds, teams)`` the flow's measures.
        world: ``(len(WORLD_MEASURES), worlds)`` the organisation's measures.
        leavers: ``(worlds, teams)`` people who left.
        joined: ``(worlds, teams)`` people who joined.
        abandoned: ``(worlds,)`` programmes abandoned.
        stream: Stream-aligned teams (the first teams).
        last: ``(len(CARRIED), worlds)`` the carried measures, updated in place.
        rows_out: ``(worlds, len(RECORDED))`` written.
    """
    for w in range(world.shape[1]):
        _carried(flow, w, last)
        finished = feature = incidents = shadow = withdrawn = left = hired = 0.0
        available = busy = in_system = backlog = deploys = 0.0
        # Where the items' work went, in days: features and requests, unplanned, improvement,
        # experiments, idle.
        share = np.zeros(5)
        for t in range(flow.shape[2]):
            a = flow[Out.AVAILABLE, w, t]
            finished += flow[Out.FINISHED, w, t]
            feature += flow[Out.FINISHED_FEATURE, w, t]
            incidents += flow[Out.FINISHED_INCIDENT, w, t]
            shadow += flow[Out.VALUE_WITHDRAWN, w, t]
            withdrawn += flow[Out.WITHDRAWN, w, t]
            left += leavers[w, t]
            hired += joined[w, t]
            available += a
            busy += flow[Out.BUSY, w, t]
            in_system += flow[Out.IN_SYSTEM_MEAN, w, t]
            backlog += flow[Out.UNPLANNED_BACKLOG, w, t]
            if t < stream:
                deploys += flow[Out.DEPLOYS, w, t]
            share[0] += (flow[Out.SHARE_FEATURE, w, t] + flow[Out.SHARE_DEPENDENCY, w, t]) * a
            share[1] += (flow[Out.SHARE_INCIDENT, w, t] + flow[Out.SHARE_REWORK, w, t]) * a
            share[2] += flow[Out.SHARE_IMPROVEMENT, w, t] * a
            share[3] += flow[Out.SHARE_EXPERIMENT, w, t] * a
            share[4] += flow[Out.SHARE_IDLE, w, t] * a
        # Shares of the people's days: the items' work in its share of them, the rest set aside.
        days = max(world[World.DAYS_ALL, w], 1e-12)
        work = world[World.DAYS_WORK, w] / max(available, 1e-12) / days
        r = rows_out[w]
        for k, stock in enumerate(_LAYER_STOCKS):
            r[Rec.LAYER_PARTNERSHIP + k] = world[stock, w]
        r[Rec.LAYER_INNOVATION] = world[World.INNOVATION, w]
        r[Rec.THROUGHPUT] = feature
        r[Rec.VALUE] = world[World.VALUE, w]
        r[Rec.VALUE_INNOVATION] = world[World.VALUE_INNOVATION, w]
        r[Rec.VALUE_SHADOW_IT] = shadow
        r[Rec.DEPLOYS_PER_WEEK] = deploys / stream
        r[Rec.LEAD_TIME_DAYS] = last[Carried.LEAD_TIME_DAYS, w]
        r[Rec.TIME_TO_RESTORE_HOURS] = last[Carried.TIME_TO_RESTORE_HOURS, w]
        r[Rec.CHANGE_FAILURE_RATE] = last[Carried.CHANGE_FAILURE_RATE, w]
        r[Rec.INNOVATIONS] = world[World.INNOVATIONS, w]
        r[Rec.EXPERIMENTS] = world[World.EXPERIMENTS, w]
        r[Rec.TECH_DEBT] = world[World.DEBT, w]
        r[Rec.DEBT_RATIO] = world[World.DEBT_RATIO, w]
        r[Rec.INCIDENTS] = incidents
        r[Rec.HEADCOUNT] = world[World.HEADCOUNT, w]
        r[Rec.ATTRITION] = left
        r[Rec.HIRES] = hired
        r[Rec.MORALE] = world[World.MORALE, w]
        r[Rec.UTILISATION] = busy / available if available > 0.0 else 0.0
        r[Rec.UNPLANNED_SHARE] = work * share[1]
        r[Rec.COGNITIVE_LOAD] = world[World.COGNITIVE_LOAD, w]
        r[Rec.PLATFORM_MATURITY] = world[World.SELF_SERVICE, w]
        r[Rec.BU_TRUST] = world[World.TRUST, w]
        resolved = withdrawn + feature
        r[Rec.SHADOW_IT_SHARE] = withdrawn / resolved if resolved > 0.0 else 0.0
        r[Rec.PERCEIVED_ALIGNMENT] = min(world[World.PARTNERSHIP, w] + world[World.THEATRE, w], 1.0)
        r[Rec.COST] = world[World.COST, w]
        r[Rec.ITEMS_IN_SYSTEM] = in_system
        r[Rec.ITEMS_DONE] = finished
        r[Rec.FLOW_TIME_DAYS] = last[Carried.FLOW_TIME_DAYS, w]
        r[Rec.LEAD_TIME_P85_DAYS] = last[Carried.LEAD_TIME_P85_DAYS, w]
        r[Rec.SHARE_FEATURE] = work * share[0]
        r[Rec.SHARE_UNPLANNED] = work * share[1]
        r[Rec.SHARE_IMPROVEMENT] = world[World.DAYS_IMPROVEMENT, w] / days + work * share[2]
        r[Rec.SHARE_EXPERIMENTS] = world[World.DAYS_EXPERIMENTS, w] / days + work * share[3]
        r[Rec.SHARE_OVERHEAD] = (
            world[World.DAYS_ALL, w]
            - world[World.DAYS_WORK, w]
            - world[World.DAYS_IMPROVEMENT, w]
            - world[World.DAYS_EXPERIMENTS, w]
        ) / days
        r[Rec.SHARE_IDLE] = work * share[4]
        r[Rec.UNPLANNED_BACKLOG] = backlog
        r[Rec.PRESSURE] = world[World.PRESSURE, w]
        r[Rec.NET_VALUE] = world[World.NET_VALUE, w]
        r[Rec.PROGRAMMES_ABANDONED] = abandoned[w]


# Per-team columns that copy a measure: (column, 0 for the teams' measures or 1 for the flow's, measure).
_COPIED = np.array(
    [
        (Col.PEOPLE, 0, Team.PEOPLE),
        (Col.SKILL, 0, Team.SKILL),
        (Col.PRACTICE, 0, Team.PRACTICE),
        (Col.EXECUTION, 0, Team.PRACTICE),
        (Col.DEBT_RATIO, 0, Team.DEBT_RATIO),
        (Col.SAFETY, 0, Team.SAFETY),
        (Col.MORALE, 0, Team.MORALE),
        (Col.ADOPTION, 0, Team.ADOPTION),
        (Col.COGNITIVE_LOAD, 0, Team.COGNITIVE_LOAD),
        (Col.COACHED, 0, Team.COACHED),
        (Col.THROUGHPUT, 1, Out.FINISHED_FEATURE),
        (Col.VALUE, 1, Out.VALUE_DELIVERED),
        (Col.DEPLOYS_PER_WEEK, 1, Out.DEPLOYS),
        (Col.LEAD_TIME_DAYS, 1, Out.LEAD_TIME),
        (Col.INCIDENTS, 1, Out.FINISHED_INCIDENT),
        (Col.ITEMS_IN_SYSTEM, 1, Out.IN_SYSTEM_MEAN),
        (Col.ITEMS_DONE, 1, Out.FINISHED),
        (Col.FLOW_TIME_DAYS, 1, Out.FLOW_TIME),
        (Col.UTILISATION, 1, Out.UTILISATION),
        (Col.LEAD_TIME_P85_DAYS, 1, Out.LEAD_TIME_P85),
        (Col.UNPLANNED_BACKLOG, 1, Out.UNPLANNED_BACKLOG),
    ]
)


@jit
def _team_rows(flow, team, unit_of, out):
    """Write the per-team columns, ``out`` ``(len(TEAM_COLUMNS), worlds, teams)``, from the week's measures."""
    for k in range(_COPIED.shape[0]):
        column, from_flow, measure = _COPIED[k]
        out[column] = flow[measure] if from_flow else team[measure]
    for w in range(flow.shape[1]):
        for t in range(flow.shape[2]):
            deploys = flow[Out.DEPLOYS, w, t]
            out[Col.BUSINESS_UNIT, w, t] = unit_of[t]
            out[Col.CHANGE_FAILURE_RATE, w, t] = flow[Out.FAILURES, w, t] / deploys if deploys > 0 else np.nan
            out[Col.TIME_TO_RESTORE_HOURS, w, t] = 24.0 * flow[Out.RESTORE_TIME, w, t]


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
        n_rows = weeks // team_every if team_every else 0
        self.team_weeks = np.zeros(n_rows, dtype=np.int64)
        self.team_data = np.zeros((n_rows, len(TEAM_COLUMNS), worlds, self.teams), dtype=np.float32)
        self._team_row = 0
        self.last = np.full((len(CARRIED), worlds), np.nan)  # see _carried
        # The week's rows as the compiled code writes them, before they are stored.
        self._row = np.empty((worlds, len(RECORDED)))

    def add(self, m: Mapping[str, np.ndarray]) -> None:
        """Record the week whose measures ``m`` are (one step of the organisation)."""
        abandoned = np.broadcast_to(
            np.asarray(m.get("programmes_abandoned", 0.0), float), self.last.shape[1:]
        )
        _week_rows(
            m["flow"], m["world"], m["leavers"], m["joined"], abandoned, self.stream, self.last, self._row
        )
        self.data[:, self.weeks_done] = self._row
        self.weeks_done += 1
        if (
            self.team_every
            and self.weeks_done % self.team_every == 0
            and self._team_row < len(self.team_weeks)
        ):
            _team_rows(m["flow"], m["team"], self.unit_of, self.team_data[self._team_row])
            self.team_weeks[self._team_row] = self.weeks_done
            self._team_row += 1

    def warm(self, m: Mapping[str, np.ndarray]) -> None:
        """Take a warm-up week's measures: not recorded, but the last measured DORA keys and flow time."""
        _carry(m["flow"], self.last)

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

"""Model v2's week: people decide, teams work items through queues, capabilities follow.

An :class:`Organisation` is a batch of worlds of one shape (the same teams,
each world its own seed and state). :meth:`Organisation.step` runs a week in
this order, each part a stated rule of its own module:

1. **Leadership** (:mod:`sim.model.leadership`) perceives last week's delivery
   gap (features delivered against features requested) with a delay and sets
   pressure and the improvement share by its attribution rule.
2. **People** (:mod:`sim.model.workforce`): offers become arrivals after the
   hiring lag, novices ramp up; capacity is what the people can work less
   onboarding and coordination; pressure adds hours (work harder).
3. **Teams** split their time: the improvement share and the experiments'
   share are set aside, except what firefighting takes back (a team whose
   unplanned items waiting reach ``firefight_items`` per person spends all its
   improvement time on them); the rest works items, slowed by the debt in the team's code and,
   without a platform's self-service, by the infrastructure work it does itself.
4. **Work** (:mod:`sim.model.flow`): features arrive from the business units,
   background incidents from debt; a feature may need another team's change
   (:mod:`sim.model.structure`); deploys come at the interval practice allows and
   fail with a chance that practice, skill, debt and pressure set.
5. **Capabilities** (:mod:`sim.model.capabilities`): debt, practice, skill,
   the platform's self-service and morale after the week.
6. **People leave** with the attrition probability of their morale and
   pressure; leadership makes offers to replace them.
7. **Business units** judge IT by the waits they see: trust follows how long
   their requests wait and how often changes fail; the less they trust, the more
   of their waiting requests they take to shadow IT (withdrawn items).
8. **Value and cost**: the value of the features deployed (thousands of
   currency units), the cost of people and incidents, and the net value.

:class:`sim.model.model.OrgModel` runs it, with the plan's programmes and the
weekly record around it. The arithmetic of the steps is compiled
(:mod:`sim.model.week`: steps 1-4, then the items, then 5-8), each rule
written once in its own module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.model import week
from sim.model import workforce as wf
from sim.model.compiled import record
from sim.model.flow.engine import MIN_DEPLOY_INTERVAL, OUT, Drivers, FlowEngine, Out
from sim.model.flow.items import Kind
from sim.model.flow.rng import Stream, standard_normals
from sim.model.levers import LEVER_INDEX, LEVER_NAMES, Levers
from sim.model.params import OrgConfig, Params
from sim.model.schema import ConfigError, spec, validate_fields
from sim.model.structure import Structure

# Every lever at its default, in LEVER_NAMES order: a week's table starts from it.
LEVER_BASE = np.array([getattr(Levers(), name) for name in LEVER_NAMES])


@dataclass(frozen=True)
class Setup:
    """An organisation's shape and starting state (the same in every world of a batch).

    Attributes:
        stream: Stream-aligned teams.
        teams_per_unit: Stream-aligned teams per business unit.
        team_size: People per stream-aligned team at the start.
        platform: Platform teams.
        platform_size: People per platform team.
        enabling: Enabling-team people.
        coupling: Architecture coupling, 0-1.
        load: Demand relative to the stream-aligned teams' starting capacity for features.
        skill: Starting skill, 0-1.
        practice: Starting delivery practice, 0-1.
        standards: Architecture standards, 0-1.
        safety: Psychological safety, 0-1.
        self_service: Starting platform self-service, 0-1.
        partnership: Partnership with the business, 0-1: how well requests fit what it needs.
        clarity: Strategic clarity, 0-1: how well work fits the strategy.
        innovation: Innovation capability, 0-1: the chance an experiment becomes an innovation.
        debt: Starting debt per team, person-days.
        revenue_at_stake: What the business units' requests are worth in a year if every one were
            delivered as asked, millions of currency units.
        spread: Standard deviation of each team's starting skill, practice and safety around the
            organisation's, and of its debt relative to the organisation's.
    """

    stream: int = spec(1, 100_000, default=12, unit="teams")
    teams_per_unit: float = spec(1, 1000, default=3, unit="teams")
    team_size: int = spec(1, 50, default=8, unit="people")
    platform: int = spec(0, 10_000, default=1, unit="teams")
    platform_size: int = spec(0, 200, default=6, unit="people")
    enabling: float = spec(0, 300_000, default=0.0, unit="people")
    coupling: float = spec(0, 1, default=0.3, unit="1")
    load: float = spec(0.05, 3, default=0.8, unit="x capacity")
    skill: float = spec(0, 1, default=0.5)
    practice: float = spec(0, 1, default=0.4)
    standards: float = spec(0, 1, default=0.4)
    safety: float = spec(0, 1, default=0.5)
    self_service: float = spec(0, 1, default=0.3)
    partnership: float = spec(0, 1, default=0.5)
    innovation: float = spec(0, 1, default=0.3)
    clarity: float = spec(0, 1, default=0.5)
    debt: float = spec(0, 100_000, default=100.0, unit="person-days")
    revenue_at_stake: float = spec(0, 1_000_000, default=65.0, unit="millions a year")
    spread: float = spec(0, 0.3, default=0.0, unit="1")

    def __post_init__(self) -> None:
        validate_fields(self)

    @classmethod
    def from_org(cls, org: OrgConfig, platform: int, params: Params) -> Setup:
        """Read an organisation preset: its layers are the starting stocks they stand for.

        Partnership, strategy (clarity), architecture (standards), culture (safety), talent
        (skill), execution (practice) and innovation start at the preset's layer strengths;
        the preset's ``debt`` per person becomes each team's debt through
        ``debt_days_per_unit``; its platform people (``levers.platform_capacity`` per
        stream-aligned team) are spread over ``platform`` teams, and its enabling people
        (``levers.enabling_capacity`` per stream-aligned team) are in place. Its revenue at
        stake, unless it states one, is ``operating.value_multiple`` times the yearly cost
        of all these people.

        Args:
            org: The preset.
            platform: Platform teams (0 for none).
            params: The parameters (for the debt's unit).
        """
        layers = org.layers
        platform_people = org.levers.platform_capacity * org.teams
        enabling = org.levers.enabling_capacity * org.teams
        revenue = org.revenue_at_stake
        if revenue is None:
            o = params.operating
            people = org.teams * org.team_size + platform_people + enabling
            revenue = o.value_multiple * people * o.cost_per_person_week * 52.0 / 1000.0
        return cls(
            stream=org.teams,
            teams_per_unit=org.teams_per_business_unit,
            team_size=org.team_size,
            platform=platform,
            platform_size=max(int(round(platform_people / platform)), 0) if platform else 1,
            enabling=enabling,
            coupling=org.coupling,
            load=org.load,
            skill=layers.talent,
            practice=layers.execution,
            standards=layers.architecture,
            safety=layers.culture,
            self_service=0.0,
            partnership=layers.partnership,
            clarity=layers.strategy,
            innovation=layers.innovation,
            debt=org.debt * org.team_size * params.capability.debt_days_per_unit,
            spread=org.spread,
            revenue_at_stake=revenue,
        )


def _per_world(value: float | np.ndarray, worlds: int) -> np.ndarray:
    """Return a lever as one value per world: an array of that shape as it is, a scalar repeated."""
    if isinstance(value, np.ndarray) and value.shape == (worlds,):
        return value
    return np.broadcast_to(np.asarray(value, float), (worlds,))


class Organisation:
    """A batch of worlds of one organisation shape, stepped a week at a time.

    Args:
        setup: The shape and the starting state.
        seeds: One seed per world.
        params: The parameters (default: :class:`~sim.model.params.Params`).
    """

    def __init__(self, setup: Setup, seeds, params: Params | None = None) -> None:
        self.setup, self.params = setup, params or Params()
        r = self.params
        # The rules as the compiled week reads them: operating, workforce, leadership, capability.
        self._rules = (
            record(r.operating),
            record(r.workforce, weekly_hazard=r.workforce.weekly_hazard),
            record(r.leadership),
            record(r.capability),
        )
        self._mean_experiment = r.flow.mean_size(Kind.EXPERIMENT)
        self.structure = Structure.build(setup.stream, setup.teams_per_unit, setup.platform, 0, r.structure)
        self.engine = FlowEngine(r.flow, seeds, self.structure.flow_teams)
        w, t, s = self.engine.worlds, self.structure.flow_teams, setup.stream
        self.worlds, self.teams = w, t
        self.is_stream = np.arange(t) < s
        size = np.where(self.is_stream, setup.team_size, setup.platform_size).astype(float)
        self.base_size = np.broadcast_to(size, (w, t)).copy()
        self.experienced = self.base_size.copy()
        self.cohorts = np.zeros((w, t, r.workforce.ramp_weeks))
        self.pipeline = np.zeros((w, t, r.workforce.hiring_lag_weeks))
        # Teams start around the organisation's levels, each by its own draws (its START stream).
        z = setup.spread * standard_normals(self.engine.keys, self.engine.ctr, np.int64(Stream.START), 4)
        self.skill = np.clip(setup.skill + z[0], 0.0, 1.0)
        self.practice = np.clip(setup.practice + z[1], 0.0, 1.0)
        self.safety = np.clip(setup.safety + z[2], 0.0, 1.0)
        self.debt = np.maximum(setup.debt * (1.0 + z[3]), 0.0)
        self.morale = np.full((w, t), 0.6)
        self.standards = np.full(w, setup.standards)
        self.partnership = np.full(w, setup.partnership)
        self.clarity = np.full(w, setup.clarity)
        self.enabling = np.full(w, setup.enabling)  # enabling-team people
        self.enabling_pipeline = np.zeros((w, r.workforce.hiring_lag_weeks))
        self._enabling_offers = np.zeros(w)
        # Last week's platform and enabling targets: people are moved for a target that grows.
        self._support_target = np.concatenate(
            [self.base_size[:, s:], np.full((w, 1), setup.enabling)], axis=1
        )
        self.innovation = np.full(w, setup.innovation)
        self.innovation_stream = np.zeros(w)  # value per week of the innovations still alive
        self.self_service = np.full(w, setup.self_service if setup.platform else 0.0)
        self.units = self.structure.units
        self._teams_per_unit = np.bincount(self.structure.unit_of, minlength=self.units)
        self.trust = np.full((w, self.units), 0.5)
        self.pressure = np.full(w, 0.3)
        self.improvement = np.full(w, 0.1)
        self.unplanned_backlog = np.zeros((w, t))
        self.backlog_age = np.zeros((w, t))
        self._offers = np.zeros((w, t))
        # Demand is set once: `load` times what the stream-aligned teams could work at the start if
        # they did nothing else, in features and the requests of coupled teams that come with them.
        wr = r.workforce
        days = wf.capacity(
            self.experienced, self.cohorts, wr.novice_output, wr.mentoring_share, wr.coordination_per_peer
        )[0]
        per_feature = r.flow.mean_size(Kind.FEATURE) + r.structure.max_dependency * setup.coupling * (
            r.flow.mean_size(Kind.DEPENDENCY)
        )
        effort = week.effort_of(
            self.debt, self.self_service, self.is_stream, self._rules[0][0], self._rules[3][0]
        )
        self.demand = np.where(self.is_stream, setup.load * days / (effort * per_feature), 0.0)
        # A feature's value is its share of the revenue at stake: the median, of a log-normal
        # spread, that makes a year of the starting demand worth it at full fit.
        spread = math.exp(r.flow.value_sigma**2 / 2.0)
        weekly = setup.revenue_at_stake * 1000.0 / 52.0
        self.feature_value = weekly / np.maximum(self.demand.sum(axis=1), 1e-12) / spread
        self.seen_delivered = self.demand.sum(axis=1)
        self.seen_demand = self.demand.sum(axis=1)
        self.week = 0

    # ------------------------------------------------------------------ pieces of the week
    def _lever_table(self, levers: Mapping[str, float | np.ndarray] | np.ndarray) -> np.ndarray:
        """Return the week's levers as a table ``(worlds, levers)``: a table as it is, by name with defaults."""
        if isinstance(levers, np.ndarray):
            return levers
        unknown = set(levers) - set(LEVER_INDEX)
        if unknown:
            raise ConfigError(
                "levers", f"unknown {', '.join(sorted(unknown))}; allowed: {', '.join(LEVER_INDEX)}"
            )
        table = np.tile(LEVER_BASE, (self.worlds, 1))
        for name, value in levers.items():
            table[:, LEVER_INDEX[name]] = value
        return table

    def people(self) -> np.ndarray:
        """Headcount per world and team."""
        return self.experienced + self.cohorts.sum(axis=2)

    def step(self, levers: Mapping[str, float | np.ndarray] | np.ndarray) -> dict[str, np.ndarray]:
        """Run one week in every world.

        Steps 1-4 and 5-8 are compiled (:mod:`sim.model.week`); the items flow between them.

        Args:
            levers: The week's levers: a table ``(worlds, levers)`` in
                :data:`~sim.model.levers.LEVER_NAMES` order, or by name
                (:class:`sim.model.levers.Levers`), a value per world or one for all, a lever
                not given at its default.

        Returns:
            The week's measures by name: per world and team ``(worlds, teams)`` for the
            flow's (``Out``) and per world ``(worlds,)`` for the organisation's; and the
            same stacked, ``flow`` ``(len(OUT), worlds, teams)``, ``world``
            ``(len(WORLD_MEASURES), worlds)`` and ``team`` ``(len(TEAM_MEASURES), worlds, teams)``.
        """
        lv = np.ascontiguousarray(self._lever_table(levers), dtype=float)
        o, wr, lr, c = self._rules
        s = self.setup.stream
        has_platform = self.setup.platform > 0
        (
            gap,
            excess,
            joined,
            onboarding,
            coordination,
            all_days,
            work_days,
            improve_days,
            programme_days,
            experiment_days,
            effort,
            capacity,
            wip_limit,
            rates,
            coupling,
            staffed,
            deploy_days,
            release_days,
            change_failure,
            withdraw,
            value,
            felt_pressure,
        ) = week.before_flow(
            lv,
            s,
            has_platform,
            self.setup.coupling,
            self.setup.standards,
            self.is_stream,
            self.structure.unit_of,
            o,
            wr,
            lr,
            c,
            self.seen_delivered,
            self.seen_demand,
            self.pressure,
            self.improvement,
            self.trust,
            self.experienced,
            self.cohorts,
            self.pipeline,
            self._offers,
            self.enabling,
            self.enabling_pipeline,
            self._enabling_offers,
            self.skill,
            self.practice,
            self.debt,
            self.standards,
            self.self_service,
            self.partnership,
            self.clarity,
            self.unplanned_backlog,
            self.demand,
            self.feature_value,
        )
        # 4. The items flow through the teams' queues, some waiting on another team.
        probability, graph = self.structure.dependencies(coupling, np.where(staffed, self.self_service, 1.0))
        drivers = Drivers(
            capacity=capacity,
            wip_limit=wip_limit,
            arrival_rate=rates,
            dependency_prob=np.ascontiguousarray(probability),
            dependencies=graph,
            deploy_interval=np.maximum(deploy_days, MIN_DEPLOY_INTERVAL),
            release_delay=release_days,
            failure_prob=change_failure,
            withdraw_rate=withdraw,
            feature_value=value,
        )
        out = self.engine.step(drivers, check=False)
        self.unplanned_backlog = out[Out.UNPLANNED_BACKLOG]
        arrived_feature = rates[:, :, Kind.FEATURE].sum(axis=1)
        world, team, leavers, self._offers, self._enabling_offers = week.after_flow(
            lv,
            out,
            self.week,
            s,
            self.units,
            self._teams_per_unit,
            has_platform,
            self.structure.unit_of,
            self.is_stream,
            self.engine.keys,
            self.engine.ctr,
            o,
            wr,
            lr,
            c,
            self._mean_experiment,
            self.setup.revenue_at_stake,
            excess,
            felt_pressure,
            gap,
            effort,
            all_days,
            work_days,
            improve_days,
            programme_days,
            experiment_days,
            arrived_feature,
            self.pressure,
            self.improvement,
            self.base_size,
            self.experienced,
            self.cohorts,
            self.pipeline,
            self.enabling,
            self.enabling_pipeline,
            self._support_target,
            self.skill,
            self.practice,
            self.safety,
            self.debt,
            self.morale,
            self.standards,
            self.partnership,
            self.clarity,
            self.self_service,
            self.innovation,
            self.innovation_stream,
            self.trust,
            self.seen_delivered,
            self.seen_demand,
        )
        age = out[Out.BACKLOG_AGE]
        self.backlog_age = np.where(np.isnan(age), 0.0, age)  # nan: nothing waiting
        self.week += 1
        measures = dict(zip(OUT, out, strict=True))
        measures.update(zip(week.WORLD_MEASURES, world, strict=True))
        measures.update(onboarding=onboarding, coordination=coordination, leavers=leavers, joined=joined)
        # Per engine team (stream-aligned, then platform), for the per-team records.
        measures["per_team"] = dict(zip(week.TEAM_MEASURES, team, strict=True))
        # The same measures stacked, as the compiled record reads them (the named ones are views).
        measures.update(flow=out, world=world, team=team)
        return measures

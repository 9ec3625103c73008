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
weekly record around it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.model import capabilities as cap
from sim.model import leadership as lead
from sim.model import workforce as wf
from sim.model.capabilities import CapabilityRules
from sim.model.flow.engine import MIN_DEPLOY_INTERVAL, OUT, Drivers, FlowEngine, Out
from sim.model.flow.items import Kind
from sim.model.flow.rng import Stream, standard_normals
from sim.model.levers import Levers
from sim.model.params import OrgConfig, Params
from sim.model.schema import ConfigError, spec, validate_fields
from sim.model.structure import Structure

LEVER_DEFAULTS = {f.name: f.default for f in dataclasses.fields(Levers)}
# The levers of programmes run in the teams' own time (the rest are money, leadership's time or policy).
PROGRAMME_LEVERS = ("architecture_investment", "culture_investment", "training", "practice_investment")


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
        # Demand is set once, from the teams' starting capacity for features, times the load.
        # Demand is set once: `load` times what the stream-aligned teams could work at the start if
        # they did nothing else, in features and the requests of coupled teams that come with them.
        days = self._capacity()[0]
        per_feature = r.flow.mean_size(Kind.FEATURE) + r.structure.max_dependency * setup.coupling * (
            r.flow.mean_size(Kind.DEPENDENCY)
        )
        self.demand = np.where(self.is_stream, setup.load * days / (self._effort() * per_feature), 0.0)
        # A feature's value is its share of the revenue at stake: the median, of a log-normal
        # spread, that makes a year of the starting demand worth it at full fit.
        spread = math.exp(r.flow.value_sigma**2 / 2.0)
        weekly = setup.revenue_at_stake * 1000.0 / 52.0
        self.feature_value = weekly / np.maximum(self.demand.sum(axis=1), 1e-12) / spread
        self.seen_delivered = self.demand.sum(axis=1)
        self.seen_demand = self.demand.sum(axis=1)
        self.week = 0

    # ------------------------------------------------------------------ pieces of the week
    def _capacity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wr = self.params.workforce
        return wf.capacity(
            self.experienced, self.cohorts, wr.novice_output, wr.mentoring_share, wr.coordination_per_peer
        )

    def _effort(self) -> np.ndarray:
        o = self.params.operating
        own_infra = np.where(self.is_stream, o.infra_effort * (1.0 - self.self_service[:, None]), 0.0)
        return cap.effort(self.debt, self.params.capability.debt_doubling) * (1.0 + own_infra)

    def _coached(self, people: np.ndarray, c: CapabilityRules) -> np.ndarray:
        """Return the coaching each team gets this week: enabling people facilitate a few teams at a time.

        An engagement lasts ``engagement_weeks``; enabling people work with as many stream-aligned
        teams at once as ``teams_per_coach`` per person allows, the teams in order, then move
        on to the next ones. A coached team gains ``coaching_gain`` per coach per person of it.
        """
        o, s = self.params.operating, self.setup.stream
        coached = np.zeros((self.worlds, self.teams))
        engagement = self.week // int(o.engagement_weeks)
        for i in range(self.worlds):
            reach = min(int(np.ceil(self.enabling[i] * o.teams_per_coach)), s)
            if reach <= 0:
                continue
            chosen = (engagement * reach + np.arange(reach)) % s
            coaches_per_team = self.enabling[i] / reach
            coached[i, chosen] = c.coaching_gain * coaches_per_team / people[i, chosen]
        return coached

    def _per_unit(self, per_team: np.ndarray) -> np.ndarray:
        """Sum stream-aligned teams' values by business unit: ``(worlds, stream)`` to ``(worlds, units)``."""
        out = np.zeros((self.worlds, self.units))
        np.add.at(out.T, self.structure.unit_of, per_team.T)
        return out

    def _unit_trust_of_team(self) -> np.ndarray:
        """Each engine team's business unit's trust, ``(worlds, teams)``; platform teams feel full trust."""
        trust = np.ones((self.worlds, self.teams))
        trust[:, : self.setup.stream] = self.trust[:, self.structure.unit_of]
        return trust

    def _people_mean(self, per_team: np.ndarray) -> np.ndarray:
        """Return the mean over the people of every team (a team without people weighs nothing), per world."""
        people = self.people()
        return (per_team * people).sum(axis=1) / np.maximum(people.sum(axis=1), 1e-9)

    def _staff(self, lever: Mapping[str, np.ndarray]) -> None:
        """Staff every team towards its target: move people between teams, make offers for the rest.

        The targets are ``base_size * headcount`` for each stream-aligned team,
        ``platform_capacity * stream / platform`` for each platform team and
        ``enabling_capacity * stream`` for the enabling pool. When a platform or enabling
        target grows, leadership moves ``staff_from_streams`` of the growth out of the
        stream-aligned teams at once (at most ``move_share_max`` of their experienced people,
        from each in proportion to its experienced people; the team's target shrinks with
        it, and the knowledge of its system they take goes as a leaver's does). Every other
        shortfall, leavers' places included, is hired through the pipeline. Experienced
        people above a platform or enabling target go back to the stream-aligned teams, in
        proportion to their targets (nobody is laid off).
        """
        wr, s = self.params.workforce, self.setup.stream
        people = self.people()
        target = np.concatenate(
            [
                np.broadcast_to(
                    (lever["platform_capacity"] * s / max(self.setup.platform, 1))[:, None],
                    people[:, s:].shape,
                ),
                (lever["enabling_capacity"] * s)[:, None],
            ],
            axis=1,
        )
        # The support teams side by side: platform teams, then the enabling pool.
        staff = np.concatenate([people[:, s:], self.enabling[:, None]], axis=1)
        experienced = np.concatenate([self.experienced[:, s:], self.enabling[:, None]], axis=1)
        pipeline = np.concatenate(
            [self.pipeline[:, s:].sum(axis=2), self.enabling_pipeline.sum(axis=1)[:, None]], axis=1
        )
        grown = np.minimum(
            np.maximum(target - self._support_target, 0.0), np.maximum(target - staff - pipeline, 0.0)
        )
        self._support_target = target
        over = np.minimum(np.maximum(staff - target, 0.0), experienced)
        stream = self.experienced[:, :s]
        wanted = lever["staff_from_streams"] * grown.sum(axis=1)
        out = np.minimum(wanted, wr.move_share_max * stream.sum(axis=1))
        incoming = grown * (lever["staff_from_streams"] * out / np.maximum(wanted, 1e-12))[:, None]
        base = self.base_size[:, :s]
        change = over.sum(axis=1)[:, None] * base / np.maximum(base.sum(axis=1), 1e-12)[:, None]
        change -= out[:, None] * stream / np.maximum(stream.sum(axis=1), 1e-12)[:, None]
        # Movers bring the stream-aligned teams' skill to the platform, and take their system's with them.
        mover_skill = (self.skill[:, :s] * stream).sum(axis=1) / np.maximum(stream.sum(axis=1), 1e-12)
        into = incoming[:, :-1]
        self.skill[:, s:] = (self.skill[:, s:] * people[:, s:] + into * mover_skill[:, None]) / np.maximum(
            people[:, s:] + into, 1e-12
        )
        self.skill[:, :s] *= 1.0 - wr.knowledge_loss * np.minimum(
            np.maximum(-change, 0.0) / np.maximum(people[:, :s], 1e-9), 1.0
        )
        self.experienced[:, :s] += change
        self.base_size[:, :s] = np.maximum(self.base_size[:, :s] + change, 0.0)
        self.experienced[:, s:] += into - over[:, :-1]
        self.enabling += incoming[:, -1] - over[:, -1]

        offers = np.maximum(target - staff - pipeline - incoming + over, 0.0)
        hiring = np.minimum(lever["budget"], 1.0)[:, None]  # a budget cut freezes part of the hiring
        stream_offers = np.maximum(
            self.base_size[:, :s] * lever["headcount"][:, None]
            - self.people()[:, :s]
            - self.pipeline[:, :s].sum(axis=2),
            0.0,
        )
        self._offers = np.floor(np.concatenate([stream_offers, offers[:, :-1]], axis=1) * hiring)
        self._enabling_offers = np.floor(offers[:, -1] * hiring[:, 0])

    def people(self) -> np.ndarray:
        """Headcount per world and team."""
        return self.experienced + self.cohorts.sum(axis=2)

    def step(self, levers: Mapping[str, float | np.ndarray]) -> dict[str, np.ndarray]:
        """Run one week in every world.

        Args:
            levers: The week's levers by name (:class:`sim.model.levers.Levers`), a value per
                world or one for all; a lever not given is at its default.

        Returns:
            The week's measures by name: per world and team ``(worlds, teams)`` for the
            flow's (``Out``) and per world ``(worlds,)`` for the organisation's.
        """
        o, c, wr, lr = (
            self.params.operating,
            self.params.capability,
            self.params.workforce,
            self.params.leadership,
        )
        w, s = self.worlds, self.setup.stream
        unknown = set(levers) - set(LEVER_DEFAULTS)
        if unknown:
            raise ConfigError(
                "levers", f"unknown {', '.join(sorted(unknown))}; allowed: {', '.join(LEVER_DEFAULTS)}"
            )
        lever = {name: _per_world(levers.get(name, d), w) for name, d in LEVER_DEFAULTS.items()}
        budget = lever["budget"]

        # 1. Leadership decides, on what it has perceived so far.
        gap = lead.delivery_gap(self.seen_delivered, self.seen_demand)
        self.pressure, self.improvement = lead.decide(
            gap,
            self.pressure,
            self.improvement,
            lever["pressure"],
            np.minimum(lever["improve_share"] * budget, 0.5),
            lever["attribution"],
            lr.pressure_response,
            lr.improvement_cut,
            lr.improvement_response,
            lr.max_improvement,
            lead.smoothing(lr.adjustment_weeks),
        )
        # Each team feels leadership's pressure and its own business unit's, which rises as the
        # unit's trust falls.
        felt_pressure = np.minimum(
            self.pressure[:, None] + o.unit_pressure * (1.0 - self._unit_trust_of_team()), 1.0
        )
        excess = np.maximum(felt_pressure - wr.normal_pressure, 0.0)

        # 2. People: who can work, and how much (pressure adds hours; a re-organisation takes some).
        before = self.people()
        joined = wf.advance(self.experienced, self.cohorts, self.pipeline, self._offers)
        self.enabling += wf.arrive(self.enabling_pipeline, self._enabling_offers)
        # New people know the trade, not the system: they bring the team's skill towards theirs.
        self.skill = (self.skill * before + wr.novice_skill * joined) / np.maximum(before + joined, 1e-9)
        days, onboarding, coordination = self._capacity()
        people = np.maximum(self.people(), 1e-9)
        hours = (1.0 + o.overtime * excess) * (1.0 - lever["disruption"][:, None])
        days = days * hours
        all_days = wf.WORKING_DAYS * self.people() * hours

        # 3. Time set aside: improvement and experiments, unless firefighting takes it back.
        fire = np.clip(self.unplanned_backlog / (o.firefight_items * people), 0.0, 1.0)
        improve_days = days * self.improvement[:, None] * (1.0 - fire)
        # Programmes take their time whatever the fires: workshops and training are booked.
        programmes = np.minimum(sum(lever[n] for n in PROGRAMME_LEVERS) * o.investment_time, 0.5)
        programme_days = np.where(self.is_stream, days * programmes[:, None], 0.0)
        transform = np.minimum(lever["transform_share"] * budget, 0.5)
        experiment_days = np.where(self.is_stream, days * transform[:, None] * (1.0 - fire), 0.0)
        work_days = np.maximum(days - improve_days - experiment_days - programme_days, 0.0)
        switching = (1.0 + o.switching * np.log(lever["priorities"]))[:, None]
        effort = self._effort() * switching

        # 4. The items.
        rates = np.zeros((w, self.teams, len(Kind)))
        rates[:, :, Kind.FEATURE] = self.demand * lever["demand"][:, None]
        background = o.background_incidents * (effort - 1.0) * (1.0 + lever["security_exposure"][:, None])
        rates[:, :, Kind.INCIDENT] = background * self.is_stream
        # How teams are cut, and the architecture's standards against where they started, move the
        # coupling the preset describes.
        coupling = np.clip(
            self.setup.coupling
            * (1.0 + o.alignment_effect * (0.5 - lever["stream_alignment"]))
            * (1.0 - o.standards_decoupling * (self.standards - self.setup.standards)),
            0.0,
            1.0,
        )
        staffed = self.people()[:, s:].sum(axis=1) >= 1.0 if self.setup.platform else np.zeros(w, bool)
        probability, graph = self.structure.dependencies(coupling, np.where(staffed, self.self_service, 1.0))
        deploy_days = o.deploy_days_slowest * (o.deploy_days_fastest / o.deploy_days_slowest) ** self.practice
        # Practice shortens the release process as it shortens the deploy interval: automated
        # tests and pipelines instead of manual test cycles and approval boards.
        release_days = (
            o.release_days_slowest * (o.release_days_fastest / o.release_days_slowest) ** self.practice
        )
        risk = np.clip(
            (1.0 - self.practice) * 0.5 + (1.0 - self.skill) * 0.3 + 0.2 * (effort - 1.0) / effort, 0.0, 1.0
        )
        change_failure = np.clip(
            o.change_failure_floor
            + (o.change_failure_ceiling - o.change_failure_floor) * risk * (1 + excess),
            0.0,
            1.0,
        )
        withdraw = np.zeros((w, self.teams))
        withdraw[:, :s] = o.shadow_hazard * (1.0 - self.trust[:, self.structure.unit_of])
        withdraw[:, :s] += lever["strategy_churn"][:, None]
        value = self.feature_value * (0.5 + 0.5 * self.partnership) * (0.5 + 0.5 * self.clarity)
        # The engine's inputs, built in place (contiguous, the dtypes it compiles for): Drivers.build's
        # broadcasting and checks cost more than a small organisation's whole week.
        drivers = Drivers(
            capacity=np.maximum(work_days / effort, 0.0),
            wip_limit=np.maximum(
                np.round(o.wip_per_person * people * (1.0 + lever["wip_accept"][:, None])), 1
            ).astype(np.int64),
            arrival_rate=rates,
            dependency_prob=np.ascontiguousarray(probability),
            dependencies=graph,
            deploy_interval=np.maximum(deploy_days, MIN_DEPLOY_INTERVAL),
            release_delay=release_days,
            failure_prob=change_failure,
            withdraw_rate=withdraw,
            feature_value=np.repeat(value[:, None], self.teams, axis=1),
        )
        out = self.engine.step(drivers, check=False)
        self.unplanned_backlog = out[Out.UNPLANNED_BACKLOG]
        self.backlog_age = np.nan_to_num(out[Out.BACKLOG_AGE])  # nan: nothing waiting

        # 5. Capabilities after the week: what the week's work and the investments put in.
        feature_days = out[Out.SHARE_FEATURE] * out[Out.AVAILABLE] * effort  # the people's days
        self.debt = cap.debt_after(
            self.debt, feature_days, improve_days * c.debt_share, excess, self.standards[:, None], c
        )
        per_person = improve_days / (wf.WORKING_DAYS * people)
        coached = self._coached(people, c)
        invest = c.investment_gain
        self.practice = cap.grown(
            self.practice,
            per_person * c.automation_share
            + coached
            + invest
            * (lever["practice_investment"] + lever["tooling"] * self._people_mean(self.skill))[:, None],
            c.practice_gain,
            cap.decay(c.practice_half_life),
        )
        learning = 1.0 - c.debt_share - c.automation_share
        self.skill = cap.grown(
            self.skill,
            per_person * learning + coached + invest * lever["training"][:, None],
            c.skill_gain,
            cap.decay(c.skill_half_life),
        )
        for name, stock, half_life in (
            ("architecture_investment", "standards", c.standards_half_life),
            ("culture_investment", "safety", c.safety_half_life),
            ("governance", "partnership", c.partnership_half_life),
            ("strategy_work", "clarity", c.clarity_half_life),
        ):
            now = getattr(self, stock)
            put = invest * (lever[name] if now.ndim == 1 else lever[name][:, None])
            setattr(self, stock, cap.grown(now, put, 1.0, cap.decay(half_life)))
        if self.setup.platform:
            build = improve_days[:, s:].sum(axis=1) / wf.WORKING_DAYS / people[:, :s].sum(axis=1)
            self.self_service = cap.grown(
                self.self_service, build, c.platform_gain, cap.decay(c.platform_half_life)
            )
        unplanned = out[Out.SHARE_INCIDENT] + out[Out.SHARE_REWORK]
        self.morale = cap.morale_after(self.morale, excess, unplanned, self.safety, c)

        # Experiments: each one run is a bet that becomes an innovation with the chance that
        # innovation capability and strategic clarity give; innovations bring value while they last.
        mean_experiment = self.params.flow.mean_size(Kind.EXPERIMENT)
        experiments = experiment_days.sum(axis=1) / mean_experiment
        innovations = experiments * self.innovation * (0.5 + 0.5 * self.clarity)
        self.innovation_stream = self.innovation_stream * math.exp(-1.0 / o.innovation_life_weeks)
        self.innovation_stream += (
            innovations * o.innovation_share * self.setup.revenue_at_stake * 1000.0 / 52.0
        )
        stream_people = people[:, :s].sum(axis=1)
        self.innovation = cap.grown(
            self.innovation, experiments / stream_people, c.innovation_gain, cap.decay(c.innovation_half_life)
        )

        # 6. People leave; leadership staffs every team towards its target, moving people to the
        # platform and enabling teams or hiring them.
        p_leave = wf.attrition_probability(
            self.morale,
            felt_pressure,
            wr.weekly_hazard,
            wr.attrition_morale,
            wr.attrition_pressure,
            wr.normal_pressure,
        )
        p_leave = 1.0 - (1.0 - p_leave) * (1.0 - lever["people_loss"][:, None])
        p_leave_base = -math.expm1(-wr.weekly_hazard)
        leavers = wf.draw_leavers(self.engine.keys, self.engine.ctr, np.floor(self.people() + 1e-9), p_leave)
        headcount_before = np.maximum(self.people(), 1e-9)
        experienced_left = wf.leave(self.experienced, self.cohorts, leavers)
        # Experienced leavers take what they knew of the system with them.
        self.skill *= 1.0 - wr.knowledge_loss * np.minimum(experienced_left / headcount_before, 1.0)
        # Coaches leave at the base rate (their morale is not followed).
        self.enabling *= (1.0 - p_leave_base) * (1.0 - lever["people_loss"])
        self._staff(lever)

        # 7. Business units judge IT by their own experience: how long their requests wait and
        # how often their teams' changes fail.
        wait = self._per_unit(self.backlog_age[:, :s]) / self._teams_per_unit
        deploys, failures = self._per_unit(out[Out.DEPLOYS][:, :s]), self._per_unit(out[Out.FAILURES][:, :s])
        failure_rate = np.where(deploys > 0, failures / np.maximum(deploys, 1.0), 0.0)
        felt = (1.0 - o.failure_distrust * failure_rate) / (1.0 + wait / o.tolerable_wait_days)
        self.trust += (felt - self.trust) * (1.0 - math.exp(-1.0 / o.trust_weeks))

        # 1'. What leadership will see next week: features delivered and features requested, delayed.
        seen = lead.smoothing(lr.perception_weeks)
        self.seen_delivered = lead.perceive(self.seen_delivered, out[Out.FINISHED_FEATURE].sum(axis=1), seen)
        self.seen_demand = lead.perceive(self.seen_demand, rates[:, :, Kind.FEATURE].sum(axis=1), seen)

        # 8. Value and cost.
        delivered = out[Out.VALUE_DELIVERED].sum(axis=1) + self.innovation_stream
        headcount = people.sum(axis=1) + self.enabling
        cost = headcount * o.cost_per_person_week + out[Out.RESTORED].sum(axis=1) * o.cost_per_incident
        self.week += 1
        measures = dict(zip(OUT, out, strict=True))
        measures.update(
            {
                "onboarding": onboarding,
                "coordination": coordination,
                "leavers": leavers,
                "joined": joined,
                "arrived_feature": rates[:, :, Kind.FEATURE].sum(axis=1),
                "morale": self._people_mean(self.morale),
                "debt_ratio": (cap.effort(self.debt, c.debt_doubling) - 1.0)[:, :s].mean(axis=1),
                "cognitive_load": (effort / cap.effort(self.debt, c.debt_doubling) - 1.0)[:, :s].mean(axis=1),
                "headcount": headcount,
                "pressure": self.pressure.copy(),
                "improvement": self.improvement.copy(),
                "days_all": all_days.sum(axis=1),
                "days_work": work_days.sum(axis=1),
                "days_improvement": (improve_days + programme_days).sum(axis=1),
                "days_experiments": experiment_days.sum(axis=1),
                "experiments": experiments,
                "innovations": innovations,
                "value_innovation": self.innovation_stream.copy(),
                "innovation": self.innovation.copy(),
                "partnership": self.partnership.copy(),
                "clarity": self.clarity.copy(),
                "perceived_gap": gap,
                "value": delivered,
                "cost": cost,
                "net_value": delivered - cost,
                "trust": self.trust.mean(axis=1),
                "debt": self.debt[:, :s].mean(axis=1),
                "practice": self._people_mean(self.practice),
                "skill": self._people_mean(self.skill),
                "standards": self.standards.copy(),
                "safety": self._people_mean(self.safety),
                "self_service": self.self_service.copy(),
                "theatre": lever["theatre"].copy(),  # reported alignment it buys; it changes nothing real
                # Per engine team (stream-aligned, then platform), for the per-team records.
                "per_team": {
                    "people": self.people(),
                    "skill": self.skill.copy(),
                    "practice": self.practice.copy(),
                    "debt_ratio": cap.effort(self.debt, c.debt_doubling) - 1.0,
                    "safety": self.safety.copy(),
                    "morale": self.morale.copy(),
                    "adoption": np.where(self.is_stream, self.self_service[:, None], 0.0),
                    "cognitive_load": effort / cap.effort(self.debt, c.debt_doubling) - 1.0,
                    "coached": coached,
                },
            }
        )
        return measures

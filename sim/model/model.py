"""The layered IT organisation as a Mesa model; one step is one week.

A week is :meth:`sim.model.organisation.Organisation.step`: leadership decides,
people join and leave, teams split their time and work their items through
their queues (:mod:`sim.model.flow`), capabilities follow, business units judge
IT. Around it the model holds the plan (:class:`~sim.model.programmes.Programmes`,
the interventions leadership keeps or abandons and the shocks), and the weekly
record (:class:`~sim.model.record.WeeklyRecord`).

State of many agents lives in numpy arrays on the organisation; the Mesa
agents (:mod:`sim.model.agents`) are views onto them.

One model can hold a batch of independent *worlds*: runs of the same
organisation, parameters and horizon that differ in seed, interventions and
shocks. Every array has the world as its first axis, so a week of forty runs
costs about as many calls as a week of one. Every random draw comes from a
counter-based stream of its own world, team and kind (:mod:`sim.model.flow.rng`),
so a run's numbers do not depend on the batch it is in.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from sim.model.agents import BusinessUnit, EnablingTeam, Leadership, PlatformTeam, StreamAlignedTeam
from sim.model.batches import batch_shape, ever_staffed, platform_teams
from sim.model.levers import LEVER_INDEX
from sim.model.organisation import Organisation, Setup
from sim.model.params import Config
from sim.model.programmes import Programmes
from sim.model.record import WeeklyRecord


class OrgModel(mesa.Model):
    """An IT organisation of business units, leadership and teams, stepped week by week.

    Args:
        config: The validated run configuration (organisation, parameters,
            interventions, shocks, seed, horizon), or several that differ only
            in seed, interventions and shocks, to run as a batch of worlds.

    Attributes:
        week: The week last simulated (0 before the first step).
        configs: One configuration per world.
        organisation: The state of every world and the week's rules.
        plan: The worlds' programmes and shocks.
        recorder: Weekly organisation metrics and sparse per-team records.

    Raises:
        ValueError: The configurations differ in more than seed, interventions
            and shocks.
    """

    def __init__(self, config: Config | Sequence[Config]) -> None:
        configs = (config,) if isinstance(config, Config) else tuple(config)
        if not configs or any(batch_shape(c) != batch_shape(configs[0]) for c in configs[1:]):
            raise ValueError(
                "a batch needs one or more configurations that differ only in seed, intervention and shock"
            )
        super().__init__(rng=configs[0].seed)
        self.configs = configs
        self.config = configs[0]
        org, params = self.config.org, self.config.params
        self.week = 0
        self.n_worlds = len(configs)
        self.n_teams = org.teams
        setup = Setup.from_org(org, platform_teams(self.config), params)
        self.organisation = Organisation(setup, [c.seed for c in configs], params)
        self.plan = Programmes(
            org.levers,
            [(list(c.intervention.values()), list(c.shock.values())) for c in configs],
            self.config.weeks,
            org.teams,
        )
        o = self.organisation
        self.recorder = WeeklyRecord(
            self.n_worlds,
            self.config.weeks,
            setup.stream,
            o.units,
            o.structure.unit_of,
            o.teams,
            self.config.record.team_every,
        )
        baseline = Programmes(org.levers, [([], [])] * self.n_worlds, 1, org.teams).levers(0)
        # Warm-up on the baseline levers, so that week 1 starts from where the organisation's
        # habits take its queues, people and stocks rather than from empty.
        for _ in range(params.warmup_weeks):
            self.recorder.warm(o.step(baseline))
        self._add_agents(setup)
        self.running = True

    def _add_agents(self, setup: Setup) -> None:
        """Create the agents of every world: leadership, business units, and every team."""
        enabling = any(ever_staffed(c, "enabling_capacity") for c in self.configs)
        for world in range(self.n_worlds):
            Leadership(self, 0, world)
            for i in range(self.organisation.units):
                BusinessUnit(self, i, world)
            for i in range(setup.stream):
                StreamAlignedTeam(self, i, world)
            for i in range(setup.platform):
                PlatformTeam(self, i, world, team=setup.stream + i)
            if enabling:
                EnablingTeam(self, 0, world)

    @property
    def levers(self) -> np.ndarray:
        """The plan's levers, ``(worlds, weeks, levers)``, as planned (before leadership abandons any programme)."""
        return self.plan.planned()[0]

    @property
    def spend(self) -> np.ndarray:
        """The plan's spend, ``(worlds, weeks)`` in thousands, as planned."""
        return self.plan.planned()[1]

    def step(self) -> None:
        """Advance the organisation by one week and record it."""
        week = self.week  # 0-based in the plan
        levers = self.plan.levers(week)
        measures = self.organisation.step(levers)
        spend = self.plan.spend(week)
        # In place: the named measures are views of the stacked ones the record reads.
        measures["cost"] += spend
        measures["net_value"] -= spend
        measures["programmes_abandoned"] = self.plan.review(
            week, self.organisation.seen_delivered, levers[:, LEVER_INDEX["patience_weeks"]]
        )
        self.recorder.add(measures)
        self.week += 1
        # Mesa's controllers (and batch runners) stop stepping a model that is not running.
        self.running = self.week < self.config.weeks

"""The layered IT organisation as a Mesa model; one step is one week.

A week runs the named mechanisms of ``sim.model.mechanisms`` (listed there, each
with the feedback loops of ``docs/model.md`` it takes part in), which hold the
arithmetic, compiled. The model holds what they work on and what is not
arithmetic: the state, the levers and the staffing they set, the Mesa agents
and the random draws.

State of many agents lives in numpy arrays (``self.team``, ``self.bu``,
``self.platform``, ``self.enabling``); Mesa agents are views onto them.

One model can hold a batch of independent *worlds*: runs of the same
organisation, parameters and horizon that differ in seed, interventions and
shocks. Every array has the world as its first axis (team state ``(worlds,
teams)``, organisation state ``(worlds, 1)``), so a week of forty runs costs
about as many calls as a week of one. Each world draws from its own
generator seeded by its own configuration, in the same order as a run on its
own, so a run's numbers do not depend on the batch it is in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import mesa
import numpy as np

from sim.model import mechanisms
from sim.model.agents import BusinessUnit, EnablingTeam, PlatformTeam, StreamAlignedTeam
from sim.model.batches import batch_shape
from sim.model.levers import LEVER_INDEX, LEVER_NAMES, schedule
from sim.model.metrics import Recorder
from sim.model.params import Config


class OrgModel(mesa.Model):
    """An IT organisation of business units and teams, stepped week by week.

    Args:
        config: The validated run configuration (organisation, parameters,
            interventions, shocks, seed, horizon), or several that differ only
            in seed, interventions and shocks, to run as a batch of worlds.

    Attributes:
        week: The week last simulated (0 before the first step).
        configs: One configuration per world.
        levers: Lever table of shape ``(worlds, weeks, n_levers)`` after
            interventions.
        spend: Intervention spend, shape ``(worlds, weeks)``.
        team: Stream-aligned teams' state by name, ``(worlds, teams)`` each:
            views onto the rows of ``team_state``, which ``sim.model.mechanisms``
            updates in place (the agents read and write them).
        bu: Business units' state by name, ``(worlds, units)``; views onto
            ``unit_state``.
        org: Organisation-level state by name, ``(worlds, 1)``; views onto
            ``org_state``.
        week_values: The last week's quantities by name; views onto
            ``week_state`` and ``week_org``.
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
        self.rngs = [self.rng, *(np.random.default_rng(c.seed) for c in configs[1:])]
        self.p = self.config.params
        org = self.config.org
        self.week = 0
        self.n_worlds = len(configs)
        self.n_teams = org.teams
        self.n_bu = max(1, math.ceil(org.teams / org.teams_per_business_unit))
        tables = [
            schedule(
                org.levers,
                [*c.intervention.values(), *c.shock.values()],
                c.weeks,
                cost_per_week_unit=org.teams,
            )
            for c in configs
        ]
        self.levers = np.stack([levers for levers, _ in tables])
        self.spend = np.stack([spend for _, spend in tables])
        baseline = schedule(org.levers, [], 1, cost_per_week_unit=0)[0]
        self.baseline_levers = np.repeat(baseline, self.n_worlds, axis=0)
        self._cache: dict = {}  # see _set_levers and _coached
        self.params = mechanisms.params_record(self.p)
        self._init_state()
        self._set_levers(self.baseline_levers)
        for world in range(self.n_worlds):
            for i in range(self.n_bu):
                BusinessUnit(self, i, world)
            for i in range(self.n_teams):
                StreamAlignedTeam(self, i, world)
        self.platform: dict[str, np.ndarray] = {"people": np.zeros((self.n_worlds, 0))}
        self.enabling: dict[str, np.ndarray] = {"people": np.zeros((self.n_worlds, 0))}
        self._staffed = {key: np.full(self.n_worlds, np.nan) for key in ("platform", "enabling")}
        self._staffed_levers: bytes | None = None
        self._support_agents: dict[str, list[list[mesa.Agent]]] = {
            key: [[] for _ in range(self.n_worlds)] for key in ("platform", "enabling")
        }
        self._staff_support()
        # Start near the organisation's working state, with each team's demand set from its capacity.
        mechanisms.start_state(
            self.params,
            self.lever_stack,
            self.team_state,
            self.unit_state,
            self.org_state,
            self.week_state,
            self.week_org,
            self.units,
            float(self.config.org.load),
        )
        self.teams_per_bu = np.bincount(self.units, minlength=self.n_bu).astype(float)
        self.bu["requested"][:] = mechanisms.by_unit(self.units, self.n_bu, self.team["demand_rate"])
        # Burn-in at the baseline levers, so week 1 starts from the organisation's
        # working state (queues, unplanned work, morale) rather than an empty one.
        for week in range(1 - self.p.warmup_weeks, 1):
            self.week = week
            self._advance(self.baseline_levers)
        self.week = 0
        self.recorder = Recorder(self, self.config.weeks, self.config.record.team_every)
        self.running = True

    # ------------------------------------------------------------------ setup
    def _normal(self) -> np.ndarray:
        """One standard normal per team in each world, from that world's generator."""
        if self.n_worlds == 1:  # the same draws as the loop, without its cost
            return self.rng.standard_normal((1, self.n_teams))
        out = np.empty((self.n_worlds, self.n_teams))
        for rng, row in zip(self.rngs, out, strict=True):
            rng.standard_normal(out=row)
        return out

    def _poisson(self, lam: np.ndarray) -> np.ndarray:
        """Poisson counts row by row, each world from its own generator."""
        if self.n_worlds == 1:  # the same draws as the loop, without its cost
            return self.rng.poisson(lam)
        out = np.empty(lam.shape, dtype=np.int64)
        for rng, row, counts in zip(self.rngs, lam, out, strict=True):
            counts[:] = rng.poisson(row)
        return out

    def _init_state(self) -> None:
        org, p = self.config.org, self.p
        n, layers, worlds = self.n_teams, org.layers, self.n_worlds

        def around(level: float) -> np.ndarray:
            return np.clip(level + org.spread * self._normal(), 0.0, 1.0)

        def views(names: Sequence[str], columns: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
            stack = np.zeros((len(names), worlds, columns))
            return stack, dict(zip(names, stack, strict=True))

        # The state lives in stacked arrays (see sim.model.mechanisms); the dicts name their rows.
        self.units = np.arange(n) % self.n_bu
        self.team_state, self.team = views(mechanisms.TEAM, n)
        self.unit_state, self.bu = views(mechanisms.UNIT, self.n_bu)
        self.org_state, self.org = views(mechanisms.ORG, 1)
        self.week_state, self.week_values = views(mechanisms.WEEK, n)
        self.week_org, week_org = views(mechanisms.WEEK_ORG, 1)
        self.week_values.update(week_org)
        t = self.team
        t["people"][:] = org.team_size
        t["skill"][:] = around(layers.talent)
        t["practice"][:] = around(layers.execution)
        t["debt"][:] = (
            np.clip(org.debt * (1.0 + org.spread * self._normal()), 0, None) * t["people"] * p.debt_scale
        )
        t["safety"][:] = around(layers.culture)
        t["morale"][:] = p.morale_base
        self.team["business_unit"] = np.broadcast_to(self.units, (worlds, n))
        self.bu["trust"][:] = layers.partnership
        self.bu["satisfaction"][:] = 1.0
        for name, level in (
            ("partnership", layers.partnership),
            ("perceived", layers.partnership),
            ("clarity", layers.strategy),
            ("standards", layers.architecture),
            ("climate", layers.culture),
            ("capability", layers.innovation),
        ):
            self.org[name][:] = level

    # ------------------------------------------------------------- structure
    def _staff_support(self) -> None:
        """Create or retire platform and enabling teams to match the levers, world by world."""
        if self._staffed_levers == self._lever_key:  # staffing follows the levers alone
            return
        self._staffed_levers = self._lever_key
        size = self.p.support_team_size
        for key, cls, lever in (
            ("platform", PlatformTeam, "platform_capacity"),
            ("enabling", EnablingTeam, "enabling_capacity"),
        ):
            wanted = np.ravel(self.lv[lever]) * self.n_teams
            changed = np.flatnonzero(wanted != self._staffed[key])
            if not changed.size:
                continue
            self._staffed[key][changed] = wanted[changed]
            rows = []
            for world in range(self.n_worlds):
                count = math.ceil(wanted[world] / size - 1e-9)
                people = np.full(count, float(size))
                if count:
                    people[-1] = wanted[world] - size * (count - 1)
                rows.append(people)
                agents = self._support_agents[key][world]
                if count != len(agents):
                    for agent in agents:
                        agent.remove()
                    agents[:] = [cls(self, i, world) for i in range(count)]
            table = np.zeros((self.n_worlds, max(len(r) for r in rows)))
            for world, people in enumerate(rows):
                table[world, : len(people)] = people
            getattr(self, key)["people"] = table

    def _coached(self) -> np.ndarray:
        """Which stream-aligned teams an enabling team coaches this week (0/1)."""
        rotation = (self.week - 1) // self.p.coaching_weeks
        # Enabling teams are staffed from the levers alone (_staff_support).
        key = ("coached", rotation, self._lever_key)
        if key not in self._cache:
            n = self.n_teams
            people = self.enabling["people"].sum(axis=1)
            covered = np.minimum(n, np.rint(people * self.p.teams_per_coach))
            first = np.reshape((rotation * covered) % n, (-1, 1))
            self._cache[key] = (((np.arange(n) - first) % n) < np.reshape(covered, (-1, 1))).astype(float)
        return self._cache[key]

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance the organisation by one week and record it."""
        self.week += 1
        w = self._advance(self.levers[:, self.week - 1])
        self.recorder.collect(self, w)
        # Mesa's controllers (and batch runners) stop stepping a model that is not running.
        self.running = self.week < self.config.weeks

    def _set_levers(self, rows: np.ndarray) -> None:
        """Take the week's levers: by name, and stacked as ``sim.model.mechanisms`` reads them.

        Levers stay put between an intervention's phases, so both are made
        once per distinct set of levers.
        """
        self._lever_key = rows.tobytes()
        key = ("levers", self._lever_key)
        if key not in self._cache:
            columns = np.ascontiguousarray(rows.T)[:, :, None]  # (levers, worlds, 1)
            self._cache[key] = (
                dict(zip(LEVER_NAMES, columns, strict=True)),
                columns[[LEVER_INDEX[name] for name in mechanisms.LEVERS]],
            )
        self.lv, self.lever_stack = self._cache[key]

    def _advance(self, levers: np.ndarray) -> dict[str, np.ndarray]:
        """Run every mechanism for one week under the given levers; return the week's values by name.

        The week is three compiled calls (``sim.model.mechanisms``) around the draws:
        requests, leavers and hires, then each team's capacity noise, then
        failed deploys, background incidents and shipped experiments.
        """
        self._set_levers(levers)
        self._staff_support()
        state = (self.params, self.lever_stack, self.team_state)
        week = (self.week_state, self.week_org)
        team_size = float(self.config.org.team_size)
        rates = mechanisms.start_week(*state, self.unit_state, self.org_state, *week, self.units, team_size)
        counts, normal = self._poisson(rates), self._normal()
        rates = mechanisms.mid_week(*state, self.org_state, *week, counts, normal, team_size)
        self.week_values["coached"] = self._coached()
        mechanisms.end_week(
            *state,
            self.unit_state,
            self.org_state,
            *week,
            self._poisson(rates),
            self.units,
            self.teams_per_bu,
            self.week_values["coached"],
            self.platform["people"],
        )
        return self.week_values

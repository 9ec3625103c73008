"""The layered IT organisation as a Mesa model; one step is one week.

The step is a sequence of named mechanisms, each a method below, that together
make the feedback loops of ``docs/model.md``:

* ``_draw_arrivals_and_people``  demand arrivals; burnout and attrition (leavers, hiring)
* ``_capacity``     work harder, burnout (via morale), platform leverage (load)
* ``_allocate``     capability trap (pressure crowds out improvement), firefighting
* ``_flow``         demand, backlog, WIP, context switching, queueing
* ``_quality``      deploys, change failures, incidents, restore; firefighting
* ``_debt``         debt accrual and paydown
* ``_learning``     work smarter, learning culture, enabling teams
* ``_culture``      safety and the blame response to firefighting
* ``_people``       morale, attrition, hiring and ramp-up (burnout and attrition)
* ``_platform``     platform maturity, adoption, architecture standards
* ``_business``     value, trust, shadow IT, partnership, strategy, theatre
* ``_innovation``   experiments and innovations

State of many agents lives in numpy arrays (``self.team``, ``self.bu``,
``self.platform``, ``self.enabling``); Mesa agents are views onto them.

One model can hold a batch of independent *worlds*: runs of the same
organisation, parameters and horizon that differ in seed, interventions and
shocks. Every array has the world as its first axis (team state ``(worlds,
teams)``, organisation state ``(worlds, 1)``), so a week of forty runs costs
about as many numpy calls as a week of one. Each world draws from its own
generator seeded by its own configuration, in the same order as a run on its
own, so a run's numbers do not depend on the batch it is in.

At a dozen teams a week costs a few hundred numpy calls of about a microsecond
each, so the code avoids calls rather than elements: constants in array
expressions are written as floats (``1.0 - x``; NumPy takes a slower path for a
Python int operand), and what follows from the levers alone is worked out once
per distinct set of levers (``_memo``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import mesa
import numpy as np

from sim.agents import BusinessUnit, EnablingTeam, PlatformTeam, StreamAlignedTeam
from sim.batches import batch_shape
from sim.levers import LEVER_NAMES, schedule
from sim.metrics import Recorder
from sim.params import Config

DAYS_PER_WEEK = 7.0


def clip01(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Clip to [0, 1]; two ufunc calls cost a third of ``np.clip`` on small arrays."""
    return np.minimum(np.maximum(x, 0.0, out=out), 1.0, out=out)


def hill(x: np.ndarray, exponent: float, half: float, height: float) -> np.ndarray:
    """Return a Hill curve of ``x``, normalised to rise from 0 at ``x = 0`` to ``height`` at ``x = 1``.

    ``x^n / (x^n + half^n)``, scaled by ``1 + half^n``: about halfway up at
    ``x = half`` and levelling off above it; a large ``half`` gives back ``x^n``.
    """
    rise = x**exponent
    h = half**exponent
    return (height * (1.0 + h)) * rise / (rise + h)


def _clip01_float(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def _sum_rows(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=1, keepdims=True)


def _sum_all(x: np.ndarray) -> float:
    return x.sum()


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
        self._cache: dict = {}  # see _memo and _coached
        # Organisation-level values and levers are (worlds, 1) columns in a batch and
        # plain floats in a single run, where a float operation costs ~40 ns against
        # ~1 us for a (1, 1) array. These three work on either.
        one = self.n_worlds == 1
        self._sum = _sum_all if one else _sum_rows  # over the last axis (teams, units), per world
        self._clip = _clip01_float if one else clip01
        self._min = min if one else np.minimum
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
        self.demand_rate = self._calibrate_demand()
        self.teams_per_bu = np.bincount(self.units, minlength=self.n_bu)
        (self.requested_per_bu,) = self._by_unit(self.demand_rate)
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

    def _by_unit(self, *xs: np.ndarray) -> np.ndarray:
        """Sum ``(worlds, teams)`` arrays over the teams of each business unit, in one call.

        Returns:
            Shape ``(len(xs), worlds, units)``.
        """
        size, key = self.n_worlds * self.n_bu, ("units", len(xs))
        if key not in self._cache:
            self._cache[key] = (self._unit_index + size * np.arange(len(xs))[:, None]).ravel()
        sums = np.bincount(self._cache[key], np.ravel(xs), minlength=len(xs) * size)
        return sums.reshape(len(xs), self.n_worlds, self.n_bu)

    def _init_state(self) -> None:
        org, p = self.config.org, self.p
        n, layers, shape = self.n_teams, org.layers, (self.n_worlds, 1)

        def around(level: float) -> np.ndarray:
            return np.clip(level + org.spread * self._normal(), 0.0, 1.0)

        def full(value: float) -> np.ndarray | float:
            return value if self.n_worlds == 1 else np.full(shape, value)

        self.units = np.arange(n) % self.n_bu
        self._unit_index = (self.units + self.n_bu * np.arange(self.n_worlds)[:, None]).ravel()
        people = np.full((self.n_worlds, n), float(org.team_size))
        zeros = np.zeros_like(people)
        self.team: dict[str, np.ndarray] = {
            "business_unit": np.broadcast_to(self.units, people.shape),
            "people": people,
            "novices": zeros.copy(),
            "skill": around(layers.talent),
            "practice": around(layers.execution),
            "debt": np.clip(org.debt * (1.0 + org.spread * self._normal()), 0, None) * people * p.debt_scale,
            "safety": around(layers.culture),
            "morale": np.full_like(people, p.morale_base),
            "backlog": zeros.copy(),
            "wip": zeros.copy(),
            "adoption": zeros.copy(),
            "lessons": zeros.copy(),
            "unplanned": zeros.copy(),
            "throughput": zeros.copy(),
        }
        self.bu: dict[str, np.ndarray] = {
            "trust": np.full((self.n_worlds, self.n_bu), layers.partnership),
            "shadow": np.zeros((self.n_worlds, self.n_bu)),
            "satisfaction": np.ones((self.n_worlds, self.n_bu)),
        }
        self.partnership = full(layers.partnership)
        self.perceived = full(layers.partnership)
        self.theatre_stock = full(0.0)
        self.clarity = full(layers.strategy)
        self.standards = full(layers.architecture)
        self.climate = full(layers.culture)
        self.platform_maturity = full(0.0)
        self.capability = full(layers.innovation)
        self.innovation_stream = full(0.0)

    def _calibrate_demand(self) -> np.ndarray:
        """Start near the organisation's working state and set demand from its capacity.

        WIP starts at the WIP limit (scaled by the load), morale at its target
        without firefighting, and each team's demand is the organisation's
        load times the feature throughput it would have in that state.
        """
        t = self.team
        w = self._week_context()
        t["wip"] = self._wip_limit(w) * min(self.config.org.load, 1.0)
        t["morale"] = self._morale_target(np.zeros_like(t["wip"]), np.zeros_like(t["wip"]))
        self._capacity(w, noise=1.0)
        features = w["capacity"] * (1.0 - self._improve_share() - self.lv["transform_share"])
        throughput = features * self._efficiency(w) / w["effort"]
        t["throughput"] = throughput
        return self.config.org.load * throughput

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

    # ------------------------------------------------------------- helpers
    def _productive_people(self) -> np.ndarray:
        t, p = self.team, self.p
        experienced = t["people"] - t["novices"]
        return np.maximum(
            experienced - p.mentor_cost * t["novices"] + p.novice_productivity * t["novices"],
            0.1,
        )

    def _improve_share(self) -> np.ndarray:
        """Share of capacity for improvement: budget plus programmes, crowded out by pressure."""
        p, lv = self.p, self.lv
        share = self._memo(
            "improve_share",
            lambda: self._min(
                lv["improve_share"] * lv["budget"]
                + p.invest_time
                * (
                    lv["architecture_investment"]
                    + lv["practice_investment"]
                    + lv["training"]
                    + lv["culture_investment"]
                ),
                p.max_improve,
            ),
        )
        return share * (1.0 - p.pressure_crowding * self.pressure)

    def _debt_norm(self) -> np.ndarray:
        t = self.team
        return t["debt"] / (t["people"] * self.p.debt_scale)

    def _exec_eff(self, arch_q: np.ndarray) -> np.ndarray:
        """Effective delivery practice: practice whose payoff the architecture caps."""
        floor = self.p.arch_gate_floor
        return self.team["practice"] * (floor + (1.0 - floor) * arch_q)

    def _effort(self, exec_eff: np.ndarray, debt_norm: np.ndarray) -> np.ndarray:
        """Effort of a change: debt drags, skill, automation and the platform speed it up."""
        t, p = self.team, self.p
        skill = p.skill_floor + (1.0 - p.skill_floor) * t["skill"]
        return (
            p.effort_base
            * (1.0 + p.debt_drag * debt_norm)
            / skill
            / (1.0 + p.automation_gain * exec_eff)
            / (1.0 + p.platform_speedup * t["adoption"])
        )

    def _focus(self) -> np.ndarray:
        drag = self._memo("focus", lambda: self.p.priority_drag * (self.lv["priorities"] - 1.0))
        return 1.0 / (1.0 + drag * (1.0 - self.clarity))

    def _week_context(self) -> dict:
        """Quantities every mechanism of the week reads, from the state at its start."""
        debt_norm = self._debt_norm()
        arch_q = self.standards / (1.0 + debt_norm)
        ex = self._exec_eff(arch_q)
        return {
            "debt_norm": debt_norm,
            "arch_q": arch_q,
            "exec": ex,
            "effort": self._effort(ex, debt_norm),
            "focus": self._focus(),
            "shadow": self.bu["shadow"][:, self.units],
        }

    def _wip_limit(self, w: dict) -> np.ndarray:
        """WIP limit in changes: weeks of work per person, shrinking with practice, growing with pressure and lost focus."""
        p = self.p
        # Geometric interpolation: wip_max with no practice, wip_min with full practice.
        accepted = self._memo("wip_accept", lambda: p.wip_max * (1.0 + self.lv["wip_accept"]))
        weeks_per_person = (p.wip_min / p.wip_max) ** w["exec"] * (
            accepted * (1.0 + p.wip_fragmentation * (1.0 - w["focus"]))
        )
        return self.team["people"] / w["effort"] * weeks_per_person

    def _efficiency(self, w: dict) -> np.ndarray:
        """Share of feature time that is not lost to context switching and fragmented work."""
        p = self.p
        wip_pp = self.team["wip"] * w["effort"] / self.team["people"]
        return 1.0 / (
            1.0 + p.switch_cost * np.maximum(wip_pp - 1.0, 0.0) + p.fragmentation_cost * (1.0 - w["focus"])
        )

    def _morale_target(self, firefight: np.ndarray, overload: np.ndarray) -> np.ndarray:
        p = self.p
        base = (
            p.morale_base
            - p.morale_pressure * self.pressure
            - p.morale_disruption * self.lv["disruption"]
            - 0.5 * p.morale_safety
        )
        return clip01(
            base
            + p.morale_safety * self.team["safety"]
            - p.morale_firefight * firefight
            - p.morale_load * overload
        )

    # ------------------------------------------------------------------ step
    def step(self) -> None:
        """Advance the organisation by one week and record it."""
        self.week += 1
        w = self._advance(self.levers[:, self.week - 1])
        self.recorder.collect(self, w)
        # Mesa's controllers (and batch runners) stop stepping a model that is not running.
        self.running = self.week < self.config.weeks

    def _set_levers(self, rows: np.ndarray) -> None:
        # One (worlds, 1) column per lever in a batch, so that levers broadcast against
        # team arrays; floats in a single run. Levers stay put between an intervention's
        # phases, so what follows from them alone is worked out once per distinct set
        # of levers (see _memo).
        self._lever_key = rows.tobytes()
        self.lv: dict[str, np.ndarray | float] = self._memo("levers", lambda: self._lever_columns(rows))
        # Leadership answers a delivery gap with pressure: the capability trap's closing link.
        gap = 1.0 - self._sum(self.bu["satisfaction"]) / self.n_bu
        self.pressure = self._clip(self.lv["pressure"] + self.p.gap_pressure * gap)

    def _lever_columns(self, rows: np.ndarray) -> dict[str, np.ndarray | float]:
        """Return the week's levers by name: floats in a single run, (worlds, 1) columns in a batch."""
        if self.n_worlds == 1:
            return dict(zip(LEVER_NAMES, rows[0].tolist(), strict=True))
        return dict(zip(LEVER_NAMES, np.ascontiguousarray(rows.T)[:, :, None], strict=True))

    def _memo(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per distinct set of levers: for what follows from the levers alone."""
        key = (name, self._lever_key)
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _advance(self, levers: np.ndarray) -> dict:
        """Run every mechanism for one week under the given levers."""
        self._set_levers(levers)
        self._staff_support()
        w = self._week_context()
        self._draw_arrivals_and_people(w)
        self._capacity(w)
        self._allocate(w)
        self._flow(w)
        self._quality(w)
        self._debt(w)
        self._learning(w)
        self._culture(w)
        self._people(w)
        self._platform(w)
        self._business(w)
        self._innovation(w)
        return w

    def _draw_arrivals_and_people(self, w: dict) -> None:
        """Draw the week's requests, leavers and hires, whose rates the state at its start sets.

        One Poisson call for all three (numpy's per-call overhead dominates at
        small sizes). Leavers follow last week's morale; hires fill the
        vacancies open at the start of the week, so leavers are replaced with
        a lag, as in life.
        """
        t, p, n = self.team, self.p, self.n_teams
        requested = self.demand_rate * self.lv["demand"]
        rate = np.minimum(
            p.attrition_base * np.exp(p.attrition_morale * (p.morale_base - t["morale"]))
            + self.lv["people_loss"],
            1.0,
        )
        vacancies = np.maximum(self.config.org.team_size * self.lv["headcount"] - t["people"], 0.0)
        hiring = vacancies / p.time_to_hire * self._min(self.lv["budget"], 1.0)
        counts = self._poisson(
            np.concatenate((requested * (1.0 - w["shadow"]), t["people"] * rate, hiring), axis=1)
        )
        w["arrivals"] = counts[:, :n]
        w["diverted"] = requested * w["shadow"]
        w["leavers"] = np.minimum(counts[:, n : 2 * n], t["people"] - 1.0)
        w["hires"] = np.minimum(counts[:, 2 * n :], np.rint(vacancies))

    def _capacity(self, w: dict, noise: float | None = None) -> None:
        """Capacity in person-weeks: people, ramp-up, overtime, cognitive load, morale.

        Capacity varies from week to week by a lognormal factor per team, drawn
        here unless ``noise`` fixes it (1.0 while calibrating demand).
        """
        t, p = self.team, self.p
        if noise is None:
            noise = np.exp(p.capacity_noise * self._normal())
        handoffs, tooling, reorg, theatre = self._memo(
            "capacity",
            lambda: (
                p.load_handoff * (1.0 - self.lv["stream_alignment"]),
                p.load_tooling * self.lv["tooling"],
                1.0 - p.reorg_disruption * self.lv["disruption"],
                1.0 - p.theatre_time * self.lv["theatre"],
            ),
        )
        dn = w["debt_norm"]
        wip_pp = t["wip"] * w["effort"] / t["people"]
        load = (
            p.load_base
            + p.load_debt * dn
            + p.load_wip * np.maximum(wip_pp - 1.0, 0.0)
            + handoffs
            + tooling * (1.0 - t["skill"])
        ) * (1.0 - p.platform_relief * t["adoption"])
        w["overload"] = np.maximum(load - 1.0, 0.0)
        w["load"] = load
        hours = (1.0 + p.overtime_gain * self.pressure) * reorg * theatre
        w["capacity"] = (
            self._productive_people()
            * (p.morale_floor + (1.0 - p.morale_floor) * t["morale"])
            * noise
            * hours
            / (1.0 + p.overload_penalty * w["overload"])
        )

    def _allocate(self, w: dict) -> None:
        """Split capacity: unplanned first, then improvement, experiments, features."""
        t, p = self.team, self.p
        cap = w["capacity"]
        unplanned = np.minimum(t["unplanned"], p.max_unplanned * cap)
        rest = cap - unplanned
        demand_effort = self.demand_rate * self.lv["demand"] * w["effort"]
        w["utilisation"] = (demand_effort + t["unplanned"]) / cap
        slack = clip01(1.0 - w["utilisation"])
        w["unplanned"] = unplanned
        w["improvement"] = rest * self._improve_share()
        transform = self.lv["transform_share"] * self.lv["budget"]
        w["experiments"] = rest * transform * (p.slack_floor + (1.0 - p.slack_floor) * slack) * t["safety"]
        w["features"] = np.maximum(rest - w["improvement"] - w["experiments"], 0.0)

    def _flow(self, w: dict) -> None:
        """Demand into backlog, backlog into WIP under a WIP limit, WIP into done."""
        t, p = self.team, self.p
        arrivals = w["arrivals"]
        churn = self.lv["strategy_churn"]
        abandon = churn + p.churn_base * (1.0 - self.partnership)
        t["backlog"] = (t["backlog"] + arrivals) * (1.0 - churn)
        t["wip"] *= 1.0 - self._min(abandon, 1.0)
        wip_limit = self._wip_limit(w)
        potential = w["features"] * self._efficiency(w) / w["effort"]
        # Teams start what they can finish this week plus what tops up the WIP limit;
        # pressure raises the limit, so more is started than finished and WIP piles up.
        starts = np.minimum(t["backlog"], potential + np.maximum(wip_limit - t["wip"], 0.0))
        t["backlog"] -= starts
        done = np.minimum(t["wip"] + starts, potential)
        t["wip"] += starts - done
        # Capacity left once requested work is done goes to the team's own long tail
        # of smaller ideas, worth less than what the business asked for.
        w["tail"] = potential - done
        done = done + w["tail"]
        w["done"] = done
        w["active"] = t["wip"] + done * w["effort"]
        t["throughput"] += p.smoothing * (done - t["throughput"])

    def _quality(self, w: dict) -> None:
        """Deploys, change failures, incidents, restore times, rework and lead time."""
        t, p, n = self.team, self.p, self.n_teams
        ex, aq, skill = w["exec"], w["arch_q"], t["skill"]
        batch = p.batch_max ** (1.0 - ex)
        deploy_rate = w["done"] / batch
        lessons = t["lessons"] / (1.0 + t["lessons"])
        quality = p.q_practice * ex + p.q_arch * aq + p.q_skill * skill + p.q_lessons * lessons
        # (1 - quality) scaled up by pressure, overload and large batches (1 - exec).
        amplifier = (
            (1.0 + p.cfr_pressure * self.pressure + p.cfr_batch)
            + p.cfr_load * w["overload"]
            - p.cfr_batch * ex
        )
        risk = clip01((1.0 - quality) * amplifier)
        # Convex at first (good practice removes most failures before the last risks), saturating
        # above cfr_half (past a point, more risk adds few failures: most risky changes already fail).
        cfr = p.cfr_min + hill(risk, p.risk_exponent, p.cfr_half, p.cfr_max - p.cfr_min)
        exposure = w["debt_norm"] + p.shadow_exposure * w["shadow"]
        background_rate, handoff = self._memo(
            "quality",
            lambda: (
                p.background_incidents * (1.0 + self.lv["security_exposure"]) / self.config.org.team_size,
                p.handoff_days * (1.0 - p.handoff_alignment * self.lv["stream_alignment"]),
            ),
        )
        background = exposure * t["people"] * background_rate
        w["experiments_run"] = w["experiments"] / p.experiment_effort
        # Deploys are Poisson and each fails with probability cfr, so by thinning failed deploys
        # are Poisson(deploy_rate * cfr); one call draws them with the background incidents
        # and the experiments that ship.
        counts = self._poisson(
            np.concatenate(
                (deploy_rate * cfr, background, w["experiments_run"] * self._experiment_success(w)), axis=1
            )
        )
        failures = counts[:, :n]
        incidents = failures + counts[:, n : 2 * n]
        w["innovations"] = counts[:, 2 * n :]
        restore = p.r_practice * ex + p.r_arch * aq + p.r_skill * skill + p.r_safety * t["safety"]
        # Log time to restore falls from ttr_max (no restore capability) to ttr_min (full): slowly
        # while capability is partial, fast around ttr_half, then levelling off near ttr_min.
        ttr = np.exp(
            math.log(p.ttr_max) - hill(restore, p.ttr_shape, p.ttr_half, math.log(p.ttr_max / p.ttr_min))
        )
        t["unplanned"] = incidents * ttr * (p.incident_staff / p.hours_per_week) + failures * batch * (
            w["effort"] * p.rework_share
        )
        u = np.minimum(w["utilisation"], p.max_utilisation)
        # Little's law: changes in progress over throughput; a change then waits for its
        # batch to deploy, and queues at handoffs as u / (1 - u) (Kingman).
        # A change's own hours of work count only as lead_work_share of them: DORA's lead
        # time runs from commit to production, and the work comes before the commit.
        in_progress = (t["wip"] + p.lead_work_share * (w["active"] - t["wip"])) / np.maximum(
            t["throughput"], 1e-3
        )
        # A finished change waits for the rest of its batch: (batch - 1) / 2 completions on
        # average, none when every change deploys on its own (on demand).
        deploy_wait = np.minimum(
            0.5 * (batch - 1.0) / np.maximum(w["done"], 1e-9), p.max_wait_days / DAYS_PER_WEEK
        )
        queue = handoff * (1.0 - p.handoff_platform * t["adoption"]) * u / (1.0 - u)
        w.update(
            deploy_rate=deploy_rate,
            failures=failures,
            cfr=cfr,
            incidents=incidents,
            ttr=ttr,
            lead_time=(in_progress + deploy_wait) * DAYS_PER_WEEK + queue,
        )

    def _debt(self, w: dict) -> None:
        """Debt accrues with each change and with age; improvement time pays it down."""
        t, p = self.team, self.p
        firefight = w["unplanned"] / w["capacity"]
        per_change = (
            p.debt_per_change
            * (1.0 + p.debt_pressure * self.pressure + p.debt_firefight * firefight)
            * (1.0 - p.debt_standards * self.standards)
            * (1.0 + p.debt_skill * (1.0 - t["skill"]))
        )
        split = self._memo("split", lambda: self._improvement_split())
        w["split"] = split
        paydown = w["improvement"] * split[0] * (p.paydown_floor + (1.0 - p.paydown_floor) * self.standards)
        t["debt"] = np.maximum(
            t["debt"]
            + w["done"] * per_change
            + p.debt_entropy * t["people"]
            + p.shadow_debt * w["shadow"]
            - paydown,
            0,
        )

    def _improvement_split(self) -> tuple[np.ndarray, ...]:
        """Shares of improvement time for debt, practice, learning and culture work.

        Culture work (retrospectives, blameless reviews) takes its share of the
        time; its effect is on the climate (``_culture``), not on the other stocks.
        """
        p = self.p
        weights = (
            p.split_debt + self.lv["architecture_investment"],
            p.split_practice + self.lv["practice_investment"],
            p.split_learning + self.lv["training"],
            self.lv["culture_investment"],
        )
        total = sum(weights)
        total = np.where(total > 0, total, 1.0)
        return tuple(x / total for x in weights)

    def _learning(self, w: dict) -> None:
        """Practice and skill grow with improvement time, coaching and safety; both erode."""
        t, p = self.team, self.p
        split = w["split"]
        culture = p.safety_floor + (1.0 - p.safety_floor) * t["safety"]
        w["coached"] = self._coached()
        coached = w["coached"] * p.coach_gain
        gate = t["skill"] ** p.skill_gate
        practice_time = w["improvement"] * split[1] / t["people"] + coached
        t["practice"] += (
            p.practice_learn * practice_time * culture + p.tooling_gain * self.lv["tooling"]
        ) * gate * (1.0 - t["practice"]) - p.practice_decay * (1.0 + p.pressure_erosion * self.pressure) * t[
            "practice"
        ]
        learning_time = w["improvement"] * split[2] / t["people"] + coached + p.on_job_learning
        t["skill"] += (
            p.skill_learn * learning_time * culture * (1.0 - t["skill"]) - p.skill_decay * t["skill"]
        )
        t["lessons"] = (
            t["lessons"] * (1.0 - p.lessons_decay) + p.postmortem_gain * w["failures"] * t["safety"]
        )
        clip01(t["practice"], out=t["practice"])
        clip01(t["skill"], out=t["skill"])

    def _coached(self) -> np.ndarray:
        """Which stream-aligned teams an enabling team coaches this week (0/1)."""
        n = self.n_teams
        people = self._sum(self.enabling["people"])
        covered = self._min(n, np.rint(people * self.p.teams_per_coach))
        rotation = (self.week - 1) // self.p.coaching_weeks
        key = ("coached", rotation, np.asarray(covered).tobytes())
        if key not in self._cache:
            first = np.reshape((rotation * covered) % n, (-1, 1))
            self._cache[key] = (((np.arange(n) - first) % n) < np.reshape(covered, (-1, 1))).astype(float)
        return self._cache[key]

    def _culture(self, w: dict) -> None:
        """Culture climate grows with investment, erodes with pressure; firefighting under blame erodes safety."""
        t, p = self.team, self.p
        self.climate += (
            p.culture_rate * self.lv["culture_investment"] * (1.0 - self.climate)
            - p.culture_erosion * self.pressure * self.climate
        )
        firefight = w["unplanned"] / w["capacity"]
        t["safety"] += (
            p.safety_rate * (self.climate - t["safety"])
            - p.blame_rate * (1.0 - self.climate) * firefight * t["safety"]
        )
        clip01(t["safety"], out=t["safety"])
        w["firefight"] = firefight

    def _people(self, w: dict) -> None:
        """Morale follows pressure, firefighting, load and safety; leavers take knowledge, hires ramp up."""
        t, p = self.team, self.p
        target = self._morale_target(w["firefight"], w["overload"])
        t["morale"] += (target - t["morale"]) / p.morale_tau
        leavers, hires = w["leavers"], w["hires"]
        share_left = leavers / t["people"]
        t["skill"] *= 1.0 - np.minimum(p.knowledge_loss * share_left, 1.0)
        t["novices"] *= 1.0 - share_left
        stay = t["people"] - leavers
        t["skill"] = (t["skill"] * stay + p.novice_skill * hires) / (stay + hires)
        t["people"] = stay + hires
        t["novices"] = (t["novices"] + hires) * (1.0 - 1.0 / p.ramp_weeks)

    def _platform(self, w: dict) -> None:
        """Platform maturity is built by platform people; adoption needs standards; standards need investment."""
        t, p = self.team, self.p
        std_gate = p.standards_floor + (1.0 - p.standards_floor) * self.standards
        per_person = self._sum(self.platform["people"]) / self._sum(t["people"])
        self.platform_maturity += (
            p.platform_build * per_person * std_gate * (1.0 - self.platform_maturity)
            - p.platform_decay * self.platform_maturity
        )
        t["adoption"] += p.adoption_rate * (self.platform_maturity * std_gate - t["adoption"])
        erosion = p.standards_erosion * (self.pressure + self._sum(self.bu["shadow"]) / self.n_bu)
        self.standards += (
            p.standards_rate * self.lv["architecture_investment"] * (1.0 - self.standards)
            - erosion * self.standards
        )
        self.standards = self._clip(self.standards)

    def _business(self, w: dict) -> None:
        """Value of delivered work, business-unit trust and shadow IT, partnership, strategy and theatre."""
        p, bu = self.p, self.bu
        fit = p.fit_floor + (1.0 - p.fit_floor) * (
            p.fit_partnership * self.partnership + (1.0 - p.fit_partnership) * self.clarity * w["focus"]
        )
        team_value = (w["done"] - (1.0 - p.tail_value) * w["tail"]) * p.value_per_change * fit
        requested = self.requested_per_bu * self.lv["demand"]
        done, outage, lead = self._by_unit(w["done"] - w["tail"], w["incidents"] * w["ttr"], w["lead_time"])
        outage = outage / p.hours_per_week
        teams = self.teams_per_bu
        served = done / np.maximum(requested * (1.0 - bu["shadow"]), 1e-9)
        lead = lead / teams
        responsive = 1.0 / (1.0 + lead / p.patience_days)
        bu["satisfaction"] += p.smoothing * (np.minimum(served, 1.0) * responsive - bu["satisfaction"])
        target = clip01(
            p.trust_satisfaction * bu["satisfaction"]
            + p.trust_partnership * self.partnership
            - p.trust_incidents * outage / teams
        )
        bu["trust"] += (target - bu["trust"]) / p.trust_tau
        gap = bu["trust"] - p.shadow_threshold
        bu["shadow"] += (
            p.shadow_rate * np.maximum(-gap, 0.0) * (1.0 - bu["shadow"])
            - p.shadow_reabsorb * np.maximum(gap, 0.0) * bu["shadow"]
        )
        clip01(bu["shadow"], out=bu["shadow"])
        shadow_value = p.shadow_value * p.value_per_change * fit * self._sum(w["diverted"])

        # Reported alignment above the real thing makes leaders ease off real joint planning.
        complacency = 1.0 - p.theatre_complacency * (self.perceived - self.partnership)
        trust = self._sum(bu["trust"]) / self.n_bu
        self.partnership += (
            p.partner_rate * self.lv["governance"] * complacency * trust * (1.0 - self.partnership)
            - p.partner_decay * self.partnership
        )
        self.clarity += (
            p.clarity_rate
            * (self.lv["strategy_work"] + p.clarity_partnership * self.partnership)
            * (1.0 - self.clarity)
            - (p.clarity_decay + self.lv["strategy_churn"]) * self.clarity
        )
        self.clarity = self._clip(self.clarity)
        self.theatre_stock += (
            p.theatre_rate * self.lv["theatre"] * (1.0 - self.theatre_stock)
            - p.theatre_decay * self.theatre_stock
        )
        self.perceived = self.partnership + p.theatre_gain * self.theatre_stock * (1.0 - self.partnership)
        w["team_value"] = team_value
        w["value_it"] = self._sum(team_value)
        w["value_shadow"] = shadow_value

    def _experiment_success(self, w: dict) -> np.ndarray:
        """Chance that an experiment ships: it needs skill, safety, architecture and execution."""
        t, p = self.team, self.p
        foundations = (t["skill"] * t["safety"] * w["arch_q"] * w["exec"]) ** p.innovation_gate
        return foundations * (
            p.experiment_success * (p.capability_floor + (1.0 - p.capability_floor) * self.capability)
        )

    def _innovation(self, w: dict) -> None:
        """Shipped innovations add a lasting value stream; experimenting builds the capability."""
        t, p = self.team, self.p
        self.innovation_stream = (
            self.innovation_stream * (1.0 - p.innovation_decay)
            + self._sum(w["innovations"]) * p.innovation_value
        )
        self.capability += (
            p.capability_rate
            * self._sum(w["experiments_run"])
            / self._sum(t["people"])
            * (1.0 - self.capability)
            - p.capability_decay * self.capability
        )
        self.capability = self._clip(self.capability)
        w["value"] = w["value_it"] + w["value_shadow"] + self.innovation_stream

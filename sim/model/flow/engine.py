"""The engine's Python face: the week's drivers, the dependency graph, and ``FlowEngine``.

``FlowEngine`` holds the state of a batch of worlds (each with the same number
of teams, each with its own seed) and advances them one week per
:meth:`FlowEngine.step`, given that week's :class:`Drivers`: capacity, WIP
limits, arrival rates, dependency probabilities, deploy intervals, failure
probabilities, withdrawal rates and feature values, one value per world and
team. The drivers are what the rest of the model will set from people,
pressure, architecture and practice; the engine itself only turns them into
items that flow, and measures them.

A step is two compiled calls: :func:`~sim.model.flow.serve.draw_arrivals`
draws the week's arrivals and bounds the items the week can create, the store
grows if it has fewer free slots than that, and
:func:`~sim.model.flow.serve.run_week` runs the week.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.model.compiled import cache_guard, jit
from sim.model.flow.items import CHUNK, N_KINDS, ItemStore, Kind
from sim.model.flow.params import FlowParams
from sim.model.flow.rng import N_STREAMS, make_keys, seeds_array
from sim.model.flow.serve import OUT, PRM, TEAM_I, Out, Prm, TeamI, draw_arrivals, new_team_state, run_week
from sim.model.schema import ConfigError

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())

# The shortest deploy interval allowed: one deploy every 15 minutes of a working day of 8 hours is
# 32 a day; anything faster is continuous deployment, and a deploy per item is what it means.
MIN_DEPLOY_INTERVAL = 1.0 / 96.0


@jit
def row_cumulative(weights: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Return the cumulative shares of the weights within each CSR row, the last of a row exactly 1.

    Summed row by row, so that a row's values do not depend on the rows before it.

    Args:
        weights: ``(entries,)`` positive weights, sorted by row.
        offsets: ``(rows + 1,)`` where each row starts in ``weights``.
    """
    out = np.empty(weights.shape[0])
    for r in range(offsets.shape[0] - 1):
        lo, hi = offsets[r], offsets[r + 1]
        total = 0.0
        for e in range(lo, hi):
            total += weights[e]
        running = 0.0
        for e in range(lo, hi):
            running += weights[e]
            out[e] = running / total
        if hi > lo:
            out[hi - 1] = 1.0
    return out


@dataclass(frozen=True)
class Dependencies:
    """Who needs changes from whom: one row per (world, team), as compressed sparse rows.

    Row ``w * teams + j`` lists the teams a feature of team ``j`` in world
    ``w`` may need a change from, with cumulative probabilities (the last is
    1). A row may be empty: that team's features never need another team.

    Attributes:
        offsets: ``(worlds * teams + 1,)`` int64, where each row starts.
        targets: ``(edges,)`` int64 target teams.
        cumulative: ``(edges,)`` float64 cumulative probabilities within each row.
    """

    offsets: np.ndarray
    targets: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def none(cls, worlds: int, teams: int) -> Dependencies:
        """No team ever needs another."""
        return cls(np.zeros(worlds * teams + 1, dtype=np.int64), np.zeros(0, np.int64), np.zeros(0))

    @classmethod
    def from_matrix(cls, matrix: np.ndarray, worlds: int) -> Dependencies:
        """From a row-stochastic matrix, ``(teams, teams)`` for every world or ``(worlds, teams, teams)``.

        Entry ``[j, m]`` is the probability that a request of team ``j`` goes to
        team ``m``. Each row sums to 1, or is all zeros (no requests).

        Raises:
            ConfigError: The matrix has the wrong shape, a negative entry, or a
                row that sums to neither 0 nor 1.
        """
        m = np.asarray(matrix, dtype=float)
        if m.ndim == 2:
            m = np.broadcast_to(m, (worlds, *m.shape))
        if m.ndim != 3 or m.shape[0] != worlds or m.shape[1] != m.shape[2]:
            raise ConfigError(
                "dependencies", f"must be (teams, teams) or ({worlds}, teams, teams), got {np.shape(matrix)}"
            )
        if not np.all(np.isfinite(m)) or np.any(m < 0):
            raise ConfigError("dependencies", "entries must be finite probabilities >= 0")
        sums = m.sum(axis=2)
        if not np.all((np.abs(sums - 1.0) < 1e-9) | (sums == 0.0)):
            raise ConfigError("dependencies", "each row must sum to 1 (row-stochastic) or be all zeros")
        worlds_, rows, cols = np.nonzero(m)
        return cls._build(worlds, m.shape[1], worlds_ * m.shape[1] + rows, cols, m[worlds_, rows, cols])

    @classmethod
    def from_edges(
        cls, sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None, worlds: int, teams: int
    ) -> Dependencies:
        """From edges ``source -> target`` with weights (normalised per source).

        Meant for large organisations, where a dense matrix would not fit. The
        edges are the same in every world; their weights may differ by world.

        Args:
            sources: ``(edges,)`` requesting teams.
            targets: ``(edges,)`` teams asked.
            weights: ``(edges,)`` for every world alike or ``(worlds, edges)``; None for equal weights.
            worlds: Worlds of the batch.
            teams: Teams per world.

        Raises:
            ConfigError: A team index is out of range or a weight is not positive.
        """
        src = np.asarray(sources, dtype=np.int64)
        dst = np.asarray(targets, dtype=np.int64)
        wt = np.ones(src.shape[0]) if weights is None else np.asarray(weights, dtype=float)
        if src.shape != dst.shape or wt.shape[-1:] != src.shape or wt.ndim > 2:
            raise ConfigError("dependencies", "sources, targets and weights must have the same length")
        if wt.ndim == 2 and wt.shape[0] != worlds:
            raise ConfigError("dependencies", f"weights must be (edges,) or ({worlds}, edges)")
        if src.size and (src.min() < 0 or dst.min() < 0 or src.max() >= teams or dst.max() >= teams):
            raise ConfigError("dependencies", f"team indices must be from 0 to {teams - 1}")
        if not np.all(np.isfinite(wt)) or np.any(wt <= 0):
            raise ConfigError("dependencies", "weights must be finite and > 0")
        rows = (np.arange(worlds)[:, None] * teams + src[None, :]).ravel()
        return cls._build(
            worlds, teams, rows, np.tile(dst, worlds), np.broadcast_to(wt, (worlds, src.size)).ravel()
        )

    @classmethod
    def _build(cls, worlds: int, teams: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray):
        order = np.lexsort((cols, rows))
        rows, cols, weights = rows[order], cols[order], weights[order]
        counts = np.bincount(rows, minlength=worlds * teams)
        offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return cls(offsets, cols.astype(np.int64), row_cumulative(weights, offsets))


@dataclass(frozen=True)
class Drivers:
    """One week's inputs, one value per world and team (scalars broadcast).

    Attributes:
        capacity: Person-days of work the team can do this week (>= 0).
        wip_limit: Items in progress at most, incidents aside (>= 1).
        arrival_rate: ``(worlds, teams, kinds)`` items per week arriving from outside, per :class:`Kind`
            (>= 0); dependency requests raised by the simulated teams come on top.
        dependency_prob: Chance that a feature needs a change from another team (0-1).
        dependencies: Which team, :class:`Dependencies`.
        deploy_interval: Days between deploys (>= ``MIN_DEPLOY_INTERVAL``).
        release_delay: Days from a change's finish until it may be deployed: review, tests,
            approvals (>= 0).
        failure_prob: Chance that a change fails (0-1); a deploy fails if any of its changes does.
        withdraw_rate: Per week, hazard that a waiting feature leaves (>= 0).
        feature_value: Median value of a feature, thousands of currency units (>= 0).
    """

    capacity: np.ndarray
    wip_limit: np.ndarray
    arrival_rate: np.ndarray
    dependency_prob: np.ndarray
    dependencies: Dependencies
    deploy_interval: np.ndarray
    release_delay: np.ndarray
    failure_prob: np.ndarray
    withdraw_rate: np.ndarray
    feature_value: np.ndarray

    @classmethod
    def build(
        cls,
        worlds: int,
        teams: int,
        *,
        capacity=30.0,
        wip_limit=4,
        arrival_rate=0.0,
        dependency_prob=0.0,
        dependencies: Dependencies | np.ndarray | None = None,
        deploy_interval=7.0,
        release_delay=0.0,
        failure_prob=0.0,
        withdraw_rate=0.0,
        feature_value=10.0,
        check: bool = True,
    ) -> Drivers:
        """Broadcast each input to its full shape (contiguous, as the compiled code wants) and check it.

        ``arrival_rate`` may be a scalar or anything broadcasting to
        ``(worlds, teams, kinds)``; a scalar is the rate of features alone.
        ``dependencies`` may be a :class:`Dependencies` or a matrix for
        :meth:`Dependencies.from_matrix`.

        Raises:
            ConfigError: An input has the wrong shape or a value out of range; the message names it.
        """
        shape = (worlds, teams)

        def full(name: str, value, dtype=float) -> np.ndarray:
            try:
                # A fresh, writable, C-ordered copy: numba compiles once per array type, and a
                # read-only broadcast view is another type (and another compile).
                return np.array(np.broadcast_to(np.asarray(value, dtype=dtype), shape), order="C")
            except ValueError:
                raise ConfigError(name, f"must broadcast to (worlds, teams) = {shape}") from None

        if np.ndim(arrival_rate) == 0:
            rates = np.zeros((worlds, teams, N_KINDS))
            rates[:, :, Kind.FEATURE] = float(arrival_rate)
        else:
            try:
                rates = np.array(
                    np.broadcast_to(np.asarray(arrival_rate, dtype=float), (*shape, N_KINDS)), order="C"
                )
            except ValueError:
                raise ConfigError(
                    "arrival_rate", f"must broadcast to (worlds, teams, kinds) = {(*shape, N_KINDS)}"
                ) from None
        if dependencies is None:
            deps = Dependencies.none(worlds, teams)
        elif isinstance(dependencies, Dependencies):
            deps = dependencies
        else:
            deps = Dependencies.from_matrix(dependencies, worlds)
        drivers = cls(
            capacity=full("capacity", capacity),
            wip_limit=full("wip_limit", wip_limit, np.int64),
            arrival_rate=rates,
            dependency_prob=full("dependency_prob", dependency_prob),
            dependencies=deps,
            deploy_interval=full("deploy_interval", deploy_interval),
            release_delay=full("release_delay", release_delay),
            failure_prob=full("failure_prob", failure_prob),
            withdraw_rate=full("withdraw_rate", withdraw_rate),
            feature_value=full("feature_value", feature_value),
        )
        if check:
            drivers.check(worlds, teams)
        return drivers

    def check(self, worlds: int, teams: int) -> None:
        """Refuse a wrong shape or a value out of range, naming the input and what it allows.

        Raises:
            ConfigError: The first input that is wrong.
        """
        bounds = {
            "capacity": (0.0, np.inf, "person-days per week"),
            "wip_limit": (1, np.inf, "items"),
            "arrival_rate": (0.0, np.inf, "items per week"),
            "dependency_prob": (0.0, 1.0, "probability"),
            "deploy_interval": (MIN_DEPLOY_INTERVAL, np.inf, "days"),
            "release_delay": (0.0, np.inf, "days"),
            "failure_prob": (0.0, 1.0, "probability"),
            "withdraw_rate": (0.0, np.inf, "per week"),
            "feature_value": (0.0, np.inf, "thousands"),
        }
        for f in fields(self):
            if f.name == "dependencies":
                continue
            value = getattr(self, f.name)
            want = (worlds, teams, N_KINDS) if f.name == "arrival_rate" else (worlds, teams)
            if value.shape != want:
                raise ConfigError(f.name, f"must have shape {want}, got {value.shape}")
            lo, hi, unit = bounds[f.name]
            bad = ~np.isfinite(value) | (value < lo) | (value > hi)
            if bad.any():
                where = tuple(int(x) for x in np.argwhere(bad)[0])
                raise ConfigError(
                    f.name, f"must be from {lo:g} to {hi:g} {unit}, got {value[where]!r} at {where}"
                )
        d = self.dependencies
        if d.offsets.shape != (worlds * teams + 1,):
            raise ConfigError("dependencies", f"must have {worlds * teams} rows (worlds x teams)")
        if d.targets.size and (d.targets.min() < 0 or d.targets.max() >= teams):
            raise ConfigError("dependencies", f"targets must be teams from 0 to {teams - 1}")


class FlowEngine:
    """Work items flowing through the teams of a batch of worlds, one week per :meth:`step`.

    Args:
        params: The parameters of the work.
        seeds: One seed per world; a world's numbers depend on its seed only.
        teams: Teams per world.
        capacity: Initial item-store capacity (it grows as needed).

    Attributes:
        week: Weeks stepped so far.
        store: The items.
    """

    def __init__(self, params: FlowParams, seeds, teams: int, capacity: int | None = None) -> None:
        if teams < 1:
            raise ConfigError("teams", f"must be at least 1, got {teams}")
        self.params = params
        self.seeds = seeds_array(seeds)
        self.worlds = self.seeds.shape[0]
        self.teams = int(teams)
        self.keys = make_keys(self.seeds, self.teams, N_STREAMS)
        self.ctr = np.zeros_like(self.keys)
        owners = self.worlds * self.teams
        self.store = ItemStore(owners, capacity if capacity is not None else 4 * CHUNK * owners)
        self.team_i, self.team_f = new_team_state(self.worlds, self.teams)
        self.size_median, self.size_sigma = params.size_arrays()
        self.prm = np.zeros(len(PRM))
        self.prm[Prm.EXPONENTIAL_SIZES] = 1.0 if params.size_distribution == "exponential" else 0.0
        self.prm[Prm.VALUE_SIGMA] = params.value_sigma
        self.prm[Prm.INCIDENT_WEIGHT] = params.incident_weight
        self._scratch = np.zeros((5, self.teams), dtype=np.int64)
        leaves = 1 << (self.teams - 1).bit_length()
        self._tree_key = np.zeros(2 * leaves)
        self._tree_team = np.zeros(2 * leaves, dtype=np.int64)
        self._leads = np.zeros(0)
        self.week = 0

    def step(self, drivers: Drivers, check: bool = True) -> np.ndarray:
        """Advance every world one week.

        Args:
            drivers: This week's inputs.
            check: Check the drivers' shapes and ranges first (skip it when they were built with a check).

        Returns:
            ``(len(OUT), worlds, teams)``: the week's measures, rows named by ``Out``.
        """
        if check:
            drivers.check(self.worlds, self.teams)
        t0 = 7.0 * self.week
        offsets, times, kinds, urgent, need = draw_arrivals(
            self.keys, self.ctr, drivers.arrival_rate, t0, self.team_i, drivers.deploy_interval
        )
        self.store.reserve(int(need))
        if self._leads.shape[0] < self.store.capacity:
            self._leads = np.zeros(self.store.capacity)  # the week ships at most every item there is
        # Accumulated team by team, a team's measures side by side; returned a row per measure.
        out = np.zeros((self.worlds, self.teams, len(OUT)))
        d = drivers.dependencies
        run_week(
            self.prm,
            self.size_median,
            self.size_sigma,
            self.store.f,
            self.store.i,
            self.store.link,
            self.store.meta,
            self.team_i,
            self.team_f,
            self.keys,
            self.ctr,
            offsets,
            times,
            kinds,
            urgent,
            drivers.capacity,
            drivers.wip_limit,
            drivers.dependency_prob,
            d.offsets,
            d.targets,
            d.cumulative,
            drivers.deploy_interval,
            drivers.release_delay,
            drivers.failure_prob,
            drivers.withdraw_rate,
            drivers.feature_value,
            t0,
            self._scratch,
            self._tree_key,
            self._tree_team,
            self._leads,
            out,
        )
        self.week += 1
        return np.ascontiguousarray(out.transpose(2, 0, 1))

    def totals(self) -> dict[str, np.ndarray]:
        """Cumulative counts per world and team since week 0: arrived, finished, closed, withdrawn, in_system."""
        names = ("arrived", "finished", "closed", "withdrawn", "in_system")
        return {name: self.team_i[..., TeamI[name.upper()]].copy() for name in names}


__all__ = [
    "Dependencies",
    "Drivers",
    "FlowEngine",
    "MIN_DEPLOY_INTERVAL",
    "OUT",
    "Out",
    "TEAM_I",
    "row_cumulative",
]

"""Who the teams are and who needs whom: the organisation's structure as data.

Team Topologies' vocabulary (Skelton & Pais 2019): **stream-aligned** teams
own a value stream for one business unit and take its requests; **platform**
teams offer their internal services to the stream-aligned teams they serve and
take those teams' requests in a queue of their own; **enabling** teams coach
stream-aligned teams for a while and then move on (they take no items).

The structure is a graph of requests: a stream-aligned team's feature may need
a change from another stream-aligned team (its code is coupled to theirs) or
from the platform team that serves it (a capability the platform does not yet
offer as self-service). How often is ``coupling`` (0-1: how entangled the
code is) for the first, and ``1 - self_service`` of the platform for the
second; which team, the weights below. Teams of the same business unit share
more code than teams of different ones (``same_unit_weight``).

The graph is sparse, a few edges a team, so that an organisation of 10,000
teams costs what its teams cost. The flow engine (:mod:`sim.model.flow`) numbers the teams it serves 0 to
``stream + platform - 1``: stream-aligned teams first, then platform teams.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np

from sim.model.compiled import cache_guard, jit
from sim.model.flow.engine import Dependencies, row_cumulative
from sim.model.schema import ConfigError, spec, validate_fields

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())


@dataclass(frozen=True)
class StructureRules:
    """How the teams depend on each other."""

    max_dependency: float = spec(
        0,
        1,
        default=0.5,
        unit="probability",
        doc="Chance that a feature needs another team's change at full coupling and no self-service "
        "(assumption; DORA's loosely coupled architecture is the capability that lowers it).",
    )
    same_unit_weight: float = spec(
        1,
        100,
        default=3.0,
        unit="x",
        doc="How much likelier a request goes to a team of the same business unit than to another "
        "(assumption: a unit's systems are integrated with each other first).",
    )
    platform_weight: float = spec(
        0,
        10,
        default=1.0,
        unit="x",
        doc="Weight of the serving platform team among a feature's possible dependencies, at no "
        "self-service, relative to one coupled stream-aligned team (assumption).",
    )
    streams_per_platform: float = spec(
        1,
        100,
        default=8.0,
        unit="teams",
        doc="Stream-aligned teams a platform team serves (Team Topologies: one platform team for "
        "several stream-aligned teams; assumption).",
    )
    max_peers: int = spec(
        0,
        64,
        default=4,
        unit="teams",
        doc="Teams of its own business unit a team's code is coupled to at most (the nearest in the "
        "team order; assumption: coupling is local).",
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class Structure:
    """The teams of one organisation shape (the same in every world of a batch).

    Attributes:
        stream: Stream-aligned teams.
        platform: Platform teams (the engine's teams ``stream`` to ``stream + platform - 1``).
        enabling: Enabling teams (not in the engine).
        unit_of: Business unit of each stream-aligned team, ``(stream,)``.
        platform_of: The platform team serving each stream-aligned team, as an engine team
            index, or -1 where none does, ``(stream,)``.
        rules: How the teams depend on each other.
    """

    stream: int
    platform: int
    enabling: int
    unit_of: np.ndarray
    platform_of: np.ndarray
    rules: StructureRules
    # The last result of dependencies(), by its inputs: they change seldom, so most weeks reuse it.
    _last: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # The fixed part of the graph (_Layout) by the number of worlds of the batch.
    _layouts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def flow_teams(self) -> int:
        """Teams the flow engine serves: stream-aligned and platform."""
        return self.stream + self.platform

    @property
    def units(self) -> int:
        """Business units."""
        return int(self.unit_of.max()) + 1

    @classmethod
    def build(
        cls, stream: int, teams_per_unit: float, platform: int, enabling: int, rules: StructureRules
    ) -> Structure:
        """Lay out the teams: business units in blocks of stream-aligned teams, each served by a platform team.

        Business unit ``u`` holds the stream-aligned teams from ``ceil(u * teams_per_unit)``;
        platform team ``k`` serves a contiguous block of stream-aligned teams, so that the
        blocks follow the business units.

        Raises:
            ConfigError: A count out of range.
        """
        if stream < 1:
            raise ConfigError("teams", f"must be at least 1 stream-aligned team, got {stream}")
        if platform < 0 or enabling < 0:
            raise ConfigError("platform", "team counts must be at least 0")
        unit_of = np.floor(np.arange(stream) / teams_per_unit).astype(np.int64)
        if platform:
            per = max(math.ceil(stream / platform), 1)
            platform_of = stream + np.minimum(np.arange(stream) // per, platform - 1)
        else:
            platform_of = np.full(stream, -1)
        return cls(stream, platform, enabling, unit_of, platform_of.astype(np.int64), rules)

    @functools.cached_property
    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return the coupling edges between stream-aligned teams and each edge's share of its team's coupling.

        A team is coupled to the nearest ``max_peers`` teams of its own business unit
        (weight ``same_unit_weight``) and to its neighbours in the team order that belong
        to another unit (weight 1): the code of a unit is integrated with itself first,
        and with its neighbours' at the seams.

        Returns:
            ``(sources, targets, shares)``, the shares summing to 1 per source with any edge.
        """
        rules = self.rules
        src, dst, wt = [], [], []
        for j in range(self.stream):
            unit = self.unit_of[j]
            peers = [
                m
                for m in range(j - rules.max_peers, j + rules.max_peers + 1)
                if 0 <= m < self.stream and m != j
            ]
            same = sorted((m for m in peers if self.unit_of[m] == unit), key=lambda m: abs(m - j))[
                : rules.max_peers
            ]
            seams = [m for m in (j - 1, j + 1) if 0 <= m < self.stream and self.unit_of[m] != unit]
            for m, w in [*((m, rules.same_unit_weight) for m in same), *((m, 1.0) for m in seams)]:
                src.append(j)
                dst.append(m)
                wt.append(w)
        sources, targets, weights = np.array(src, np.int64), np.array(dst, np.int64), np.array(wt)
        totals = np.bincount(sources, weights, minlength=self.stream)
        return sources, targets, weights / totals[sources] if weights.size else weights

    def dependencies(
        self, coupling: float | np.ndarray, self_service: np.ndarray
    ) -> tuple[np.ndarray, Dependencies]:
        """Return the chance that each team's feature needs another team, and which team it needs.

        Args:
            coupling: Architecture coupling, 0-1 (``org.coupling``), for all worlds or per world.
            self_service: Each world's platform self-service, 0-1, ``(worlds,)``: the share of
                what stream-aligned teams need from the platform they get without asking.

        Returns:
            ``(probability, dependencies)``: ``(worlds, flow_teams)`` chances (a platform
            team's own work needs no one) and the graph. A stream-aligned team's need is
            ``coupling`` towards the teams it is coupled to plus
            ``platform_weight * (1 - self_service)`` towards its platform team, and its chance
            ``max_dependency`` times that need (at most 1).
        """
        key = (np.asarray(coupling, float).tobytes(), np.asarray(self_service, float).tobytes())
        if key in self._last:
            return self._last[key]
        rules, worlds = self.rules, self_service.shape[0]
        layout = self._layout(worlds)
        probability, cumulative = _weekly(
            np.broadcast_to(np.asarray(coupling, float), (worlds,)),
            self.edges[2],
            np.ascontiguousarray(self_service, dtype=float),
            rules.platform_weight,
            rules.max_dependency,
            layout.rows,
            layout.order,
            layout.graph.offsets,
            self.flow_teams,
        )
        graph = Dependencies(layout.graph.offsets, layout.graph.targets, cumulative)
        self._last.clear()
        self._last[key] = (probability, graph)
        return probability, graph

    @functools.cached_property
    def requests(self) -> tuple[np.ndarray, np.ndarray]:
        """Return every edge a feature's request may take: the coupling edges, then the platform edges.

        Returns:
            ``(sources, targets)``: the coupling edges (:attr:`edges`), then an edge from each
            served stream-aligned team to its platform team.
        """
        sources, targets, _ = self.edges
        served = np.flatnonzero(self.platform_of >= 0)
        return np.concatenate([sources, served]), np.concatenate([targets, self.platform_of[served]])

    def _layout(self, worlds: int) -> _Layout:
        """Return the fixed part of the graph of a batch of ``worlds`` worlds, built at its first week."""
        if worlds not in self._layouts:
            sources, targets = self.requests
            graph = Dependencies.from_edges(sources, targets, None, worlds, self.flow_teams)
            self._layouts[worlds] = _Layout(
                graph=graph,
                rows=(np.arange(worlds)[:, None] * self.flow_teams + sources).ravel(),
                # from_edges's order of one world's edges (by team, then target); every world alike.
                order=np.lexsort((targets, sources)),
            )
        return self._layouts[worlds]


@jit
def _weekly(coupling, shares, self_service, platform_weight, max_dependency, rows, order, offsets, teams):
    """Return each team's chance that a feature needs another team, and the graph's cumulative shares.

    Each world's weight of an edge is the coupling edges' share of its coupling, then the
    platform edges' need for what the platform does not yet offer as self-service. A team's
    need is its edges' weights summed one by one in the edges' order. An edge of weight 0 (no
    coupling, full self-service) stays in the graph with a tiny weight: its team's chance of a
    request is then 0 or comes from its other edges alone. The edges are the same every week,
    so :meth:`Dependencies.from_edges` sorted them once (:meth:`Structure._layout`); each week
    only puts the weights in that order and takes the same cumulative shares
    (:func:`~sim.model.flow.engine.row_cumulative`), to the last bit.

    Args:
        coupling: ``(worlds,)`` architecture coupling.
        shares: ``(coupling edges,)`` each coupling edge's share of its team's coupling.
        self_service: ``(worlds,)`` the platform's self-service.
        platform_weight: A platform edge's weight without self-service.
        max_dependency: The chance of a request at a need of 1.
        rows: ``(worlds * edges,)`` each world's edges' rows.
        order: ``(edges,)`` the edges in the graph's order.
        offsets: The graph's row offsets.
        teams: Teams per world.

    Returns:
        ``(worlds, teams)`` chances, and the graph's ``(worlds * edges,)`` cumulative shares.
    """
    worlds = self_service.shape[0]
    edges = order.shape[0]
    weights = np.empty((worlds, edges))
    need = np.zeros(worlds * teams)
    for w in range(worlds):
        platform = platform_weight * (1.0 - min(max(self_service[w], 0.0), 1.0))
        for e in range(edges):
            weights[w, e] = coupling[w] * shares[e] if e < shares.shape[0] else platform
            need[rows[w * edges + e]] += weights[w, e]
    probability = np.minimum(max_dependency * need, 1.0).reshape(worlds, teams)
    ordered = np.empty(worlds * edges)
    for w in range(worlds):
        for e in range(edges):
            ordered[w * edges + e] = max(weights[w, order[e]], 1e-12)
    return probability, row_cumulative(ordered, offsets)


@dataclass(frozen=True)
class _Layout:
    """The part of a batch's dependency graph that is the same every week.

    Attributes:
        graph: The graph with equal weights: its offsets and targets are every week's.
        rows: ``(worlds * edges,)`` the row of each world's edges (world ``w``, team ``j``:
            ``w * teams + j``), world by world in the order of :attr:`Structure.requests`.
        order: ``(edges,)`` one world's edges in the graph's order (by team, then target).
    """

    graph: Dependencies
    rows: np.ndarray
    order: np.ndarray

"""The organisation as a network of who serves whom, built from one run's Mesa agents.

Business units sit in the top row, the stream-aligned teams serving them in
the middle (grouped by unit), platform and enabling teams at the bottom. The
layout is computed from that structure, not by a force-directed algorithm,
which took tens of seconds for thousands of nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from sim import OrgModel, load_config
from sim.model.agents import BusinessUnit, EnablingTeam, PlatformTeam, StreamAlignedTeam
from sim.model.metrics import TEAM_COLUMNS
from sim.model.params import Config

# Per-team values a team can be coloured by (the others are structure, not performance).
TEAM_METRICS: tuple[str, ...] = tuple(c for c in TEAM_COLUMNS if c not in ("business_unit", "coached"))


@dataclass(frozen=True)
class OrgRun:
    """One run of an organisation, kept for the network view.

    Attributes:
        graph: Who serves whom: nodes ``("bu", i)``, ``("team", i)``,
            ``("platform", i)``, ``("enabling", i)``; edges from server to served.
        teams: Per-team values, long form (``week``, ``team`` and metrics).
        weeks: Horizon in weeks.
    """

    graph: nx.DiGraph
    teams: pd.DataFrame
    weeks: int


def simulate_org(overrides: list[str]) -> OrgRun:
    """Run one organisation and keep its agents' structure and per-team history.

    Raises:
        sim.ConfigError: An override or value is not allowed.
    """
    model = OrgModel(org_config(overrides))
    model.run_for(model.config.weeks)
    return org_run(model)


def org_config(overrides: list[str]) -> Config:
    """Compose the configuration of a run for this view: every team recorded every week.

    Raises:
        sim.ConfigError: An override or value is not allowed.
    """
    return load_config([*overrides, "record.team_every=1"])


def org_run(model: OrgModel) -> OrgRun:
    """Take a model's agents and per-team history up to the week it has reached (1 or more)."""
    return OrgRun(org_graph(model), model.recorder.team_frame(), model.week)


def org_graph(model: OrgModel) -> nx.DiGraph:
    """Turn a model's agents into a directed graph from the one who serves to the one served.

    A stream-aligned team serves its business unit. The platform teams are one
    pool whose paved roads every stream-aligned team uses; to keep the picture
    readable the teams are dealt out to the platform teams in turn. Enabling
    teams rotate between teams, so their edges depend on the week (see
    :func:`coaching_edges`).
    """
    graph = nx.DiGraph()
    by_type = model.agents_by_type
    for bu in by_type[BusinessUnit]:
        graph.add_node(("bu", bu.index), kind="business_unit")
    streams = list(by_type[StreamAlignedTeam])
    for team in streams:
        graph.add_node(("team", team.index), kind="team")
        graph.add_edge(("team", team.index), ("bu", int(team.business_unit)))
    for key, cls in (("platform", PlatformTeam), ("enabling", EnablingTeam)):
        for agent in by_type[cls] if cls in by_type else []:
            graph.add_node((key, agent.index), kind=key)
    platforms = sorted(n for n, kind in graph.nodes(data="kind") if kind == "platform")
    if platforms:
        graph.add_edges_from(
            (platforms[k % len(platforms)], ("team", t.index)) for k, t in enumerate(streams)
        )
    return graph


def coaching_edges(graph: nx.DiGraph, coached: np.ndarray) -> list[tuple[tuple, tuple]]:
    """Edges from enabling teams to the teams coached in a week (``coached[i] > 0``).

    The model tracks which teams are coached, not by whom, so the coached
    teams are dealt out to the enabling teams in turn.
    """
    enablers = sorted(n for n, kind in graph.nodes(data="kind") if kind == "enabling")
    if not enablers:
        return []
    return [
        (enablers[k % len(enablers)], ("team", int(i))) for k, i in enumerate(np.flatnonzero(coached > 0))
    ]


TEAMS_PER_ROW = 150  # beyond this, each unit's teams stack in more rows, so that every team stays visible


def layout(graph: nx.DiGraph) -> dict[tuple, tuple[float, float]]:
    """Positions: business units on top, their stream-aligned teams below them, support teams at the bottom.

    Each unit gets a share of the width in proportion to its teams, and its
    teams fill that share in as many rows as the organisation needs
    (:data:`TEAMS_PER_ROW`), so that at any size every team has its own point under its unit.
    """
    units = sorted(n for n, k in graph.nodes(data="kind") if k == "business_unit")
    served = {
        u: sorted((t for t in graph.predecessors(u) if t[0] == "team"), key=lambda n: n[1]) for u in units
    }
    total = max(sum(len(t) for t in served.values()), 1)
    rows = math.ceil(total / TEAMS_PER_ROW)
    pos: dict[tuple, tuple[float, float]] = {}
    left = 0.0
    for unit in units:
        teams = served[unit]
        span = len(teams) / total
        columns = max(math.ceil(len(teams) / rows), 1)
        for i, team in enumerate(teams):
            row, col = divmod(i, columns)
            y = 1.0 if rows == 1 else 1.45 - 0.9 * row / (rows - 1)
            pos[team] = (left + (col + 0.5) / columns * span, y)
        pos[unit] = (left + span / 2, 2.0)
        left += span
    support = sorted(n for n, k in graph.nodes(data="kind") if k in ("platform", "enabling"))
    for i, node in enumerate(support):
        pos[node] = ((i + 0.5) / len(support), 0.0)
    return pos


KIND_NAMES = {
    "business_unit": "business unit",
    "team": "stream-aligned team",
    "platform": "platform team",
    "enabling": "enabling team",
}


def network_data(
    run: OrgRun, metric: str, week: int, selected: int | None = None
) -> tuple[list[dict], list[dict], tuple[float, float]]:
    """Nodes, edges and colour range of the network at a week, as :func:`viz.plots.network_spec` draws them."""
    at_week = run.teams[run.teams["week"] == week].set_index("team")
    graph = nx.DiGraph(run.graph)
    coaching = coaching_edges(graph, at_week["coached"].to_numpy())
    graph.add_edges_from(coaching)
    pos = layout(graph)
    nodes = []
    for node, kind in graph.nodes(data="kind"):
        x, y = pos[node]
        item = {
            "x": x,
            "y": y,
            "kind": KIND_NAMES[kind],
            "name": f"{KIND_NAMES[kind]} {node[1]}",
            "team": None,
        }
        if kind == "team":
            unit = next(iter(s for s in graph.successors(node) if s[0] == "bu"))
            item |= {
                "name": f"team {node[1]}",
                "team": node[1],
                "unit": f"business unit {unit[1]}",
                "value": float(at_week.loc[node[1], metric]),
                "selected": node[1] == selected,
            }
        nodes.append(item)
    edges = [
        {
            "x": pos[a][0],
            "y": pos[a][1],
            "x2": pos[b][0],
            "y2": pos[b][1],
            "kind": KIND_NAMES[graph.nodes[a]["kind"]],
        }
        for a, b in graph.edges()
    ]
    return nodes, edges, _limits(run.teams[metric])


def _limits(values: pd.Series) -> tuple[float, float]:
    """Colour range of a metric over all teams and weeks (so colours mean the same every week)."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

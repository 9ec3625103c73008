"""The organisation as a network of who serves whom, built from one run's Mesa agents.

Business units sit in the top row, the stream-aligned teams serving them in
the middle (grouped by unit), platform and enabling teams at the bottom. The
layout is computed from that structure, not by a force-directed algorithm,
which took tens of seconds for thousands of nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim import OrgModel, load_config
from sim.model.agents import BusinessUnit, EnablingTeam, PlatformTeam, StreamAlignedTeam
from sim.model.metrics import TEAM_COLUMNS
from sim.model.params import Config

# Per-team values a team can be coloured by (the others are structure, not performance).
TEAM_METRICS: tuple[str, ...] = tuple(c for c in TEAM_COLUMNS if c not in ("business_unit", "coached"))
KIND_COLOURS = {"business_unit": "#4c72b0", "platform": "#8172b2", "enabling": "#c44e52"}


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


def shown_part(graph: nx.DiGraph, max_teams: int) -> nx.DiGraph:
    """Keep the first business units with at most ``max_teams`` teams between them, and their platform teams."""
    units = sorted(n for n, k in graph.nodes(data="kind") if k == "business_unit")
    keep: list[tuple] = []
    teams = 0
    for unit in units:
        served_by = [t for t in graph.predecessors(unit) if t[0] == "team"]
        if keep and teams + len(served_by) > max_teams:
            break
        keep += [unit, *served_by]
        teams += len(served_by)
    shown = set(keep)
    keep += [n for n, k in graph.nodes(data="kind") if k == "platform" and set(graph.successors(n)) & shown]
    return graph.subgraph(keep)


def layout(graph: nx.DiGraph) -> dict[tuple, tuple[float, float]]:
    """Positions in three rows: business units, their stream-aligned teams, support teams."""
    teams = sorted((n for n, k in graph.nodes(data="kind") if k == "team"), key=lambda n: n[1])
    units = sorted(n for n, k in graph.nodes(data="kind") if k == "business_unit")
    # Teams ordered by the unit they serve, so each unit sits above its own teams.
    teams.sort(key=lambda n: (next(iter(graph.successors(n)))[1], n[1]))
    pos = {node: ((i + 0.5) / len(teams), 1.0) for i, node in enumerate(teams)}
    for unit in units:
        xs = [pos[t][0] for t in graph.predecessors(unit) if t[0] == "team"]
        pos[unit] = (float(np.mean(xs)) if xs else 0.5, 2.0)
    support = sorted(n for n, k in graph.nodes(data="kind") if k in ("platform", "enabling"))
    for i, node in enumerate(support):
        pos[node] = ((i + 0.5) / len(support), 0.0)
    return pos


def network_figure(
    run: OrgRun, metric: str, week: int, selected: int | None = None, max_teams: int = 120
) -> Figure:
    """Draw the organisation at a week, stream-aligned teams coloured by a metric.

    Args:
        run: The run to draw.
        metric: Per-team column to colour by (one of :data:`TEAM_METRICS`).
        week: Week whose values are shown.
        selected: Team to highlight, if any.
        max_teams: Larger organisations are shown by their first business
            units, up to this many teams, so that one row stays readable.
    """
    graph = shown_part(run.graph, max_teams)
    at_week = run.teams[run.teams["week"] == week].set_index("team")
    coached = at_week["coached"].to_numpy()
    coaching = [e for e in coaching_edges(run.graph, coached) if e[1] in graph]
    graph = nx.DiGraph(graph)
    graph.add_edges_from(coaching)
    nx.set_node_attributes(graph, {enabler: "enabling" for enabler, _ in coaching}, "kind")
    edges = list(graph.edges())
    pos = layout(graph)
    fig = Figure(figsize=(11, 4.6))
    fig.subplots_adjust(left=0.01, right=0.92, bottom=0.02, top=0.9)
    ax = fig.subplots()
    segments = [(pos[a], pos[b]) for a, b in edges]
    edge_colours = [KIND_COLOURS.get(a[0], "0.6") for a, _ in edges]
    ax.add_collection(LineCollection(segments, colors=edge_colours, linewidths=0.5, alpha=0.35, zorder=1))
    teams = [n for n, k in graph.nodes(data="kind") if k == "team"]
    values = at_week.loc[[n[1] for n in teams], metric].to_numpy()
    norm = Normalize(*_limits(run.teams[metric]))
    cmap = colormaps["viridis"]
    size = max(12.0, min(120.0, 6000 / max(len(teams), 1)))
    xy = np.array([pos[n] for n in teams])
    ax.scatter(xy[:, 0], xy[:, 1], c=cmap(norm(values)), s=size, ec="0.2", lw=0.4, zorder=3)
    for kind, marker in (("business_unit", "s"), ("platform", "D"), ("enabling", "^")):
        nodes = [n for n, k in graph.nodes(data="kind") if k == kind]
        if nodes:
            xy_k = np.array([pos[n] for n in nodes])
            label = f"{kind.replace('_', ' ')} ({_shown(len(nodes), _count(run.graph, kind))})"
            ax.scatter(
                xy_k[:, 0], xy_k[:, 1], marker=marker, s=90, c=KIND_COLOURS[kind], label=label, zorder=3
            )
    if selected is not None and ("team", selected) in pos:
        x, y = pos[("team", selected)]
        ax.scatter([x], [y], s=size * 4, facecolors="none", edgecolors="crimson", lw=2, zorder=4)
    shown = _shown(len(teams), _count(run.graph, "team"))
    ax.text(-0.02, 1.0, f"stream-aligned\nteams ({shown})", ha="right", va="center", fontsize=8)
    ax.set_xlim(-0.2, 1.02)
    ax.set_ylim(-0.4, 2.4)
    ax.axis("off")
    ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=3)
    ax.set_title(f"Who serves whom at week {week}, teams coloured by {metric}", fontsize=10)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, fraction=0.03, pad=0.01)
    bar.ax.tick_params(labelsize=8)
    return fig


def team_history_figure(run: OrgRun, team: int, metric: str, week: int) -> Figure:
    """One team's metric over the weeks against the median and 10-90% band of all teams."""
    per_week = run.teams.groupby("week")[metric]
    fig = Figure(figsize=(11, 2.8))
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.17, top=0.88)
    ax = fig.subplots()
    weeks = per_week.median().index
    ax.fill_between(
        weeks, per_week.quantile(0.1), per_week.quantile(0.9), color="0.8", label="all teams, 10-90%"
    )
    ax.plot(weeks, per_week.median(), color="0.4", lw=1, label="all teams, median")
    own = run.teams[run.teams["team"] == team]
    ax.plot(own["week"], own[metric], color="crimson", lw=1.8, label=f"team {team}")
    ax.axvline(week, color="0.3", ls=":", lw=1)
    ax.set_title(f"Team {team}: {metric}", fontsize=10)
    ax.set_xlabel("week", fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="best")
    ax.grid(alpha=0.3)
    return fig


def _count(graph: nx.DiGraph, kind: str) -> int:
    return sum(1 for _, k in graph.nodes(data="kind") if k == kind)


def _shown(shown: int, total: int) -> str:
    return f"{shown} of {total}" if total > shown else str(total)


def _limits(values: pd.Series) -> tuple[float, float]:
    """Colour range of a metric over all teams and weeks (so colours mean the same every week)."""
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

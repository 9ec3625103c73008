"""The organisation as a network of who serves and needs whom, built from one run's Mesa agents and structure.

Business units sit in the top row, the stream-aligned teams serving them in
the middle (grouped by unit), each platform team below the block of teams it
serves, the enabling team at the bottom. Arcs above the teams join teams
whose code is coupled: a feature of one may need a change of the other
(:class:`sim.model.structure.Structure`). The layout is computed from that
structure, not by a force-directed algorithm, which took tens of seconds for
thousands of nodes.
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
# The item measures a chosen team's history always shows, beside the metric the teams are coloured by.
FLOW_METRICS: tuple[str, ...] = ("flow_time_days", "items_in_system", "utilisation")

# Edge kinds, from the one who serves (or is needed) to the one served.
DELIVERS = "delivers to its business unit"
PLATFORM = "platform serves"
COUPLED = "coupled code"
COACHING = "enabling coaches"
EDGE_KINDS: tuple[str, ...] = (DELIVERS, PLATFORM, COUPLED, COACHING)

KIND_NAMES = {
    "business_unit": "business unit",
    "team": "stream-aligned team",
    "platform": "platform team",
    "enabling": "enabling team",
}

TEAMS_PER_ROW = 150  # beyond this, each unit's teams stack in more rows, so that every team stays visible
# Beyond this many stream-aligned teams, only the chosen team's coupling arcs are drawn: all of them
# would be a band of ink (and thousands of rows sent to the browser every week scrubbed).
ALL_COUPLING_UP_TO = 400


@dataclass(frozen=True)
class OrgRun:
    """One run of an organisation, kept for the network view.

    Attributes:
        graph: Who serves whom: nodes ``("bu", i)``, ``("team", i)``, ``("platform", k)``
            and ``("enabling", 0)``, each with its ``kind`` and, for the teams the work flows
            through, its ``team`` (row of ``teams``: stream-aligned teams first, then platform
            teams); edges from the one who serves to the one served, each with its ``kind``
            (one of :data:`EDGE_KINDS`) and, for coupled code, the ``share`` of the served
            team's cross-team requests that go to the other.
        teams: Per-team values, long form (``week``, ``team`` and metrics).
        weekly: The organisation's weekly frame (value, cost, net value ...), indexed by week.
        weeks: Weeks simulated.
    """

    graph: nx.DiGraph
    teams: pd.DataFrame
    weekly: pd.DataFrame
    weeks: int

    @property
    def stream(self) -> int:
        """Stream-aligned teams (the rows of ``teams`` below this are theirs)."""
        return sum(1 for _, kind in self.graph.nodes(data="kind") if kind == "team")

    @property
    def last_team(self) -> int:
        """The highest team number (stream-aligned and platform teams)."""
        return int(self.teams["team"].max())


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
    return OrgRun(org_graph(model), model.recorder.team_frame(), model.recorder.frame(), model.week)


def org_graph(model: OrgModel) -> nx.DiGraph:
    """Turn a model's agents and structure (world 0) into a directed graph from the one who serves to the one served.

    A stream-aligned team delivers to its business unit; the platform team that
    serves it (``structure.platform_of``) takes its requests for what the
    platform does not yet offer as self-service; a team whose code is coupled
    to another's (``structure.edges``) needs that team's changes for some of
    its features. Enabling people coach a few teams at a time, so their edges
    depend on the week (see :func:`coaching_edges`).
    """
    graph = nx.DiGraph()
    structure = model.organisation.structure
    by_type = model.agents_by_type

    def world_0(cls: type) -> list:
        return [a for a in by_type[cls] if a.world == 0] if cls in by_type else []

    for bu in world_0(BusinessUnit):
        graph.add_node(("bu", bu.index), kind="business_unit")
    for team in world_0(StreamAlignedTeam):
        graph.add_node(("team", team.index), kind="team", team=team.team)
        graph.add_edge(("team", team.index), ("bu", team.business_unit), kind=DELIVERS)
    platform_node = {}
    for platform in world_0(PlatformTeam):
        platform_node[platform.team] = ("platform", platform.index)
        graph.add_node(("platform", platform.index), kind="platform", team=platform.team)
    for team, serving in enumerate(structure.platform_of):
        if serving in platform_node:
            graph.add_edge(platform_node[serving], ("team", team), kind=PLATFORM)
    sources, targets, shares = structure.edges
    for needs, needed, share in zip(sources, targets, shares, strict=True):
        graph.add_edge(("team", int(needed)), ("team", int(needs)), kind=COUPLED, share=float(share))
    for enabling in world_0(EnablingTeam):
        graph.add_node(("enabling", enabling.index), kind="enabling")
    return graph


def coaching_edges(graph: nx.DiGraph, coached: np.ndarray) -> list[tuple[tuple, tuple]]:
    """Edges from the enabling team to the stream-aligned teams it coaches in a week (``coached[i] > 0``).

    Args:
        graph: The run's graph (:func:`org_graph`).
        coached: The week's coaching per team, in team order (platform teams are never coached).
    """
    enablers = [n for n, kind in graph.nodes(data="kind") if kind == "enabling"]
    return [
        (enabler, ("team", int(i)))
        for enabler in enablers
        for i in np.flatnonzero(coached > 0)
        if ("team", int(i)) in graph
    ]


def _of_kind(graph: nx.DiGraph, kind: str) -> list[tuple]:
    return sorted(n for n, k in graph.nodes(data="kind") if k == kind)


def layout(graph: nx.DiGraph) -> dict[tuple, tuple[float, float]]:
    """Positions: business units on top, their stream-aligned teams below, each platform team under those it serves.

    Each unit gets a share of the width in proportion to its teams, and its
    teams fill that share in as many rows as the organisation needs
    (:data:`TEAMS_PER_ROW`), so that at any size every team has its own point
    under its unit. A platform team sits under the middle of the teams it
    serves (they are a contiguous block); the enabling team below the middle.
    """
    units = _of_kind(graph, "business_unit")
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
    platforms = _of_kind(graph, "platform")
    for i, node in enumerate(platforms):
        own = [pos[t][0] for t in graph.successors(node) if t in pos]
        pos[node] = (float(np.mean(own)) if own else (i + 0.5) / len(platforms), 0.0)
    enablers = _of_kind(graph, "enabling")
    for i, node in enumerate(enablers):
        pos[node] = ((i + 1) / (len(enablers) + 1), -0.22)
    # Four decimals place a point to a tenth of a pixel and halve what is sent to the browser.
    return {node: (round(x, 4), round(y, 4)) for node, (x, y) in pos.items()}


def _value(at_week: pd.DataFrame, team: int, metric: str) -> float | None:
    """Return a team's value at the week, or None where it has none (an event measure without the event)."""
    if team not in at_week.index:
        return None
    value = float(at_week.at[team, metric])
    return value if math.isfinite(value) else None


def _couplings(graph: nx.DiGraph) -> dict[tuple[int, int], dict[int, float]]:
    """Coupled pairs of stream-aligned teams ``(a, b)``, ``a < b``, with each one's share of requests to the other."""
    pairs: dict[tuple[int, int], dict[int, float]] = {}
    for needed, needs, data in graph.edges(data=True):
        if data["kind"] == COUPLED:
            a, b = sorted((needed[1], needs[1]))
            pairs.setdefault((a, b), {})[needs[1]] = data["share"]
    return pairs


def _arc(a: tuple[float, float], b: tuple[float, float], shape: dict, words: dict) -> list[dict]:
    """Return an arc from ``a`` to ``b`` above both, as three points of one line drawn as a smooth curve.

    Args:
        a: One end.
        b: The other end.
        shape: What every point carries (the arc's number, width and highlight).
        words: What its tooltip says, on the first point only: a line's tooltip reads its first point.
    """
    # High enough to clear the teams' circles at any size; longer arcs higher, so that they do not overlap.
    lift = 0.12 + 0.5 * math.dist(a, b)
    middle = ((a[0] + b[0]) / 2, max(a[1], b[1]) + lift)
    return [
        {"x": round(x, 4), "y": round(y, 4), "step": step, **shape, **(words if step == 0 else {})}
        for step, (x, y) in enumerate((a, middle, b))
    ]


def network_data(
    run: OrgRun, metric: str, week: int, selected: int | None = None
) -> tuple[list[dict], list[dict], list[dict], tuple[float, float]]:
    """Nodes, straight edges, coupling arcs and colour range of the network at a week.

    Args:
        run: The run.
        metric: The per-team column the teams are coloured by.
        week: The week shown.
        selected: The chosen team (a row of ``run.teams``); its edges are highlighted.

    Returns:
        ``(nodes, edges, arcs, limits)`` as :func:`viz.plots.network_spec` draws them.
        Values missing in the week (a team with no deploy has no failure rate) are None.
    """
    at_week = run.teams[run.teams["week"] == week].set_index("team")
    graph = nx.DiGraph(run.graph)
    graph.add_edges_from(coaching_edges(graph, at_week["coached"].to_numpy()), kind=COACHING)
    pos = layout(graph)
    chosen = next((n for n, t in graph.nodes(data="team") if t is not None and t == selected), None)
    stream = run.stream
    nodes = []
    for node, data in graph.nodes(data=True):
        kind = data["kind"]
        x, y = pos[node]
        item = {
            "x": x,
            "y": y,
            "kind": KIND_NAMES[kind],
            "name": f"{KIND_NAMES[kind]} {node[1]}",
            "team": None,
        }
        if kind == "team":
            unit = next(s for s in graph.successors(node) if s[0] == "bu")
            item |= {"name": f"team {node[1]}", "unit": f"business unit {unit[1]}"}
        elif kind == "platform":
            teams = sorted(t[1] for t in graph.successors(node))
            item["unit"] = f"teams {teams[0]}-{teams[-1]}" if teams else "no team yet"
        if "team" in data:
            item |= {"team": data["team"], "value": _value(at_week, data["team"], metric)}
            item["selected"] = node == chosen
        nodes.append(item)
    edges = [
        {
            "x": pos[a][0],
            "y": pos[a][1],
            "x2": pos[b][0],
            "y2": pos[b][1],
            "kind": kind,
            "chosen": chosen in (a, b),
        }
        for a, b, kind in graph.edges(data="kind")
        if kind != COUPLED
    ]
    arcs: list[dict] = []
    for edge, ((a, b), shares) in enumerate(_couplings(graph).items()):
        touches = selected in (a, b)
        if stream > ALL_COUPLING_UP_TO and not touches:
            continue
        words = "; ".join(
            f"{s:.0%} of team {t}'s requests to coupled teams go to team {b if t == a else a}"
            for t, s in sorted(shares.items())
        )
        shape = {"edge": edge, "share": round(float(np.mean(list(shares.values()))), 3), "chosen": touches}
        arcs += _arc(
            pos[("team", a)], pos[("team", b)], shape, {"pair": f"teams {a} and {b}", "shares": words}
        )
    return nodes, edges, arcs, _limits(run.teams[metric])


def _limits(values: pd.Series) -> tuple[float, float]:
    """Colour range of a metric over all teams and weeks (so colours mean the same every week)."""
    finite = values[np.isfinite(values)]
    if finite.empty:
        return (-0.5, 0.5)
    lo, hi = float(finite.min()), float(finite.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def team_summary(run: OrgRun, team: int, week: int) -> str:
    """Say in Markdown who a team is, whom it serves and needs, and its item measures at a week."""
    graph = run.graph
    node = next(n for n, t in graph.nodes(data="team") if t == team)
    row = run.teams[(run.teams["week"] == week) & (run.teams["team"] == team)].iloc[0]
    kind = graph.nodes[node]["kind"]
    if kind == "team":
        unit = next(s[1] for s in graph.successors(node) if s[0] == "bu")
        platform = [p[1] for p in graph.predecessors(node) if p[0] == "platform"]
        needs = sorted(
            ((p[1], graph.edges[p, node]["share"]) for p in graph.predecessors(node) if p[0] == "team"),
            key=lambda x: -x[1],
        )
        who = f"**Team {node[1]}** serves business unit {unit}"
        who += f", and platform team {platform[0]} serves it" if platform else ", with no platform team"
        if needs:
            who += "; its code is coupled to " + ", ".join(f"team {t} ({s:.0%})" for t, s in needs)
            who += " (the share of its requests to coupled teams that goes to each)"
        who += ". " + ("The enabling team coaches it this week. " if row["coached"] > 0 else "")
    else:
        served = sorted(t[1] for t in graph.successors(node))
        who = f"**Platform team {node[1]}** serves " + (
            f"stream-aligned teams {served[0]} to {served[-1]}. " if served else "no team. "
        )

    def shown(metric: str, unit: str, scale: float = 1.0, digits: str = ".3g") -> str:
        value = row[metric]
        return f"{value * scale:{digits}}{unit}" if math.isfinite(value) else "none finished"

    week_text = (
        f"At week {week}: {row['people']:.0f} people; {shown('items_in_system', '', digits='.1f')} items "
        f"in its system; flow time {shown('flow_time_days', ' days', digits='.1f')}; utilisation "
        f"{shown('utilisation', '%', 100, '.0f')}; value delivered {shown('value', ' k', digits=',.1f')}."
    )
    return who + week_text


def organisation_summary(run: OrgRun, week: int) -> str:
    """Say the organisation's value, cost and net value at a week, in thousands of currency units."""
    row = run.weekly.loc[week]
    return (
        f"The whole organisation at week {week}: value {row['value']:,.0f} k, cost {row['cost']:,.0f} k, "
        f"net value {row['net_value']:,.0f} k (thousands of currency units a week)."
    )


def team_label(run: OrgRun, team: int) -> str:
    """Name a team (a row of the per-team values): ``Team 3``, or ``Platform team 0``."""
    return f"Team {team}" if team < run.stream else f"Platform team {team - run.stream}"

"""Vega-Lite specifications of the studio's charts, as plain functions of data (no Solara).

Every chart carries its data inline, so the browser draws it without asking
the server again: the mean over seeds and the 10-90% band of each plan, a
tooltip with every plan's value at the week under the pointer, zoom and pan
on the weeks (wheel and drag; double-click resets), and a legend whose click
shows one plan alone (shift-click adds another).
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from sim.plans import Plan
from sim.text import fmt
from viz.help import layer_help, metric_help
from viz.network import ALL_COUPLING_UP_TO, COUPLED, EDGE_KINDS, TEAMS_PER_ROW
from viz.scenario import LAYER_GROUPS, METRICS, Outcome, band, interventions

# One colour per intervention, in the order of the presets, so that a plan has the same colour on
# every page whatever its letter; doing nothing is grey.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#d95f02",
    "#1b9e77", "#7f7f00", "#0e7c86", "#7570b3", "#e7298a", "#66a61e", "#b8860b", "#a6761d",
)  # fmt: skip
NOTHING = "#666666"
BY_KEY = {"A": "#d95f02", "B": "#1b9e77", "C": "#7570b3", "D": "#e7298a"}  # when two plans would share one
FONT = {"labelFontSize": 12, "titleFontSize": 13}
CONFIG = {
    "axis": FONT,
    "legend": {**FONT, "labelLimit": 420},
    "title": {"fontSize": 14},
    "view": {"stroke": None},
}
SERIES_WEEKS = 8  # up to this many weeks, lines are drawn with their points (a 1-week horizon is a point)


def chart_spec(title: str, description: str, height: int, subtitle: str = "", **parts: Any) -> dict[str, Any]:
    """Return a Vega-Lite specification the width of its container, with the studio's type sizes."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "anchor": "start", **({"subtitle": subtitle} if subtitle else {})},
        "description": description,
        "width": "container",
        "height": height,
        **parts,
        "config": CONFIG,
    }


def plan_colours(plans: dict[str, Plan]) -> dict[str, str]:
    """Colour of each plan (by key): its first intervention's, grey for doing nothing, by letter if shared."""
    names = interventions()

    def own(plan: Plan) -> str:
        if not plan.steps:
            return NOTHING
        first = plan.steps[0].name
        return PALETTE[names.index(first) % len(PALETTE)] if first in names else BY_KEY["A"]

    colours = {key: own(plan) for key, plan in plans.items()}
    if len(set(colours.values())) < len(colours):
        return {key: BY_KEY[key] for key in plans}
    return colours


def rounded(x: float) -> float | None:
    """Four significant digits: what a chart can show, and a quarter of the bytes to send."""
    return None if x != x else float(f"{x:.4g}")


def _series_rows(outcome: Outcome, metric: str) -> list[dict[str, Any]]:
    rows = []
    for key, runs in outcome.runs.items():
        stats = band(runs, metric)
        for week, mean, lo, hi in zip(stats.index, stats["mean"], stats["p10"], stats["p90"], strict=True):
            rows.append(
                {"week": int(week), "key": key, "mean": rounded(mean), "p10": rounded(lo), "p90": rounded(hi)}
            )
    return rows


def metric_description(outcome: Outcome, metric: str, labels: dict[str, str]) -> str:
    """Alternative text of a metric's chart: what it shows and where each plan ends."""
    ends = ", ".join(
        f"plan {k} ({labels[k]}) {fmt(band(r, metric)['mean'].iloc[-1])}" for k, r in outcome.runs.items()
    )
    return f"{METRICS[metric]} by week, mean over seeds with a 10-90% band; at week {outcome.weeks}: {ends}."


def metric_spec(
    outcome: Outcome,
    metric: str,
    labels: dict[str, str],
    colours: dict[str, str],
    crossover: int | None = None,
) -> dict[str, Any]:
    """Chart a metric over the weeks for every plan: mean line, 10-90% band, a tooltip of all plans at a week.

    Args:
        outcome: The runs.
        metric: A key of :data:`viz.scenario.METRICS`.
        labels: Each plan's label, by key.
        colours: Each plan's colour, by key (:func:`plan_colours`).
        crossover: Week from which the plan ahead in cumulative net value stays ahead, drawn as a dashed rule.

    Returns:
        The specification, its width the container's.
    """
    rows = _series_rows(outcome, metric)
    keys = outcome.keys
    # Rows carry the plan's key only; the legend writes its label (JSON strings are JavaScript ones).
    names = json.dumps({k: f"{k}: {labels[k]}" for k in keys})
    colour = {
        "field": "key",
        "type": "nominal",
        "title": None,
        "scale": {"domain": keys, "range": [colours[k] for k in keys]},
        "legend": {"orient": "bottom", "direction": "vertical", "labelExpr": f"{names}[datum.label]"},
    }
    x = {"field": "week", "type": "quantitative", "title": "week", "axis": {"tickMinStep": 1}}
    shown = {"param": "shown", "empty": True}
    unit = METRICS[metric]
    tooltip = [{"field": "week", "type": "quantitative", "title": "week"}]
    tooltip += [
        {"field": k, "type": "quantitative", "title": f"{k}: {labels[k]}", "format": ",.4~r"} for k in keys
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "area", "opacity": 0.18},
            "encoding": {
                "x": x,
                "y": {"field": "p10", "type": "quantitative"},
                "y2": {"field": "p90"},
                "color": colour,
                "opacity": {"condition": {**shown, "value": 0.18}, "value": 0.02},
            },
        },
        {
            "mark": {"type": "line", "strokeWidth": 2.2, "point": outcome.weeks <= SERIES_WEEKS},
            "params": [
                {"name": "shown", "select": {"type": "point", "fields": ["key"]}, "bind": "legend"},
                {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"},
            ],
            "encoding": {
                "x": x,
                "y": {"field": "mean", "type": "quantitative", "title": None, "scale": {"zero": False}},
                "color": colour,
                "opacity": {"condition": {**shown, "value": 1}, "value": 0.12},
            },
        },
        {
            # One invisible rule per week carrying every plan's value: the tooltip reads it.
            "transform": [{"pivot": "key", "value": "mean", "groupby": ["week"]}],
            "mark": {"type": "rule", "strokeWidth": 8},
            "params": [
                {
                    "name": "hover",
                    "select": {
                        "type": "point",
                        "fields": ["week"],
                        "on": "mouseover",
                        "nearest": True,
                        "clear": "mouseout",
                    },
                }
            ],
            "encoding": {
                "x": x,
                "opacity": {"condition": {"param": "hover", "empty": False, "value": 0.25}, "value": 0},
                "color": {"value": "#555555"},
                "tooltip": tooltip,
            },
        },
    ]
    if crossover is not None:
        layers.append(
            {
                "data": {"values": [{"week": crossover}]},
                "mark": {"type": "rule", "strokeDash": [5, 4], "color": "#444444"},
                "encoding": {
                    "x": x,
                    "tooltip": [{"field": "week", "title": "leader ahead for good from week"}],
                },
            }
        )
    return chart_spec(
        unit, metric_description(outcome, metric, labels), 220, data={"values": rows}, layer=layers
    )


def stack_spec(
    stacks: dict[str, dict[str, float]],
    labels: dict[str, str],
    week: int,
    start: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Draw the seven layers of each plan at a week, coloured by strength, partnership at the bottom.

    Args:
        stacks: Effective layer strengths (0-1) by plan key.
        labels: Each plan's label, by key.
        week: The week shown.
        start: The strengths the sliders set, shown in the tooltip beside the effective ones.
    """
    number = {name: i + 1 for i, name in enumerate(n for _, names in LAYER_GROUPS for n in names)}
    group_of = {n: g for g, names in LAYER_GROUPS for n in names}
    measured = metric_help()
    rows = []
    for key, layers in stacks.items():
        for name, value in layers.items():
            rows.append(
                {
                    "plan": f"{key}: {labels[key]}",
                    "layer": f"{number[name]} {name}",
                    "group": group_of[name],
                    "strength": round(float(value), 2),
                    "set": None if start is None else round(float(start[name]), 2),
                    "meaning": layer_help().get(name, ""),
                    "measured": measured.get(f"layer_{name}", ""),
                }
            )
    order = [f"{number[n]} {n}" for _, names in reversed(LAYER_GROUPS) for n in reversed(names)]
    y = {"field": "layer", "type": "nominal", "sort": order, "title": None}
    x = {
        "field": "plan",
        "type": "nominal",
        "title": None,
        "axis": {"orient": "top", "labelAngle": 0, "labelLimit": 260},
    }
    tooltip = [
        {"field": "plan"},
        {"field": "layer"},
        {"field": "group"},
        {"field": "strength", "title": f"effective strength at week {week}"},
        {"field": "set", "title": "set at the start (slider)"},
        {"field": "meaning"},
        {"field": "measured", "title": "measured as"},
    ]
    text_colour = {
        "condition": {"test": "datum.strength < 0.25 || datum.strength > 0.8", "value": "white"},
        "value": "black",
    }
    described = "; ".join(
        f"plan {k}: " + ", ".join(f"{n} {v:.2f}" for n, v in s.items()) for k, s in stacks.items()
    )
    return chart_spec(
        f"Effective layer strengths at week {week}",
        f"Effective strength of each of the seven layers at week {week}, per plan: {described}",
        300,
        data={"values": rows},
        encoding={"x": x, "y": y},
        layer=[
            {
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
                "encoding": {
                    "color": {
                        "field": "strength",
                        "type": "quantitative",
                        "scale": {"scheme": "redyellowgreen", "domain": [0, 1]},
                        "title": "strength",
                    },
                    "tooltip": tooltip,
                },
            },
            {
                "mark": {"type": "text", "fontSize": 13},
                "encoding": {
                    "text": {"field": "strength", "format": ".2f"},
                    "color": text_colour,
                    "tooltip": tooltip,
                },
            },
        ],
    )


# Colours of the links, in the order of viz.network.EDGE_KINDS.
EDGE_COLOURS = ("#b0b0b0", "#4c72b0", "#dd8452", "#2ca02c")


def network_spec(
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    arcs: list[dict[str, Any]],
    metric: str,
    week: int,
    limits: tuple[float, float],
) -> dict[str, Any]:
    """Draw who serves and needs whom: every team as a point, grouped under its business unit, named on hover.

    Args:
        nodes: One per agent: ``x``, ``y``, ``kind``, ``name``, ``team`` (row of the per-team
            values, None for business units and the enabling team), ``value`` (the metric, None
            where missing), ``selected``, ``unit`` (whom a team serves).
        edges: One per straight link: ``x``, ``y``, ``x2``, ``y2``, ``kind`` (one of
            :data:`viz.network.EDGE_KINDS`), ``chosen`` (it touches the chosen team).
        arcs: Coupled code between stream-aligned teams, three points per arc: ``x``, ``y``,
            ``step``, ``edge`` (the arc's number), ``share``, ``chosen``, and on its first
            point ``pair`` and ``shares`` (what the tooltip says).
        metric: The per-team column the teams are coloured by.
        week: The week shown.
        limits: Colour range of the metric over all teams and weeks, so colours mean the same every week.
    """
    teams = sum(1 for n in nodes if n["kind"] == "stream-aligned team")
    platforms = sum(1 for n in nodes if n["kind"] == "platform team")
    # A circle (its area in px²) a little narrower than the space between teams in a ~1200 px row.
    per_row = math.ceil(teams / math.ceil(max(teams, 1) / TEAMS_PER_ROW)) if teams else 1
    size = max(12, min(160, int(0.6 * (1200 / per_row) ** 2)))
    faint = 0.35 if teams <= 40 else 0.25  # the other teams' links, so that the chosen team's stand out
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [-0.02, 1.02]}}
    y = {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [-0.35, 2.3]}}
    chosen = {"test": "datum.chosen"}
    kinds = ["business unit", "stream-aligned team", "platform team", "enabling team"]
    shape = {
        "field": "kind",
        "type": "nominal",
        "scale": {"domain": kinds, "range": ["square", "circle", "diamond", "triangle-up"]},
        "legend": {"orient": "bottom", "title": None},
    }
    link_colour = {
        "field": "kind",
        "type": "nominal",
        "scale": {"domain": list(EDGE_KINDS), "range": list(EDGE_COLOURS)},
        "legend": {"orient": "bottom", "title": None},
    }
    value = {
        "field": "value",
        "type": "quantitative",
        "title": metric,
        "scale": {"scheme": "viridis", "domain": list(limits)},
    }
    missing = {"test": "!isValid(datum.value)", "value": "#d9d9d9"}  # no value this week
    selected = {"test": "datum.selected"}
    team_tooltip = [
        {"field": "name", "title": "team"},
        {"field": "unit", "title": "serves"},
        {"field": "value", "title": f"{metric} at week {week}", "format": ".3~r"},
    ]
    links = [
        {
            "data": {"values": edges},
            "mark": {"type": "rule"},
            "encoding": {
                "x": x,
                "y": y,
                "x2": {"field": "x2"},
                "y2": {"field": "y2"},
                "color": link_colour,
                "opacity": {"condition": {**chosen, "value": 0.95}, "value": faint},
                "strokeWidth": {"condition": {**chosen, "value": 2.2}, "value": 0.8},
                "tooltip": [{"field": "kind", "title": "link"}],
            },
        }
    ]
    if arcs:
        links.append(
            {
                "data": {"values": arcs},
                "transform": [{"calculate": f"'{COUPLED}'", "as": "kind"}],
                "mark": {"type": "line", "interpolate": "basis"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "detail": {"field": "edge", "type": "nominal"},
                    "order": {"field": "step", "type": "quantitative"},
                    "color": link_colour,
                    "opacity": {"condition": {**chosen, "value": 0.95}, "value": faint},
                    "strokeWidth": {
                        "field": "share",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1], "range": [0.6, 4]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "pair", "title": "coupled code"},
                        {"field": "shares", "title": "requests"},
                    ],
                },
            }
        )
    coupling = (
        "arcs above the teams join teams whose code is coupled (thicker: more of their requests)"
        if arcs or teams <= ALL_COUPLING_UP_TO
        else f"only the chosen team's coupling arcs are drawn (more than {ALL_COUPLING_UP_TO} teams)"
    )
    return chart_spec(
        f"Who serves and needs whom at week {week}: teams coloured by {metric}",
        f"Network of {teams} stream-aligned teams under their business units, with {platforms} platform "
        f"teams below the teams they serve and the enabling team at the bottom, at week {week}; "
        f"{coupling}; teams coloured by {metric}.",
        400,
        resolve={"scale": {"color": "independent"}, "legend": {"color": "independent"}},
        layer=[
            {"layer": links},
            {
                "data": {"values": [n for n in nodes if n["team"] is None]},
                "mark": {"type": "point", "filled": True, "size": 140, "opacity": 1},
                "encoding": {
                    "x": x,
                    "y": y,
                    "shape": shape,
                    "color": {"value": "#4c72b0"},
                    "tooltip": [{"field": "name", "title": "who"}],
                },
            },
            {
                "data": {"values": [n for n in nodes if n["kind"] == "platform team"]},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "filled": True,
                    "size": 260,
                    "cursor": "pointer",
                    "invalid": None,
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"condition": missing, **value, "legend": None},
                    "stroke": {"condition": {**selected, "value": "#d00000"}, "value": "#333333"},
                    "strokeWidth": {"condition": {**selected, "value": 3}, "value": 0.8},
                    "tooltip": team_tooltip,
                },
            },
            {
                "data": {"values": [n for n in nodes if n["kind"] == "stream-aligned team"]},
                "mark": {"type": "circle", "size": size, "cursor": "pointer", "invalid": None},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"condition": missing, **value, "legend": {"orient": "right"}},
                    "strokeWidth": {"condition": {**selected, "value": 3}, "value": 0.5},
                    "stroke": {"condition": {**selected, "value": "#d00000"}, "value": "#333333"},
                    "tooltip": team_tooltip,
                },
            },
        ],
    )


def history_spec(teams: Any, team: int, metric: str, week: int, label: str | None = None) -> dict[str, Any]:
    """Chart one team's metric over the weeks against the median and 10-90% band of the teams of its kind.

    A stream-aligned team is compared with the stream-aligned teams, a platform team
    (``business_unit`` -1) with the platform teams. Weeks in which a team has no value
    (no deploy, so no failure rate) are gaps.

    Args:
        teams: Per-team values, long form (``week``, ``team``, ``business_unit`` and the metric), as a run keeps them.
        team: The team drawn.
        metric: The per-team column.
        week: The week marked (the one the network shows).
        label: What the team is called (default ``Team <team>``).
    """
    label = label or f"Team {team}"
    platform = bool((teams.loc[teams["team"] == team, "business_unit"] < 0).any())
    peers = teams[(teams["business_unit"] < 0) == platform]
    kind = "platform teams" if platform else "stream-aligned teams"
    per_week = peers.groupby("week")[metric]
    spread = per_week.quantile([0.1, 0.5, 0.9]).unstack()
    own = teams[teams["team"] == team].set_index("week")[metric]
    rows = [
        {
            "week": int(w),
            "p10": rounded(lo),
            "median": rounded(mid),
            "p90": rounded(hi),
            "team": rounded(own.get(w, np.nan)),
        }
        for w, (lo, mid, hi) in zip(spread.index, spread.to_numpy(), strict=True)
    ]
    x = {"field": "week", "type": "quantitative", "title": "week", "axis": {"tickMinStep": 1}}
    tooltip = [
        {"field": "week"},
        {"field": "team", "title": label, "format": ".3~r"},
        {"field": "median", "title": f"{kind}, median", "format": ".3~r"},
        {"field": "p10", "title": f"{kind}, 10%", "format": ".3~r"},
        {"field": "p90", "title": f"{kind}, 90%", "format": ".3~r"},
    ]
    return chart_spec(
        f"{label}: {metric}",
        f"{label}'s {metric} by week (red), with the median (grey line) and the 10-90% "
        f"band (grey) of all {kind}; week {week} marked.",
        200,
        subtitle=f"red: {label}; grey: median, 10-90% of {kind}",
        data={"values": rows},
        encoding={"x": x},
        layer=[
            {
                "mark": {"type": "area", "color": "#9e9e9e", "opacity": 0.35},
                "encoding": {
                    "y": {"field": "p10", "type": "quantitative", "title": metric},
                    "y2": {"field": "p90"},
                },
            },
            {
                "mark": {"type": "line", "color": "#616161", "strokeWidth": 1.5},
                "encoding": {"y": {"field": "median", "type": "quantitative"}},
            },
            {
                "mark": {
                    "type": "line",
                    "color": "#c62828",
                    "strokeWidth": 2.4,
                    "point": len(rows) <= SERIES_WEEKS,
                },
                "encoding": {"y": {"field": "team", "type": "quantitative"}},
            },
            {"mark": {"type": "rule", "strokeWidth": 8, "opacity": 0}, "encoding": {"tooltip": tooltip}},
            {
                "data": {"values": [{"week": week}]},
                "mark": {"type": "rule", "strokeDash": [3, 3], "color": "#444444"},
                "encoding": {"x": x},
            },
        ],
    )

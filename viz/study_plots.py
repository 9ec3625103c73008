"""Vega-Lite charts of a diagnosis, as plain functions of a study (no Solara).

The layer picture, the marginal value of each layer and the recommended plan
against the execution-only alternative and doing nothing: the same three
pictures as the HTML report (:mod:`sim.consult.report`, which draws them as
PNGs for a file that must stand alone), drawn in the browser with tooltips.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.consult.diagnose import Diagnosis
from sim.consult.recommend import Recommendation
from sim.consult.report import AB_PANELS, COLOURS, GROUPS, ab_labels
from viz.plots import CONFIG, chart_spec, rounded

BINDING, OTHER = "#c0392b", "#4a78a8"
PANEL_WIDTH = 260  # px: three panels a row fit the page's 1,040 px column


def _binding_colour(binding: str) -> dict[str, Any]:
    return {"condition": {"test": f"datum.layer_name === '{binding}'", "value": BINDING}, "value": OTHER}


def layer_spec(strengths: dict[str, float], binding: str) -> dict[str, Any]:
    """Layer strengths as a stack, bottom (partnership) to top (innovation), the binding layer in red."""
    names = [n for _, group in GROUPS for n in group]
    rows = [
        {"layer": f"{i + 1} {n}", "layer_name": n, "strength": rounded(strengths[n])}
        for i, n in enumerate(names)
    ]
    order = [r["layer"] for r in rows][::-1]  # the foundation at the bottom, as the stack is drawn
    text = ", ".join(f"{n} {strengths[n]:.2f}" for n in names)
    return chart_spec(
        "Layer picture",
        f"Layer strengths of the fitted organisation, 0 to 1: {text}; the binding layer is {binding}.",
        240,
        subtitle=f"red: the binding layer, {binding}",
        data={"values": rows},
        layer=[
            {
                "mark": "bar",
                "encoding": {
                    "y": {"field": "layer", "type": "nominal", "sort": order, "title": None},
                    "x": {
                        "field": "strength",
                        "type": "quantitative",
                        "scale": {"domain": [0, 1]},
                        "title": "strength (0-1), fitted organisation",
                    },
                    "color": _binding_colour(binding),
                    "tooltip": [{"field": "layer"}, {"field": "strength", "format": ".2f"}],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4},
                "encoding": {
                    "y": {"field": "layer", "type": "nominal", "sort": order},
                    "x": {"field": "strength", "type": "quantitative"},
                    "text": {"field": "strength", "format": ".2f"},
                },
            },
        ],
    )


def marginal_spec(diagnosis: Diagnosis) -> dict[str, Any]:
    """Net value gained over the horizon by strengthening each layer, with its interval."""
    m = diagnosis.marginal.sort_values("mean", ascending=False)
    rows = [
        {"layer_name": n, "mean": rounded(r["mean"]), "lo": rounded(r["lo"]), "hi": rounded(r["hi"])}
        for n, r in m.iterrows()
    ]
    text = ", ".join(f"{n} {r['mean']:,.0f} k" for n, r in m.iterrows())
    y = {"field": "layer_name", "type": "nominal", "sort": list(m.index), "title": None}
    tooltip = [{"field": "layer_name", "title": "layer"}] + [
        {"field": f, "title": t, "format": ",.0f"}
        for f, t in (("mean", "mean, k"), ("lo", "low"), ("hi", "high"))
    ]
    return chart_spec(
        f"Net value gained by +{diagnosis.delta:g} strength, over {diagnosis.weeks} weeks",
        f"Net value gained (thousands) by strengthening each layer: {text}; the binding layer is "
        f"{diagnosis.binding}.",
        240,
        subtitle="mean with its interval, thousands; red: the binding layer",
        data={"values": rows},
        layer=[
            {
                "mark": "bar",
                "encoding": {
                    "y": y,
                    "x": {"field": "mean", "type": "quantitative", "title": "net value gained (k)"},
                    "color": _binding_colour(diagnosis.binding),
                    "tooltip": tooltip,
                },
            },
            {
                "mark": "rule",
                "encoding": {"y": y, "x": {"field": "lo", "type": "quantitative"}, "x2": {"field": "hi"}},
            },
            {
                "mark": {"type": "rule", "color": "black"},
                "encoding": {"x": {"datum": 0, "type": "quantitative"}},
            },
        ],
    )


def ab_spec(recommendation: Recommendation) -> dict[str, Any]:
    """Chart the recommended plan against the execution-only alternative and doing nothing, panel by panel."""
    labels = ab_labels(recommendation)
    rows = []
    for column, title, cumulative in AB_PANELS:
        for key, frame in recommendation.frames.items():
            series = frame[column].unstack("seed")
            series = series.cumsum() if cumulative else series.rolling(4, min_periods=1).mean()
            low, high = series.quantile(0.1, axis=1), series.quantile(0.9, axis=1)
            for week, mean, lo, hi in zip(series.index, series.mean(axis=1), low, high, strict=True):
                if np.isfinite(mean):
                    rows.append(
                        {
                            "panel": title,
                            "plan": labels[key],
                            "week": int(week),
                            "mean": rounded(mean),
                            "p10": rounded(lo),
                            "p90": rounded(hi),
                        }
                    )
    colour = {
        "field": "plan",
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(labels.values()), "range": [COLOURS[k] for k in labels]},
        "legend": {"orient": "bottom"},
    }
    x = {"field": "week", "type": "quantitative", "title": "week"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": "Against the execution-only alternative and doing nothing", "anchor": "start"},
        "description": "The recommended plan, the execution-only alternative and doing nothing, week by week: "
        + ", ".join(title for _, title, _ in AB_PANELS)
        + "; mean over seeds with a 10-90% band.",
        "data": {"values": rows},
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": [t for _, t, _ in AB_PANELS]},
        "columns": 3,
        "spec": {
            "width": PANEL_WIDTH,
            "height": 150,
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.15},
                    "encoding": {
                        "x": x,
                        "y": {"field": "p10", "type": "quantitative", "title": None},
                        "y2": {"field": "p90"},
                        "color": colour,
                    },
                },
                {
                    "mark": "line",
                    "encoding": {
                        "x": x,
                        "y": {"field": "mean", "type": "quantitative", "title": None},
                        "color": colour,
                        "tooltip": [
                            {"field": "plan"},
                            {"field": "week"},
                            {"field": "mean", "format": ",.3~r"},
                        ],
                    },
                },
            ],
        },
        "resolve": {"scale": {"y": "independent"}},
        "config": CONFIG,
    }

"""The few lines that describe one run: its scenario, its outcome and its layers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.model.levers import active
from sim.model.metrics import CLUSTERS, END_WEEKS, MATURITY_LEVELS, dora_cluster
from sim.model.params import LAYER_NAMES, Config


def _plan_items(items: dict[str, Any]) -> str:
    names = active(items)
    if not names:
        return "none"
    parts = []
    for name in names:
        item = items[name]
        details = [f"from week {item.start}"]
        if item.duration:
            details.append(f"for {item.duration} weeks")
        if item.intensity != 1:
            details.append(f"intensity {item.intensity:g}")
        parts.append(f"{name} ({', '.join(details)})")
    return ", ".join(parts)


def summary(config: Config, weekly: pd.DataFrame) -> str:
    """Describe a run and its outcome in a few readable lines.

    Args:
        config: The run's configuration.
        weekly: The run's weekly metrics (``RunResult.weekly``).

    Returns:
        The scenario (organisation, interventions, shocks, seed, horizon), the
        outcome (value, cost and net value in thousands; throughput, flow time
        and utilisation; the DORA keys and cluster over the last weeks; where
        the time went; innovations, attrition, pressure, maturity) and the
        layer strengths at the start and at the end.
    """
    org = config.org
    end = weekly.tail(END_WEEKS)
    window = f"weeks {end.index[0]}-{end.index[-1]}"
    deploys, lead = end["deploys_per_week"].mean(), end["lead_time_days"].mean()
    restore, cfr = end["time_to_restore_hours"].mean(), end["change_failure_rate"].mean()
    cluster = CLUSTERS[int(dora_cluster(deploys, lead, restore, cfr))]
    level = int(weekly["maturity"].iloc[-1])
    value, cost = weekly["value"].sum(), weekly["cost"].sum()
    rows = [
        ("value delivered", f"{value:,.0f} k"),
        ("cost", f"{cost:,.0f} k"),
        ("net value", f"{value - cost:,.0f} k"),
        ("throughput", f"{weekly['throughput'].mean():.1f} features/week (mean)"),
        (f"flow time ({window})", f"{end['flow_time_days'].mean():.1f} days, request to done"),
        (f"items in the system ({window})", f"{end['items_in_system'].mean():,.0f}"),
        (f"utilisation ({window})", f"{end['utilisation'].mean():.0%}"),
        (
            f"time on ({window})",
            f"features {end['share_feature'].mean():.0%}, unplanned {end['share_unplanned'].mean():.0%}, "
            f"improvement {end['share_improvement'].mean():.0%}, overhead {end['share_overhead'].mean():.0%}",
        ),
        (f"deploys ({window})", f"{deploys:.2f} per week"),
        (f"lead time ({window})", f"{lead:.1f} days"),
        (f"change failure rate ({window})", f"{cfr:.0%}"),
        (f"time to restore ({window})", f"{restore:.1f} hours"),
        (f"DORA cluster ({window})", cluster),
        ("innovations", f"{weekly['innovations'].sum():.0f} shipped"),
        ("attrition", f"{weekly['attrition'].sum():.0f} people left"),
        (f"pressure ({window})", f"{end['pressure'].mean():.2f} (0 none, 1 most)"),
        ("maturity (end)", f"{MATURITY_LEVELS[level - 1]} (level {level})"),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [
        f"OrgStack: {org.name} - {org.description}",
        f"  org            {org.name}, {org.teams} stream-aligned teams",
        f"  interventions  {_plan_items(config.intervention)}",
        f"  shocks         {_plan_items(config.shock)}",
        f"  seed           {config.seed}",
        f"  weeks          {config.weeks}",
        "",
        "Outcome",
        *(f"  {label:<{width}}  {value}" for label, value in rows),
        "",
        f"  {'layer':<12}  {'week 1':>7}  {'week ' + str(weekly.index[-1]):>8}",
    ]
    first, last = weekly.iloc[0], weekly.iloc[-1]
    for name in LAYER_NAMES:
        col = f"layer_{name}"
        lines.append(f"  {name:<12}  {first[col]:7.2f}  {last[col]:8.2f}")
    return "\n".join(lines)

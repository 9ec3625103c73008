"""A model v2 run: one configuration over a batch of seeds, from warm-up to the weekly frames.

:func:`run` reads the organisation preset into a :class:`~sim.model.organisation.Setup`,
turns the plan into :class:`~sim.model.programmes.Programmes`, warms the
organisation up for ``params.warmup_weeks`` on its baseline levers (so that
queues and stocks start from where the organisation's own habits take them,
not from empty), then runs the horizon: each week the levers of the
programmes still running, a step of the organisation, leadership's review of
the programmes, and a row of the :class:`~sim.model.record.WeeklyRecord`.

Platform teams exist from the start when the organisation has platform people
or its plan ever staffs a platform (``platform_capacity``); a team of no
people takes no requests and serves nobody until it is staffed.

Not yet run by :class:`sim.model.model.OrgModel`; this is the loop it will run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sim.model.levers import LEVER_INDEX, schedule
from sim.model.organisation import Organisation, Rules, Setup
from sim.model.params import Config
from sim.model.programmes import Programmes
from sim.model.record import WeeklyRecord


def platform_teams(config: Config, rules: Rules) -> int:
    """Platform teams of a run: one per ``streams_per_platform`` stream-aligned teams, if it ever has a platform."""
    items = [*config.intervention.values(), *config.shock.values()]
    table, _ = schedule(config.org.levers, items, config.weeks, config.org.teams)
    if table[:, LEVER_INDEX["platform_capacity"]].max() <= 0:
        return 0
    return math.ceil(config.org.teams / rules.structure.streams_per_platform)


def run(
    config: Config, seeds: Sequence[int], rules: Rules | None = None
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Run ``config`` once per seed (one batch) and return each seed's weekly and per-team frames.

    Args:
        config: The run's configuration (its ``seed`` is replaced by each of ``seeds``).
        seeds: The seeds, one world each.
        rules: Model v2's rules (default: :class:`Rules`).

    Returns:
        Per seed, in order: the weekly frame (indexed by ``week`` from 1) and the per-team
        frame (long form, every ``record.team_every`` weeks).
    """
    rules = rules or Rules()
    setup = Setup.from_org(config.org, platform_teams(config, rules), rules)
    org = Organisation(setup, list(seeds), rules)
    worlds, weeks = org.worlds, config.weeks
    plan = Programmes(
        config.org.levers,
        list(config.intervention.values()),
        list(config.shock.values()),
        weeks,
        setup.stream,
        worlds,
    )
    baseline = Programmes(config.org.levers, [], [], 1, setup.stream, worlds).levers(0)
    for _ in range(config.params.warmup_weeks):
        org.step(baseline)
    record = WeeklyRecord(
        worlds,
        weeks,
        setup.stream,
        org.units,
        org.structure.unit_of,
        org.teams,
        config.record.team_every,
    )
    for week in range(weeks):
        levers = plan.levers(week)
        measures = org.step(levers)
        spend = plan.spend(week)
        measures["cost"] = measures["cost"] + spend
        measures["net_value"] = measures["net_value"] - spend
        plan.review(week, org.seen_delivered, levers["patience_weeks"])
        record.add(measures)
    return [(record.frame(i), record.team_frame(i)) for i in range(worlds)]


__all__ = ["platform_teams", "run"]

"""Leadership levers and the schedule that interventions and shocks impose on them.

The levers are the only way an intervention or a shock touches the model: each
is data (phases of lever changes over time, with a cost), and the model reads
nothing but the resulting week-by-lever table. No code knows an intervention's
name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields

import numpy as np

from sim.model.schema import ConfigError, spec, validate_fields


@dataclass(frozen=True)
class Levers:
    """The leadership levers: what management can set, week by week.

    Presets give each organisation's baseline; interventions and shocks add
    deltas to it over time. All shares are fractions of a team's capacity.
    The defaults are the neutral settings (a moderate policy, no programme, no
    shock) that a preset overrides where it differs.
    """

    pressure: float = spec(
        0, 1, default=0.3, unit="1", doc="Delivery pressure: targets, overtime, shortcuts accepted."
    )
    wip_accept: float = spec(
        0,
        3,
        default=0.0,
        unit="1",
        doc="Extra work in progress accepted, as a fraction of the normal WIP limit.",
    )
    improve_share: float = spec(
        0,
        0.5,
        default=0.1,
        unit="share",
        doc="Budgeted share of capacity for improvement (the 'improve' budget).",
    )
    transform_share: float = spec(
        0,
        0.5,
        default=0.05,
        unit="share",
        doc="Budgeted share of capacity for experiments (the 'transform' budget).",
    )
    priorities: float = spec(1, 60, default=5.0, unit="count", doc="Strategic priorities pursued at once.")
    governance: float = spec(
        0, 1, default=0.3, unit="1", doc="Joint planning and portfolio reviews with the business."
    )
    strategy_work: float = spec(
        0,
        1,
        default=0.1,
        unit="1",
        doc="Effort to make and communicate strategic choices (strategy on a page).",
    )
    headcount: float = spec(
        0.2, 4, default=1.0, unit="x initial", doc="Headcount target relative to the starting headcount."
    )
    architecture_investment: float = spec(
        0, 1, default=0.0, unit="1", doc="Investment in architecture standards, blueprints and remediation."
    )
    culture_investment: float = spec(
        0,
        1,
        default=0.0,
        unit="1",
        doc="Investment in psychological safety, blameless reviews, collaboration.",
    )
    training: float = spec(0, 1, default=0.0, unit="1", doc="Investment in training and mentoring.")
    practice_investment: float = spec(
        0,
        1,
        default=0.0,
        unit="1",
        doc="Investment in delivery practice: CI/CD, automation, SRE, with coaching.",
    )
    tooling: float = spec(
        0, 1, default=0.0, unit="1", doc="Delivery tools and frameworks bought, without skills attached."
    )
    platform_capacity: float = spec(
        0, 3, default=0.0, unit="people/team", doc="Platform-team people per stream-aligned team."
    )
    enabling_capacity: float = spec(
        0, 3, default=0.0, unit="people/team", doc="Enabling-team people per stream-aligned team."
    )
    staff_from_streams: float = spec(
        0,
        1,
        default=0.5,
        unit="share",
        doc="Share of the growth of a platform or enabling target filled at once by moving experienced people out "
        "of the stream-aligned teams, whose targets shrink with them; the rest is hired, with the "
        "hiring lag (assumption: half and half).",
    )
    stream_alignment: float = spec(
        0,
        1,
        default=0.5,
        unit="1",
        doc="How far teams are cut by value stream (1) rather than by component (0): above 0.5 it "
        "lowers the coupling between teams, below it raises it (operating.alignment_effect).",
    )
    attribution: float = spec(
        0,
        1,
        default=0.7,
        unit="share",
        doc="Share of a delivery shortfall leadership puts down to effort rather than to the system "
        "(Repenning & Sterman 2002: mostly effort; model v2's decision rule; coaching lowers it).",
    )
    patience_weeks: float = spec(
        1,
        520,
        default=26,
        unit="weeks",
        doc="Weeks an intervention may run without a visible payoff before leadership abandons it "
        "(model v2's decision rule; committing to a programme raises it).",
    )
    disruption: float = spec(0, 1, default=0.0, unit="1", doc="Transition disruption of a re-organisation.")
    theatre: float = spec(
        0, 1, default=0.0, unit="1", doc="Workshops and tools that raise reported, not real, alignment."
    )
    budget: float = spec(
        0.2,
        2,
        default=1.0,
        unit="x baseline",
        doc="Discretionary budget multiplier: scales the improvement and transformation shares (each "
        "capped at 0.5 of the teams' time); below 1 it freezes that share of the hiring.",
    )
    demand: float = spec(
        0.2, 5, default=1.0, unit="x baseline", doc="Demand multiplier on the business units' requests."
    )
    people_loss: float = spec(
        0,
        0.5,
        default=0.0,
        unit="share/week",
        doc="Extra share of people leaving each week (key people loss).",
    )
    security_exposure: float = spec(
        0, 20, default=0.0, unit="x baseline", doc="Extra rate of background (security) incidents."
    )
    strategy_churn: float = spec(
        0,
        1,
        default=0.0,
        unit="share/week",
        doc="Weekly hazard that a waiting request is dropped by a change of strategy (withdrawn, its "
        "value lost).",
    )

    def __post_init__(self) -> None:
        validate_fields(self)


LEVER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Levers))
LEVER_INDEX: dict[str, int] = {name: i for i, name in enumerate(LEVER_NAMES)}
# Levers that set how many people platform and enabling teams have: the model staffs teams from
# them, and the weekly mechanisms read the rest.
STAFFING_LEVERS: tuple[str, ...] = ("platform_capacity", "enabling_capacity")


@dataclass(frozen=True)
class Phase:
    """One phase of an intervention or shock: lever changes for a while.

    Attributes:
        offset: Weeks after the intervention's start at which the phase begins.
        duration: Length in weeks; 0 means until the end of the run.
        cost: External spend in thousand currency units per stream-aligned team
            per week at intensity 1 (consultants, licences, training budgets).
        levers: Change of each named lever at intensity 1, added to the baseline.
    """

    offset: int = spec(0, 520, unit="weeks", default=0, doc="Weeks after the start.")
    duration: int = spec(0, 520, unit="weeks", default=0, doc="Weeks; 0 = to the end.")
    cost: float = spec(0, 1000, unit="k/team/week", default=0.0, doc="Spend per team-week.")
    levers: dict[str, float] = spec(default={}, doc="Lever deltas at intensity 1.")

    def __post_init__(self) -> None:
        validate_fields(self)
        for name in self.levers:
            if name not in LEVER_INDEX:
                raise ConfigError(
                    f"levers.{name}", f"unknown lever; allowed levers are {', '.join(LEVER_NAMES)}"
                )


@dataclass(frozen=True)
class Intervention:
    """An intervention or a shock: phases of lever changes from a start week.

    Attributes:
        description: What it stands for, in a sentence.
        start: First week (1-based) at which it acts.
        duration: Weeks after which it stops, cutting its phases; 0 = no cut.
        intensity: Multiplier on every lever delta and on the cost.
        phases: The phases, each with its offset from ``start``.
    """

    description: str = spec(default="", doc="What it stands for.")
    start: int = spec(1, 520, unit="week", default=1, doc="First week it acts.")
    duration: int = spec(0, 520, unit="weeks", default=0, doc="Cut-off; 0 = none.")
    intensity: float = spec(0, 3, unit="x", default=1.0, doc="Scale of lever deltas and cost.")
    phases: tuple[Phase, ...] = spec(default=(), doc="Lever changes over time.")

    def __post_init__(self) -> None:
        validate_fields(self)


def contribution(item: Intervention, weeks: int, cost_per_week_unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Tabulate what one intervention or shock adds to the levers and the spend, week by week.

    Args:
        item: The intervention or shock.
        weeks: Horizon in weeks.
        cost_per_week_unit: Multiplier turning a phase's per-team cost into the
            organisation's spend (the number of stream-aligned teams).

    Returns:
        ``(deltas, spend)``: ``(weeks, len(LEVER_NAMES))`` lever changes, row ``w`` for
        week ``w + 1`` (unclipped), and ``(weeks,)`` spend.
    """
    table = np.zeros((weeks, len(LEVER_NAMES)))
    spend = np.zeros(weeks)
    end_all = item.start - 1 + item.duration if item.duration else weeks
    for phase in item.phases:
        first = item.start - 1 + phase.offset
        last = first + phase.duration if phase.duration else weeks
        last = min(last, end_all, weeks)
        if first >= last:
            continue
        for name, delta in phase.levers.items():
            table[first:last, LEVER_INDEX[name]] += item.intensity * delta
        spend[first:last] += item.intensity * phase.cost * cost_per_week_unit
    return table, spend


def schedule(
    baseline: Levers,
    interventions: Iterable[Intervention],
    weeks: int,
    cost_per_week_unit: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Tabulate the levers and the intervention spend for every week.

    Args:
        baseline: The organisation's lever settings with no intervention.
        interventions: Interventions and shocks, combined additively.
        weeks: Horizon in weeks.
        cost_per_week_unit: Multiplier turning a phase's per-team cost into
            the organisation's spend (the number of stream-aligned teams).

    Returns:
        ``(levers, spend)``: an array of shape ``(weeks, len(LEVER_NAMES))``
        whose row ``w`` holds the levers of week ``w + 1``, clipped to their
        ranges, and an array of shape ``(weeks,)`` with the spend per week.
    """
    base = np.array([getattr(baseline, n) for n in LEVER_NAMES], dtype=float)
    table = np.tile(base, (weeks, 1))
    spend = np.zeros(weeks)
    for item in interventions:
        deltas, cost = contribution(item, weeks, cost_per_week_unit)
        table += deltas
        spend += cost
    lo, hi = lever_bounds()
    np.clip(table, lo, hi, out=table)
    return table, spend


def lever_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Return the lower and upper bound of every lever, in LEVER_NAMES order."""
    metas = [f.metadata for f in fields(Levers)]
    return np.array([m["lo"] for m in metas], float), np.array([m["hi"] for m in metas], float)


def active(items: Mapping[str, Intervention]) -> list[str]:
    """Names of the interventions that change anything (skips empty ones such as ``none``)."""
    return [name for name, item in items.items() if any(p.levers or p.cost for p in item.phases)]

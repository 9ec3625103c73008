"""Leadership's decision rules: perceive the delivery gap late, blame effort or the system, give up.

The rules are those of the capability-trap studies (Repenning & Sterman 2001,
"Nobody ever gets credit for fixing problems that never happened"; Repenning &
Sterman 2002, "Capability traps and self-confirming attribution errors"), in the
stock-and-flow form Sterman (2000, *Business Dynamics*, ch. 11 and 13) gives
delayed perception and anchoring-and-adjustment:

* **Perception.** Leadership sees what is delivered and what is asked for
  through a first-order information delay of ``perception_weeks`` (reports are
  monthly and people average what they see), and the delivery gap as the share
  of what is asked that is not delivered. Smoothing first and comparing after
  keeps week-to-week noise from reading as a shortfall.
* **Attribution.** It puts a share ``attribution`` of the perceived gap down to
  effort (people not trying hard enough) and the rest to the system (capability,
  debt, process). The part put down to effort it closes by working harder: it
  raises delivery pressure and cuts the time budgeted for improvement. The part
  put down to the system it closes by working smarter: it adds improvement time.
* **Adjustment.** Pressure and the improvement share move towards what the
  rule asks with a first-order delay of ``adjustment_weeks`` (a policy is not
  rewritten every week).
* **Patience.** An improvement programme whose payoff has not shown within
  ``patience_weeks`` of its start (delivery no better than when it started) is
  abandoned; a programme that has paid back is kept.

Every function is compiled (numba) and works on all worlds of a batch at once:
arrays have a row per world (``(worlds,)``; programmes ``(worlds, programmes)``).
Nothing here draws a random number: the rules are deterministic given what
leadership sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.compiled import cache_guard, jit
from sim.model.schema import spec, validate_fields

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())


@dataclass(frozen=True)
class LeadershipRules:
    """How leadership perceives the delivery gap and responds to it.

    Its attribution and its patience are levers (``sim.model.levers.Levers``), so that an
    organisation's preset sets them and interventions move them. The defaults are stated assumptions, to be fitted to independent evidence by
    the calibration (they are not set so that any conclusion holds).
    """

    perception_weeks: float = spec(
        1,
        52,
        default=4,
        unit="weeks",
        doc="Delay with which leadership perceives the delivery gap (monthly reporting; assumption).",
    )
    adjustment_weeks: float = spec(
        1,
        52,
        default=4,
        unit="weeks",
        doc="Time to move pressure and the improvement share to what the rule asks (assumption).",
    )
    pressure_response: float = spec(
        0,
        5,
        default=1.0,
        unit="1 per unit gap",
        doc="Pressure added per unit of relative gap put down to effort (a gap of 30% all put down "
        "to effort adds 0.3; assumption).",
    )
    improvement_cut: float = spec(
        0,
        5,
        default=2.0,
        unit="1 per unit gap",
        doc="Share of the improvement budget cut per unit of relative gap put down to effort (a 30% "
        "gap all put down to effort cuts 60% of it; assumption).",
    )
    improvement_response: float = spec(
        0,
        1,
        default=0.2,
        unit="share per unit gap",
        doc="Capacity share added to improvement per unit of relative gap put down to the system "
        "(assumption).",
    )
    max_improvement: float = spec(
        0,
        1,
        default=0.5,
        unit="share",
        doc="Most of its capacity leadership lets a team spend on improvement.",
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@jit
def smoothing(weeks: float) -> float:
    """Weight of the newest week in a first-order delay of ``weeks`` (exact for a weekly step).

    A delay of one week follows at once (weight 1); the weight is ``1 - exp(-1/weeks)``
    otherwise, so that the delay's mean is ``weeks`` whatever the step.
    """
    return 1.0 if weeks <= 1.0 else 1.0 - math.exp(-1.0 / weeks)


@jit
def delivery_gap(delivered, target):
    """Return the share of the target not delivered, 0-1 (0 when the target is met or there is none)."""
    gap = np.zeros_like(delivered)
    for i in range(delivered.shape[0]):
        if target[i] > 0.0 and delivered[i] < target[i]:
            gap[i] = (target[i] - delivered[i]) / target[i]
    return gap


@jit
def perceive(perceived, gap, weight):
    """Return the perceived gap after a week: it moves towards the actual gap by ``weight``."""
    return perceived + weight * (gap - perceived)


@jit
def decide(
    perceived,
    pressure,
    improvement,
    policy_pressure,
    budget_share,
    attribution,
    pressure_response,
    improvement_cut,
    improvement_response,
    max_improvement,
    weight,
):
    """Return pressure and the improvement share after a week of leadership's rule.

    Args:
        perceived: Perceived delivery gap, 0-1, per world.
        pressure: Pressure now, 0-1.
        improvement: Share of capacity for improvement now.
        policy_pressure: Pressure the policy sets with no gap (the ``pressure`` lever), 0-1.
        budget_share: Improvement share budgeted with no gap (the ``improve_share`` lever).
        attribution: Share of the gap put down to effort, 0-1, per world.
        pressure_response: Pressure added per unit of gap put down to effort.
        improvement_cut: Share of the improvement budget cut per unit of gap put down to effort.
        improvement_response: Capacity share added to improvement per unit of gap put down to the system.
        max_improvement: Largest improvement share allowed.
        weight: Adjustment weight of the week (:func:`smoothing` of ``adjustment_weeks``).

    Returns:
        ``(pressure, improvement)`` after the week, each per world.
    """
    effort = attribution * perceived
    system = (1.0 - attribution) * perceived
    want_pressure = np.minimum(np.maximum(policy_pressure + pressure_response * effort, 0.0), 1.0)
    cut = np.minimum(improvement_cut * effort, 1.0)
    want_improvement = np.minimum(budget_share * (1.0 - cut) + improvement_response * system, max_improvement)
    return (
        pressure + weight * (want_pressure - pressure),
        improvement + weight * (want_improvement - improvement),
    )


@jit
def review_programmes(active, age, delivered_at_start, delivered, patience):
    """Abandon the programmes whose payoff has not shown within leadership's patience.

    A programme is judged once it is ``patience`` weeks old: it is kept if
    perceived delivery is above what it was when the programme started, and
    abandoned otherwise. It is judged once; a programme kept then runs to its end.

    Args:
        active: Whether each programme runs, ``(worlds, programmes)``; updated in place.
        age: Weeks since each programme started (negative: not yet started).
        delivered_at_start: Perceived delivery when each programme started.
        delivered: Perceived delivery now, per world.
        patience: Patience in weeks, per world.

    Returns:
        The number of programmes abandoned this week, per world.
    """
    worlds, programmes = active.shape
    abandoned = np.zeros(worlds, dtype=np.int64)
    for i in range(worlds):
        for j in range(programmes):
            if (
                active[i, j]
                and age[i, j] == math.ceil(patience[i])
                and delivered[i] <= delivered_at_start[i, j]
            ):
                active[i, j] = False
                abandoned[i] += 1
    return abandoned

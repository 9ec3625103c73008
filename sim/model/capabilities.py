"""What teams are able to do, and how it grows with upkeep and decays without it.

A team's capabilities are stocks (Sterman 2000, ch. 6): they rise only with the
work put into them and drain without it.

* **Technical debt** belongs to the code a team owns, in person-days of
  remediation. Every person-day of feature work adds some (more under pressure,
  less where architecture standards hold); improvement work pays it down. It
  slows every item touching that code (an effort multiplier of
  ``1 + debt / debt_doubling``) and makes changes fail more often. Hiring does not
  dilute it: new people work on the same code.
* **Delivery practice** (test and deploy automation, 0-1) rises with the
  improvement time spent on automation and decays with a half-life without it;
  it shortens the deploy interval (smaller batches) and lowers the chance that a
  change fails.
* **Skill** (0-1) rises with learning time and coaching, and decays slowly.
* **Platform self-service** (0-1, per organisation) is built by the platform
  teams' improvement time and decays without upkeep; stream-aligned teams get
  that share of what they need from the platform without asking.
* **Morale** (0-1) moves towards a target that pressure and firefighting lower
  and safety raises.

Half-lives: organisations forget what they do not practise (Argote, Beckman &
Epple 1990; Argote 2013 reviews depreciation rates of organisational knowledge
that range from a few percent to over half a year); the defaults below are
assumptions within that range, for the calibration to fit.

Arrays have a row per world and a column per team, ``(worlds, teams)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.compiled import cache_guard, jit
from sim.model.schema import spec, validate_fields

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())


def _half_life(weeks: float, doc: str) -> float:
    return spec(4, 2000, unit="weeks", default=weeks, doc=doc)


@dataclass(frozen=True)
class CapabilityRules:
    """How capabilities are built, used and lost."""

    debt_per_day: float = spec(
        0,
        1,
        default=0.08,
        unit="person-days per person-day",
        doc="Debt a person-day of feature work adds at normal pressure and no standards (assumption).",
    )
    debt_pressure: float = spec(
        0,
        10,
        default=1.5,
        unit="1",
        doc="Debt added per unit of pressure above normal, as a multiple (assumption).",
    )
    debt_standards: float = spec(
        0,
        1,
        default=0.7,
        unit="share",
        doc="Share of new debt that full architecture standards prevent (assumption).",
    )
    debt_doubling: float = spec(
        1,
        100_000,
        default=400.0,
        unit="person-days",
        doc="Debt in a team's code at which every item takes twice the effort (assumption: about a "
        "year of one person's remediation).",
    )
    debt_days_per_unit: float = spec(
        0,
        1000,
        default=10.0,
        unit="person-days per person",
        doc="A team's starting debt per person for each unit of an organisation preset's `debt` "
        "(how a preset's debt reads in model v2; assumption).",
    )
    debt_share: float = spec(
        0,
        1,
        default=0.5,
        unit="share",
        doc="Share of improvement time spent paying down debt (the rest on automation and learning).",
    )
    automation_share: float = spec(
        0, 1, default=0.3, unit="share", doc="Share of improvement time spent on test and deploy automation."
    )
    practice_gain: float = spec(
        0,
        10,
        default=1.0,
        unit="per person-week",
        doc="Practice gained per person-week of automation work per person of the team, times the "
        "gap to full practice (assumption).",
    )
    practice_half_life: float = _half_life(52, "Half-life of delivery practice without upkeep (assumption).")
    skill_gain: float = spec(
        0,
        10,
        default=0.5,
        unit="per person-week",
        doc="Skill gained per person-week of learning per person, times the gap to full skill (assumption).",
    )
    skill_half_life: float = _half_life(156, "Half-life of skill without practice or learning (assumption).")
    platform_gain: float = spec(
        0,
        10,
        default=0.5,
        unit="per person-week",
        doc="Self-service gained per person-week of the platform teams' build work per stream-aligned "
        "person served, times the gap to full (assumption).",
    )
    platform_half_life: float = _half_life(
        78, "Half-life of the platform's self-service without upkeep (assumption)."
    )
    investment_gain: float = spec(
        0,
        1,
        default=0.05,
        unit="per week",
        doc="Share of the gap to full closed per week by an investment lever at 1 (architecture "
        "standards, culture, training, practice, governance, strategy work; assumption: about a year "
        "to close half the gap with a sustained programme).",
    )
    standards_half_life: float = _half_life(
        104, "Half-life of architecture standards without upkeep (assumption)."
    )
    safety_half_life: float = _half_life(
        156, "Half-life of psychological safety without upkeep (assumption)."
    )
    partnership_half_life: float = _half_life(
        52, "Half-life of the partnership with the business without joint planning (assumption)."
    )
    clarity_half_life: float = _half_life(
        52, "Half-life of strategic clarity without strategy work (assumption)."
    )
    coaching_gain: float = spec(
        0,
        10,
        default=2.0,
        unit="per coach per person",
        doc="Skill and practice gained per week per enabling-team person per person of a team they "
        "facilitate, times the gap to full (assumption).",
    )
    innovation_gain: float = spec(
        0,
        100,
        default=0.5,
        unit="per experiment per person",
        doc="Innovation capability gained per experiment run per stream-aligned person, times the gap "
        "to full (learning by experimenting; assumption).",
    )
    innovation_half_life: float = _half_life(
        104, "Half-life of innovation capability without experiments (assumption)."
    )
    morale_weeks: float = spec(1, 52, default=8, unit="weeks", doc="Time for morale to follow its target.")
    morale_pressure: float = spec(
        0, 2, default=0.5, unit="1", doc="Morale lost per unit of pressure above normal."
    )
    morale_firefighting: float = spec(
        0, 2, default=0.6, unit="1", doc="Morale lost per unit share of capacity going to unplanned work."
    )
    morale_safety: float = spec(
        0, 2, default=0.4, unit="1", doc="Morale gained per unit of safety above 0.5."
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@jit
def decay(half_life: float) -> float:
    """Weekly share kept of a stock with that half-life."""
    return math.exp(-math.log(2.0) / half_life)


@jit
def effort(debt: np.ndarray, doubling: float) -> np.ndarray:
    """Effort multiplier of every item in a team's code: 1 with no debt, 2 at ``doubling``."""
    return 1.0 + debt / doubling


@jit
def debt_after(
    debt: np.ndarray,
    feature_days: np.ndarray,
    paydown_days: np.ndarray,
    excess_pressure: np.ndarray,
    standards: np.ndarray,
    rules: CapabilityRules,
) -> np.ndarray:
    """Return the debt after a week: added by feature work, paid down by improvement work, never below 0.

    ``rules`` is the :func:`~sim.model.compiled.record` of the :class:`CapabilityRules`.
    """
    added = feature_days * rules.debt_per_day * (1.0 + rules.debt_pressure * excess_pressure)
    added *= 1.0 - rules.debt_standards * standards
    return np.maximum(debt + added - paydown_days, 0.0)


@jit
def grown(stock: np.ndarray, effort_per_person: np.ndarray, gain: float, kept: float) -> np.ndarray:
    """Return a 0-1 stock after a week: it decays to ``kept`` of itself and grows with the effort put in.

    Args:
        stock: The stock now.
        effort_per_person: Person-weeks put into it this week per person it serves.
        gain: Growth per person-week per person, times the gap to 1.
        kept: Weekly share kept (:func:`decay`).
    """
    gap = 1.0 - stock
    return np.clip(stock * kept + gap * (1.0 - np.exp(-gain * effort_per_person)), 0.0, 1.0)


@jit
def morale_after(
    morale: np.ndarray,
    excess_pressure: np.ndarray,
    unplanned_share: np.ndarray,
    safety: np.ndarray,
    rules: CapabilityRules,
) -> np.ndarray:
    """Return morale after a week: it moves towards what pressure, firefighting and safety make it.

    ``rules`` is the :func:`~sim.model.compiled.record` of the :class:`CapabilityRules`.
    """
    target = np.clip(
        0.7
        - rules.morale_pressure * excess_pressure
        - rules.morale_firefighting * unplanned_share
        + rules.morale_safety * (safety - 0.5),
        0.0,
        1.0,
    )
    return morale + (target - morale) * (1.0 - math.exp(-1.0 / rules.morale_weeks))

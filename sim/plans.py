"""Plans: which interventions start when, and how strongly (a roadmap, a what-if's plan A or B).

A plan names interventions (presets of ``configs/intervention/``) with a start
week and an intensity; the command line's ``intervention=[...]`` overrides and
plan files say the same for one run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One intervention of a plan.

    Attributes:
        name: Its preset in ``configs/intervention``.
        start: First week it acts.
        intensity: Scale of its lever changes and cost.
    """

    name: str
    start: int = 1
    intensity: float = 1.0


@dataclass(frozen=True)
class Plan:
    """Interventions applied together, each from its start week (none: doing nothing).

    Attributes:
        steps: The interventions, in order of start week.
        source: How a roadmap search found it: ``baseline``, ``single``,
            ``alternative`` or ``search`` (empty for a plan a person wrote).
    """

    steps: tuple[Step, ...] = ()
    source: str = ""

    def label(self) -> str:
        """Short name, unique per plan: ``platform_team (week 10) + talent_program (x0.5)``."""
        if not self.steps:
            return "do nothing"
        parts = []
        for step in self.steps:
            extras = [f"week {step.start}"] if step.start != 1 else []
            extras += [f"x{step.intensity:g}"] if step.intensity != 1 else []
            parts.append(f"{step.name} ({', '.join(extras)})" if extras else step.name)
        return " + ".join(parts)

    def describe(self) -> str:
        """Plain words: ``a (from week 1, intensity 1); b (from week 13, intensity 0.5)``."""
        if not self.steps:
            return "do nothing"
        return "; ".join(f"{s.name} (from week {s.start}, intensity {s.intensity:g})" for s in self.steps)

"""Guided lessons: a narrative, a preset comparison and a question answered by the run itself.

The answer to each question is read from the simulated runs, never written
down in advance: if the model changed so that the lesson no longer held, the
page would say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.model.metrics import END_WEEKS
from sim.plans import Plan, Step
from viz.scenario import METRICS, Outcome, Scenario, band, crossover_week, differences, layers_at

SEEDS = 10


@dataclass(frozen=True)
class Lesson:
    """One guided lesson.

    Attributes:
        title: Short name.
        narrative: What to look for, in a few sentences (Markdown).
        scenario: The organisation and horizon both plans run on.
        plan_a: The first plan.
        plan_b: The second plan.
        metrics: The charts shown (keys of :data:`viz.scenario.METRICS`).
        question: Asked before the run.
        choices: Possible answers.
        answer: Reads the runs and returns the right choice and why.
    """

    title: str
    narrative: str
    scenario: Scenario
    plan_a: Plan
    plan_b: Plan
    metrics: tuple[str, ...]
    question: str
    choices: tuple[str, ...]
    answer: Callable[[Outcome], tuple[str, str]]


def _capability_trap(outcome: Outcome) -> tuple[str, str]:
    cum = differences(outcome).loc[METRICS["cumulative_value"]]
    crossover = crossover_week(outcome)
    winner = "Doing nothing" if cum["A"] > cum["B"] else "The execution push"
    why = (
        f"Cumulative value after {outcome.weeks} weeks: {cum['A']:,.0f} doing nothing, "
        f"{cum['B']:,.0f} with the push."
    )
    if crossover is not None:
        why += (
            f" The push is ahead at first; from week {crossover} the other plan leads: pressure took "
            "the time that improvement needed, and capability eroded underneath."
        )
    return winner, why


def _worse_before_better(outcome: Outcome) -> tuple[str, str]:
    early = min(13, outcome.weeks)
    a, b = band(outcome.a, "value")["mean"], band(outcome.b, "value")["mean"]
    dip = b.iloc[:early].mean() < a.iloc[:early].mean()
    winner = "Down first" if dip else "Up from the start"
    why = (
        f"Mean weekly value over the first {early} weeks: {a.iloc[:early].mean():,.0f} doing nothing, "
        f"{b.iloc[:early].mean():,.0f} with foundations first; over the last {END_WEEKS} weeks "
        f"{a.iloc[-END_WEEKS:].mean():,.0f} against {b.iloc[-END_WEEKS:].mean():,.0f}. Time spent on the foundations "
        "is time not spent on features, and it pays back only after a delay."
    )
    return winner, why


def _down_the_stack(outcome: Outcome) -> tuple[str, str]:
    end_a = layers_at(outcome.a, outcome.weeks)
    end_b = layers_at(outcome.b, outcome.weeks)
    winner = "Foundations first" if end_b["execution"] > end_a["execution"] else "The delivery programme"
    why = (
        f"Execution layer at week {outcome.weeks}: {end_a['execution']:.2f} with the delivery programme, "
        f"{end_b['execution']:.2f} with foundations first (talent {end_a['talent']:.2f} against "
        f"{end_b['talent']:.2f}, architecture {end_a['architecture']:.2f} against "
        f"{end_b['architecture']:.2f}). Practices need skills and a coherent architecture to take hold. "
        "Try both plans on solid_but_slow, whose lower layers are strong, on the What-if page: the right "
        "move depends on the diagnosis."
    )
    return winner, why


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        title="The capability trap",
        narrative=(
            "A struggling organisation is behind on delivery. Management pushes: targets, more pressure, "
            "more work accepted. People work harder and output rises - for a while. But the time for "
            "improvement is the first thing pressure takes, and capability erodes with a delay."
        ),
        scenario=Scenario(org="struggling", seeds=SEEDS),
        plan_a=Plan(),
        plan_b=Plan((Step("execution_push"),)),
        metrics=("cumulative_value", "value", "tech_debt"),
        question="After three years, which has delivered more value: doing nothing, or the execution push?",
        choices=("Doing nothing", "The execution push"),
        answer=_capability_trap,
    ),
    Lesson(
        title="Worse before better",
        narrative=(
            "The same organisation instead fixes its stack in order: partnership and strategy, "
            "architecture and culture, then talent and a platform, then execution. Improvement takes "
            "people's time now and pays back later."
        ),
        scenario=Scenario(org="struggling", seeds=SEEDS),
        plan_a=Plan(),
        plan_b=Plan((Step("foundations_first"),)),
        metrics=("value", "cumulative_value", "throughput"),
        question="In the first three months of foundations first, does weekly value go up or down?",
        choices=("Up from the start", "Down first"),
        answer=_worse_before_better,
    ),
    Lesson(
        title="Looking down the stack",
        narrative=(
            "Delivery is slow, so the obvious fix is a delivery programme: CI/CD, automation, SRE, with "
            "coaching. But execution is layer 6: it rests on talent, culture, architecture, strategy "
            "and partnership. When those are weak, the execution problem is a symptom."
        ),
        scenario=Scenario(org="struggling", seeds=SEEDS),
        plan_a=Plan((Step("delivery_excellence"),)),
        plan_b=Plan((Step("foundations_first"),)),
        metrics=("deploys_per_week", "lead_time_days", "cumulative_value"),
        question="Which plan ends with the stronger execution layer (delivery practice)?",
        choices=("The delivery programme", "Foundations first"),
        answer=_down_the_stack,
    ),
)

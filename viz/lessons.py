"""Guided lessons: a narrative, a preset comparison and a question answered by the run itself.

The answer to each question is read from the simulated runs, never written
down in advance: if the model changed so that the lesson no longer held, the
page would say so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.plans import Plan, Step
from sim.stats import dip, t_interval
from viz.scenario import METRICS, Outcome, Scenario, crossover_week, differences, layers_at, verdict

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
    cum = differences(outcome).loc[METRICS["cumulative_net_value"]]
    judged = verdict(outcome)
    winner = "Doing nothing" if judged.leader == "A" else "The execution push"
    why = (
        f"Cumulative net value after {outcome.weeks} weeks: {cum['A']:,.0f} doing nothing, "
        f"{cum['B']:,.0f} with the push."
    )
    if judged.tie:
        why += (
            f" That is only {abs(judged.gap_percent):.0f}% apart, within what the {judged.seeds} seeds vary by: "
            "on this organisation and horizon the two are too close to call."
        )
    crossover = crossover_week(outcome)
    if crossover is not None and judged.leader == "A":
        why += (
            f" The push is ahead at first; from week {crossover} the other plan leads: pressure took "
            "the time that improvement needed, and capability eroded underneath."
        )
    return winner, why


SMOOTH_WEEKS = (
    4  # weekly value is noisy: the lesson reads its 4-week trailing mean, as the eye reads the chart
)


def _worse_before_better(outcome: Outcome) -> tuple[str, str]:
    """Judge foundations first against where its own line starts, which is what the chart shows."""
    early = min(13, outcome.weeks)
    runs = outcome.b["value"].to_numpy(dtype=float).reshape(outcome.seeds, -1)[:, :early]
    start = np.repeat(runs[:, :1], early, axis=1)
    depth, week = dip(runs, start, np.arange(1, early + 1), start=1, window=SMOOTH_WEEKS)
    first = runs[:, 0].mean()
    if depth.mean > 0 and depth.excludes(0.0):
        winner = "Down first"
        why = (
            f"With foundations first, weekly value starts at {first:,.0f} in week 1 and falls to "
            f"{first * (1 - depth.mean):,.0f} around week {week:.0f} ({depth.mean:.0%} down, "
            f"{SMOOTH_WEEKS}-week mean), before it rises. Time spent on the foundations is time not spent on "
            "features, and it pays back only after a delay."
        )
    else:
        winner = "Up from the start"
        later = runs[:, -1].mean()
        why = (
            f"With foundations first, weekly value starts at {first:,.0f} in week 1 and does not fall clearly "
            f"below it in the first {early} weeks ({later:,.0f} in week {early}): on this organisation the cost "
            "of the improvement time is smaller than what it gives back, even early."
        )
    return winner, why


BROOKS_WEEKS = 13  # "the first three months" of the hiring wave


def _brooks(outcome: Outcome) -> tuple[str, str]:
    """Judge the hiring wave by its features per week in the three months after the newcomers arrive."""

    def per_seed(runs, column):
        return runs[column].to_numpy(dtype=float).reshape(outcome.seeds, -1)

    more = (per_seed(outcome.b, "headcount") - per_seed(outcome.a, "headcount")).mean(axis=0) >= 1.0
    if not more.any():
        return (
            "About the same",
            f"Nobody new has arrived within {outcome.weeks} weeks: the hiring lag is longer.",
        )
    first = int(np.argmax(more))  # the first week with more people, 0-based
    window = slice(first, min(first + BROOKS_WEEKS, outcome.weeks))
    gain = per_seed(outcome.b, "throughput") - per_seed(outcome.a, "throughput")
    early = t_interval(gain[:, window].mean(axis=1))
    late = t_interval(gain[:, -BROOKS_WEEKS:].mean(axis=1))
    said = (
        f"The newcomers arrive in week {first + 1}. In the {window.stop - first} weeks from then the hiring "
        f"plan delivers {early.mean:+.1f} features a week against doing nothing, and {late.mean:+.1f} in the "
        f"last {BROOKS_WEEKS} weeks of the run."
    )
    if early.excludes(0.0) and early.mean < 0:
        return "Fewer at first", (
            f"{said} New people arrive after the hiring lag, deliver little while they learn the system, "
            "take their mentors' time and add to every team's coordination: output dips before it rises "
            "(Brooks's law)."
        )
    if early.excludes(0.0):
        return "More from the start", (
            f"{said} On this organisation the new people's output outweighs what they cost their mentors "
            "and their teams' coordination even while they ramp up."
        )
    return "About the same", (
        f"{said} The first months are within what the {outcome.seeds} seeds vary by: the newcomers' output "
        "about balances the mentoring and coordination they cost."
    )


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
        metrics=("cumulative_net_value", "value", "tech_debt"),
        question="After three years, which is worth more, value less cost: doing nothing, or the execution push?",
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
        metrics=("value", "cumulative_net_value", "throughput"),
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
        metrics=("deploys_per_week", "lead_time_days", "cumulative_net_value"),
        question="Which plan ends with the stronger execution layer (delivery practice)?",
        choices=("The delivery programme", "Foundations first"),
        answer=_down_the_stack,
    ),
    Lesson(
        title="Adding people to a late organisation",
        narrative=(
            "Delivery is behind, so leadership hires: 30% more people. Offers take weeks to become "
            "arrivals; a newcomer knows the trade but not the system, delivers little for months and "
            "takes a mentor's time; a bigger team spends more of its day coordinating."
        ),
        scenario=Scenario(org="struggling", seeds=SEEDS),
        plan_a=Plan(),
        plan_b=Plan((Step("hire_more"),)),
        metrics=("throughput", "cost", "net_value"),
        question="In the three months after the new people arrive, does the organisation deliver more features?",
        choices=("More from the start", "Fewer at first", "About the same"),
        answer=_brooks,
    ),
)

"""The Learn page: guided lessons, each answered by its own run."""

from __future__ import annotations

from functools import partial

import solara

from viz.lessons import LESSONS, Lesson
from viz.plots import metric_spec, plan_colours
from viz.scenario import PLAN_KEYS, Outcome, crossover_week, plan_label, run_what_if
from viz.state import use_cancel_on_leave
from viz.vega import ChartGrid
from viz.widgets import Markdown, show_status

# Per browser tab: the chosen lesson, and each lesson's guess and last run, kept across page switches.
chosen = solara.reactive(0)
guesses: solara.Reactive[dict[str, str]] = solara.reactive({})
outcomes: solara.Reactive[dict[str, Outcome]] = solara.reactive({})


def lesson_charts(
    lesson: Lesson, outcome: Outcome, labels: dict[str, str], colours: dict[str, str]
) -> list[tuple[dict, str, str]]:
    """Build the charts a lesson shows, for :func:`viz.vega.ChartGrid`."""
    crossover = crossover_week(outcome)
    return [
        (metric_spec(outcome, m, labels, colours, crossover), "", f"orgstack-lesson-{m}")
        for m in lesson.metrics
    ]


@solara.component
def LessonView(lesson: Lesson) -> None:
    """Show a lesson: narrative, question, Run, then the charts and the answer read from the runs."""
    guess = guesses.value.get(lesson.title)
    plans = dict(zip(PLAN_KEYS, (lesson.plan_a, lesson.plan_b), strict=False))

    def compute() -> None:
        outcome = run_what_if(
            lesson.scenario, list(plans.values()), lambda share: setattr(task, "progress", 100 * share)
        )
        outcomes.set({**outcomes.value, lesson.title: outcome})

    task = solara.lab.use_task(compute, dependencies=None, raise_error=False)
    use_cancel_on_leave(task)
    labels = {key: plan_label(plan) for key, plan in plans.items()}
    Markdown(
        f"### {lesson.title}\n{lesson.narrative}\n\n"
        f"Plan A: **{labels['A']}**; plan B: **{labels['B']}**, on the `{lesson.scenario.org}` organisation "
        f"over {lesson.scenario.weeks} weeks and {lesson.scenario.seeds} seeds."
    )
    Markdown(f"**Question.** {lesson.question}")
    # Buttons rather than a toggle group: Vuetify's toggle would preselect an answer.
    with solara.Row(style={"flex-wrap": "wrap"}):
        for choice in lesson.choices:
            solara.Button(
                choice,
                on_click=lambda c=choice: guesses.set({**guesses.value, lesson.title: c}),
                outlined=guess != choice,
                color="secondary",
            )
    solara.Button("Run", on_click=task, color="primary", disabled=task.pending)
    outcome = outcomes.value.get(lesson.title)
    if task.pending or task.error or outcome is None:
        show_status(task, "Make your guess, then press Run: the answer is revealed after the run.")
    if outcome is not None and not task.pending:
        right, why = lesson.answer(outcome)
        verdict = (
            "" if guess is None else (" You were right." if guess == right else f" You answered: {guess}.")
        )
        solara.Success(f"Answer: {right}.{verdict} {why}")
        ChartGrid(partial(lesson_charts, lesson, outcome, labels, plan_colours(plans)), [outcome])


@solara.component
def Learn() -> None:
    """Choose a lesson and work through it."""
    titles = [lesson.title for lesson in LESSONS]
    solara.Title("OrgStack - Learn")
    Markdown("## Learn\nGuided lessons on the layered model. Guess first, then run the simulation.")
    solara.ToggleButtonsSingle(
        value=titles[chosen.value], values=titles, on_value=lambda title: chosen.set(titles.index(title))
    )
    LessonView(LESSONS[chosen.value]).key(LESSONS[chosen.value].title)

"""The Learn page: guided lessons, each answered by its own run."""

from __future__ import annotations

from functools import partial

import solara
from solara.lab import use_task

from viz.charts import metrics_figure
from viz.lessons import LESSONS, Lesson
from viz.scenario import Outcome, crossover_week, run_what_if
from viz.widgets import Chart, Markdown, show_status


@solara.component
def LessonView(lesson: Lesson) -> None:
    """Show a lesson: narrative, question, Run, then the charts and the answer read from the runs."""
    guess, set_guess = solara.use_state(None)

    def compute() -> Outcome:
        return run_what_if(
            lesson.scenario,
            lesson.plan_a,
            lesson.plan_b,
            lambda share: setattr(task, "progress", 100 * share),
        )

    task = use_task(compute, dependencies=None, raise_error=False)
    labels = {"A": lesson.plan_a.label(), "B": lesson.plan_b.label()}
    Markdown(
        f"### {lesson.title}\n{lesson.narrative}\n\n"
        f"Plan A: **{labels['A']}**; plan B: **{labels['B']}**, on the `{lesson.scenario.org}` organisation "
        f"over {lesson.scenario.weeks} weeks and {lesson.scenario.seeds} seeds."
    )
    Markdown(f"**Question.** {lesson.question}")
    # Buttons rather than a toggle group: Vuetify's toggle would preselect an answer.
    with solara.Row():
        for choice in lesson.choices:
            solara.Button(
                choice, on_click=lambda c=choice: set_guess(c), outlined=guess != choice, color="secondary"
            )
    solara.Button("Run", on_click=task, color="primary", disabled=task.pending)
    if show_status(task, "Make your guess, then press Run: the answer is revealed after the run."):
        outcome = task.value
        right, why = lesson.answer(outcome)
        verdict = (
            "" if guess is None else (" You were right." if guess == right else f" You answered: {guess}.")
        )
        solara.Success(f"Answer: {right}.{verdict} {why}")
        Chart(partial(metrics_figure, outcome, labels, crossover_week(outcome), lesson.metrics), [outcome])


@solara.component
def Learn() -> None:
    """Choose a lesson and work through it."""
    index, set_index = solara.use_state(0)
    solara.Title("OrgStack - Learn")
    Markdown("## Learn\nGuided lessons on the layered model. Guess first, then run the simulation.")
    solara.ToggleButtonsSingle(
        value=LESSONS[index].title,
        values=[lesson.title for lesson in LESSONS],
        on_value=lambda title: set_index([lesson.title for lesson in LESSONS].index(title)),
    )
    LessonView(LESSONS[index]).key(LESSONS[index].title)

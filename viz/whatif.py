"""The What-if page: one organisation, two plans, their futures side by side."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial

import reacton.ipywidgets as w
import solara
import solara.util
from solara.lab import Task, use_task

from sim.model.metrics import END_WEEKS
from sim.plans import Plan, Step
from sim.text import fmt
from viz.charts import layer_stack_figure, metrics_figure, start_drawing
from viz.scenario import (
    LAYER_GROUPS,
    LOWER_IS_BETTER,
    METRICS,
    Outcome,
    Scenario,
    crossover_week,
    differences,
    interventions,
    layers_at,
    prepare,
    preset_defaults,
    presets,
    run_what_if,
    shocks,
)
from viz.widgets import Chart, Markdown, show_status

DEFAULT_A = Plan((Step("execution_push"),))
DEFAULT_B = Plan((Step("foundations_first"),))
# The studio keeps a run of both plans over all seeds interactive; larger organisations
# belong to the command line and its sweeps.
MAX_TEAMS = 5000
MAX_SEEDS = 50
NO_SHOCK = "none"


def metrics_chart(outcome: Outcome, labels: dict[str, str]) -> partial:
    """Return the figure of plans A and B over time, as :class:`viz.widgets.Chart` draws it."""
    return partial(metrics_figure, outcome, labels, crossover_week(outcome))


def stacks_chart(outcome: Outcome, week: int) -> partial:
    """Return the figure of both plans' layer stacks at a week."""
    return partial(
        layer_stack_figure, {"A": layers_at(outcome.a, week), "B": layers_at(outcome.b, week)}, week
    )


def headline(outcome: Outcome, labels: dict[str, str]) -> str:
    """One sentence on which plan delivers more cumulative value at the horizon, and since when."""
    table = differences(outcome)
    row = table.loc[METRICS["cumulative_value"]]
    ahead, behind = ("B", "A") if row["B - A"] >= 0 else ("A", "B")
    share = row["B better"] if ahead == "B" else 1 - row["B better"]
    seeds = outcome.a.index.get_level_values("seed").nunique()
    gap = abs(row["B - A %"])
    text = (
        f"After {outcome.weeks} weeks, plan {ahead} ({labels[ahead]}) has delivered "
        f"{fmt(row[ahead])} in cumulative value against {fmt(row[behind])} for plan {behind} "
        f"({labels[behind]}): {gap:.0f}% more, ahead in {round(share * seeds)} of {seeds} seeds."
    )
    crossover = crossover_week(outcome)
    if crossover is not None:
        text += f" Plan {ahead} has been ahead since week {crossover}."
    return text


def differences_markdown(outcome: Outcome) -> str:
    """Write the table of differences at the horizon as Markdown, with the better plan per row."""
    lines = [
        "| metric | A | B | B - A | B - A % | better | B better in |",
        "|---|--:|--:|--:|--:|:-:|--:|",
    ]
    for (metric, label), (_, row) in zip(METRICS.items(), differences(outcome).iterrows(), strict=True):
        if row["B - A"] == 0:
            better = "="
        else:
            better = "B" if (row["B - A"] < 0) == (metric in LOWER_IS_BETTER) else "A"
        pct = "-" if row["B - A %"] != row["B - A %"] else f"{row['B - A %']:+.0f}%"
        lines.append(
            f"| {label} | {fmt(row['A'])} | {fmt(row['B'])} | {fmt(row['B - A'])} | {pct} | {better} "
            f"| {row['B better']:.0%} of seeds |"
        )
    return "\n".join(lines)


@solara.component
def LayerSliders(layers: solara.Reactive[dict[str, float]]) -> None:
    """Edit the starting strength of each layer, grouped Alignment / Foundation / Performance."""

    def setter(name: str) -> Callable[[float], None]:
        return lambda value: layers.set({**layers.value, name: value})

    number = {name: i + 1 for i, name in enumerate(name for _, names in LAYER_GROUPS for name in names)}
    with solara.Columns([1, 1, 1]):
        for group, names in LAYER_GROUPS:
            with solara.Card(group, margin=0):
                for name in names:
                    solara.SliderFloat(
                        f"{number[name]} {name}: {layers.value[name]:.2f}",
                        value=layers.value[name],
                        min=0,
                        max=1,
                        step=0.05,
                        on_value=setter(name),
                    )


@solara.component
def PlanEditor(key: str, plan: solara.Reactive[Plan], weeks: int) -> None:
    """Choose a plan's interventions and, for each, its start week and intensity."""
    by_name = {step.name: step for step in plan.value.steps}

    def choose(names: list[str]) -> None:
        plan.set(Plan(tuple(by_name.get(name, Step(name)) for name in names)))

    def update(name: str, **change: float) -> None:
        plan.set(
            Plan(tuple(Step(**{**s.__dict__, **change}) if s.name == name else s for s in plan.value.steps))
        )

    with solara.Card(f"Plan {key}", margin=0):
        solara.SelectMultiple(
            f"Plan {key} interventions", values=list(by_name), all_values=interventions(), on_value=choose
        )
        if not plan.value.steps:
            solara.Text("No intervention: the organisation carries on as it is.")
        for step in plan.value.steps:
            with solara.Columns([2, 3, 3]):
                solara.Text(step.name)
                solara.SliderInt(
                    f"start week {step.start}",
                    value=min(step.start, weeks),
                    min=1,
                    max=max(weeks, 2),
                    on_value=lambda v, n=step.name: update(n, start=v),
                )
                solara.SliderFloat(
                    f"intensity {step.intensity:.1f}",
                    value=step.intensity,
                    min=0,
                    max=3,
                    step=0.1,
                    on_value=lambda v, n=step.name: update(n, intensity=v),
                )


@solara.component
def Results(outcome: Outcome, labels: dict[str, str], seconds: float) -> None:
    """Charts, layer stacks with a week scrubber and Play, and the table of differences."""
    week, set_week = solara.use_state(outcome.weeks)
    week = min(week, outcome.weeks)
    summary = solara.use_memo(lambda: headline(outcome, labels), [outcome])
    table = solara.use_memo(lambda: differences_markdown(outcome), [outcome])
    # Built once per outcome, not again at each week shown.
    metrics = solara.use_memo(lambda: metrics_chart(outcome, labels), [outcome])
    solara.Success(summary)
    solara.Text(
        f"Simulated {2 * outcome.a.index.get_level_values('seed').nunique()} runs in {seconds:.1f} s."
    )
    with solara.Columns([1, 2]):
        with solara.Column():
            Chart(stacks_chart(outcome, week), [outcome, week])
            with solara.Row(style={"align-items": "center"}):
                # ipywidgets' Play runs its clock in the browser, so animating costs no server loop.
                w.Play(value=week, min=1, max=outcome.weeks, step=1, interval=150, on_value=set_week)
                solara.SliderInt(f"Week {week}", value=week, min=1, max=outcome.weeks, on_value=set_week)
        with solara.Column():
            Markdown(f"**At the horizon (week {outcome.weeks})**\n\n" + table)
            solara.Text(
                "Stocks (cumulative value, technical debt, trust) at the last week; flows averaged over the "
                f"last {END_WEEKS} weeks; means over seeds."
            )
    Chart(metrics, [outcome])


@solara.component
def TaskResults(task: Task) -> None:
    """Progress, error or results of the what-if task.

    A component of its own, so that progress updates re-render only this part
    of the page, not the inputs.
    """
    if show_status(task, "Press Run to simulate both plans."):
        Results(*task.value)


@solara.component
def WhatIf() -> None:
    """Show the landing page: an organisation, plans A and B, Run, and their futures side by side."""
    org = solara.use_reactive("struggling")
    start_layers, start_teams = preset_defaults(org.value)
    layers = solara.use_reactive(start_layers)
    teams = solara.use_reactive(start_teams)
    weeks = solara.use_reactive(156)
    seeds = solara.use_reactive(20)
    plan_a = solara.use_reactive(DEFAULT_A)
    plan_b = solara.use_reactive(DEFAULT_B)
    shock = solara.use_reactive(NO_SHOCK)
    shock_start = solara.use_reactive(26)
    started = solara.use_ref(0.0)

    def pick_org(name: str) -> None:
        org.set(name)
        new_layers, new_teams = preset_defaults(name)
        layers.set(new_layers)
        teams.set(new_teams)

    def scenario() -> Scenario:
        return Scenario(
            org=org.value,
            layers=layers.value,
            teams=teams.value,
            weeks=weeks.value,
            seeds=seeds.value,
            shock=None if shock.value == NO_SHOCK else shock.value,
            shock_start=shock_start.value,
        )

    def warm_up() -> None:
        # Hydra composes a new choice of presets while the user is still setting up the run.
        args = (scenario(), plan_a.value, plan_b.value)
        threading.Thread(target=prepare, args=args, name="orgstack-prepare", daemon=True).start()

    solara.use_effect(warm_up, [org.value, shock.value, plan_a.value, plan_b.value])

    def compute() -> tuple[Outcome, dict[str, str], float]:
        labels = {"A": plan_a.value.label(), "B": plan_b.value.label()}

        def progress(share: float) -> None:
            if not task.is_current():
                raise solara.util.CancelledError()
            # Each update re-renders the progress bar; a few steps are enough to show it moving.
            if share == 1 or 100 * share >= (task.progress or 0) + 20:
                task.progress = 100 * share

        outcome = run_what_if(scenario(), plan_a.value, plan_b.value, progress)
        # The pictures are drawn in the drawing process while the numbers are being shown.
        start_drawing(metrics_chart(outcome, labels))
        start_drawing(stacks_chart(outcome, outcome.weeks))
        return outcome, labels, time.perf_counter() - started.current

    task = use_task(compute, dependencies=None, raise_error=False)

    def run() -> None:
        started.current = time.perf_counter()
        task()

    problem = None
    if not 1 <= teams.value <= MAX_TEAMS:
        problem = f"Teams: choose from 1 to {MAX_TEAMS:,} (use the command line for larger organisations)."

    solara.Title("OrgStack - What-if")
    Markdown(
        "## What if...\n"
        "Set the organisation's starting layers and two plans, then **Run**: each plan is simulated "
        f"over {seeds.value} seeds and the futures are shown side by side."
    )
    with solara.Card("Organisation", margin=0):
        with solara.Columns([1, 1, 1]):
            with solara.Column():
                solara.Select("Preset", values=presets(), value=org.value, on_value=pick_org)
                # Keyed by preset: solara's InputInt would write its old text back over the preset's size.
                solara.InputInt("Teams", value=teams, continuous_update=True).key(f"teams-{org.value}")
            with solara.Column():
                solara.SliderInt(f"Horizon: {weeks.value} weeks", value=weeks, min=1, max=520)
                solara.SliderInt(f"Seeds per plan: {seeds.value}", value=seeds, min=1, max=MAX_SEEDS)
            with solara.Column():
                solara.Select("Shock (both plans)", values=[NO_SHOCK, *shocks()], value=shock)
                if shock.value != NO_SHOCK:
                    solara.SliderInt(
                        "Shock start week",
                        value=shock_start,
                        min=1,
                        max=max(weeks.value, 2),
                    )
    LayerSliders(layers)
    with solara.Columns([1, 1]):
        PlanEditor("A", plan_a, weeks.value)
        PlanEditor("B", plan_b, weeks.value)
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Run", on_click=run, color="primary", disabled=task.pending or problem is not None)
        if task.pending:
            solara.Button("Cancel", on_click=task.cancel, text=True)
    if problem:
        solara.Error(problem)
    TaskResults(task)

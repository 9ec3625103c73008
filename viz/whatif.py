"""The What-if page: one organisation, two to four plans, their futures side by side.

The page's inputs and its last result are kept in kernel-scoped reactive
values (:mod:`viz.state`): they survive a switch to another page, and the
inputs are written to the address, so a reload or a shared link opens the
same scenario. Results of other inputs than those shown are marked out of date.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import reacton.ipywidgets as w
import solara
import solara.util

from sim.model.metrics import END_WEEKS
from sim.plans import Plan
from sim.text import fmt
from viz.help import CARRIED, SET_AND_EFFECTIVE, description, layer_help, metric_help
from viz.links import format_query
from viz.plots import metric_spec, plan_colours, stack_spec
from viz.scenario import (
    DEFAULT_PLANS,
    LAYER_GROUPS,
    LOWER_IS_BETTER,
    MAX_SEEDS,
    MAX_TEAMS,
    MAX_WEEKS,
    METRICS,
    NO_BETTER,
    PLAN_KEYS,
    Action,
    Outcome,
    Scenario,
    crossover_week,
    differences,
    interventions,
    layers_at,
    plan_label,
    prepare,
    preset_defaults,
    presets,
    run_what_if,
    scenario_from_params,
    scenario_params,
    shocks,
    verdict,
    weekly_csv,
)
from viz.scenario_file import ScenarioFileError, command, read_scenario, write_plan, write_scenario
from viz.state import STALE, use_address, use_cancel_on_leave
from viz.vega import ChartGrid, Vega
from viz.widgets import HorizonSlider, Markdown, Note, show_status, weeks_text

NO_SHOCK = "none"


@dataclass(frozen=True)
class Result:
    """A finished what-if and the inputs it was run with.

    Attributes:
        scenario: The scenario run.
        plans: The plans run, A first.
        outcome: Their runs.
        seconds: From Run to the numbers.
    """

    scenario: Scenario
    plans: tuple[Plan, ...]
    outcome: Outcome
    seconds: float

    @property
    def labels(self) -> dict[str, str]:
        """Each plan's label, by key."""
        return {key: plan_label(plan) for key, plan in zip(PLAN_KEYS, self.plans, strict=False)}


# Kept per browser tab (Solara scopes module-level reactive values to the kernel).
scenario = solara.reactive(Scenario())
plans = solara.reactive(DEFAULT_PLANS)
teams_text = solara.reactive("")  # as typed; empty means the preset's size
result: solara.Reactive[Result | None] = solara.reactive(None)
link_problems: solara.Reactive[list[str]] = solara.reactive([])


def reset() -> None:
    """Put the page back to its defaults (a new tab's state)."""
    scenario.set(Scenario())
    plans.set(DEFAULT_PLANS)
    teams_text.set("")
    result.set(None)
    link_problems.set([])


def restore(params: dict[str, str]) -> None:
    """Set the inputs from an address's query parameters (see :func:`viz.scenario.scenario_params`)."""
    new, new_plans, problems = scenario_from_params(params)
    scenario.set(new)
    plans.set(new_plans)
    teams_text.set("" if new.teams is None else str(new.teams))
    link_problems.set(problems)


def teams_problem(text: str) -> str | None:
    """Say why the teams field cannot be run, or return None."""
    if text.strip() == "":
        return None
    try:
        value = int(text.strip())
    except ValueError:
        return f"Teams: '{text}' is not a whole number; choose from 1 to {MAX_TEAMS:,}."
    if not 1 <= value <= MAX_TEAMS:
        return f"Teams: choose from 1 to {MAX_TEAMS:,} (use the command line for larger organisations)."
    return None


def headline(outcome: Outcome, labels: dict[str, str]) -> str:
    """Say which plan delivers the most cumulative net value at the horizon, and since when; or that it is a tie."""
    v = verdict(outcome)
    weeks = weeks_text(outcome.weeks)
    table = differences(outcome).loc[METRICS["cumulative_net_value"]]
    lead, next_ = f"plan {v.leader} ({labels[v.leader]})", f"plan {v.runner_up} ({labels[v.runner_up]})"
    values = f"{fmt(table[v.leader])} against {fmt(table[v.runner_up])}"
    if v.tie:
        return (
            f"After {weeks}, it is a tie on cumulative net value: {lead} and {next_} have delivered {values}; "
            f"the difference is within what the {v.seeds} seeds vary by (ahead in {v.ahead_in} of {v.seeds})."
        )
    gap = "" if v.gap_percent != v.gap_percent else f": {v.gap_percent:.0f}% more"
    text = (
        f"After {weeks}, {lead} has delivered the most cumulative net value, {values} for {next_}{gap}, "
        f"ahead in {v.ahead_in} of {v.seeds} seeds."
    )
    crossover = crossover_week(outcome)
    if crossover is not None:
        text += f" Plan {v.leader} has been ahead since week {crossover}."
    return f"{text} {dropped(outcome)}".strip()


def dropped(outcome: Outcome) -> str:
    """Say in which runs leadership abandoned a programme of a plan (at its patience, seeing no payoff)."""
    parts = []
    for key, runs in outcome.runs.items():
        if "programmes_abandoned" not in runs:
            continue
        hit = runs[runs["programmes_abandoned"] > 0]
        if hit.empty:
            continue
        first = hit.reset_index().groupby("seed")["week"].min()
        parts.append(
            f"plan {key} in {len(first)} of {outcome.seeds} runs (from week {int(first.median())}, median)"
        )
    if not parts:
        return ""
    return "Leadership dropped a programme it saw no payoff from by its patience: " + "; ".join(parts) + "."


def differences_markdown(outcome: Outcome) -> str:
    """Write the table at the horizon as Markdown: each plan, and each other plan against A."""
    keys = outcome.keys
    others = keys[1:]
    head = ["metric", *keys, *(f"{k} - A %" for k in others), *(f"{k} better than A in" for k in others)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "--:|" * (len(head) - 1)]
    for label, (_, row) in zip(METRICS.values(), differences(outcome).iterrows(), strict=True):
        cells = [label, *(fmt(row[k]) for k in keys)]
        cells += [
            "-" if row[f"{k} - A %"] != row[f"{k} - A %"] else f"{row[f'{k} - A %']:+.0f}%" for k in others
        ]
        cells += [
            "-" if row[f"{k} better"] != row[f"{k} better"] else f"{row[f'{k} better']:.0%} of seeds"
            for k in others
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lower = ", ".join(METRICS[m] for m in METRICS if m in LOWER_IS_BETTER)
    neither = ", ".join(METRICS[m] for m in METRICS if m in NO_BETTER)
    return "\n".join(lines) + f"\n\nLower is better for {lower}; neither for {neither}; higher for the rest."


@solara.component
def LayerSliders(start: dict[str, float]) -> None:
    """Edit the starting strength of each layer, grouped Alignment / Foundation / Performance.

    Args:
        start: The preset's starting strengths, shown where the scenario does not change them.
    """
    layers = {**start, **scenario.value.layers}

    def setter(name: str) -> Callable[[float], None]:
        def set_layer(value: float) -> None:
            changed = {**scenario.value.layers, name: round(value, 2)}
            if abs(changed[name] - start[name]) < 1e-9:
                del changed[name]  # back at the preset's value: nothing to override
            scenario.set(replace(scenario.value, layers=changed))

        return set_layer

    number = {name: i + 1 for i, name in enumerate(name for _, names in LAYER_GROUPS for name in names)}
    help_ = layer_help()
    with solara.ColumnsResponsive(12, medium=4):
        for group, names in LAYER_GROUPS:
            with solara.Card(f"{group} layers", subtitle="starting strength, 0 to 1", margin=0):
                for name in names:
                    solara.SliderFloat(
                        f"{number[name]} {name}: {layers[name]:.2f}",
                        value=layers[name],
                        min=0,
                        max=1,
                        step=0.05,
                        on_value=setter(name),
                    )
                    Note(help_.get(name, ""))


@solara.component
def PlanEditor(index: int, plan: Plan, weeks: int) -> None:
    """Choose a plan's interventions and, for each, its start week, duration and intensity.

    The plan comes from the page rather than from :data:`plans` here, so that a plan just
    removed is not rendered again from the shorter list.
    """
    key = PLAN_KEYS[index]
    by_name = {step.name: step for step in plan.steps}

    def put(new: Plan) -> None:
        plans.set(tuple(new if i == index else p for i, p in enumerate(plans.value)))

    def choose(names: list[str]) -> None:
        put(Plan(tuple(by_name.get(name, Action(name)) for name in names)))

    def update(name: str, **change: float) -> None:
        put(Plan(tuple(replace(s, **change) if s.name == name else s for s in plan.steps)))

    def remove() -> None:
        plans.set(tuple(p for i, p in enumerate(plans.value) if i != index))

    with solara.Card(f"Plan {key}", margin=0):
        solara.SelectMultiple(
            f"Plan {key} interventions", values=list(by_name), all_values=interventions(), on_value=choose
        )
        if not plan.steps:
            Note("No intervention: the organisation carries on as it is.")
        for step in plan.steps:
            Markdown(f"**{step.name}**: {description('intervention', step.name)}")
            solara.SliderInt(
                f"{step.name} start week: {step.start}",
                value=min(step.start, weeks),
                min=1,
                max=max(weeks, 2),
                on_value=lambda v, n=step.name: update(n, start=v),
            )
            solara.SliderInt(
                f"{step.name} duration: {step.duration or 'as planned'}"
                + (" weeks" if step.duration else ""),
                value=step.duration,
                min=0,
                max=max(weeks, 2),
                on_value=lambda v, n=step.name: update(n, duration=v),
            )
            solara.SliderFloat(
                f"{step.name} intensity: x{step.intensity:.1f}",
                value=step.intensity,
                min=0,
                max=3,
                step=0.1,
                on_value=lambda v, n=step.name: update(n, intensity=v),
            )
        if index >= len(DEFAULT_PLANS):
            solara.Button(f"Remove plan {key}", on_click=remove, text=True)


def metric_charts(
    outcome: Outcome, labels: dict[str, str], colours: dict[str, str], crossover: int | None
) -> list[tuple[dict, str, str]]:
    """Every metric's chart, with its meaning from the model documentation, for :func:`viz.vega.ChartGrid`."""
    help_ = metric_help()
    return [
        (metric_spec(outcome, m, labels, colours, crossover), help_.get(m, ""), f"orgstack-{m}")
        for m in METRICS
    ]


@solara.component
def Results(res: Result) -> None:
    """Charts, layer stacks with a week scrubber and Play, the table at the horizon and the CSV export."""
    outcome, labels = res.outcome, res.labels
    week, set_week = solara.use_state(outcome.weeks)
    week = min(week, outcome.weeks)
    summary = solara.use_memo(lambda: headline(outcome, labels), [outcome])
    table = solara.use_memo(lambda: differences_markdown(outcome), [outcome])
    colours = plan_colours(dict(zip(PLAN_KEYS, res.plans, strict=False)))
    crossover = solara.use_memo(lambda: crossover_week(outcome), [outcome])
    start, _ = preset_defaults(res.scenario.org)
    start = {**start, **res.scenario.layers}
    stacks = {key: layers_at(runs, week) for key, runs in outcome.runs.items()}
    solara.Success(summary)
    Note(f"Simulated {len(outcome.runs) * outcome.seeds} runs in {res.seconds:.1f} s.")
    ChartGrid(partial(metric_charts, outcome, labels, colours, crossover), [outcome])
    Markdown(f"**At the horizon (week {outcome.weeks})**\n\n" + table)
    Note(
        "Value, cost and net value in thousands of currency units. Stocks (cumulative net value, technical "
        f"debt, trust) at the last week; flows averaged over the last {END_WEEKS} weeks; means over "
        f"seeds. {CARRIED} Hover a chart for each plan's value at a week; "
        "scroll to zoom, drag to pan, double-click to reset; click a legend entry to show that plan alone; "
        "the ... menu saves the chart as SVG or PNG."
    )
    solara.FileDownload(
        lambda: weekly_csv(outcome, labels).encode("utf-8"),
        filename="orgstack-what-if.csv",
        label="Download weekly results (CSV)",
    )
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Column():
            spec = stack_spec(stacks, labels, week, start)
            Vega(spec, spec["description"], filename=f"orgstack-layers-week-{week}")
            if outcome.weeks > 1:
                with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                    # ipywidgets' Play runs its clock in the browser, so animating costs no server loop.
                    w.Play(value=week, min=1, max=outcome.weeks, step=1, interval=150, on_value=set_week)
                    with solara.Column(style={"min-width": "220px", "flex": "1"}):
                        solara.SliderInt(
                            f"Week {week}", value=week, min=1, max=outcome.weeks, on_value=set_week
                        )
        with solara.Column():
            Markdown("**Set and effective strength.** " + SET_AND_EFFECTIVE)


@solara.component
def ScenarioFiles(current: Scenario) -> None:
    """Save the scenario (and each plan as a plan file for the command line), or load one."""
    problem, set_problem = solara.use_state("")

    def load(file: dict) -> None:
        try:
            new, new_plans = read_scenario(file["data"].decode("utf-8", errors="replace"))
        except ScenarioFileError as err:
            set_problem(f"{file['name']}: {err}")
            return
        set_problem("")
        scenario.set(new)
        plans.set(new_plans)
        teams_text.set("" if new.teams is None else str(new.teams))

    with solara.Details(summary="Scenario files: save, load, run from the command line", expand=False):
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.FileDownload(
                lambda: write_scenario(scenario.value, plans.value).encode("utf-8"),
                filename="orgstack-scenario.yaml",
                label="Save scenario (YAML)",
            )
            for key, plan in zip(PLAN_KEYS, plans.value, strict=False):
                solara.FileDownload(
                    lambda plan=plan: write_plan(scenario.value, plan).encode("utf-8"),
                    filename=f"plan-{key}.yaml",
                    label=f"Plan {key} as a plan file",
                )
        solara.FileDrop(label="Drop a scenario or plan file (YAML) here to load it", on_file=load, lazy=False)
        if problem:
            solara.Error(f"Cannot load {problem}")
        Markdown(
            "Each plan runs from the command line with its plan file; for seed 0 it gives the numbers the "
            "studio shows for seed 0:\n\n"
            + "\n".join(f"    {command(current, key)}" for key in PLAN_KEYS[: len(plans.value)])
        )


@solara.component
def WhatIf() -> None:
    """Show the landing page: an organisation, its plans, Run, and their futures side by side."""
    current = scenario.value
    start_layers, start_teams = preset_defaults(current.org)
    started = solara.use_ref(0.0)
    weeks = current.weeks

    use_address("/", format_query(scenario_params(current, plans.value)), restore)

    def change(**values: object) -> None:
        scenario.set(replace(scenario.value, **values))

    def pick_org(name: str) -> None:
        change(org=name, layers={}, teams=None)
        teams_text.set("")

    def set_teams(text: str) -> None:
        teams_text.set(text)
        if teams_problem(text) is None:
            value = int(text) if text.strip() else None
            change(teams=None if value == preset_defaults(scenario.value.org)[1] else value)

    def warm_up() -> None:
        # Hydra composes a new choice of presets while the user is still setting up the run.
        args = (scenario.value, *plans.value)
        threading.Thread(target=prepare, args=args, name="orgstack-prepare", daemon=True).start()

    # Any input may need a new composition (a horizon, a layer): compose it before Run is pressed.
    solara.use_effect(warm_up, [current, plans.value])

    def compute() -> None:
        inputs, chosen = scenario.value, plans.value

        def progress(share: float) -> None:
            if not task.is_current():
                raise solara.util.CancelledError()
            # Each update re-renders the progress bar; a few steps are enough to show it moving.
            if share == 1 or 100 * share >= (task.progress or 0) + 20:
                task.progress = 100 * share

        outcome = run_what_if(inputs, chosen, progress)
        result.set(Result(inputs, chosen, outcome, time.perf_counter() - started.current))

    task = solara.lab.use_task(compute, dependencies=None, raise_error=False)
    use_cancel_on_leave(task)

    def run() -> None:
        started.current = time.perf_counter()
        task()

    problems = [p for p in (teams_problem(teams_text.value),) if p]
    if current.shock and current.shock_start > weeks:
        problems.append(f"Shock start week {current.shock_start} is after the horizon ({weeks} weeks).")

    solara.Title("OrgStack - What-if")
    Markdown(
        "## What if...\n"
        "Set the organisation's starting layers and two to four plans, then **Run**: each plan is simulated "
        f"over the same {current.seeds} seeds and the futures are shown side by side."
    )
    if link_problems.value:
        solara.Warning("Parts of this link could not be used: " + "; ".join(link_problems.value) + ".")
    with solara.Card("Organisation", margin=0):
        with solara.ColumnsResponsive(12, medium=4):
            with solara.Column():
                solara.Select("Preset", values=presets(), value=current.org, on_value=pick_org)
                Note(description("org", current.org))
                solara.InputText(
                    f"Teams (stream-aligned; the preset has {start_teams})",
                    value=teams_text.value or str(current.teams or start_teams),
                    on_value=set_teams,
                    continuous_update=True,
                    error=teams_problem(teams_text.value) or False,
                )
            with solara.Column():
                HorizonSlider(weeks, lambda v: change(weeks=v), MAX_WEEKS)
                solara.SliderInt(
                    f"Seeds per plan: {current.seeds}",
                    value=current.seeds,
                    min=1,
                    max=MAX_SEEDS,
                    on_value=lambda v: change(seeds=v),
                )
                Note("Every plan meets the same seeds, so differences between plans are not luck.")
            with solara.Column():
                solara.Select(
                    "Shock (all plans)",
                    values=[NO_SHOCK, *shocks()],
                    value=current.shock or NO_SHOCK,
                    on_value=lambda v: change(shock=None if v == NO_SHOCK else v),
                )
                if current.shock:
                    Note(description("shock", current.shock))
                    solara.SliderInt(
                        f"Shock start week: {current.shock_start}",
                        value=min(current.shock_start, max(weeks, 2)),
                        min=1,
                        max=max(weeks, 2),
                        on_value=lambda v: change(shock_start=v),
                    )
    LayerSliders(start_layers)
    with solara.ColumnsResponsive(12, large=12 // len(plans.value)):
        for index, plan in enumerate(plans.value):
            PlanEditor(index, plan, weeks)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Button("Run", on_click=run, color="primary", disabled=task.pending or bool(problems))
        if task.pending:
            solara.Button("Cancel", on_click=task.cancel, text=True)
        if len(plans.value) < len(PLAN_KEYS):
            solara.Button(
                f"Add plan {PLAN_KEYS[len(plans.value)]}",
                on_click=lambda: plans.set((*plans.value, Plan())),
                outlined=True,
            )
        solara.Button("Reset to defaults", on_click=reset, text=True)
    ScenarioFiles(current)
    for problem in problems:
        solara.Error(f"Cannot run: {problem}")
    shown = result.value
    if task.pending or task.error or shown is None:
        show_status(task, "Press Run to simulate the plans.")
    if shown is not None and not task.error:
        if shown.scenario != current or shown.plans != plans.value:
            solara.Warning(
                f"These results are {STALE}: they were run with other inputs than those shown above. "
                "Press Run to bring them up to date."
            )
        Results(shown).key("results")

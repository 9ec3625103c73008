"""The Organisation page: the agents of one run as a network, and one team's history."""

from __future__ import annotations

from functools import partial

import solara
from solara.lab import use_task

from viz.network import TEAM_METRICS, OrgRun, network_figure, simulate_org, team_history_figure
from viz.scenario import interventions, presets
from viz.widgets import Chart, Markdown, show_status

# A run keeps every team's values every week; beyond this size the page would hold too much.
MAX_TEAMS = 2000


@solara.component
def OrgView(run: OrgRun) -> None:
    """Show the network at a chosen week coloured by a chosen metric, and a chosen team's history."""
    metric, set_metric = solara.use_state("skill")
    week, set_week = solara.use_state(run.weeks)
    team, set_team = solara.use_state(0)
    week, team = min(week, run.weeks), min(max(team, 0), int(run.teams["team"].max()))
    at_week = run.teams[(run.teams["week"] == week) & (run.teams["team"] == team)].iloc[0]
    with solara.Columns([1, 1, 1]):
        solara.Select("Colour by", values=list(TEAM_METRICS), value=metric, on_value=set_metric)
        solara.SliderInt(f"Week {week}", value=week, min=1, max=run.weeks, on_value=set_week)
        solara.InputInt("Team", value=team, on_value=set_team, continuous_update=True)
    Chart(partial(network_figure, run, metric, week, team), [run, metric, week, team])
    Markdown(
        f"**Team {team}** serves business unit {int(at_week['business_unit'])}; at week {week} its "
        f"{metric} is **{at_week[metric]:.3g}** ({at_week['people']:.0f} people)."
    )
    Chart(partial(team_history_figure, run, team, metric, week), [run, metric, week, team])


@solara.component
def Organisation() -> None:
    """Run one organisation with an intervention and look at its agents."""
    org = solara.use_reactive("struggling")
    teams = solara.use_reactive(12)
    weeks = solara.use_reactive(104)
    intervention = solara.use_reactive("foundations_first")
    seed = solara.use_reactive(0)

    def compute() -> OrgRun:
        return simulate_org(
            [
                f"org={org.value}",
                f"org.teams={teams.value}",
                f"weeks={weeks.value}",
                f"intervention=[{intervention.value}]",
                f"seed={seed.value}",
            ]
        )

    task = use_task(compute, dependencies=None, raise_error=False)
    problem = None if 1 <= teams.value <= MAX_TEAMS else f"Teams: choose from 1 to {MAX_TEAMS:,}."

    solara.Title("OrgStack - Organisation")
    Markdown(
        "## The organisation\n"
        "Business units, the stream-aligned teams that serve them, and the platform and enabling "
        "teams that serve those, in one run. Colour the teams by a metric, scrub the weeks, pick a team."
    )
    with solara.Columns([1, 1, 1]):
        with solara.Column():
            solara.Select("Preset", values=presets(), value=org)
            solara.InputInt("Teams", value=teams, continuous_update=True)
        with solara.Column():
            solara.SliderInt(f"Horizon: {weeks.value} weeks", value=weeks, min=1, max=520)
            solara.InputInt("Seed", value=seed, continuous_update=True)
        with solara.Column():
            solara.Select("Intervention", values=["none", *interventions()], value=intervention)
            solara.Button("Run", on_click=task, color="primary", disabled=task.pending or problem is not None)
    if problem:
        solara.Error(problem)
    if show_status(task, "Press Run to simulate the organisation."):
        OrgView(task.value)

"""The Organisation page: the agents of one run as a network, and one team's history.

A run is either simulated to its horizon at once, then scrubbed week by week,
or stepped live with Mesa's own model controller (Reset, play/pause, Step),
the network following each week as it is simulated.
"""

from __future__ import annotations

from functools import partial

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from solara.lab import use_task

from sim import ConfigError
from sim.model.model import OrgModel
from sim.model.params import Config
from viz.network import (
    TEAM_METRICS,
    OrgRun,
    network_figure,
    org_config,
    org_run,
    simulate_org,
    team_history_figure,
)
from viz.scenario import interventions, presets
from viz.widgets import Chart, Markdown, show_status

# A run keeps every team's values every week; beyond this size the page would hold too much.
MAX_TEAMS = 2000
PLAY_INTERVAL_MS = 300  # between weeks when playing live: time to draw the week's two charts


@solara.component
def OrgView(run: OrgRun, live: bool = False) -> None:
    """Show the network at a chosen week coloured by a chosen metric, and a chosen team's history.

    Args:
        run: The run, up to the week it has reached.
        live: Show the last week reached (the run is being stepped) instead of a week scrubber.
    """
    metric, set_metric = solara.use_state("skill")
    week, set_week = solara.use_state(run.weeks)
    team, set_team = solara.use_state(0)
    week = run.weeks if live else min(week, run.weeks)
    team = min(max(team, 0), int(run.teams["team"].max()))
    at_week = run.teams[(run.teams["week"] == week) & (run.teams["team"] == team)].iloc[0]
    with solara.Columns([1, 1, 1]):
        solara.Select("Colour by", values=list(TEAM_METRICS), value=metric, on_value=set_metric)
        if live:
            solara.Text(f"Week {week}")
        else:
            solara.SliderInt(f"Week {week}", value=week, min=1, max=run.weeks, on_value=set_week)
        solara.InputInt("Team", value=team, on_value=set_team, continuous_update=True)
    Chart(partial(network_figure, run, metric, week, team), [run, metric, week, team])
    Markdown(
        f"**Team {team}** serves business unit {int(at_week['business_unit'])}; at week {week} its "
        f"{metric} is **{at_week[metric]:.3g}** ({at_week['people']:.0f} people)."
    )
    Chart(partial(team_history_figure, run, team, metric, week), [run, metric, week, team])


@solara.component
def LiveView(config: Config) -> None:
    """Step one organisation week by week with Mesa's model controller, the network following."""
    model = solara.use_reactive(solara.use_memo(lambda: OrgModel(config), []))
    update_counter.get()  # the controller counts its steps here: each one renders the view again
    # Mesa's controller reads these as reactive values (as SolaraViz passes them), whatever its types say.
    ModelController(
        model,
        model_parameters={"config": config},
        play_interval=solara.use_reactive(PLAY_INTERVAL_MS),
        render_interval=solara.use_reactive(1),
        use_threads=solara.use_reactive(False),
    )
    if model.value.week == 0:
        solara.Info("Week 0. Press Step for one week, or play; Reset starts again from week 0.")
    else:
        OrgView(org_run(model.value), live=True)


@solara.component
def Organisation() -> None:
    """Run one organisation with an intervention and look at its agents."""
    org = solara.use_reactive("struggling")
    teams = solara.use_reactive(12)
    weeks = solara.use_reactive(104)
    intervention = solara.use_reactive("foundations_first")
    seed = solara.use_reactive(0)

    # What is stepped live: (how many were started, the configuration or why it cannot be run).
    (started, live), set_live = solara.use_state((0, None))

    def overrides() -> list[str]:
        return [
            f"org={org.value}",
            f"org.teams={teams.value}",
            f"weeks={weeks.value}",
            f"intervention=[{intervention.value}]",
            f"seed={seed.value}",
        ]

    def compute() -> OrgRun:
        set_live((started, None))
        return simulate_org(overrides())

    def step_live() -> None:
        # A new count each time, so that pressing again starts a new model.
        try:
            set_live((started + 1, org_config(overrides())))
        except ConfigError as err:
            set_live((started + 1, err))

    task = use_task(compute, dependencies=None, raise_error=False)
    problem = None if 1 <= teams.value <= MAX_TEAMS else f"Teams: choose from 1 to {MAX_TEAMS:,}."

    solara.Title("OrgStack - Organisation")
    Markdown(
        "## The organisation\n"
        "Business units, the stream-aligned teams that serve them, and the platform and enabling "
        "teams that serve those, in one run. Colour the teams by a metric, scrub the weeks, pick a team; "
        "or step through the run week by week with Mesa's model controller."
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
            with solara.Row():
                solara.Button(
                    "Run", on_click=task, color="primary", disabled=task.pending or problem is not None
                )
                solara.Button("Step through it", on_click=step_live, disabled=problem is not None)
    if problem:
        solara.Error(problem)
    if isinstance(live, ConfigError):
        solara.Error(f"Cannot run this organisation: {live}")
    elif live is not None:
        LiveView(live).key(f"live-{started}")
    elif show_status(task, "Press Run to simulate the organisation, or step through it week by week."):
        OrgView(task.value)

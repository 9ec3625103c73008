"""The Organisation page: the agents and structure of one run as a network, and one team's history.

A run is either simulated to its horizon at once, then scrubbed week by week,
or stepped live with Mesa's own model controller (Reset, play/pause, Step),
the network following each week as it is simulated. The inputs and the last
run are kept while the user is on another page, and the inputs are in the
address with the command line's names (``/organisation?org=elite&org.teams=40``).
"""

from __future__ import annotations

from dataclasses import dataclass

import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter
from solara.lab import use_task

from sim import ConfigError
from sim.model.model import OrgModel
from sim.model.params import Config
from viz.help import description, metric_help
from viz.links import choice_param, format_query, int_param
from viz.network import (
    FLOW_METRICS,
    TEAM_METRICS,
    OrgRun,
    network_data,
    org_config,
    org_run,
    organisation_summary,
    simulate_org,
    team_label,
    team_summary,
)
from viz.plots import history_spec, network_spec
from viz.scenario import MAX_WEEKS, interventions, presets
from viz.state import STALE, use_address, use_cancel_on_leave
from viz.vega import Vega
from viz.widgets import Grid, HorizonSlider, Markdown, Note, show_status

# A run keeps every team's values every week; beyond this size the page would hold too much.
MAX_TEAMS = 2000
PLAY_INTERVAL_MS = 300  # between weeks when playing live: time to draw the week's two charts
NO_INTERVENTION = "none"


@dataclass(frozen=True)
class Inputs:
    """What the page runs: the command line's ``org``, ``org.teams``, ``weeks``, ``intervention`` and ``seed``."""

    org: str = "struggling"
    teams: str = "12"  # as typed, checked before Run
    weeks: int = 104
    intervention: str = "foundations_first"
    seed: str = "0"

    def overrides(self) -> list[str]:
        """Return the command line's overrides of this run."""
        return [
            f"org={self.org}",
            f"org.teams={int(self.teams)}",
            f"weeks={self.weeks}",
            f"intervention=[{self.intervention}]",
            f"seed={int(self.seed)}",
        ]

    def params(self) -> dict[str, str]:
        """Return the address's query parameters: what differs from the defaults."""
        default = Inputs()
        names = {
            "org": "org",
            "teams": "org.teams",
            "weeks": "weeks",
            "intervention": "intervention",
            "seed": "seed",
        }
        return {
            key: str(getattr(self, f)) for f, key in names.items() if getattr(self, f) != getattr(default, f)
        }

    def problems(self) -> list[str]:
        """Why the inputs cannot be run, one sentence each (none: they can)."""
        found = []
        for label, text, lo, hi in (("Teams", self.teams, 1, MAX_TEAMS), ("Seed", self.seed, 0, 2**32 - 1)):
            try:
                value = int(text.strip())
            except ValueError:
                found.append(f"{label}: '{text}' is not a whole number; choose from {lo} to {hi:,}.")
                continue
            if not lo <= value <= hi:
                found.append(f"{label}: choose from {lo} to {hi:,}.")
        return found


def inputs_from(params: dict[str, str]) -> tuple[Inputs, list[str]]:
    """Read the page's inputs from an address's query parameters, and what could not be used."""
    problems: list[str] = []
    default = Inputs()
    teams = int_param(params, "org.teams", 1, MAX_TEAMS, problems)
    seed = int_param(params, "seed", 0, 2**32 - 1, problems)
    found = Inputs(
        org=choice_param(params, "org", presets(), problems) or default.org,
        teams=default.teams if teams is None else str(teams),
        weeks=int_param(params, "weeks", 1, MAX_WEEKS, problems) or default.weeks,
        intervention=choice_param(params, "intervention", [NO_INTERVENTION, *interventions()], problems)
        or default.intervention,
        seed=default.seed if seed is None else str(seed),
    )
    return found, problems


# Kept per browser tab (Solara scopes module-level reactive values to the kernel).
inputs = solara.reactive(Inputs())
last_run: solara.Reactive[tuple[Inputs, OrgRun] | None] = solara.reactive(None)
link_problems: solara.Reactive[list[str]] = solara.reactive([])
DEFAULT_VIEW = ("skill", 0)
view = solara.reactive(DEFAULT_VIEW)  # colour by, team chosen


def view_params(shown: tuple[str, int]) -> dict[str, str]:
    """Return the address's parameters of what the page shows (colour by, team chosen): what differs from the defaults."""
    metric, team = shown
    found = {"color": metric} if metric != DEFAULT_VIEW[0] else {}
    return {**found, "team": str(team)} if team != DEFAULT_VIEW[1] else found


def view_from(params: dict[str, str], problems: list[str]) -> tuple[str, int]:
    """Read what the page shows from an address's parameters, noting in ``problems`` what could not be used."""
    metric = choice_param(params, "color", list(TEAM_METRICS), problems) or DEFAULT_VIEW[0]
    team = int_param(params, "team", 0, 2 * MAX_TEAMS, problems)
    return metric, DEFAULT_VIEW[1] if team is None else team


def reset() -> None:
    """Put the page back to its defaults (a new tab's state)."""
    inputs.set(Inputs())
    last_run.set(None)
    link_problems.set([])
    view.set(DEFAULT_VIEW)


def restore(params: dict[str, str]) -> None:
    """Set the inputs, and what the page shows, from an address's query parameters."""
    found, problems = inputs_from(params)
    inputs.set(found)
    view.set(view_from(params, problems))
    link_problems.set(problems)


@solara.component
def OrgView(run: OrgRun, live: bool = False) -> None:
    """Show the network at a chosen week coloured by a chosen metric, and a chosen team's history.

    Args:
        run: The run, up to the week it has reached.
        live: Show the last week reached (the run is being stepped) instead of a week scrubber.
    """
    metric, team = view.value
    week, set_week = solara.use_state(run.weeks)
    week = run.weeks if live else min(week, run.weeks)
    last = run.last_team
    team = min(max(team, 0), last)
    label = team_label(run, team)

    def pick(datum: dict) -> None:
        if datum.get("team") is not None:
            view.set((metric, int(datum["team"])))

    with solara.ColumnsResponsive(12, medium=4):
        solara.Select(
            "Colour by", values=list(TEAM_METRICS), value=metric, on_value=lambda m: view.set((m, team))
        )
        if live:
            solara.Text(f"Week {week}")
        else:
            solara.SliderInt(f"Week {week}", value=week, min=1, max=max(run.weeks, 1), on_value=set_week)
        solara.SliderInt(label, value=team, min=0, max=max(last, 1), on_value=lambda t: view.set((metric, t)))
    nodes, edges, arcs, limits = network_data(run, metric, week, team)
    spec = network_spec(nodes, edges, arcs, metric, week, limits)
    Vega(spec, spec["description"], filename=f"orgstack-network-week-{week}", on_click=pick)
    Note(
        "Hover a team for its name and value, a link for what it is; click a team or a platform team "
        "to choose it, and its links stand out. Grey teams have no value this week (an event measure "
        "in a week without the event). " + metric_help().get(metric, "")
    )
    Markdown(team_summary(run, team, week) + "\n\n" + organisation_summary(run, week))
    help_ = metric_help()
    with Grid(min_width=440):
        for shown in dict.fromkeys((metric, *FLOW_METRICS)):
            history = history_spec(run.teams, team, shown, week, label)
            with solara.Column(gap="0px"):
                Vega(history, history["description"], filename=f"orgstack-team-{team}-{shown}")
                if help_.get(shown):
                    Note(help_[shown])


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
    current = inputs.value
    use_address("/organisation", format_query({**current.params(), **view_params(view.value)}), restore)

    def change(**values: object) -> None:
        inputs.set(Inputs(**{**inputs.value.__dict__, **values}))

    # What is stepped live: (how many were started, the configuration or why it cannot be run).
    (started, live), set_live = solara.use_state((0, None))

    def compute() -> None:
        set_live((started, None))
        chosen = inputs.value
        last_run.set((chosen, simulate_org(chosen.overrides())))

    def step_live() -> None:
        # A new count each time, so that pressing again starts a new model.
        try:
            set_live((started + 1, org_config(inputs.value.overrides())))
        except ConfigError as err:
            set_live((started + 1, err))

    task = use_task(compute, dependencies=None, raise_error=False)
    use_cancel_on_leave(task)
    problems = current.problems()

    solara.Title("OrgStack - Organisation")
    Markdown(
        "## The organisation\n"
        "Business units, the stream-aligned teams that serve them, the platform team under the teams "
        "it serves and the enabling team coaching a few of them, in one run; arcs join teams whose code "
        "is coupled, so that a feature of one may wait for a change of the other. Colour the teams by a "
        "metric, scrub the weeks, pick a team for its history; or step through the run week by week with "
        "Mesa's model controller."
    )
    if link_problems.value:
        solara.Warning("Parts of this link could not be used: " + "; ".join(link_problems.value) + ".")
    with solara.ColumnsResponsive(12, medium=4):
        with solara.Column():
            solara.Select("Preset", values=presets(), value=current.org, on_value=lambda v: change(org=v))
            Note(description("org", current.org))
            solara.InputText(
                "Teams (stream-aligned)",
                value=current.teams,
                on_value=lambda v: change(teams=v),
                continuous_update=True,
            )
        with solara.Column():
            HorizonSlider(current.weeks, lambda v: change(weeks=v), MAX_WEEKS)
            solara.InputText(
                "Seed", value=current.seed, on_value=lambda v: change(seed=v), continuous_update=True
            )
        with solara.Column():
            solara.Select(
                "Intervention",
                values=[NO_INTERVENTION, *interventions()],
                value=current.intervention,
                on_value=lambda v: change(intervention=v),
            )
            Note(description("intervention", current.intervention))
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button("Run", on_click=task, color="primary", disabled=task.pending or bool(problems))
                solara.Button("Step through it", on_click=step_live, disabled=bool(problems))
    for problem in problems:
        solara.Error(f"Cannot run: {problem}")
    shown = last_run.value
    if isinstance(live, ConfigError):
        solara.Error(f"Cannot run this organisation: {live}")
    elif live is not None:
        LiveView(live).key(f"live-{started}")
    else:
        if task.pending or task.error or shown is None:
            show_status(task, "Press Run to simulate the organisation, or step through it week by week.")
        if shown is not None and not task.pending:
            if shown[0] != current:
                solara.Warning(
                    f"This run is {STALE}: it was run with other inputs than those shown above. "
                    "Press Run to bring it up to date."
                )
            OrgView(shown[1]).key("org-view")

"""What-if scenarios as plain data: overrides for the simulation and summaries of its runs.

Nothing here knows Solara: the pages build a :class:`Scenario` and two to four
:class:`sim.plans.Plan` objects from their inputs, :func:`run_what_if` turns
them into one call of :func:`sim.api.run_over_seeds`, and the summaries feed
the charts and the table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim import ConfigError, load_config
from sim.api import run_over_seeds
from sim.config import options
from sim.model.metrics import END_WEEKS
from sim.model.params import LAYER_NAMES
from sim.plans import Plan, Step
from sim.stats import overtake_week, t_interval
from viz.links import choice_param, float_param, int_param

LAYER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Alignment", ("partnership", "strategy")),
    ("Foundation", ("architecture", "culture", "talent")),
    ("Performance", ("execution", "innovation")),
)

# The weekly series the what-if shows, with their labels, in the order of the charts. Money and value
# are in thousands of currency units, as the model counts them.
METRICS: dict[str, str] = {
    "cumulative_net_value": "Cumulative net value (thousands)",
    "value": "Weekly value (thousands/week)",
    "cost": "Weekly cost (thousands/week)",
    "net_value": "Net value (thousands/week)",
    "throughput": "Throughput (features/week)",
    "items_in_system": "Items in the system (items)",
    "flow_time_days": "Flow time (days)",
    "utilisation": "Utilisation (share of item time busy)",
    "deploys_per_week": "Deploys per week (mean team)",
    "lead_time_days": "Lead time, median (days)",
    "lead_time_p85_days": "Lead time, 85th percentile (days)",
    "change_failure_rate": "Change failure rate (share of deploys)",
    "time_to_restore_hours": "Time to restore (hours)",
    "innovations": "Innovations (shipped/week)",
    "tech_debt": "Technical debt (person-days per team)",
    "attrition": "Attrition (people/week)",
    "bu_trust": "Business trust (0-1)",
}
# Metrics where less is better, so that the table can say which plan is ahead.
LOWER_IS_BETTER = frozenset(
    {
        "cost",
        "items_in_system",
        "flow_time_days",
        "lead_time_days",
        "lead_time_p85_days",
        "change_failure_rate",
        "time_to_restore_hours",
        "tech_debt",
        "attrition",
    }
)
# Metrics where neither more nor less is better: busy people are not better in themselves, and
# queues grow long as utilisation nears 1, so the table names no plan ahead on them.
NO_BETTER = frozenset({"utilisation"})
# Flows are compared over the last weeks of the horizon (as the CLI summary does), stocks at its end.
STOCKS = frozenset({"cumulative_net_value", "tech_debt", "bu_trust"})


# The plans a what-if compares, in order: A and B by default, up to four.
PLAN_KEYS: tuple[str, ...] = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Action(Step):
    """A step of a studio plan: an intervention with a start week, an intensity and a duration.

    Attributes:
        duration: Weeks after which it stops (the command line's
            ``intervention.<name>.duration``); 0 runs it as its preset says.
    """

    duration: int = 0


def plan_label(plan: Plan) -> str:
    """Label a plan as :meth:`sim.plans.Plan.label` does, adding any duration that cuts a step short."""
    cuts = [f"{s.name} stops after {s.duration} weeks" for s in plan.steps if getattr(s, "duration", 0)]
    return plan.label() + (f" ({'; '.join(cuts)})" if cuts else "")


def interventions() -> list[str]:
    """Names of the intervention presets, without the empty ``none``."""
    return [name for name in options("intervention") if name != "none"]


def shocks() -> list[str]:
    """Names of the shock presets, without the empty ``none``."""
    return [name for name in options("shock") if name != "none"]


def presets() -> list[str]:
    """Names of the organisation presets."""
    return options("org")


def preset_defaults(org: str) -> tuple[dict[str, float], int]:
    """Return the starting layer strengths and team count of an organisation preset."""
    config = load_config([f"org={org}"]).org
    return {name: getattr(config.layers, name) for name in LAYER_NAMES}, config.teams


@dataclass(frozen=True)
class Scenario:
    """The organisation, horizon and shared shock both plans are run on.

    Attributes:
        org: Organisation preset name.
        layers: Starting layer strengths, overriding the preset's.
        teams: Stream-aligned teams.
        weeks: Horizon in weeks.
        seeds: Runs per plan (seeds 0 .. seeds-1, the same for both plans).
        shock: Optional shock preset name, hitting both plans alike.
        shock_start: Week the shock starts.
    """

    org: str = "struggling"
    layers: dict[str, float] = field(default_factory=dict)
    teams: int | None = None
    weeks: int = 156
    seeds: int = 20
    shock: str | None = None
    shock_start: int = 26


def overrides(scenario: Scenario, plan: Plan, seed: int) -> list[str]:
    """Hydra overrides of one run of a plan in a scenario.

    Per-team values are not recorded (``record.team_every=0``): the what-if
    shows organisation metrics only, and skipping them saves time.
    """
    items = [f"org={scenario.org}", f"weeks={scenario.weeks}", f"seed={seed}", "record.team_every=0"]
    items += [f"org.layers.{name}={value:g}" for name, value in scenario.layers.items()]
    if scenario.teams is not None:
        items.append(f"org.teams={scenario.teams}")
    names = [step.name for step in plan.steps] or ["none"]
    items.append(f"intervention=[{','.join(names)}]")
    for step in plan.steps:
        items += [
            f"intervention.{step.name}.start={step.start}",
            f"intervention.{step.name}.intensity={step.intensity:g}",
        ]
        if getattr(step, "duration", 0):
            # "++": presets that do not set a duration have no such key to override.
            items.append(f"++intervention.{step.name}.duration={step.duration}")
    if scenario.shock:
        items += [f"shock=[{scenario.shock}]", f"shock.{scenario.shock}.start={scenario.shock_start}"]
    return items


@dataclass(frozen=True)
class Outcome:
    """The runs of the plans compared.

    Attributes:
        runs: Per plan key (``"A"``, ``"B"`` ...), weekly metrics of its runs,
            indexed by (seed, week), with ``cumulative_net_value``; every plan meets the same seeds.
    """

    runs: dict[str, pd.DataFrame]

    @property
    def a(self) -> pd.DataFrame:
        """Plan A's runs."""
        return self.runs["A"]

    @property
    def b(self) -> pd.DataFrame:
        """Plan B's runs."""
        return self.runs["B"]

    @property
    def keys(self) -> list[str]:
        """The plans' keys, A first."""
        return list(self.runs)

    @property
    def weeks(self) -> int:
        """Horizon in weeks."""
        return int(self.a.index.get_level_values("week").max())

    @property
    def seeds(self) -> int:
        """Seeds each plan ran."""
        return int(self.a.index.get_level_values("seed").nunique())


def prepare(scenario: Scenario, *plans: Plan) -> None:
    """Compose the plans' configurations ahead of a run, so that Run does not wait for Hydra.

    Hydra's first composition of a choice of presets takes a few hundred
    milliseconds; runs of the same presets with other values (seeds, sliders)
    reuse it (see :func:`sim.config.load_config`). A scenario that is not
    allowed is left for the run to report.
    """
    for plan in plans:
        with contextlib.suppress(ConfigError):
            load_config(overrides(scenario, plan, 0))


def run_what_if(
    scenario: Scenario, plans: Sequence[Plan], progress: Callable[[float], None] | None = None
) -> Outcome:
    """Run the plans (A, B ...) over the scenario's seeds in one call of :func:`sim.api.run_over_seeds`.

    Raises:
        sim.ConfigError: An input is out of range; nothing is simulated then.
    """
    configs = [load_config(overrides(scenario, plan, 0)) for plan in plans]
    frames = run_over_seeds(configs, range(scenario.seeds), progress=progress)
    for frame in frames:
        frame["cumulative_net_value"] = frame.groupby(level="seed")["net_value"].cumsum()
    return Outcome(dict(zip(PLAN_KEYS, frames, strict=False)))


def band(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean and 10-90% band of a metric over the seeds, one row per week."""
    weeks = runs.index.get_level_values("week")
    n_weeks = int(weeks.max())
    # Every run has the same weeks 1..n, stored run by run: one (seeds, weeks) array.
    values = runs[metric].to_numpy(dtype=float).reshape(-1, n_weeks)
    p10, p90 = np.quantile(values, [0.1, 0.9], axis=0)
    return pd.DataFrame(
        {"mean": values.mean(axis=0), "p10": p10, "p90": p90}, index=pd.Index(weeks[:n_weeks], name="week")
    )


def means(outcome: Outcome, metric: str) -> dict[str, pd.Series]:
    """Per plan, the mean over seeds of a metric, one value per week."""
    return {key: band(runs, metric)["mean"] for key, runs in outcome.runs.items()}


def crossover_week(outcome: Outcome, metric: str = "cumulative_net_value") -> int | None:
    """Find the week from which the plan ahead on a metric's mean at the horizon stays ahead of all others.

    Returns:
        That week (:func:`sim.stats.overtake_week`), or ``None`` if the leader
        is level with another plan at the horizon or leads from the first week on.
    """
    curves = means(outcome, metric)
    finals = {key: curve.iloc[-1] for key, curve in curves.items()}
    leader = max(finals, key=finals.get)
    if sum(value == finals[leader] for value in finals.values()) > 1:
        return None
    ahead = curves[leader]
    # The leader has to be ahead of the best of the others, week by week.
    behind = np.max([c.to_numpy() for key, c in curves.items() if key != leader], axis=0)
    week = overtake_week(ahead.to_numpy(), behind, ahead.index.to_numpy())
    return None if week == int(ahead.index[0]) else week


@dataclass(frozen=True)
class Verdict:
    """Which plan ends ahead on a metric, and whether the seeds can tell it from the runner-up.

    Attributes:
        leader: Key of the plan with the best mean at the horizon.
        runner_up: Key of the next best plan.
        gap: Leader minus runner-up, mean over seeds (in the metric's direction, so >= 0).
        gap_percent: The gap relative to the runner-up's mean (NaN where that is 0).
        ahead_in: Seeds in which the leader beats the runner-up.
        seeds: Seeds run.
        tie: True when the paired difference's 95% interval includes 0 (or the means are equal):
            the runs do not tell the two plans apart.
    """

    leader: str
    runner_up: str
    gap: float
    gap_percent: float
    ahead_in: int
    seeds: int
    tie: bool


def verdict(outcome: Outcome, metric: str = "cumulative_net_value") -> Verdict:
    """Judge the plans on a metric at the horizon, with common seeds (paired differences)."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    ends = {key: sign * _at_horizon(runs, metric) for key, runs in outcome.runs.items()}
    ranked = sorted(ends, key=lambda key: ends[key].mean(), reverse=True)
    leader, runner_up = ranked[0], ranked[1]
    paired = ends[leader] - ends[runner_up]
    iv = t_interval(paired.to_numpy())
    behind = abs(ends[runner_up].mean())
    return Verdict(
        leader=leader,
        runner_up=runner_up,
        gap=float(paired.mean()),
        gap_percent=100 * float(paired.mean()) / behind if behind else float("nan"),
        ahead_in=int((paired > 0).sum()),
        seeds=len(paired),
        tie=bool(paired.mean() == 0 or (len(paired) > 1 and not iv.excludes(0.0))),
    )


def _at_horizon(runs: pd.DataFrame, metric: str) -> pd.Series:
    """One value per seed: the last week's for a stock, the mean of the last weeks for a flow."""
    tail = 1 if metric in STOCKS else END_WEEKS
    weeks = runs.index.get_level_values("week")
    return runs.loc[weeks > weeks.max() - tail, metric].groupby(level="seed").mean()


def differences(outcome: Outcome) -> pd.DataFrame:
    """Every plan at the horizon against plan A, one row per metric.

    Columns: one per plan key (means over seeds); then for each plan ``X``
    after A, ``X - A``, ``X - A %`` (relative to A, NaN where A is 0) and
    ``X better`` (share of seeds in which X is better than A, by the metric's
    direction; NaN for a metric in :data:`NO_BETTER`).
    """
    rows = []
    for metric, label in METRICS.items():
        ends = {key: _at_horizon(runs, metric) for key, runs in outcome.runs.items()}
        a = ends["A"]
        row: dict[str, float | str] = {"metric": label, **{key: v.mean() for key, v in ends.items()}}
        for key in outcome.keys[1:]:
            other = ends[key]
            better = (other < a) if metric in LOWER_IS_BETTER else (other > a)
            diff = other.mean() - a.mean()
            row[f"{key} - A"] = diff
            row[f"{key} - A %"] = 100 * diff / abs(a.mean()) if a.mean() else np.nan
            row[f"{key} better"] = np.nan if metric in NO_BETTER else better.mean()
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


def layers_at(runs: pd.DataFrame, week: int) -> dict[str, float]:
    """Mean strength of each layer over the seeds at a week."""
    row = runs.xs(week, level="week")
    return {name: float(row[f"layer_{name}"].mean()) for name in LAYER_NAMES}


DEFAULT_PLANS: tuple[Plan, ...] = (Plan((Action("execution_push"),)), Plan((Action("foundations_first"),)))
MAX_TEAMS = 5000  # a run of every plan over all seeds stays interactive; larger belongs to the command line
MAX_SEEDS = 50
MAX_WEEKS = 520


def scenario_params(scenario: Scenario, plans: Sequence[Plan]) -> dict[str, str]:
    """Write a what-if as query parameters: what differs from the defaults, by the command line's names.

    ``org``, ``weeks``, ``org.teams``, ``org.layers.<layer>``, ``shock`` and
    ``shock.<name>.start`` are the command line's overrides; ``seeds`` is the
    number of seeds per plan; each plan is its letter (``a=platform_team,talent_program``,
    ``none`` for doing nothing) with its steps' settings as the command line
    writes an intervention's (``a.platform_team.start=13``).
    """
    default = Scenario()
    params: dict[str, str] = {}
    if scenario.org != default.org:
        params["org"] = scenario.org
    if scenario.weeks != default.weeks:
        params["weeks"] = str(scenario.weeks)
    if scenario.seeds != default.seeds:
        params["seeds"] = str(scenario.seeds)
    if scenario.teams is not None:
        params["org.teams"] = str(scenario.teams)
    params |= {f"org.layers.{name}": f"{value:g}" for name, value in sorted(scenario.layers.items())}
    if scenario.shock:
        params["shock"] = scenario.shock
        if scenario.shock_start != default.shock_start:
            params[f"shock.{scenario.shock}.start"] = str(scenario.shock_start)
    for i, (key, plan) in enumerate(zip(PLAN_KEYS, plans, strict=False)):
        if i < len(DEFAULT_PLANS) and plan == DEFAULT_PLANS[i]:
            continue
        letter = key.lower()
        params[letter] = ",".join(step.name for step in plan.steps) or "none"
        for step in plan.steps:
            if step.start != 1:
                params[f"{letter}.{step.name}.start"] = str(step.start)
            if step.intensity != 1:
                params[f"{letter}.{step.name}.intensity"] = f"{step.intensity:g}"
            if getattr(step, "duration", 0):
                params[f"{letter}.{step.name}.duration"] = str(step.duration)
    return params


def scenario_from_params(params: dict[str, str]) -> tuple[Scenario, tuple[Plan, ...], list[str]]:
    """Read a what-if from the address's query parameters (see :func:`scenario_params`).

    Returns:
        The scenario, its plans, and what could not be used, one phrase per
        parameter (an unknown preset, a number out of range); those keep their defaults.
    """
    problems: list[str] = []
    default = Scenario()
    org = choice_param(params, "org", presets(), problems) or default.org
    layers = {}
    for name in LAYER_NAMES:
        value = float_param(params, f"org.layers.{name}", 0, 1, problems)
        if value is not None:
            layers[name] = value
    shock = choice_param(params, "shock", shocks(), problems)
    shock_start = int_param(params, f"shock.{shock}.start", 1, MAX_WEEKS, problems) if shock else None
    scenario = Scenario(
        org=org,
        layers=layers,
        teams=int_param(params, "org.teams", 1, MAX_TEAMS, problems),
        weeks=int_param(params, "weeks", 1, MAX_WEEKS, problems) or default.weeks,
        seeds=int_param(params, "seeds", 1, MAX_SEEDS, problems) or default.seeds,
        shock=shock,
        shock_start=shock_start or default.shock_start,
    )
    plans: list[Plan] = []
    for i, key in enumerate(PLAN_KEYS):
        letter = key.lower()
        if letter not in params:
            if i < len(DEFAULT_PLANS):
                plans.append(DEFAULT_PLANS[i])
                continue
            break
        names = [n for n in params[letter].split(",") if n and n != "none"]
        unknown = [n for n in names if n not in interventions()]
        if unknown:
            problems.append(f"{letter}={params[letter]}: {', '.join(unknown)} is not an intervention")
        steps = []
        for name in dict.fromkeys(n for n in names if n not in unknown):
            start = int_param(params, f"{letter}.{name}.start", 1, MAX_WEEKS, problems)
            intensity = float_param(params, f"{letter}.{name}.intensity", 0, 3, problems)
            duration = int_param(params, f"{letter}.{name}.duration", 0, MAX_WEEKS, problems)
            steps.append(Action(name, start or 1, 1.0 if intensity is None else intensity, duration or 0))
        plans.append(Plan(tuple(steps)))
    return scenario, tuple(plans), problems


def weekly_csv(outcome: Outcome, labels: dict[str, str]) -> str:
    """Write the weekly results as CSV: one row per plan and week, each metric's mean, 10% and 90% over seeds."""
    frames = []
    for key, runs in outcome.runs.items():
        columns = {}
        for metric in METRICS:
            stats = band(runs, metric)
            columns |= {
                f"{metric}_mean": stats["mean"],
                f"{metric}_p10": stats["p10"],
                f"{metric}_p90": stats["p90"],
            }
        frame = pd.DataFrame(columns)
        frame.insert(0, "plan_label", labels[key])
        frame.insert(0, "plan", key)
        frames.append(frame)
    return pd.concat(frames).reset_index().to_csv(index=False, float_format="%.6g")

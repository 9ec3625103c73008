"""What-if scenarios as plain data: overrides for the simulation and summaries of its runs.

Nothing here knows Solara: the pages build a :class:`Scenario` and two
:class:`Plan` objects from their inputs, :func:`run_what_if` turns them into
one call of :func:`sim.api.run_over_seeds`, and the summaries feed the charts and
the table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim import ConfigError, load_config
from sim.api import run_over_seeds
from sim.config import options
from sim.model.metrics import END_WEEKS
from sim.model.params import LAYER_NAMES
from sim.plans import Plan
from sim.stats import overtake_week

LAYER_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Alignment", ("partnership", "strategy")),
    ("Foundation", ("architecture", "culture", "talent")),
    ("Performance", ("execution", "innovation")),
)

# The weekly series the what-if shows, with their labels, in the order of the charts.
METRICS: dict[str, str] = {
    "cumulative_value": "Cumulative value",
    "value": "Weekly value",
    "throughput": "Throughput (changes/week)",
    "deploys_per_week": "Deploys per week",
    "lead_time_days": "Lead time (days)",
    "change_failure_rate": "Change failure rate",
    "time_to_restore_hours": "Time to restore (hours)",
    "innovations": "Innovations",
    "tech_debt": "Technical debt",
    "attrition": "Attrition (people/week)",
    "bu_trust": "Business trust",
}
# Metrics where less is better, so that the table can say which plan is ahead.
LOWER_IS_BETTER = frozenset(
    {"lead_time_days", "change_failure_rate", "time_to_restore_hours", "tech_debt", "attrition"}
)
# Flows are compared over the last weeks of the horizon (as the CLI summary does), stocks at its end.
STOCKS = frozenset({"cumulative_value", "tech_debt", "bu_trust"})


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
    if scenario.shock:
        items += [f"shock=[{scenario.shock}]", f"shock.{scenario.shock}.start={scenario.shock_start}"]
    return items


@dataclass(frozen=True)
class Outcome:
    """The runs of plans A and B.

    Attributes:
        a: Weekly metrics of plan A's runs, indexed by (seed, week), with ``cumulative_value``.
        b: The same for plan B, with the same seeds.
    """

    a: pd.DataFrame
    b: pd.DataFrame

    @property
    def weeks(self) -> int:
        """Horizon in weeks."""
        return int(self.a.index.get_level_values("week").max())


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
    scenario: Scenario, plan_a: Plan, plan_b: Plan, progress: Callable[[float], None] | None = None
) -> Outcome:
    """Run both plans over the scenario's seeds in one call of :func:`sim.api.run_over_seeds`.

    Raises:
        sim.ConfigError: An input is out of range; nothing is simulated then.
    """
    configs = [load_config(overrides(scenario, plan, 0)) for plan in (plan_a, plan_b)]
    a, b = run_over_seeds(configs, range(scenario.seeds), progress=progress)
    for frame in (a, b):
        frame["cumulative_value"] = frame.groupby(level="seed")["value"].cumsum()
    return Outcome(a, b)


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


def crossover_week(outcome: Outcome, metric: str = "cumulative_value") -> int | None:
    """Find the week from which the plan ahead on a metric's mean at the horizon stays ahead.

    Returns:
        That week (:func:`sim.stats.overtake_week`), or ``None`` if the plans
        are level at the horizon or the winner leads from the first week on.
    """
    a, b = band(outcome.a, metric)["mean"], band(outcome.b, metric)["mean"]
    if a.iloc[-1] == b.iloc[-1]:
        return None
    ahead, behind = (b, a) if b.iloc[-1] > a.iloc[-1] else (a, b)
    week = overtake_week(ahead.to_numpy(), behind.to_numpy(), ahead.index.to_numpy())
    return None if week == int(ahead.index[0]) else week


def _at_horizon(runs: pd.DataFrame, metric: str) -> pd.Series:
    """One value per seed: the last week's for a stock, the mean of the last weeks for a flow."""
    tail = 1 if metric in STOCKS else END_WEEKS
    weeks = runs.index.get_level_values("week")
    return runs.loc[weeks > weeks.max() - tail, metric].groupby(level="seed").mean()


def differences(outcome: Outcome) -> pd.DataFrame:
    """Plans A and B at the horizon, one row per metric.

    Columns: ``metric`` (label), ``A`` and ``B`` (means over seeds), ``B - A``,
    ``B - A %`` (relative to A, NaN where A is 0) and ``B better`` (share of
    seeds in which B is better, by the metric's direction).
    """
    rows = []
    for metric, label in METRICS.items():
        a, b = _at_horizon(outcome.a, metric), _at_horizon(outcome.b, metric)
        better = (b < a) if metric in LOWER_IS_BETTER else (b > a)
        diff = b.mean() - a.mean()
        rows.append(
            {
                "metric": label,
                "A": a.mean(),
                "B": b.mean(),
                "B - A": diff,
                "B - A %": 100 * diff / abs(a.mean()) if a.mean() else np.nan,
                "B better": better.mean(),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def layers_at(runs: pd.DataFrame, week: int) -> dict[str, float]:
    """Mean strength of each layer over the seeds at a week."""
    row = runs.xs(week, level="week")
    return {name: float(row[f"layer_{name}"].mean()) for name in LAYER_NAMES}

"""Scenarios as files: what the studio saves and loads, in the command line's own terms.

A scenario file holds the organisation as the command line's overrides
(``org``, ``weeks``, ``org.teams``, ``org.layers.<layer>``), the seeds, and
each plan in the format of an ``orgstack plan=`` file (``interventions`` and
``shocks``, each with ``name``, ``start``, ``duration``, ``intensity``). One
plan's part, saved alone, is a plan file, so each plan runs from the command
line as ``orgstack plan=plan-A.yaml org=... weeks=... seed=0`` with the numbers
the studio shows for seed 0; and a plan file written by hand loads into the
studio as plan A.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from sim.model.params import LAYER_NAMES
from sim.plans import Plan
from viz.scenario import (
    DEFAULT_PLANS,
    MAX_SEEDS,
    MAX_TEAMS,
    MAX_WEEKS,
    PLAN_KEYS,
    Action,
    Scenario,
    interventions,
    presets,
    shocks,
)

KEYS = ("organisation", "seeds", "plans")


class ScenarioFileError(ValueError):
    """A scenario or plan file that cannot be read, with the reason in one line."""


def organisation_overrides(scenario: Scenario) -> dict[str, Any]:
    """Return the command line's overrides of the organisation and horizon of a scenario."""
    found: dict[str, Any] = {"org": scenario.org, "weeks": scenario.weeks}
    if scenario.teams is not None:
        found["org.teams"] = scenario.teams
    found |= {f"org.layers.{name}": value for name, value in sorted(scenario.layers.items())}
    return found


def plan_file(scenario: Scenario, plan: Plan) -> dict[str, Any]:
    """One plan as an ``orgstack plan=`` file: its interventions and the scenario's shock."""
    items = [
        {"name": s.name, "start": s.start, "duration": getattr(s, "duration", 0), "intensity": s.intensity}
        for s in plan.steps
    ]
    found: dict[str, Any] = {"interventions": items}
    if scenario.shock:
        found["shocks"] = [{"name": scenario.shock, "start": scenario.shock_start}]
    return found


def command(scenario: Scenario, key: str, seed: int = 0) -> str:
    """Return the command line that runs one plan of the scenario from its plan file, for one seed."""
    overrides = " ".join(
        f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in organisation_overrides(scenario).items()
    )
    return f"orgstack plan=plan-{key}.yaml {overrides} seed={seed}"


def write_scenario(scenario: Scenario, plans: Sequence[Plan]) -> str:
    """Write a scenario file (YAML), with the commands that run its plans in a comment at the top."""
    keys = PLAN_KEYS[: len(plans)]
    lines = [
        "# An OrgStack scenario, saved by the studio; load it there again, or run each plan from the",
        "# command line with that plan's part saved as a plan file (the studio saves those too):",
        *(f"#   {command(scenario, key)}" for key in keys),
        f"# for seed 0; the studio ran seeds 0 to {scenario.seeds - 1}.",
    ]
    data = {
        "organisation": organisation_overrides(scenario),
        "seeds": scenario.seeds,
        "plans": {key: plan_file(scenario, plan) for key, plan in zip(keys, plans, strict=True)},
    }
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False)


def write_plan(scenario: Scenario, plan: Plan) -> str:
    """Write one plan as an ``orgstack plan=`` file (YAML)."""
    return yaml.safe_dump(plan_file(scenario, plan), sort_keys=False)


def _number(value: Any, where: str, lo: float, hi: float, whole: bool = True) -> Any:
    ok = isinstance(value, int) if whole else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not lo <= value <= hi:
        kind = "a whole number" if whole else "a number"
        raise ScenarioFileError(f"{where} must be {kind} from {lo:g} to {hi:g}, got {value!r}")
    return value


def _plan(data: Any, where: str) -> tuple[Plan, tuple[str, int] | None]:
    """Read one plan (a plan file's content): its steps, and its first shock with its start week."""
    if not isinstance(data, dict) or set(data) - {"interventions", "shocks"}:
        raise ScenarioFileError(f"{where} must be a mapping with interventions and shocks (a plan file)")
    steps = []
    for i, item in enumerate(data.get("interventions") or []):
        at = f"{where}.interventions[{i}]"
        if not isinstance(item, dict) or item.get("name") not in interventions():
            name = item.get("name") if isinstance(item, dict) else item
            raise ScenarioFileError(
                f"{at}: unknown intervention {name!r}; choose from {', '.join(interventions())}"
            )
        steps.append(
            Action(
                item["name"],
                _number(item.get("start", 1), f"{at}.start", 1, MAX_WEEKS),
                float(_number(item.get("intensity", 1.0), f"{at}.intensity", 0, 3, whole=False)),
                _number(item.get("duration", 0), f"{at}.duration", 0, MAX_WEEKS),
            )
        )
    shock = None
    found = data.get("shocks") or []
    if found:
        first = found[0]
        if not isinstance(first, dict) or first.get("name") not in shocks():
            raise ScenarioFileError(f"{where}.shocks[0]: unknown shock; choose from {', '.join(shocks())}")
        shock = (first["name"], _number(first.get("start", 26), f"{where}.shocks[0].start", 1, MAX_WEEKS))
    return Plan(tuple(steps)), shock


def read_scenario(text: str) -> tuple[Scenario, tuple[Plan, ...]]:
    """Read a scenario file, or a plan file (which becomes plan A of the default scenario).

    Raises:
        ScenarioFileError: The text is not such a file; the message names the field.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ScenarioFileError(f"not valid YAML: {str(err).splitlines()[0]}") from None
    if isinstance(data, dict) and set(data) <= {"interventions", "shocks"}:
        plan, shock = _plan(data, "plan")
        scenario = Scenario(shock=shock[0], shock_start=shock[1]) if shock else Scenario()
        return scenario, (plan, *DEFAULT_PLANS[1:])
    if not isinstance(data, dict) or set(data) - set(KEYS) or "plans" not in data:
        raise ScenarioFileError("a scenario file is a mapping with organisation, seeds and plans")
    org = data.get("organisation") or {}
    if not isinstance(org, dict):
        raise ScenarioFileError("organisation must be a mapping of the command line's overrides")
    allowed = {"org", "weeks", "org.teams", *(f"org.layers.{n}" for n in LAYER_NAMES)}
    unknown = sorted(set(org) - allowed)
    if unknown:
        raise ScenarioFileError(
            f"organisation.{unknown[0]}: unknown; allowed are {', '.join(sorted(allowed))}"
        )
    name = org.get("org", Scenario().org)
    if name not in presets():
        raise ScenarioFileError(
            f"organisation.org: unknown preset {name!r}; choose from {', '.join(presets())}"
        )
    layers = {
        n: float(_number(org[f"org.layers.{n}"], f"organisation.org.layers.{n}", 0, 1, whole=False))
        for n in LAYER_NAMES
        if f"org.layers.{n}" in org
    }
    teams = _number(org["org.teams"], "organisation.org.teams", 1, MAX_TEAMS) if "org.teams" in org else None
    raw = data["plans"]
    if not isinstance(raw, dict) or not 1 <= len(raw) <= len(PLAN_KEYS) or set(raw) - set(PLAN_KEYS):
        raise ScenarioFileError(f"plans must map up to four of {', '.join(PLAN_KEYS)} to plan files")
    plans, shock = [], None
    for key in PLAN_KEYS[: len(raw)]:
        if key not in raw:
            raise ScenarioFileError(f"plans: {key} is missing; plans are lettered from A in order")
        plan, plan_shock = _plan(raw[key], f"plans.{key}")
        plans.append(plan)
        shock = shock or plan_shock
    if len(plans) == 1:
        plans.append(DEFAULT_PLANS[1])
    scenario = Scenario(
        org=name,
        layers=layers,
        teams=teams,
        weeks=_number(org.get("weeks", Scenario().weeks), "organisation.weeks", 1, MAX_WEEKS),
        seeds=_number(data.get("seeds", Scenario().seeds), "seeds", 1, MAX_SEEDS),
        shock=shock[0] if shock else None,
        shock_start=shock[1] if shock else Scenario().shock_start,
    )
    return scenario, tuple(plans)

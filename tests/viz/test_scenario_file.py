"""Scenario files: saved by the studio, loaded again, and run from the command line with the same numbers."""

import pytest

from sim import simulate
from sim.plans import Plan
from viz.scenario import DEFAULT_PLANS, Action, Scenario, run_what_if
from viz.scenario_file import ScenarioFileError, command, read_scenario, write_plan, write_scenario


def test_a_saved_scenario_loads_back_the_same(sample):
    assert read_scenario(write_scenario(*sample)) == sample


def test_a_plan_file_loads_as_plan_a():
    scenario, plans = read_scenario("interventions:\n  - {name: platform_team, start: 4}\n")
    assert plans == (Plan((Action("platform_team", start=4),)), *DEFAULT_PLANS[1:])
    assert scenario == Scenario()


def test_each_saved_plan_runs_from_the_command_line_with_the_studios_numbers(tmp_path, sample):
    scenario, plans = sample
    studio = run_what_if(scenario, plans)
    for key, plan in zip("ABC", plans, strict=True):
        path = tmp_path / f"plan-{key}.yaml"
        path.write_text(write_plan(scenario, plan))
        # The command the studio writes, as the overrides the command line would parse.
        line = command(scenario, key).removeprefix("orgstack ").replace(f"plan-{key}.yaml", str(path))
        weekly = simulate(line.split())
        assert weekly["value"].to_numpy() == pytest.approx(
            studio.runs[key].xs(0, level="seed")["value"].to_numpy()
        )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "plans: {A: {interventions: [{name: magic}]}}",
            "plans.A.interventions[0]: unknown intervention 'magic'",
        ),
        ("organisation: {org: nope}\nplans: {A: {}}", "organisation.org: unknown preset 'nope'"),
        (
            "organisation: {weeks: 0}\nplans: {A: {}}",
            "organisation.weeks must be a whole number from 1 to 520",
        ),
        ("seeds: 3", "a scenario file is a mapping with organisation, seeds and plans"),
        ("a: [", "not valid YAML"),
    ],
)
def test_a_file_that_is_not_a_scenario_says_why(text, says):
    with pytest.raises(
        ScenarioFileError, match=says.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    ):
        read_scenario(text)

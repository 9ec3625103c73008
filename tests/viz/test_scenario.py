import pandas as pd
import pytest

from sim import ConfigError, load_config
from sim.config import _compose_choices
from sim.model.params import LAYER_NAMES
from sim.plans import Plan, Step
from viz.scenario import (
    METRICS,
    Outcome,
    Scenario,
    band,
    crossover_week,
    differences,
    layers_at,
    overrides,
    prepare,
    run_what_if,
)


def test_overrides_carry_start_intensity_layers_and_shock_into_the_config():
    scenario = Scenario(
        org="struggling", layers={"culture": 0.7}, teams=20, weeks=52, shock="demand_surge", shock_start=30
    )
    plan = Plan((Step("platform_team", start=10, intensity=0.5), Step("talent_program")))
    config = load_config(overrides(scenario, plan, seed=3))
    assert config.seed == 3 and config.weeks == 52 and config.org.teams == 20
    assert config.org.layers.culture == 0.7
    assert config.intervention["platform_team"].start == 10
    assert config.intervention["platform_team"].intensity == 0.5
    assert config.intervention["talent_program"].start == 1
    assert config.shock["demand_surge"].start == 30


def test_empty_plan_runs_no_intervention():
    config = load_config(overrides(Scenario(weeks=10), Plan(), seed=0))
    assert list(config.intervention) == ["none"]


def test_plan_label_names_changed_settings_only():
    assert Plan().label() == "do nothing"
    assert Plan((Step("a"), Step("b", start=5, intensity=0.5))).label() == "a + b (week 5, x0.5)"


def _outcome(a: list[list[float]], b: list[list[float]]) -> Outcome:
    def frame(rows):
        index = pd.MultiIndex.from_product(
            [range(len(rows)), range(1, len(rows[0]) + 1)], names=["seed", "week"]
        )
        values = [v for row in rows for v in row]
        return pd.DataFrame({"cumulative_value": values, "value": values}, index=index)

    return Outcome(frame(a), frame(b))


def test_crossover_is_the_week_the_final_leader_takes_the_lead():
    outcome = _outcome([[3, 6, 9, 12]], [[1, 5, 10, 20]])
    assert crossover_week(outcome) == 3
    assert crossover_week(_outcome([[1, 2, 3]], [[2, 3, 4]])) is None


def test_band_is_mean_and_10_90_quantiles_over_seeds():
    outcome = _outcome([[0.0, 10.0]] * 1 + [[10.0, 20.0]] * 1, [[0, 0], [0, 0]])
    stats = band(outcome.a, "value")
    assert stats.loc[1, "mean"] == 5 and stats.loc[2, "mean"] == 15
    assert stats.loc[1, "p10"] == pytest.approx(1.0) and stats.loc[1, "p90"] == pytest.approx(9.0)


def test_what_if_runs_both_plans_on_the_same_seeds_and_compares_them():
    scenario = Scenario(weeks=8, seeds=2)
    outcome = run_what_if(scenario, Plan(), Plan((Step("execution_push"),)))
    assert outcome.weeks == 8
    assert list(outcome.a.index.get_level_values("seed").unique()) == [0, 1]
    assert list(outcome.b.index.get_level_values("seed").unique()) == [0, 1]
    table = differences(outcome)
    assert list(table.index) == list(METRICS.values())
    row = table.loc["Cumulative value"]
    assert row["B - A"] == pytest.approx(row["B"] - row["A"])
    assert 0 <= row["B better"] <= 1
    assert set(layers_at(outcome.a, 8)) == set(LAYER_NAMES)


def test_stronger_culture_raises_value_through_the_scenario():
    weak = run_what_if(Scenario(weeks=26, seeds=3, layers={"culture": 0.1}), Plan(), Plan())
    strong = run_what_if(Scenario(weeks=26, seeds=3, layers={"culture": 0.9}), Plan(), Plan())
    assert differences(strong).loc["Cumulative value", "A"] > differences(weak).loc["Cumulative value", "A"]


def test_out_of_range_input_is_a_config_error():
    with pytest.raises(ConfigError, match="org.layers.culture"):
        run_what_if(Scenario(weeks=4, seeds=1, layers={"culture": 1.5}), Plan(), Plan())


def test_prepare_composes_the_plans_so_that_the_run_need_not():
    scenario = Scenario(org="startup", weeks=8, seeds=2)
    plan = Plan((Step("talent_program", start=3),))
    _compose_choices.cache_clear()
    prepare(scenario, plan)
    composed = _compose_choices.cache_info().misses
    run_what_if(scenario, plan, plan)
    assert _compose_choices.cache_info().misses == composed


def test_prepare_leaves_a_scenario_that_is_not_allowed_to_the_run():
    prepare(Scenario(weeks=-3), Plan(()))

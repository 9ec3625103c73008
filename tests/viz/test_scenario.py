import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, load_config
from sim.config import _compose_choices
from sim.model.params import LAYER_NAMES
from sim.plans import Plan, Step
from viz.scenario import (
    DEFAULT_PLANS,
    METRICS,
    Action,
    Outcome,
    Scenario,
    band,
    crossover_week,
    differences,
    layers_at,
    overrides,
    plan_label,
    prepare,
    run_what_if,
    scenario_from_params,
    scenario_params,
    verdict,
    weekly_csv,
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
        return pd.DataFrame({"cumulative_net_value": values, "value": values}, index=index)

    return Outcome({"A": frame(a), "B": frame(b)})


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
    outcome = run_what_if(scenario, [Plan(), Plan((Step("execution_push"),))])
    assert outcome.weeks == 8
    assert list(outcome.a.index.get_level_values("seed").unique()) == [0, 1]
    assert list(outcome.b.index.get_level_values("seed").unique()) == [0, 1]
    table = differences(outcome)
    assert list(table.index) == list(METRICS.values())
    row = table.loc[METRICS["cumulative_net_value"]]
    assert row["B - A"] == pytest.approx(row["B"] - row["A"])
    assert 0 <= row["B better"] <= 1
    assert np.isnan(table.loc[METRICS["utilisation"], "B better"]), "no plan is ahead on utilisation"
    assert set(layers_at(outcome.a, 8)) == set(LAYER_NAMES)


def test_a_layer_set_in_the_scenario_is_the_organisation_s_starting_strength():
    # What a stronger layer does to value is a finding (make validate), not the scenario's to test.
    weak = run_what_if(Scenario(weeks=4, seeds=2, layers={"culture": 0.1}), [Plan(), Plan()])
    strong = run_what_if(Scenario(weeks=4, seeds=2, layers={"culture": 0.9}), [Plan(), Plan()])

    def first_week(outcome):
        runs = outcome.runs["A"]
        return runs.loc[runs.index.get_level_values("week") == 1, "layer_culture"].mean()

    assert first_week(weak) < 0.3 < 0.7 < first_week(strong)


def test_out_of_range_input_is_a_config_error():
    with pytest.raises(ConfigError, match="org.layers.culture"):
        run_what_if(Scenario(weeks=4, seeds=1, layers={"culture": 1.5}), [Plan(), Plan()])


def test_prepare_composes_the_plans_so_that_the_run_need_not():
    scenario = Scenario(org="startup", weeks=8, seeds=2)
    plan = Plan((Step("talent_program", start=3),))
    _compose_choices.cache_clear()
    prepare(scenario, plan)
    composed = _compose_choices.cache_info().misses
    run_what_if(scenario, [plan, plan])
    assert _compose_choices.cache_info().misses == composed


def test_prepare_leaves_a_scenario_that_is_not_allowed_to_the_run():
    prepare(Scenario(weeks=-3), Plan(()))


def test_durations_reach_the_config_and_the_label():
    plan = Plan((Action("platform_team", start=5, duration=20),))
    config = load_config(overrides(Scenario(weeks=52), plan, seed=0))
    assert config.intervention["platform_team"].duration == 20
    assert plan_label(plan) == "platform_team (week 5) (platform_team stops after 20 weeks)"


def test_up_to_four_plans_run_on_the_same_seeds_and_are_compared_with_a():
    plans = [Plan(), Plan((Action("execution_push"),)), Plan((Action("platform_team"),))]
    outcome = run_what_if(Scenario(weeks=6, seeds=2), plans)
    assert outcome.keys == ["A", "B", "C"]
    table = differences(outcome)
    assert {"A", "B", "C", "B - A %", "C - A %", "C better"} <= set(table.columns)


def test_plans_level_within_the_seeds_noise_are_a_tie():
    outcome = _outcome([[1, 2, 3], [1, 2, 5]], [[1, 2, 4], [1, 2, 4]])
    judged = verdict(outcome)
    assert judged.tie and {judged.leader, judged.runner_up} == {"A", "B"}
    clear = verdict(_outcome([[1, 2, 3], [1, 2, 3.1]], [[1, 2, 9], [1, 2, 9.2]]))
    assert not clear.tie and clear.leader == "B" and clear.ahead_in == 2
    same = verdict(_outcome([[1, 2, 3]], [[1, 2, 3]]))
    assert same.tie


def test_a_scenario_goes_into_the_address_and_comes_back_the_same(sample):
    scenario, plans = sample
    params = scenario_params(scenario, plans)
    assert "org" not in params, "the default preset is left out"
    assert params["weeks"] == "30" and params["org.teams"] == "6" and params["org.layers.culture"] == "0.5"
    assert params["a"] == "platform_team,talent_program" and params["a.platform_team.start"] == "13"
    assert params["b"] == "none" and params["shock.demand_surge.start"] == "10"
    back, back_plans, problems = scenario_from_params(params)
    assert (back, back_plans, problems) == (scenario, plans, [])


def test_the_defaults_make_an_empty_address_and_a_short_link_opens_what_it_names():
    assert scenario_params(Scenario(), DEFAULT_PLANS) == {}
    scenario, plans, problems = scenario_from_params({"org": "elite", "weeks": "104"})
    assert scenario == Scenario(org="elite", weeks=104) and plans == DEFAULT_PLANS and problems == []


def test_a_link_with_unknown_names_or_numbers_out_of_range_says_so_and_keeps_the_defaults():
    scenario, plans, problems = scenario_from_params(
        {"org": "nope", "weeks": "9999", "org.teams": "abc", "a": "magic,platform_team"}
    )
    assert scenario.org == "struggling" and scenario.weeks == 156 and scenario.teams is None
    assert plans[0] == Plan((Action("platform_team"),))
    assert len(problems) == 4 and any("magic is not an intervention" in p for p in problems)


def test_weekly_csv_has_a_row_per_plan_and_week():
    outcome = run_what_if(Scenario(weeks=3, seeds=2), [Plan(), Plan((Action("execution_push"),))])
    csv = weekly_csv(outcome, {"A": "do nothing", "B": "push"}).splitlines()
    assert csv[0].startswith("week,plan,plan_label,cumulative_net_value_mean,cumulative_net_value_p10")
    assert len(csv) == 1 + 2 * 3


def test_every_what_if_metric_is_in_the_weekly_frame_and_has_help_in_plain_words():
    from sim.model.metrics import TEAM_ITEM_COLUMNS
    from viz.help import metric_help

    frame = run_what_if(Scenario(weeks=2, seeds=1), [Plan(), Plan()]).a
    assert set(METRICS) <= set(frame.columns)
    assert {"net_value", "cost", "flow_time_days", "items_in_system", "utilisation"} <= set(METRICS)
    help_ = metric_help()
    # The What-if's metrics, and the item measures the Organisation page shows for a team.
    for metric in dict.fromkeys([*METRICS, *TEAM_ITEM_COLUMNS]):
        text = help_.get(metric, "")
        assert len(text) > 20, f"{metric} has no help"
        assert not set(text) & set("`Σ·=/<>"), f"{metric}'s help has formula notation: {text}"
    assert "thousands of currency units" in help_["net_value"]


def test_the_headline_says_where_leadership_dropped_a_programme():
    from viz.whatif import dropped

    index = pd.MultiIndex.from_product([range(3), range(1, 5)], names=["seed", "week"])
    kept = pd.DataFrame({"programmes_abandoned": 0.0}, index=index)
    gave_up = kept.copy()
    gave_up.loc[(0, 3), "programmes_abandoned"] = 1.0
    gave_up.loc[(2, 2), "programmes_abandoned"] = 1.0
    assert dropped(Outcome({"A": kept, "B": kept})) == ""
    assert dropped(Outcome({"A": kept, "B": gave_up})).endswith(
        "plan B in 2 of 3 runs (from week 2, median)."
    )

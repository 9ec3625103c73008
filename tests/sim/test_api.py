"""The public API: simulate and simulate_many."""

import dataclasses

import pandas as pd
import pytest

from sim import ConfigError, OrgModel, load_config, simulate, simulate_many
from sim.api import run_config, run_configs


def test_simulate_many_stacks_the_frames_of_single_runs_in_order():
    runs = [["seed=3", "weeks=20"], ["seed=4", "weeks=20", "intervention=foundations_first"]]
    many = simulate_many(runs)
    assert many.index.names == ["run", "week"]
    for i, overrides in enumerate(runs):
        pd.testing.assert_frame_equal(many.loc[i], simulate(overrides))


def test_simulate_many_reports_progress_up_to_one():
    seen: list[float] = []
    simulate_many([["weeks=3", f"seed={s}"] for s in range(3)], progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_simulate_many_rejects_a_bad_run_before_simulating_any():
    seen: list[float] = []
    with pytest.raises(ConfigError, match="weeks"):
        simulate_many([["weeks=3"], ["weeks=-3"]], progress=seen.append)
    assert seen == []


@pytest.mark.parametrize("org", ["struggling", "startup"])
def test_a_run_gives_the_same_numbers_alone_and_in_a_batch(org):
    plans = [
        ("1", "none", "none"),
        ("2", "foundations_first", "none"),
        ("3", "[platform_team,enabling_team]", "key_people_loss"),
        ("1", "execution_push", "demand_surge"),
    ]
    configs = [
        load_config(
            [f"org={org}", "weeks=30", "record.team_every=3", f"seed={s}", f"intervention={i}", f"shock={k}"]
        )
        for s, i, k in plans
    ]
    batched = run_configs(configs)
    for config, result in zip(configs, batched, strict=True):
        alone = run_configs([config])[0]
        pd.testing.assert_frame_equal(result.weekly, alone.weekly, check_exact=True)
        pd.testing.assert_frame_equal(result.teams, alone.teams, check_exact=True)
    # The worlds are not copies of one another.
    assert batched[0].weekly["value"].sum() != batched[3].weekly["value"].sum()


def test_run_configs_keeps_the_order_of_mixed_organisations():
    runs = [["org=elite", "seed=1"], ["org=startup", "seed=1"], ["org=elite", "seed=2"], ["weeks=7"]]
    configs = [load_config([*r, "weeks=7"]) for r in runs]
    results = run_configs(configs)
    assert [r.config for r in results] == configs
    for config, result in zip(configs, results, strict=True):
        pd.testing.assert_frame_equal(result.weekly, run_config(config).weekly)


def test_one_model_refuses_runs_of_different_organisations():
    with pytest.raises(ValueError, match="differ only in seed"):
        OrgModel([load_config(["org=elite"]), load_config(["org=startup"])])


def test_a_plain_seed_override_shares_the_composition_but_still_checks_the_seed():
    assert load_config(["seed=12", "org=elite"]) == dataclasses.replace(load_config(["org=elite"]), seed=12)
    with pytest.raises(ConfigError, match="seed"):
        load_config([f"seed={2**40}"])


def test_workers_give_the_same_results_in_the_same_order():
    configs = [
        load_config([f"org={org}", f"seed={s}", "weeks=9"]) for s in range(3) for org in ("elite", "startup")
    ]
    seen: list[float] = []
    parallel = run_configs(configs, n_jobs=2, progress=seen.append)
    for config, alone, result in zip(configs, run_configs(configs), parallel, strict=True):
        assert result.config == config
        pd.testing.assert_frame_equal(result.weekly, alone.weekly, check_exact=True)
    assert seen[-1] == 1.0

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


# ---- misuse: every argument is checked before anything runs -------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: simulate("seed=1"), TypeError, "overrides: must be a list"),
        (lambda: simulate([1, 2]), TypeError, "overrides[0]: must be an override string"),
        (lambda: simulate(None), TypeError, "overrides: must be a list"),
        (lambda: simulate(["seed=1", "seed=2"]), ConfigError, "seed: is given twice"),
        (lambda: simulate(["seed=null"]), ConfigError, "seed: must be an integer, got None"),
        (lambda: simulate(["hydra.run.dir=somewhere"]), ConfigError, "hydra.run.dir: is a setting of the orgstack"),
        (lambda: simulate(["hydra/launcher=joblib"]), ConfigError, "hydra/launcher: is a setting"),
        (lambda: simulate(["seed=0,1"]), ConfigError, "seed"),
        (lambda: run_config(None), TypeError, "config: must be a Config"),
        (lambda: run_config("weeks=4"), TypeError, "config: must be a Config"),
        (lambda: run_configs([load_config(), 3]), TypeError, "configs[1]: must be a Config"),
        (lambda: run_configs(load_config()), TypeError, "configs: must be a list of Config"),
        (lambda: run_configs([load_config()], n_jobs=0), ConfigError, "n_jobs: must be a whole number"),
        (lambda: run_configs([load_config()], progress=3), TypeError, "progress: must be a function"),
        (lambda: simulate_many([]), ConfigError, "runs: must list at least one run"),
        (lambda: simulate_many("seed=1"), TypeError, "runs: must be a list"),
        (lambda: simulate_many(["seed=1"]), TypeError, "runs[0]: must be a list of override strings"),
        (lambda: simulate_many([["weeks=4"], [4]]), TypeError, "runs[1][0]: must be an override string"),
        (lambda: simulate_many([["weeks=4"]], progress="x"), TypeError, "progress: must be a function"),
    ],
)  # fmt: skip
def test_a_misused_api_raises_naming_the_argument(call, error, fragment):
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("weeks", 4.5, "config.weeks: must be an integer, got 4.5"),
        ("weeks", "4", "config.weeks: must be an integer, got '4'"),
        ("weeks", True, "config.weeks: must be an integer, got True"),
        ("seed", None, "config.seed: must be an integer, got None"),
        ("seed", -1, "config.seed: must be a number from 0"),
        ("weeks", 2, "config.shock.demand_surge.start: week 26 is after the run's last week, 2"),
    ],
)
def test_a_config_built_in_code_is_checked_as_a_composed_one(field, value, fragment):
    base = load_config(["weeks=30", "shock=demand_surge"])
    with pytest.raises(ConfigError) as info:
        # object.__setattr__: some of these values would be refused by replace's own range checks.
        config = dataclasses.replace(base)
        object.__setattr__(config, field, value)
        run_config(config)
    assert fragment in str(info.value)


def test_configs_that_share_all_but_the_seed_have_their_seeds_checked_too():
    base = load_config(["weeks=2"])
    bad = dataclasses.replace(base)
    object.__setattr__(bad, "seed", None)
    with pytest.raises(ConfigError) as info:
        run_configs([base, dataclasses.replace(base, seed=1), bad])
    assert str(info.value) == "configs[2].seed: must be an integer, got None"


def test_a_whole_float_in_a_config_built_in_code_runs_as_its_integer():
    base = load_config(["weeks=3"])
    config = dataclasses.replace(base)
    object.__setattr__(config, "weeks", 3.0)
    pd.testing.assert_frame_equal(run_config(config).weekly, run_config(base).weekly)

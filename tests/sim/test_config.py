"""Tests of sim.config.load_config: composition, presets, plan files and bad input."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sim.config import (
    CONFIG_DIR,
    GENERATED,
    GENERATED_DIR,
    MAX_INPUT_BYTES,
    _compose_choices,
    _compose_reusing,
    check_overrides,
    compose_dict,
    config_from_dict,
    implied_search_path,
    load_config,
    options,
    search_dirs,
    search_path_override,
)
from sim.model.params import Config
from sim.model.schema import ConfigError


def config_error(*overrides: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(list(overrides))
    return info.value


def test_default_config():
    config = load_config()
    assert isinstance(config, Config)
    assert config.org.name == "struggling"
    assert config.weeks == 156 and config.seed == 0
    assert list(config.intervention) == ["none"] and list(config.shock) == ["none"]


def test_overrides_reach_the_config():
    config = load_config(["org=enterprise", "org.teams=40", "seed=7", "weeks=30", "org.layers.culture=0.9"])
    assert config.org.name == "enterprise" and config.org.teams == 40
    assert config.seed == 7 and config.weeks == 30
    assert config.org.layers.culture == 0.9


def test_load_config_accepts_a_tuple_and_a_list_alike():
    assert load_config(("seed=3",)) == load_config(["seed=3"])


@pytest.mark.parametrize(
    ("override", "field", "allowed"),
    [
        ("seed=abc", "seed", "integer"),
        ("seed=1.5", "seed", "integer"),
        ("weeks=true", "weeks", "integer"),
        ("weeks=-3", "weeks", "from 1 to 520"),
        ("weeks=521", "weeks", "from 1 to 520"),
        ("org.layers.culture=1.7", "org.layers.culture", "from 0 to 1"),
        ("org.teams=0", "org.teams", "from 1 to 100000"),
        ("org.teams=many", "org.teams", "integer"),
        ("org.levers.pressure=2", "org.levers.pressure", "from 0 to 1"),
        ("params.workforce.ramp_weeks=0", "params.workforce.ramp_weeks", "from 1 to 104"),
        ("record.team_every=-1", "record.team_every", "from 0 to 520"),
        ("org=nope", "org", "struggling"),
        ("intervention=nope", "intervention", "foundations_first"),
        ("intervention=[platform_team,nope]", "intervention", "foundations_first"),
        ("shock=nope", "shock", "demand_surge"),
        ("params=nope", "params", "default"),
        ("+foo=1", "foo", "allowed keys are seed, weeks"),
    ],
)
def test_bad_value_names_the_field_and_what_is_allowed(override, field, allowed):
    err = config_error(override)
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert allowed in err.message


@pytest.mark.parametrize(
    ("override", "key"), [("sede=1", "sede"), ("org.layers.cultur=0.5", "org.layers.cultur")]
)
def test_unknown_key_is_named(override, key):
    err = config_error(override)
    assert str(err).startswith(f"{key}: ")
    assert "unknown key" in str(err)


def test_unknown_preset_lists_every_preset():
    err = config_error("intervention=nope")
    for name in options("intervention"):
        assert name in err.message


def test_generated_presets_are_found_only_on_the_search_path_an_experiment_adds():
    generated = sorted(p.stem for p in (GENERATED_DIR / "intervention").glob("*.yaml"))
    assert generated and not set(generated) & set(options("intervention"))
    err = config_error(f"intervention={generated[0]}")
    listed = err.message.split("choose from ")[1].split(", ")
    assert err.field == "intervention" and listed == options("intervention")
    assert set(generated) <= set(options("intervention", [GENERATED]))
    assert load_config([GENERATED, f"intervention={generated[0]}"]).intervention.keys() == {generated[0]}


def test_a_named_experiment_brings_the_search_path_it_declares(tmp_path):
    assert implied_search_path(["+experiment=sequencing"]) == [GENERATED]
    assert implied_search_path(["+experiment=horizon"]) == []  # declares none
    assert implied_search_path(["+experiment=sequencing", GENERATED]) == []  # given already
    config = load_config(["+experiment=sequencing", "intervention=seq_top_down"])
    assert list(config.intervention) == ["seq_top_down"]
    assert search_dirs([search_path_override(tmp_path)]) == [CONFIG_DIR, tmp_path]


def test_bad_override_syntax_is_a_config_error():
    err = config_error("seed=[1")
    assert str(err)


def test_several_interventions_from_the_command_line():
    config = load_config(["intervention=[platform_team,talent_program]"])
    assert set(config.intervention) == {"platform_team", "talent_program"}
    assert config.intervention["platform_team"].phases[0].levers["platform_capacity"] > 0
    assert config.intervention["talent_program"].phases[0].levers["training"] > 0


def test_intervention_parameters_are_overridable():
    config = load_config(
        ["intervention=[platform_team,talent_program]", "intervention.platform_team.start=10"]
    )
    assert config.intervention["platform_team"].start == 10
    assert config.intervention["talent_program"].start == 1


@pytest.mark.parametrize("group", ["org", "intervention", "shock", "params"])
def test_every_preset_loads(group):
    names = options(group)
    assert names == sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
    assert names
    for name in names:
        config = load_config([f"{group}={name}"])
        if group == "org":
            assert config.org.name == name
            assert config.org.description
        elif group in ("intervention", "shock"):
            assert list(getattr(config, group)) == [name]
            assert getattr(config, group)[name].description


def test_required_presets_exist():
    assert {"struggling", "solid_but_slow", "startup", "enterprise", "elite"} <= set(options("org"))
    assert {
        "none", "execution_push", "delivery_tooling", "delivery_excellence", "architecture_standards",
        "culture_program", "talent_program", "enabling_team", "platform_team", "strategy_focus",
        "partnership_governance", "foundations_first", "reorg", "alignment_theatre", "innovation_lab",
        "hire_more", "cio_90_day_plan",
    } <= set(options("intervention"))  # fmt: skip
    assert {
        "none", "demand_surge", "budget_cut", "key_people_loss", "security_incident", "strategy_change"
    } <= set(options("shock"))  # fmt: skip


# ---- plan files ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


VALID_PLAN = """
interventions:
  - name: platform_team
    start: 4
  - {name: talent_program, intensity: 0.5, duration: 20}
shocks:
  - {name: demand_surge, start: 30}
"""


def test_plan_file_combines_interventions_with_their_settings(tmp_path):
    plan = write(tmp_path, VALID_PLAN)
    config = load_config([f"plan={plan}"])
    assert config.plan == str(plan)
    assert {"platform_team", "talent_program"} <= set(config.intervention)
    platform, talent = config.intervention["platform_team"], config.intervention["talent_program"]
    assert (platform.start, platform.intensity) == (4, 1.0)
    assert (talent.start, talent.intensity, talent.duration) == (1, 0.5, 20)
    # The preset's content is kept; only the plan's settings change.
    assert talent.phases == load_config(["intervention=talent_program"]).intervention["talent_program"].phases
    assert config.shock["demand_surge"].start == 30


def test_example_plan_in_the_repository_is_valid():
    plan = Path(__file__).resolve().parents[2] / "examples" / "plan.yaml"
    config = load_config([f"plan={plan}"])
    assert config.intervention["platform_team"].start == 4
    assert config.intervention["talent_program"].intensity == 0.5
    assert config.shock["demand_surge"].start == 30


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        ("interventions:\n  - {name: platform_team, begin: 4}\n", "plan.interventions[0].begin", "start"),
        ("interventions:\n  - {name: nope}\n", "plan.interventions[0].name", "platform_team"),
        ("shocks:\n  - {name: nope}\n", "plan.shocks[0].name", "demand_surge"),
        ("interventions:\n  - {start: 4}\n", "plan.interventions[0]", "name"),
        ("interventions: platform_team\n", "plan.interventions", "list"),
        ("scenario: []\n", "plan", "interventions and shocks"),
        ("- platform_team\n", "plan", "interventions and shocks"),
        (
            "interventions:\n  - {name: platform_team, start: 0}\n",
            "intervention.platform_team.start",
            "from 1",
        ),
        (
            "interventions:\n  - {name: platform_team, intensity: big}\n",
            "intervention.platform_team.intensity",
            "number",
        ),
        (
            "interventions:\n  - {name: platform_team, intensity: .nan}\n",
            "intervention.platform_team.intensity",
            "nan",
        ),
        (
            "interventions:\n  - {name: platform_team, intensity: .inf}\n",
            "intervention.platform_team.intensity",
            "inf",
        ),
        ("interventions:\n  - {name: platform_team, start: 3, start: 4}\n", "plan", "'start' twice"),
        ("interventions:\n  - {name: [a], 1: 2, x: 3}\n", "plan.interventions[0].1", "unknown key"),
        ("interventions:\n  - {name: [a]}\n", "plan.interventions[0].name", "name of a intervention preset"),
        (
            "shocks:\n  - {name: demand_surge, start: 200}\n",
            "shock.demand_surge.start",
            "after the run's last week",
        ),
        ("interventions: [{name: a}, [1, [2, [3]]]]\n", "plan.interventions[0].name", "unknown intervention"),
    ],
)
def test_bad_plan_file(tmp_path, text, field, fragment):
    err = config_error(f"plan={write(tmp_path, text)}")
    assert err.field == field
    assert fragment in err.message


def test_missing_plan_file(tmp_path):
    err = config_error(f"plan={tmp_path / 'absent.yaml'}")
    assert err.field == "plan" and "absent.yaml" in err.message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"interventions:\n  - name: platform_team\xff\n", "not UTF-8"),
        (b"# " + b"x" * MAX_INPUT_BYTES + b"\n", "at most 1,000,000 bytes"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_a_plan_file_that_is_not_small_utf8_yaml_is_refused(tmp_path, content, fragment):
    path = tmp_path / "plan.yaml"
    path.write_bytes(content)
    err = config_error(f"plan={path}")
    assert err.field == "plan" and fragment in err.message


def test_only_a_regular_file_is_read_as_a_plan(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    for path in ("/dev/zero", str(fifo), str(tmp_path)):
        err = config_error(f"plan={path}")
        assert err.field == "plan" and "not a regular file" in err.message


def test_numbers_in_a_plan_file_are_read_as_yaml_1_2_reads_them(tmp_path):
    plan = write(tmp_path, "interventions:\n  - {name: platform_team, intensity: 5e-1, start: 1e1}\n")
    item = load_config([f"plan={plan}"]).intervention["platform_team"]
    assert (item.intensity, item.start) == (0.5, 10)


def test_an_empty_plan_file_is_a_plan_of_nothing(tmp_path):
    config = load_config([f"plan={write(tmp_path, '')}"])
    assert list(config.intervention) == ["none"] and list(config.shock) == ["none"]


def test_an_unknown_setting_of_a_chosen_intervention_lists_the_settings_it_has():
    err = config_error("intervention=execution_push", "intervention.execution_push.nope=1")
    assert err.field == "intervention.execution_push.nope"
    assert "duration, intensity, phases, start" in err.message
    err = config_error(
        "intervention.execution_pus.start=1"
    )  # a typo is an unknown preset, not an unchosen one
    assert err.field == "intervention.execution_pus" and "unknown intervention 'execution_pus'" in err.message


def test_a_preset_chosen_on_the_command_line_and_in_the_plan_is_refused(tmp_path):
    plan = write(tmp_path, VALID_PLAN)
    err = config_error("intervention=platform_team", f"plan={plan}")
    assert err.field == "plan.interventions[0].name" and "chosen by intervention=" in err.message


def test_invalid_yaml_plan_file(tmp_path):
    err = config_error(f"plan={write(tmp_path, 'interventions: [unclosed\n')}")
    assert err.field == "plan" and "not valid YAML" in err.message


@pytest.mark.parametrize(
    "overrides",
    [
        ["org.layers.culture=0.41", "weeks=52", "seed=4"],
        ["org=enterprise", "org.teams=30", "params.workforce.ramp_weeks=20", "org.levers.pressure=0.7"],
        [
            "intervention=[platform_team,talent_program]",
            "intervention.platform_team.start=5",
            "intervention.talent_program.intensity=0.5",
            "shock=[demand_surge]",
            "shock.demand_surge.start=30",
            "record.team_every=0",
        ],
        ["org=elite", "org.name=renamed", "intervention=none"],
        ["org.layers={culture:0.2}"],  # a mapping value: Hydra merges it
        ["+org.extra=1"],  # an addition
    ],
)
def test_values_set_on_a_cached_composition_equal_hydras_own(overrides):
    """Plain values are set on a cached composition of the presets; the result is Hydra's to the letter."""
    assert _compose_reusing(overrides) == compose_dict(overrides)
    assert _compose_reusing(overrides) == compose_dict(overrides)  # from the cache too


def test_a_value_for_a_missing_key_still_gets_hydras_message():
    with pytest.raises(ConfigError) as err:
        _compose_reusing(["org.layers.culture=0.4", "org.layerz.culture=0.4"])
    assert "org.layerz" in str(err.value)


def test_threads_wanting_the_same_presets_compose_them_once():
    _compose_choices.cache_clear()
    overrides = ["org=enterprise", "intervention=[culture_program,reorg]"]
    configs = []
    threads = [
        threading.Thread(target=lambda i=i: configs.append(load_config([*overrides, f"weeks={20 + i}"])))
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.weeks for c in configs) == [20, 21, 22, 23]
    assert _compose_choices.cache_info().misses == 1


# ---- overrides as a whole ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        (["weeks=${nope}"], "weeks", "nope"),
        (["org.name=${oc.env:ORGSTACK_NO_SUCH_VARIABLE}"], "org.name", "ORGSTACK_NO_SUCH_VARIABLE"),
        (["org=[elite,startup]"], "org", "choose one preset, not a list"),
        (["intervention=[platform_team,platform_team]"], "intervention", "listed twice"),
        (["intervention.execution_push.duration=10"], "intervention.execution_push", "intervention=execution_push"),
        (["+intervention.execution_push.start=3"], "intervention.execution_push", "not chosen"),
        (["shock.demand_surge.intensity=2"], "shock.demand_surge", "shock=demand_surge"),
        (["weeks=52", "intervention=execution_push", "intervention.execution_push.start=100"],
         "intervention.execution_push.start", "after the run's last week, 52"),
        (["weeks=12", "shock=demand_surge"], "shock.demand_surge.start", "weeks=26 or more"),
        (["plan=3"], "plan", "path of a plan file"),
    ],
)  # fmt: skip
def test_overrides_that_would_run_nonsense_are_refused(overrides, field, fragment):
    err = config_error(*overrides)
    assert err.field == field
    assert fragment in err.message


def test_a_key_given_twice_is_refused_where_a_person_gives_it():
    with pytest.raises(ConfigError) as info:
        check_overrides(["seed=1", "seed=2"])
    assert info.value.field == "seed" and "given twice" in info.value.message
    # OrgStack's own callers add to a person's overrides; the last one wins there, as in Hydra.
    assert load_config(["seed=1", "seed=2"]).seed == 2


@pytest.mark.parametrize("key", ["start", "duration", "intensity"])
def test_a_chosen_interventions_settings_can_be_set_whether_its_preset_spells_them_out_or_not(key):
    value = {"start": 5, "duration": 10, "intensity": 0.5}[key]
    overrides = ["intervention=execution_push", f"intervention.execution_push.{key}={value}"]
    # The cached shortcut and Hydra's own composition agree.
    for config in (load_config(overrides), config_from_dict(compose_dict(check_overrides(overrides)))):
        assert getattr(config.intervention["execution_push"], key) == value
    shock = load_config(["shock=demand_surge", f"shock.demand_surge.{key}={value}"]).shock["demand_surge"]
    assert getattr(shock, key) == value

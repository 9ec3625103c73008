"""The simulation as a whole: output contract, invariants, reproducibility, and
that interventions and shocks act only as data through the levers.

Parameter values are being tuned, so nothing here asserts a particular number
of the dynamics: only the shape of the output, ranges, identities between runs
and the direction of a mechanism's effect (averaged over seeds where noise
matters).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import load_config, run, simulate
from sim.api import run_config
from sim.config import compose_dict, options
from sim.model.agents import BusinessUnit, EnablingTeam, PlatformTeam, StreamAlignedTeam
from sim.model.batches import platform_teams
from sim.model.levers import LEVER_INDEX, Intervention, Phase, lever_bounds
from sim.model.metrics import CLUSTERS
from sim.model.model import OrgModel
from sim.model.params import LAYER_NAMES, Config, Record
from sim.model.schema import build
from tests.spec import REQUIRED_COLUMNS

LAYER_COLUMNS = tuple(f"layer_{name}" for name in LAYER_NAMES)
SHARES = (*LAYER_COLUMNS, "change_failure_rate", "bu_trust", "shadow_it_share", "perceived_alignment")
NON_NEGATIVE = (
    "throughput",
    "value",
    "deploys_per_week",
    "lead_time_days",
    "time_to_restore_hours",
    "innovations",
    "tech_debt",
    "incidents",
    "headcount",
    "attrition",
    "cost",
)
SEEDS = (0, 1, 2, 3, 4)


def check_frame(df: pd.DataFrame, weeks: int) -> None:
    """The output contract of ``simulate`` and the invariants every run must keep."""
    assert df.index.name == "week"
    assert df.index.tolist() == list(range(1, weeks + 1))
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    assert not missing, f"missing columns {missing}"
    numeric = df.select_dtypes("number")
    finite = np.isfinite(numeric.to_numpy(dtype=float))
    bad = numeric.columns[~finite.all(axis=0)].tolist()
    assert not bad, f"NaN or inf in {bad}"
    assert set(df.columns) - set(numeric.columns) == {"dora_cluster"}
    for col in SHARES:
        assert df[col].between(0.0, 1.0).all(), f"{col} outside [0, 1]: {df[col].min()}..{df[col].max()}"
    for col in NON_NEGATIVE:
        assert (df[col] >= 0).all(), f"{col} negative"
    assert df["dora_cluster"].notna().all()
    assert set(df["dora_cluster"].astype(str)) <= set(CLUSTERS)
    assert pd.api.types.is_integer_dtype(df["maturity"])
    assert df["maturity"].between(1, 5).all()
    assert (df["headcount"] > 0).all()


@functools.cache
def preset(group: str, name: str) -> Intervention:
    """An intervention or shock preset as composed by Hydra (compositions are cached by sim.config)."""
    return getattr(load_config([f"{group}={name}"]), group)[name]


@functools.cache
def _org(org: str):
    return load_config([f"org={org}"]).org


def config(
    org: str = "struggling",
    interventions: tuple[str, ...] = ("none",),
    shocks: tuple[str, ...] = ("none",),
    *,
    seed: int = 0,
    weeks: int = 30,
    teams: int | None = None,
) -> Config:
    """A run configuration built from composed presets, without a Hydra composition per seed."""
    base = load_config([])
    organisation = _org(org)
    if teams is not None:
        organisation = dataclasses.replace(organisation, teams=teams)
    return dataclasses.replace(
        base,
        org=organisation,
        intervention={n: preset("intervention", n) for n in interventions},
        shock={n: preset("shock", n) for n in shocks},
        seed=seed,
        weeks=weeks,
    )


@functools.cache
def _weekly(*args, **kwargs) -> pd.DataFrame:
    return run_config(config(*args, **kwargs)).weekly


def weekly(*args, **kwargs) -> pd.DataFrame:
    """Weekly frame of ``config(...)``, cached; returns a private copy."""
    return _weekly(*args, **kwargs).copy()


@functools.cache
def _frame(*overrides: str) -> pd.DataFrame:
    return simulate(list(overrides))


def frame(*overrides: str) -> pd.DataFrame:
    """``simulate(overrides)``, cached; returns a private copy."""
    return _frame(*overrides).copy()


def with_interventions(cfg: Config, intervention=None, shock=None) -> Config:
    changes = {}
    if intervention is not None:
        changes["intervention"] = intervention
    if shock is not None:
        changes["shock"] = shock
    return dataclasses.replace(cfg, **changes)


# --------------------------------------------------------------- output contract
def test_config_helper_matches_hydra_composition():
    """The tests build most configurations from composed presets; check that equals composing directly."""
    composed = load_config(
        [
            "org=elite",
            "intervention=[execution_push,platform_team]",
            "shock=demand_surge",
            "seed=3",
            "weeks=26",  # the demand surge starts in week 26
        ]
    )
    assert (
        config("elite", ("execution_push", "platform_team"), ("demand_surge",), seed=3, weeks=26) == composed
    )


def test_default_run_has_one_row_per_week_of_the_configured_horizon():
    weeks = load_config([]).weeks
    check_frame(frame(), weeks)


def test_model_stops_running_at_its_horizon_as_mesas_controllers_expect():
    model = OrgModel(load_config(["weeks=3", "org.teams=2"]))
    states = [model.running]
    while model.running:
        model.step()
        states.append(model.running)
    assert states == [True, True, True, False]
    assert model.week == 3 and len(model.recorder.frame()) == 3


@pytest.mark.parametrize("weeks", [1, 7, 30])
def test_weeks_override_sets_the_number_of_rows(weeks):
    check_frame(frame(f"weeks={weeks}"), weeks)


SCENARIOS = [
    (("none",), ("none",)),
    (("execution_push",), ("demand_surge",)),
    (("foundations_first",), ("key_people_loss",)),
    (("platform_team", "enabling_team"), ("security_incident",)),
    (("reorg", "hire_more"), ("budget_cut",)),
    (("alignment_theatre", "innovation_lab"), ("strategy_change",)),
]


@pytest.mark.parametrize("org", options("org"))
@pytest.mark.parametrize(("interventions", "shocks"), SCENARIOS, ids=lambda x: "+".join(x))
def test_invariants_hold_for_every_preset_intervention_and_shock(org, interventions, shocks):
    weeks = max(preset("shock", s).start for s in shocks) + 10
    check_frame(weekly(org, interventions, shocks, seed=7, weeks=weeks), weeks)


@pytest.mark.parametrize("name", options("intervention"))
def test_invariants_hold_for_every_intervention(name):
    check_frame(weekly(interventions=(name,), seed=3, weeks=40), 40)


@pytest.mark.parametrize("name", options("shock"))
def test_invariants_hold_for_every_shock(name):
    weeks = preset("shock", name).start + 12
    check_frame(weekly(shocks=(name,), seed=3, weeks=weeks), weeks)


ALL_LAYERS = tuple(f"org.layers.{name}" for name in LAYER_NAMES)
EXTREMES = {
    "all_layers_0": [*(f"{k}=0" for k in ALL_LAYERS), "weeks=52"],
    "all_layers_1": [*(f"{k}=1" for k in ALL_LAYERS), "weeks=52"],
    "elite_all_layers_0": ["org=elite", *(f"{k}=0" for k in ALL_LAYERS), "weeks=52"],
    "one_week": ["weeks=1"],
    "ten_years": ["weeks=520", "org.teams=2", "record.team_every=0"],
    "one_team": ["org.teams=1", "weeks=52"],
    "one_team_elite": ["org=elite", "org.teams=1", "weeks=52"],
    "tiny_teams": ["org.team_size=2", "weeks=52"],
    "one_team_per_unit": ["org.teams_per_business_unit=1", "org.team_size=20", "weeks=52"],
    "overloaded": [
        "org.load=3",
        "org.debt=10",
        "org.spread=0.3",
        "org.levers.pressure=1",
        "org.levers.wip_accept=3",
        "org.levers.priorities=60",
        "weeks=52",
    ],
    "idle": [
        "org.load=0.1",
        "org.debt=0",
        "org.spread=0",
        "org.levers.pressure=0",
        "org.levers.improve_share=0.5",
        "org.levers.transform_share=0.5",
        "org.levers.priorities=1",
        "weeks=52",
    ],
    "everything_at_once": [
        f"intervention=[{','.join(n for n in options('intervention') if n != 'none')}]",
        f"shock=[{','.join(n for n in options('shock') if n != 'none')}]",
        "weeks=60",
    ],
}


@pytest.mark.parametrize("overrides", EXTREMES.values(), ids=EXTREMES.keys())
def test_extreme_inputs_give_finite_results(overrides):
    weeks = load_config(overrides).weeks
    check_frame(frame(*overrides), weeks)


def test_every_intervention_at_triple_intensity_stays_finite():
    items = {
        name: dataclasses.replace(preset("intervention", name), intensity=3.0)
        for name in options("intervention")
    }
    cfg = with_interventions(config(seed=2, weeks=52), intervention=items)
    check_frame(run_config(cfg).weekly, 52)


# --------------------------------------------------------------- reproducibility
def test_same_overrides_and_seed_give_identical_frames():
    overrides = ["intervention=foundations_first", "shock=demand_surge", "seed=11", "weeks=40"]
    first, second = run(overrides), run(overrides)
    pd.testing.assert_frame_equal(first.weekly, second.weekly)
    pd.testing.assert_frame_equal(first.teams, second.teams)


def test_runs_do_not_share_random_state():
    a1 = simulate(["seed=1", "weeks=30"])
    simulate(["seed=2", "weeks=30", "org=startup"])
    np.random.seed(12345)  # global numpy state must not matter either
    a2 = simulate(["seed=1", "weeks=30"])
    pd.testing.assert_frame_equal(a1, a2)


@pytest.mark.parametrize("org", ["struggling", "elite"])
def test_different_seeds_give_different_frames(org):
    a = frame(f"org={org}", "seed=1", "weeks=30")
    b = frame(f"org={org}", "seed=2", "weeks=30")
    assert not a.equals(b)
    assert not np.allclose(a["throughput"], b["throughput"])


# --------------------------------------------------------------- no name branching
NAMED = [
    "execution_push",
    "foundations_first",
    "platform_team",
    "enabling_team",
    "alignment_theatre",
    "reorg",
]


@functools.cache
def _composed(group: str, name: str) -> dict:
    return compose_dict([f"{group}={name}"])


def _renamed_config(group: str, name: str, new_name: str, **run) -> Config:
    """Compose with ``group=name``, then build the same YAML content under ``new_name``."""
    data = copy.deepcopy(_composed(group, name))
    data[group] = {new_name: data[group].pop(name)}
    data.update(run)
    return build(Config, data)


@pytest.mark.parametrize("name", NAMED)
@pytest.mark.parametrize("new_name", ["my_own_programme", "none", "foundations_first"])
def test_an_interventions_content_under_another_name_gives_identical_results(name, new_name):
    if new_name == name:
        new_name = "execution_push"
    renamed = run_config(_renamed_config("intervention", name, new_name, seed=4, weeks=30)).weekly
    pd.testing.assert_frame_equal(renamed, weekly(interventions=(name,), seed=4, weeks=30))


def test_a_shocks_content_under_another_name_gives_identical_results():
    name = "key_people_loss"
    weeks = preset("shock", name).start + 8
    renamed = run_config(_renamed_config("shock", name, "whatever", seed=4, weeks=weeks)).weekly
    pd.testing.assert_frame_equal(renamed, weekly(shocks=(name,), seed=4, weeks=weeks))


def test_swapping_names_of_combined_interventions_changes_nothing():
    pair = ("execution_push", "foundations_first")
    swapped = {pair[1]: preset("intervention", pair[0]), pair[0]: preset("intervention", pair[1])}
    cfg = with_interventions(config(seed=6), intervention=swapped)
    pd.testing.assert_frame_equal(run_config(cfg).weekly, weekly(interventions=pair, seed=6))


@pytest.mark.parametrize("name", ["foundations_first", "empty_programme"])
def test_intervention_with_no_phases_is_exactly_the_baseline(name):
    empty = Intervention(description="a programme with nothing in it", start=3, duration=10, intensity=2.0)
    cfg = with_interventions(
        config(seed=8), intervention={"none": preset("intervention", "none"), name: empty}
    )
    pd.testing.assert_frame_equal(run_config(cfg).weekly, weekly(seed=8))


def test_intervention_at_zero_intensity_is_exactly_the_baseline():
    item = dataclasses.replace(preset("intervention", "foundations_first"), intensity=0.0)
    cfg = with_interventions(config(seed=8), intervention={"foundations_first": item})
    pd.testing.assert_frame_equal(run_config(cfg).weekly, weekly(seed=8))


# --------------------------------------------------------------- timing and combination
@pytest.mark.parametrize("name", [n for n in options("intervention") if n != "none"])
def test_an_intervention_changes_nothing_before_its_start_week(name):
    start, weeks = 10, 24
    late = dataclasses.replace(preset("intervention", name), start=start)
    df = run_config(with_interventions(config(seed=9, weeks=weeks), intervention={name: late})).weekly
    base = weekly(seed=9, weeks=weeks)
    pd.testing.assert_frame_equal(df.loc[: start - 1], base.loc[: start - 1])
    assert not df.loc[start:].equals(base.loc[start:]), f"{name} changed nothing from week {start}"


@pytest.mark.parametrize("name", [n for n in options("shock") if n != "none"])
def test_a_shock_changes_nothing_before_its_start_week(name):
    start = preset("shock", name).start
    weeks = start + 6
    df = weekly(shocks=(name,), seed=9, weeks=weeks)
    base = weekly(seed=9, weeks=weeks)
    pd.testing.assert_frame_equal(df.loc[: start - 1], base.loc[: start - 1])
    assert not df.loc[start:].equals(base.loc[start:])


def test_plan_file_sets_start_and_intensity(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        yaml.safe_dump(
            {
                "interventions": [{"name": "execution_push", "start": 8, "intensity": 0.5}],
                "shocks": [{"name": "demand_surge", "start": 12, "duration": 3}],
            }
        )
    )
    overrides = [f"plan={plan}", "weeks=20", "seed=2"]
    cfg = load_config(overrides)
    push, surge = cfg.intervention["execution_push"], cfg.shock["demand_surge"]
    assert (push.start, push.intensity, surge.start, surge.duration) == (8, 0.5, 12, 3)
    levers = OrgModel(cfg).levers[0]
    base = OrgModel(config(seed=2, weeks=20)).levers[0]
    changed = np.flatnonzero((levers != base).any(axis=1)) + 1
    assert changed[0] == 8
    demand = levers[:, LEVER_INDEX["demand"]] != base[:, LEVER_INDEX["demand"]]
    assert (np.flatnonzero(demand) + 1).tolist() == [12, 13, 14]
    df = simulate(overrides)
    check_frame(df, 20)
    pd.testing.assert_frame_equal(df.loc[:7], weekly(seed=2, weeks=20).loc[:7])


def test_combined_presets_give_the_sum_of_their_lever_schedules():
    pair = ("platform_team", "talent_program")
    single = [OrgModel(config(interventions=(n,), weeks=60)) for n in pair]
    both = OrgModel(load_config(["weeks=60", f"intervention=[{','.join(pair)}]"]))
    base = OrgModel(config(weeks=60))
    lo, hi = lever_bounds()
    expected = np.clip(base.levers + sum(m.levers - base.levers for m in single), lo, hi)
    np.testing.assert_allclose(both.levers, expected, atol=1e-12)
    np.testing.assert_allclose(both.spend, sum(m.spend for m in single))
    assert not np.array_equal(both.levers, base.levers)


def test_combined_interventions_on_a_shared_lever_add_up_in_the_model():
    a = Intervention(start=2, phases=(Phase(cost=0.3, levers={"pressure": -0.2, "training": 0.3}),))
    b = Intervention(
        start=6, duration=10, phases=(Phase(cost=0.1, levers={"pressure": 0.1, "governance": 0.2}),)
    )
    models = {
        key: OrgModel(with_interventions(config(), intervention=items))
        for key, items in {"base": {}, "a": {"a": a}, "b": {"b": b}, "ab": {"a": a, "b": b}}.items()
    }
    base = models["base"].levers
    expected = base + (models["a"].levers - base) + (models["b"].levers - base)
    np.testing.assert_allclose(models["ab"].levers, expected, atol=1e-12)
    np.testing.assert_allclose(models["ab"].spend, models["a"].spend + models["b"].spend)
    pressure = models["ab"].levers[0, :, LEVER_INDEX["pressure"]] - base[0, :, LEVER_INDEX["pressure"]]
    np.testing.assert_allclose(pressure[5:15], -0.1)


def test_interventions_and_shocks_combine_in_one_run():
    weeks = preset("shock", "demand_surge").start + 6
    both = OrgModel(config(interventions=("execution_push",), shocks=("demand_surge",), weeks=weeks))
    push = OrgModel(config(interventions=("execution_push",), weeks=weeks))
    surge = OrgModel(config(shocks=("demand_surge",), weeks=weeks))
    base = OrgModel(config(weeks=weeks))
    np.testing.assert_allclose(both.levers, push.levers + surge.levers - base.levers, atol=1e-12)


# --------------------------------------------------------------- size and per-team frame
@pytest.mark.parametrize("org", ["struggling", "enterprise", "startup"])
@pytest.mark.parametrize("teams", [1, 5, 24])
def test_org_teams_scales_stream_teams_and_business_units(org, teams):
    cfg = config(org, teams=teams, weeks=4)
    model = OrgModel(cfg)
    n_bu = math.ceil(teams / cfg.org.teams_per_business_unit)
    assert len(model.agents_by_type[StreamAlignedTeam]) == teams
    assert len(model.agents_by_type[BusinessUnit]) == n_bu
    result = run_config(cfg)
    stream = result.teams[result.teams["business_unit"] >= 0]
    assert sorted(stream["team"].unique()) == list(range(teams))
    assert sorted(stream["business_unit"].unique()) == list(range(n_bu))
    platform = sorted(result.teams.loc[result.teams["business_unit"] < 0, "team"].unique())
    assert platform == list(range(teams, teams + platform_teams(cfg)))


def test_org_teams_override_reaches_the_model():
    model = OrgModel(load_config(["org.teams=7", "weeks=4"]))
    assert model.n_teams == 7
    assert len(model.agents_by_type[StreamAlignedTeam]) == 7


def test_headcount_grows_with_the_number_of_teams():
    heads = [weekly(teams=n, seed=1, weeks=10)["headcount"].mean() for n in (3, 12, 48)]
    assert heads[0] < heads[1] < heads[2]


@pytest.mark.parametrize(("weeks", "every"), [(30, 1), (30, 4), (31, 4), (12, 12), (10, 11), (30, 0)])
def test_team_frame_has_one_row_per_team_per_recorded_week(weeks, every):
    cfg = dataclasses.replace(config(teams=7, weeks=weeks), record=Record(team_every=every))
    result = run_config(cfg)
    teams = result.teams
    records = weeks // every if every else 0
    n = 7 + platform_teams(cfg)
    assert len(teams) == n * records
    if records:
        assert teams["week"].unique().tolist() == [every * (k + 1) for k in range(records)]
        assert teams.groupby("week")["team"].apply(lambda s: sorted(s) == list(range(n))).all()
        assert not teams.duplicated(["week", "team"]).any()
        # A team's event measures are nan in a week without the event (no deploy, no restore).
        events = ["lead_time_days", "lead_time_p85_days", "change_failure_rate", "time_to_restore_hours"]
        stocks = teams.drop(columns=[*events, "flow_time_days"]).select_dtypes("number")
        assert np.isfinite(stocks.to_numpy(dtype=float)).all()
    # Recording teams is bookkeeping: the weekly frame does not depend on it.
    pd.testing.assert_frame_equal(result.weekly, weekly(teams=7, weeks=weeks))


def test_team_every_override_reaches_the_recorder():
    assert run(["weeks=12", "record.team_every=0"]).teams.empty
    assert run(["weeks=12", "record.team_every=4"]).teams["week"].unique().tolist() == [4, 8, 12]


# --------------------------------------------------------------- mechanisms, by direction
def test_key_people_loss_lowers_headcount_right_after_it_starts():
    name = "key_people_loss"
    start = preset("shock", name).start
    weeks = start + 4
    window = slice(start, start + 3)
    lost, kept, left_hit, left_base = [], [], [], []
    for seed in SEEDS:
        hit = weekly(shocks=(name,), seed=seed, weeks=weeks)
        base = weekly(seed=seed, weeks=weeks)
        # Identical until the shock starts (same seed), so any difference is the shock's doing.
        pd.testing.assert_frame_equal(hit.loc[: start - 1], base.loc[: start - 1])
        lost.append(hit.loc[window, "headcount"].mean())
        kept.append(base.loc[window, "headcount"].mean())
        left_hit.append(hit.loc[start, "attrition"])
        left_base.append(base.loc[start, "attrition"])
    assert np.mean(left_hit) > np.mean(left_base)
    assert np.mean(lost) < np.mean(kept)


@pytest.mark.parametrize(
    ("name", "cls", "key"),
    [("platform_team", PlatformTeam, "platform"), ("enabling_team", EnablingTeam, "enabling")],
)
@pytest.mark.parametrize("org", options("org"))
def test_support_interventions_create_their_team_agents(name, cls, key, org):
    weeks = preset("intervention", name).start + 12
    base = OrgModel(config(org, weeks=weeks))
    model = OrgModel(config(org, (name,), weeks=weeks))
    base.run_for(weeks)
    model.run_for(weeks)

    def count(m):
        return len(m.agents_by_type[cls]) if cls in m.agents_by_type else 0

    def people(m):
        return sum(a.people for a in m.agents_by_type[cls]) if cls in m.agents_by_type else 0.0

    assert count(model) > 0
    assert count(model) >= count(base)
    # Staffed by hiring, with its lag: more people once the offers have been filled.
    assert people(model) > people(base)
    assert all(isinstance(a, cls) for a in model.agents_by_type[cls])


def test_platform_team_builds_a_platform():
    grown = [
        weekly(interventions=("platform_team",), seed=s)["platform_maturity"].iloc[-1] for s in SEEDS[:3]
    ]
    none = [weekly(seed=s)["platform_maturity"].iloc[-1] for s in SEEDS[:3]]
    assert np.mean(grown) > np.mean(none)


def test_alignment_theatre_raises_reported_not_real_alignment():
    start = preset("intervention", "alignment_theatre").start
    real_gain, reported_gain = [], []
    for seed in SEEDS:
        theatre = weekly(interventions=("alignment_theatre",), seed=seed, weeks=52)
        none = weekly(seed=seed, weeks=52)
        # With no theatre the model reports the real thing.
        np.testing.assert_allclose(none["perceived_alignment"], none["layer_partnership"])
        # With theatre, reports run ahead of reality from its start, until leadership, seeing no
        # better delivery at its patience, drops it.
        end = start + math.ceil(config().org.levers.patience_weeks)
        gap = theatre.loc[start:end, "perceived_alignment"] - theatre.loc[start:end, "layer_partnership"]
        assert (gap > 0).all()
        real_gain.append((theatre["layer_partnership"] - none["layer_partnership"]).mean())
        reported_gain.append((theatre["perceived_alignment"] - none["perceived_alignment"]).mean())
    assert np.mean(reported_gain) > 0
    assert np.mean(real_gain) <= 1e-3, "theatre must not raise real partnership"
    assert np.mean(reported_gain) > np.mean(real_gain)

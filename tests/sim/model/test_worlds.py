"""OrgModel over a batch of worlds: presets read, plans as programmes, warm-up, one frame per world."""

import dataclasses

import numpy as np
import pytest

from sim.config import load_config
from sim.model.batches import platform_teams
from sim.model.metrics import COLUMNS, TEAM_COLUMNS
from sim.model.model import OrgModel


def run(config, seeds):
    """Run ``config`` once per seed as one batch; each world's weekly and per-team frames."""
    return run_all([dataclasses.replace(config, seed=s) for s in seeds])


def run_all(configs):
    model = OrgModel(configs)
    model.run_for(model.config.weeks)
    return [(model.recorder.frame(i), model.recorder.team_frame(i)) for i in range(len(configs))]


@pytest.mark.parametrize("org", ["struggling", "elite", "startup", "solid_but_slow"])
def test_every_preset_runs_with_every_column(org):
    frames = run(load_config([f"org={org}", "weeks=12"]), [0, 1])
    assert len(frames) == 2
    for f, _ in frames:
        assert tuple(f.columns) == COLUMNS and len(f) == 12
        assert f["items_in_system"].iloc[0] > 0, "the warm-up leaves work in the system"


def test_a_seed_gives_the_same_frame_alone_or_in_a_batch():
    config = load_config(["org=struggling", "intervention=foundations_first", "weeks=20"])
    alone = run(config, [5])[0]
    batch = run(config, [2, 5, 9])[1]
    assert alone[0].equals(batch[0]) and alone[1].equals(batch[1])


def test_a_plan_only_staffs_platform_teams_it_asks_for():
    assert platform_teams(load_config(["org=struggling"])) == 0
    assert platform_teams(load_config(["org=struggling", "intervention=platform_team"])) == 2


def test_each_world_of_a_batch_runs_its_own_plan_as_it_would_alone():
    plans = [
        "intervention=none",
        "intervention=execution_push",
        "intervention=[culture_program,talent_program]",
    ]
    configs = [load_config(["org=struggling", "weeks=30", f"seed={i}", p]) for i, p in enumerate(plans)]
    together = run_all(configs)
    for config, (weekly, teams) in zip(configs, together, strict=True):
        alone_weekly, alone_teams = run_all([config])[0]
        assert weekly.equals(alone_weekly) and teams.equals(alone_teams)


def test_leadership_that_gives_up_early_drops_the_programme_and_its_cost():
    patient = load_config(
        ["org=struggling", "intervention=culture_program", "weeks=60", "org.levers.patience_weeks=100"]
    )
    hasty = load_config(
        ["org=struggling", "intervention=culture_program", "weeks=60", "org.levers.patience_weeks=2"]
    )
    a = np.mean([f["cost"].iloc[-10:].mean() for f, _ in run(patient, [1, 2])])
    b = np.mean([f["cost"].iloc[-10:].mean() for f, _ in run(hasty, [1, 2])])
    assert b < a, "an abandoned programme stops costing"


def test_per_team_records_cover_every_team_the_work_flows_through():
    config = load_config(["org=struggling", "intervention=platform_team", "weeks=12", "record.team_every=4"])
    weekly, teams = run(config, [3])[0]
    assert tuple(teams.columns) == ("week", "team", *TEAM_COLUMNS)
    assert sorted(teams["week"].unique()) == [4, 8, 12]
    per_week = teams[teams["week"] == 12]
    assert len(per_week) == 12 + 2, "twelve stream-aligned teams and two platform teams"
    assert (per_week["business_unit"].iloc[12:] == -1).all()
    assert per_week["items_done"].sum() == weekly.loc[12, "items_done"]
    # The team's people are counted at the week's end; the headcount is who worked in it, so it
    # counts the week's leavers too (this organisation has no enabling people).
    for week in (4, 8, 12):
        people = teams.loc[teams["week"] == week, "people"].sum()
        assert people == pytest.approx(weekly.loc[week, "headcount"] - weekly.loc[week, "attrition"])


def test_no_per_team_records_when_asked_for_none():
    _, teams = run(load_config(["org=startup", "weeks=6", "record.team_every=0"]), [1])[0]
    assert teams.empty

"""The compiled mechanisms compute what their source says, on the state the model lays out for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import simulate_many
from sim.config import load_config
from sim.model import mechanisms
from sim.model.agents import StreamAlignedTeam
from sim.model.levers import LEVER_NAMES
from sim.model.model import OrgModel

ROOT = Path(__file__).resolve().parents[3]
# A spread of organisations, plans and shocks, so that every lever and mechanism is exercised.
RUNS = (
    ("org=struggling", "intervention=none", "seed=0"),
    ("org=struggling", "intervention=[execution_push,enabling_team]", "seed=1"),
    ("org=elite", "intervention=foundations_first", "shock=demand_surge", "seed=2"),
    ("org=solid_but_slow", "intervention=[delivery_excellence,platform_team]", "seed=3"),
    ("org=enterprise", "intervention=[alignment_theatre,reorg]", "shock=key_people_loss", "seed=4"),
    ("org=startup", "intervention=[innovation_lab,strategy_focus,hire_more]", "shock=budget_cut", "seed=5"),
)
COUNTS = ("incidents", "innovations", "attrition")


@pytest.fixture(scope="module")
def interpreted(tmp_path_factory) -> pd.DataFrame:
    """The same runs with numba switched off: the functions of sim.model.mechanisms run as numpy code."""
    out = tmp_path_factory.mktemp("interpreted") / "runs.parquet"
    script = (
        f"from sim import simulate_many; simulate_many({list(map(list, RUNS))!r}).to_parquet({str(out)!r})"
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=600)
    return pd.read_parquet(out)


def test_the_compiled_week_computes_what_its_numpy_source_does(interpreted):
    compiled = simulate_many(RUNS)
    assert list(compiled.columns) == list(interpreted.columns)
    # Draws depend on the rates, so equal counts week by week mean the runs never went apart.
    for column in COUNTS:
        assert (compiled[column] == interpreted[column]).all(), column
    numbers = compiled.select_dtypes("number").columns
    # exp and ** come from the C library when compiled and from numpy's own loops when not:
    # they may differ in the last bits, nothing more.
    np.testing.assert_allclose(compiled[numbers], interpreted[numbers], rtol=1e-9, atol=1e-12)
    assert (compiled["dora_cluster"] == interpreted["dora_cluster"]).all()


def test_the_state_dicts_name_rows_of_the_stacked_arrays_the_mechanisms_update():
    model = OrgModel(load_config(["weeks=3"]))
    before = model.team_state.copy()
    model.run_for(3)
    for stack, names, views in (
        (model.team_state, mechanisms.TEAM, model.team),
        (model.unit_state, mechanisms.UNIT, model.bu),
        (model.org_state, mechanisms.ORG, model.org),
        (model.week_state, mechanisms.WEEK, model.week_values),
        (model.week_org, mechanisms.WEEK_ORG, model.week_values),
    ):
        assert len(set(names)) == len(names)
        for row, name in enumerate(names):
            assert views[name].base is stack and np.shares_memory(views[name], stack[row]), name
    # The compiled calls wrote into the stack the agents and the recorder read.
    skill = model.team_state[mechanisms.Team.SKILL]
    assert not np.array_equal(skill, before[mechanisms.Team.SKILL])
    agent = model.agents_by_type[StreamAlignedTeam][0]
    assert agent.skill == skill[agent.world, agent.index]


def test_every_lever_is_read_by_the_mechanisms_or_sets_staffing():
    assert set(mechanisms.LEVERS) <= set(LEVER_NAMES)
    staffing = {"platform_capacity", "enabling_capacity"}
    assert set(mechanisms.LEVERS) | staffing == set(LEVER_NAMES)

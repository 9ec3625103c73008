"""Mesa agents as views onto the model's arrays, and how many of each type exist."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import load_config
from sim.config import options
from sim.model.agents import (
    ArrayAgent,
    BusinessUnit,
    EnablingTeam,
    PlatformTeam,
    StateView,
    StreamAlignedTeam,
)
from sim.model.levers import Intervention, Phase
from sim.model.model import OrgModel

AGENT_TYPES = (BusinessUnit, StreamAlignedTeam, PlatformTeam, EnablingTeam)


def _model(*overrides: str, intervention: dict | None = None, no_support: bool = False) -> OrgModel:
    """A model from overrides; optionally other interventions, and no support teams at baseline."""
    cfg = dataclasses.replace(load_config(list(overrides)), weeks=12)
    if intervention is not None:
        cfg = dataclasses.replace(cfg, intervention=intervention)
    if no_support:
        levers = dataclasses.replace(cfg.org.levers, platform_capacity=0.0, enabling_capacity=0.0)
        cfg = dataclasses.replace(cfg, org=dataclasses.replace(cfg.org, levers=levers))
    return OrgModel(cfg)


def _agents(model: OrgModel, cls: type) -> list:
    return list(model.agents_by_type[cls]) if cls in model.agents_by_type else []


def _views(cls: type) -> dict[str, StateView]:
    return {name: v for klass in cls.__mro__ for name, v in vars(klass).items() if isinstance(v, StateView)}


def _with_support() -> OrgModel:
    support = Intervention(phases=(Phase(levers={"platform_capacity": 0.7, "enabling_capacity": 0.5}),))
    model = _model(intervention={"support": support})
    model.step()
    return model


# --------------------------------------------------------------- views
@pytest.mark.parametrize("cls", AGENT_TYPES)
def test_every_view_names_an_array_of_its_group(cls):
    model = _with_support()
    views = _views(cls)
    assert views, f"{cls.__name__} exposes no state"
    for name, view in views.items():
        arrays = getattr(model, view.group)
        assert name in arrays, f"{cls.__name__}.{name} has no array {view.group}[{name!r}]"
        assert arrays[name].shape == (1, len(_agents(model, cls)))


@pytest.mark.parametrize("cls", AGENT_TYPES)
def test_views_read_the_agents_own_element(cls):
    model = _with_support()
    agents = _agents(model, cls)
    assert agents
    for name, view in _views(cls).items():
        array = getattr(model, view.group)[name]
        for agent in agents:
            value = getattr(agent, name)
            assert isinstance(value, (int, float)), "views give plain Python numbers"
            assert value == array[agent.world, agent.index]


def test_setting_a_team_attribute_writes_the_model_array():
    model = _model()
    teams = _agents(model, StreamAlignedTeam)
    team = teams[3]
    before = model.team["skill"].copy()
    team.skill = 0.987
    assert model.team["skill"][0, team.index] == 0.987
    others = np.arange(before.shape[1]) != team.index
    np.testing.assert_array_equal(model.team["skill"][0, others], before[0, others])
    team.debt = 42.0
    assert model.team["debt"][0, team.index] == 42.0


def test_writing_the_model_array_shows_through_the_view():
    model = _model()
    bu = _agents(model, BusinessUnit)[1]
    model.bu["trust"][0, bu.index] = 0.123
    assert bu.trust == 0.123
    bu.shadow = 0.4
    assert model.bu["shadow"][0, bu.index] == 0.4


def test_support_team_views_write_their_arrays():
    model = _with_support()
    platform = _agents(model, PlatformTeam)[0]
    platform.people = 5.5
    assert model.platform["people"][0, platform.index] == 5.5
    enabling = _agents(model, EnablingTeam)[0]
    enabling.people = 3.0
    assert model.enabling["people"][0, enabling.index] == 3.0


def test_views_stay_attached_while_the_model_steps():
    model = _model()
    team = _agents(model, StreamAlignedTeam)[0]
    for _ in range(3):
        model.step()
        assert team.people == model.team["people"][0, team.index]
        assert team.practice == model.team["practice"][0, team.index]


def test_a_change_written_through_views_reaches_the_dynamics():
    baseline = _model("seed=3")
    changed = _model("seed=3")
    for team in _agents(changed, StreamAlignedTeam):
        team.people = team.people + 4
    baseline.step()
    changed.step()
    assert changed.recorder.frame()["headcount"].iloc[0] > baseline.recorder.frame()["headcount"].iloc[0]


# --------------------------------------------------------------- counts
@pytest.mark.parametrize("org", options("org"))
def test_counts_by_type_follow_the_preset(org):
    model = _model(f"org={org}")
    cfg = model.config.org
    assert len(_agents(model, StreamAlignedTeam)) == cfg.teams
    assert len(_agents(model, BusinessUnit)) == math.ceil(cfg.teams / cfg.teams_per_business_unit)
    size = model.p.support_team_size
    for cls, lever in (
        (PlatformTeam, cfg.levers.platform_capacity),
        (EnablingTeam, cfg.levers.enabling_capacity),
    ):
        assert len(_agents(model, cls)) == math.ceil(lever * cfg.teams / size - 1e-9)
    assert len(model.agents) == sum(len(_agents(model, cls)) for cls in AGENT_TYPES)


@pytest.mark.parametrize(
    ("teams", "per_bu"),
    [(1, 3), (2, 3), (3, 3), (7, 3), (7, 2.5), (12, 1), (13, 4), (40, 40), (41, 40)],
)
def test_business_units_are_teams_over_teams_per_unit_rounded_up(teams, per_bu):
    model = _model(f"org.teams={teams}", f"org.teams_per_business_unit={per_bu}")
    n_bu = math.ceil(teams / per_bu)
    assert len(_agents(model, StreamAlignedTeam)) == teams
    assert len(_agents(model, BusinessUnit)) == n_bu
    assert model.team["people"].shape == (1, teams)
    assert model.bu["trust"].shape == (1, n_bu)
    # Every unit is served by at least one team, and every team serves an existing unit.
    served = sorted({team.business_unit for team in _agents(model, StreamAlignedTeam)})
    assert served == list(range(n_bu))


@pytest.mark.parametrize("cls", AGENT_TYPES)
def test_indices_of_a_type_are_distinct_and_cover_its_arrays(cls):
    model = _with_support()
    indices = sorted(agent.index for agent in _agents(model, cls))
    assert indices == list(range(len(indices)))
    assert all(isinstance(agent, ArrayAgent) for agent in _agents(model, cls))


def test_agents_belong_to_the_model_with_unique_ids():
    model = _with_support()
    ids = [agent.unique_id for agent in model.agents]
    assert len(ids) == len(set(ids))
    assert all(agent.model is model for agent in model.agents)


def test_support_teams_appear_and_go_with_their_levers():
    temporary = Intervention(
        start=3, phases=(Phase(duration=4, levers={"platform_capacity": 1.0, "enabling_capacity": 0.5}),)
    )
    model = _model(intervention={"temporary": temporary}, no_support=True)
    counts = []
    for _ in range(10):
        model.step()
        counts.append((len(_agents(model, PlatformTeam)), len(_agents(model, EnablingTeam))))
    assert counts[0] == (0, 0) and counts[1] == (0, 0)  # weeks 1-2: nothing yet
    assert all(p > 0 and e > 0 for p, e in counts[2:6])  # weeks 3-6
    assert all(c == (0, 0) for c in counts[6:])  # gone again after the phase
    assert model.platform["people"].size == 0


@pytest.mark.parametrize("teams", [5, 12, 30])
def test_support_team_count_scales_with_the_lever_and_team_size(teams):
    levers = {"platform_capacity": 0.7, "enabling_capacity": 0.5}
    model = _model(
        f"org.teams={teams}",
        intervention={"support": Intervention(phases=(Phase(levers=levers),))},
        no_support=True,
    )
    model.step()
    size = model.p.support_team_size
    for cls, key in ((PlatformTeam, "platform"), (EnablingTeam, "enabling")):
        wanted = levers[f"{key}_capacity"] * teams
        assert len(_agents(model, cls)) == math.ceil(wanted / size - 1e-9)
        np.testing.assert_allclose(getattr(model, key)["people"].sum(), wanted)
        assert getattr(model, key)["people"].max() <= size + 1e-9


def test_support_people_follow_the_lever_when_the_team_count_is_unchanged():
    # 12 teams x 0.7 = 8.4 people (two teams); from week 5, 12 x 0.8 = 9.6 people (still two teams).
    phases = (
        Phase(duration=4, levers={"platform_capacity": 0.7}),
        Phase(offset=4, levers={"platform_capacity": 0.8}),
    )
    model = _model("org.teams=12", intervention={"p": Intervention(phases=phases)}, no_support=True)
    for _ in range(6):
        model.step()
    np.testing.assert_allclose(model.platform["people"].sum(), 0.8 * 12)


# --------------------------------------------------------------- batches
def test_each_world_of_a_batch_has_its_own_agents_viewing_its_own_row():
    support = Intervention(phases=(Phase(levers={"platform_capacity": 1.5}),))
    base = dataclasses.replace(load_config(["org.teams=5"]), weeks=4)
    configs = [base, dataclasses.replace(base, seed=7, intervention={"support": support})]
    model = OrgModel(configs)
    model.step()
    for world in (0, 1):
        teams = [a for a in _agents(model, StreamAlignedTeam) if a.world == world]
        assert sorted(a.index for a in teams) == list(range(5))
        assert [a.skill for a in sorted(teams, key=lambda a: a.index)] == model.team["skill"][world].tolist()
    platform = [[a for a in _agents(model, PlatformTeam) if a.world == world] for world in (0, 1)]
    assert len(platform[1]) > len(platform[0])
    assert sum(a.people for a in platform[1]) == pytest.approx(model.platform["people"][1].sum())

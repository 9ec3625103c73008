"""Mesa agents as views onto the organisation's arrays, and how many of each type exist."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim import load_config
from sim.config import options
from sim.model.agents import (
    BusinessUnit,
    EnablingTeam,
    Leadership,
    PlatformTeam,
    StateView,
    StreamAlignedTeam,
)
from sim.model.batches import platform_teams
from sim.model.levers import Intervention, Phase
from sim.model.model import OrgModel

AGENT_TYPES = (Leadership, BusinessUnit, StreamAlignedTeam, PlatformTeam, EnablingTeam)
SUPPORT = Intervention(phases=(Phase(levers={"platform_capacity": 0.7, "enabling_capacity": 0.5}),))


def _model(*overrides: str, intervention: dict | None = None, seeds=(0,)) -> OrgModel:
    cfg = dataclasses.replace(load_config(list(overrides)), weeks=12)
    if intervention is not None:
        cfg = dataclasses.replace(cfg, intervention=intervention)
    return OrgModel([dataclasses.replace(cfg, seed=s) for s in seeds])


def _agents(model: OrgModel, cls: type, world: int | None = None) -> list:
    agents = list(model.agents_by_type[cls]) if cls in model.agents_by_type else []
    return [a for a in agents if world is None or a.world == world]


def _views(cls: type) -> dict[str, StateView]:
    return {name: v for klass in cls.__mro__ for name, v in vars(klass).items() if isinstance(v, StateView)}


def _with_support(seeds=(0,)) -> OrgModel:
    model = _model(intervention={"support": SUPPORT}, seeds=seeds)
    model.step()
    return model


@pytest.mark.parametrize("cls", AGENT_TYPES)
def test_every_view_reads_a_finite_number_of_the_organisation(cls):
    model = _with_support()
    views = _views(cls)
    assert views, f"{cls.__name__} exposes no state"
    for agent in _agents(model, cls):
        for name in views:
            assert math.isfinite(getattr(agent, name)), f"{cls.__name__}.{name}"


def test_a_team_reads_its_own_element_of_the_per_team_arrays():
    model = _with_support()
    org = model.organisation
    for team in [*_agents(model, StreamAlignedTeam), *_agents(model, PlatformTeam)]:
        assert team.skill == org.skill[0, team.team]
        assert team.people == pytest.approx(org.people()[0, team.team])
    platform = _agents(model, PlatformTeam)
    assert [p.team for p in platform] == list(range(model.n_teams, model.n_teams + len(platform)))


def test_setting_an_attribute_writes_the_organisation_and_reaches_the_dynamics():
    model = _model("org=struggling")
    team = _agents(model, StreamAlignedTeam)[3]
    others = np.arange(model.n_teams) != 3
    before = model.organisation.debt.copy()
    team.debt = 5_000.0
    assert model.organisation.debt[0, 3] == 5_000.0
    np.testing.assert_array_equal(model.organisation.debt[0, others], before[0, others])
    leadership = _agents(model, Leadership)[0]
    leadership.pressure = 0.9
    assert model.organisation.pressure[0] == 0.9
    model.step()
    # Debt slows every item of the team's code: its effort, and so what it finishes, suffers.
    assert model.organisation.debt[0, 3] > before[0, 3]


def test_a_computed_quantity_cannot_be_set_through_a_view():
    team = _agents(_model(), StreamAlignedTeam)[0]
    with pytest.raises(AttributeError, match="people"):
        team.people = 3.0


@pytest.mark.parametrize("org", options("org"))
def test_counts_by_type_follow_the_preset(org):
    model = _model(f"org={org}")
    cfg = model.config.org
    assert len(_agents(model, Leadership)) == 1
    assert len(_agents(model, StreamAlignedTeam)) == cfg.teams
    assert len(_agents(model, BusinessUnit)) == math.ceil(cfg.teams / cfg.teams_per_business_unit)
    assert len(_agents(model, PlatformTeam)) == platform_teams(model.config)


def test_stream_aligned_teams_serve_the_units_of_the_structure():
    model = _model("org.teams=10")
    units = [t.business_unit for t in sorted(_agents(model, StreamAlignedTeam), key=lambda t: t.index)]
    assert units == model.organisation.structure.unit_of.tolist()
    assert set(units) == {bu.index for bu in _agents(model, BusinessUnit)}


def test_support_teams_exist_only_where_a_plan_staffs_them():
    none = _model("org=struggling")
    assert not _agents(none, PlatformTeam) and not _agents(none, EnablingTeam)
    staffed = _with_support()
    assert _agents(staffed, PlatformTeam) and _agents(staffed, EnablingTeam)


def test_agents_belong_to_the_model_with_unique_ids():
    model = _with_support()
    ids = [a.unique_id for a in model.agents]
    assert len(ids) == len(set(ids))
    assert all(a.model is model for a in model.agents)


def test_each_world_of_a_batch_has_its_own_agents_viewing_its_own_row():
    model = _with_support(seeds=(1, 2))
    for world in (0, 1):
        teams = sorted(_agents(model, StreamAlignedTeam, world), key=lambda a: a.index)
        assert [a.skill for a in teams] == model.organisation.skill[world, : model.n_teams].tolist()
        trust = [b.trust for b in sorted(_agents(model, BusinessUnit, world), key=lambda a: a.index)]
        assert trust == model.organisation.trust[world].tolist()
        (leadership,) = _agents(model, Leadership, world)
        assert leadership.pressure == model.organisation.pressure[world]

"""The agents of an IT organisation, in Team Topologies vocabulary.

Each agent is a Mesa agent and the model's unit of meaning, but its numeric
state lives in numpy arrays on the model (one element per agent of the type),
so that a week of a 10,000-team organisation is a few dozen vector operations
rather than 10,000 Python calls. Arrays are indexed ``[world, index]``: a model
may hold a batch of independent worlds, and each agent belongs to one. An agent
reads and writes its own element through the attributes declared below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    from sim.model.model import OrgModel


class StateView:
    """Attribute of an agent backed by element ``[agent.world, agent.index]`` of a model array."""

    def __init__(self, group: str, doc: str = "") -> None:
        self.group = group
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return getattr(agent.model, self.group)[self.name][agent.world, agent.index].item()

    def __set__(self, agent: Any, value: float) -> None:
        getattr(agent.model, self.group)[self.name][agent.world, agent.index] = value


class ArrayAgent(mesa.Agent):
    """An agent whose numeric state is element ``index`` of its type's arrays in one world.

    Args:
        model: The model holding the arrays.
        index: Position among the agents of its type in its world.
        world: The world of the batch the agent belongs to.
    """

    def __init__(self, model: OrgModel, index: int, world: int = 0) -> None:
        super().__init__(model)
        self.index = index
        self.world = world


class BusinessUnit(ArrayAgent):
    """A business unit: creates demand, holds trust in IT, may build shadow IT."""

    trust = StateView("bu", "Trust in IT, 0-1.")
    shadow = StateView("bu", "Share of the unit's demand served by shadow IT, 0-1.")
    satisfaction = StateView("bu", "Smoothed share of requested changes delivered, times responsiveness.")


class StreamAlignedTeam(ArrayAgent):
    """A stream-aligned team owning a value stream for one business unit."""

    business_unit = StateView("team", "Index of the business unit served.")
    people = StateView("team", "Headcount.")
    novices = StateView("team", "People still ramping up.")
    skill = StateView("team", "Mean skill, 0-1.")
    practice = StateView("team", "Delivery practice, 0-1.")
    debt = StateView("team", "Technical debt, person-weeks.")
    safety = StateView("team", "Psychological safety, 0-1.")
    morale = StateView("team", "Morale, 0-1.")
    backlog = StateView("team", "Requested changes not started.")
    wip = StateView("team", "Changes in progress.")
    adoption = StateView("team", "Platform adoption, 0-1.")
    lessons = StateView("team", "Lessons learnt from failures.")


class PlatformTeam(ArrayAgent):
    """A platform team building paved roads and self-service for every stream team."""

    people = StateView("platform", "Headcount.")


class EnablingTeam(ArrayAgent):
    """An enabling team coaching a rotating group of stream-aligned teams."""

    people = StateView("enabling", "Headcount.")

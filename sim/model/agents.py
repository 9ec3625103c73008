"""The agents of an IT organisation, in Team Topologies vocabulary.

Each agent is a Mesa agent and the model's unit of meaning, but its numeric
state lives in numpy arrays on the model's :class:`~sim.model.organisation.Organisation`
(one element per agent of the type and world), so that a week of a 10,000-team
organisation is a few compiled loops rather than 10,000 Python calls. Each agent
reads and writes its own element through the attributes declared below; the
rules by which each kind decides are in the module its docstring names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

if TYPE_CHECKING:
    from sim.model.model import OrgModel


class StateView:
    """Attribute of an agent backed by its element of an array of the organisation.

    Element ``[agent.world, agent.team]`` of a per-team array, ``[agent.world,
    agent.index]`` of a per-unit one, ``[agent.world]`` of a per-world one. An
    array the organisation computes (a method) is read-only.
    """

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc

    def _array(self, agent: Any) -> np.ndarray:
        value = getattr(agent.model.organisation, self.name)
        return value() if callable(value) else value

    def _at(self, agent: Any, array: np.ndarray) -> tuple:
        if array.ndim == 1:
            return (agent.world,)
        return (agent.world, agent.team)

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        array = self._array(agent)
        return array[self._at(agent, array)].item()

    def __set__(self, agent: Any, value: float) -> None:
        array = getattr(agent.model.organisation, self.name)
        if callable(array):
            raise AttributeError(f"{self.name} is computed by the organisation, not set")
        array[self._at(agent, array)] = value


class ArrayAgent(mesa.Agent):
    """An agent whose numeric state is its element of the organisation's arrays in one world.

    Args:
        model: The model holding the arrays.
        index: Position among the agents of its type in its world.
        world: The world of the batch the agent belongs to.
        team: Its position among the teams the work flows through (default: ``index``).
    """

    def __init__(self, model: OrgModel, index: int, world: int = 0, team: int | None = None) -> None:
        super().__init__(model)
        self.index = index
        self.world = world
        self.team = index if team is None else team


class Leadership(ArrayAgent):
    """The IT leadership of one world: perceives the delivery gap late and decides (:mod:`sim.model.leadership`).

    Each week it raises pressure and cuts or restores improvement time by its
    attribution rule, and judges each programme of the plan once it has run for
    its patience (:mod:`sim.model.programmes`).
    """

    pressure = StateView("pressure", "Pressure it imposes, 0-1.")
    improvement = StateView("improvement", "Share of the teams' time it allows for improvement.")
    seen_delivered = StateView("seen_delivered", "Features delivered a week, as it perceives them.")
    seen_demand = StateView("seen_demand", "Features requested a week, as it perceives them.")


class BusinessUnit(ArrayAgent):
    """A business unit: requests changes, judges IT by its waits and failures, takes work to shadow IT.

    Its trust follows its own experience; the less it trusts, the more of its waiting
    requests it withdraws and the more pressure it adds on its own teams
    (:mod:`sim.model.organisation`, step 7).
    """

    trust = StateView("trust", "Trust in IT, 0-1.")


class _Team(ArrayAgent):
    """State every team the work flows through has."""

    people = StateView("people", "Headcount, experienced and ramping up.")
    skill = StateView("skill", "Mean skill, 0-1.")
    practice = StateView("practice", "Delivery practice, 0-1.")
    debt = StateView("debt", "Technical debt in the code it owns, person-days.")
    safety = StateView("safety", "Psychological safety, 0-1.")
    morale = StateView("morale", "Morale, 0-1.")
    unplanned_backlog = StateView("unplanned_backlog", "Incident and rework items waiting.")
    backlog_age = StateView("backlog_age", "Mean age of the items in its system, days.")


class StreamAlignedTeam(_Team):
    """A stream-aligned team owning a value stream for one business unit; may need other teams' changes."""

    @property
    def business_unit(self) -> int:
        """Index of the business unit it serves."""
        return int(self.model.organisation.structure.unit_of[self.index])


class PlatformTeam(_Team):
    """A platform team: its own queue of the stream-aligned teams' requests, and the self-service it builds."""


class EnablingTeam(ArrayAgent):
    """The enabling people of one world, facilitating a few stream-aligned teams at a time, then moving on."""

    people = StateView("enabling", "Enabling people.")

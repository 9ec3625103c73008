"""Configuration objects: the organisation, the model parameters and a run.

Values live in ``configs/`` (Hydra YAML); these frozen dataclasses give them
types, ranges, units and meanings, and refuse anything else. The field metadata
is also the source of the parameter tables in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.capabilities import CapabilityRules
from sim.model.flow.params import FlowParams
from sim.model.leadership import LeadershipRules
from sim.model.levers import Intervention, Levers
from sim.model.operating import OperatingRules
from sim.model.schema import spec, validate_fields
from sim.model.structure import StructureRules
from sim.model.workforce import WorkforceRules

LAYER_NAMES: tuple[str, ...] = (
    "partnership",
    "strategy",
    "architecture",
    "culture",
    "talent",
    "execution",
    "innovation",
)


@dataclass(frozen=True)
class Layers:
    """Starting strength of each layer of the stack, 0 (absent) to 1 (excellent).

    They set the initial stocks: partnership, strategic clarity, architecture
    standards, psychological safety, skill, delivery practice and innovation
    capability. The reported layer strengths are those stocks as they move with
    the dynamics (``docs/model.md``, sections 2 and 7).
    """

    partnership: float = spec(0, 1, doc="Joint planning and trust between business and IT.")
    strategy: float = spec(0, 1, doc="Clarity of strategic choices.")
    architecture: float = spec(0, 1, doc="Architecture standards, blueprints, integration patterns.")
    culture: float = spec(
        0, 1, doc="Psychological safety: it keeps morale up under pressure and firefighting."
    )
    talent: float = spec(0, 1, doc="Capability density: skill of the people.")
    execution: float = spec(0, 1, doc="Delivery practice: CI/CD, automation, SRE.")
    innovation: float = spec(0, 1, doc="Capability to run experiments and turn them into value.")

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class OrgConfig:
    """An organisation: its size, its layers, its load and its baseline levers."""

    name: str = spec(doc="Preset name.")
    description: str = spec(doc="One-line description of the organisation.")
    teams: int = spec(1, 100_000, unit="teams", doc="Stream-aligned teams.")
    teams_per_business_unit: float = spec(
        1, 1000, unit="teams", doc="Stream-aligned teams serving each business unit."
    )
    team_size: int = spec(2, 20, unit="people", doc="People per stream-aligned team at the start.")
    load: float = spec(
        0.1, 3, unit="x capacity", doc="Demand relative to the teams' starting feature capacity."
    )
    debt: float = spec(
        0,
        10,
        unit="debt units per person",
        doc="Starting technical debt per person; a unit is params.capability.debt_days_per_unit "
        "person-days of work that the code's debt adds.",
    )
    spread: float = spec(
        0, 0.3, unit="1", doc="Standard deviation of team-level starting values around the layers."
    )
    layers: Layers = spec(doc="Starting layer strengths.")
    levers: Levers = spec(doc="Baseline leadership levers.")
    revenue_at_stake: float | None = spec(
        0,
        1_000_000,
        default=None,
        unit="millions a year",
        doc="What the business units' requests to IT are worth in a year if every one were delivered "
        "as asked: a feature's value is its share of it. None: params.operating.value_multiple "
        "times the yearly cost of the organisation's people at the start.",
    )
    coupling: float = spec(
        0,
        1,
        default=0.5,
        unit="1",
        doc="How entangled the teams' code is: the chance, relative to its most, that a change needs "
        "another team's, at the start. How teams are cut (the stream_alignment lever, which a reorg "
        "moves) and the architecture's standards move it.",
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class Params:
    """Parameters of the dynamics, grouped by the part of the model that uses them.

    Values are in ``configs/params/default.yaml`` (a test keeps it equal to the
    defaults here); each field documents its unit and rationale, and
    ``docs/model.md`` lists them with the mechanisms that use them.
    """

    warmup_weeks: int = spec(
        0,
        520,
        default=26,
        unit="weeks",
        doc="Weeks run on the baseline levers before week 1 (not recorded), so that queues and stocks "
        "start where the organisation's habits take them.",
    )
    flow: FlowParams = spec(default=FlowParams(), doc="Work items: kinds, sizes, value, serving order.")
    workforce: WorkforceRules = spec(
        default=WorkforceRules(), doc="People: hiring, ramp-up, coordination, attrition."
    )
    leadership: LeadershipRules = spec(
        default=LeadershipRules(), doc="Leadership's perception and decision rules."
    )
    structure: StructureRules = spec(default=StructureRules(), doc="Who depends on whom.")
    capability: CapabilityRules = spec(
        default=CapabilityRules(), doc="Debt, practice, skill, standards, platform, morale, innovation."
    )
    operating: OperatingRules = spec(
        default=OperatingRules(), doc="Time, deploys and failures, business units, value and cost."
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class Record:
    """What a run keeps besides the organisation-level weekly metrics."""

    team_every: int = spec(
        0, 520, unit="weeks", default=1, doc="Keep per-team values every this many weeks; 0 = never."
    )


@dataclass(frozen=True)
class Config:
    """Everything one simulation run needs.

    Attributes:
        seed: Seed of the run's random number generator.
        weeks: Horizon in weeks (a step is one week).
        org: The organisation.
        params: Parameters of the dynamics.
        intervention: Interventions by name, combined in one scenario.
        shock: Shocks by name.
        plan: Optional path of a YAML plan file (interventions and shocks with
            their start, duration and intensity), merged at composition.
        record: What to keep besides the weekly organisation metrics.
    """

    seed: int = spec(0, 2**32 - 1, doc="Random seed.")
    weeks: int = spec(1, 520, unit="weeks", doc="Horizon.")
    org: OrgConfig = spec(doc="Organisation.")
    params: Params = spec(default=Params(), doc="Model parameters.")
    intervention: dict[str, Intervention] = spec(default={}, doc="Interventions.")
    shock: dict[str, Intervention] = spec(default={}, doc="Shocks.")
    plan: str | None = spec(default=None, doc="Plan file.")
    record: Record = spec(default=Record(), doc="Recording.")

    def __post_init__(self) -> None:
        validate_fields(self)

"""Configuration objects: the organisation, the model parameters and a run.

Values live in ``configs/`` (Hydra YAML); these frozen dataclasses give them
types, ranges, units and meanings, and refuse anything else. The field metadata
is also the source of the parameter tables in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.levers import Intervention, Levers
from sim.model.schema import spec, validate_fields

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

    They set the initial stocks: real partnership, strategic clarity,
    architecture standards, the culture climate, skill, delivery practice and
    innovation capability. The reported layer strengths then move with the
    dynamics; the layers beneath gate how fast each can grow and how much of it
    pays off (see ``docs/model.md``, design concepts).
    """

    partnership: float = spec(0, 1, doc="Joint planning and trust between business and IT.")
    strategy: float = spec(0, 1, doc="Clarity of strategic choices.")
    architecture: float = spec(0, 1, doc="Architecture standards, blueprints, integration patterns.")
    culture: float = spec(0, 1, doc="Psychological safety and learning from failure.")
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
        0, 10, unit="debt scale", doc="Starting technical debt per person, in units of the debt scale."
    )
    spread: float = spec(
        0, 0.3, unit="1", doc="Standard deviation of team-level starting values around the layers."
    )
    layers: Layers = spec(doc="Starting layer strengths.")
    levers: Levers = spec(doc="Baseline leadership levers.")
    coupling: float = spec(
        0,
        1,
        default=0.5,
        unit="1",
        doc="How entangled the teams' code is: the chance, relative to its most, that a change needs "
        "another team's (model v2; the architecture layer and a reorg move it).",
    )

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class Params:
    """Parameters of the dynamics. Values are in ``configs/params/default.yaml``.

    Each field documents its unit and rationale; ``docs/model.md`` lists them in
    the order of the mechanisms that use them.
    """

    warmup_weeks: int = spec(
        0, 520, unit="weeks", doc="Burn-in weeks at the baseline levers before week 1 (not recorded)."
    )
    # Capacity
    hours_per_week: float = spec(
        1,
        80,
        unit="h/person-week",
        doc="Working hours in a person-week; converts restore hours into capacity.",
    )
    novice_productivity: float = spec(
        0, 1, unit="1", doc="Productivity of a new hire relative to an experienced one (ramp-up)."
    )
    mentor_cost: float = spec(
        0,
        1,
        unit="person-weeks/novice-week",
        doc="Experienced time each new hire costs per week (Brooks' law).",
    )
    ramp_weeks: float = spec(1, 104, unit="weeks", doc="Mean time for a new hire to become fully productive.")
    overtime_gain: float = spec(0, 1, unit="1", doc="Extra hours worked at full pressure (work-harder loop).")
    morale_floor: float = spec(0, 1, unit="1", doc="Productivity at zero morale, relative to full morale.")
    capacity_noise: float = spec(0, 1, unit="log-sd", doc="Week-to-week variation of a team's capacity.")
    # Cognitive load
    load_base: float = spec(
        0, 2, unit="1", doc="Cognitive load of a team with no debt, no excess WIP and clean ownership."
    )
    load_debt: float = spec(
        0,
        2,
        unit="1/debt scale",
        doc="Extra load per unit of normalised debt (systems hard to reason about).",
    )
    load_wip: float = spec(
        0,
        2,
        unit="1/(person-week per person)",
        doc="Extra load per week of work in progress per person beyond one.",
    )
    load_handoff: float = spec(0, 2, unit="1", doc="Extra load when no work is owned end to end.")
    load_tooling: float = spec(
        0, 2, unit="1", doc="Extra load of unmastered tools at full tooling and zero skill."
    )
    platform_relief: float = spec(
        0, 1, unit="1", doc="Share of cognitive load removed by full platform adoption."
    )
    overload_penalty: float = spec(0, 5, unit="1", doc="Productivity loss per unit of load above 1.")
    # Allocation
    invest_time: float = spec(
        0,
        0.5,
        unit="share",
        doc="Capacity share taken by a programme (architecture, practice, training, culture) at intensity 1.",
    )
    max_improve: float = spec(0, 1, unit="share", doc="Largest share of capacity that can go to improvement.")
    gap_pressure: float = spec(
        0, 1, unit="1", doc="Pressure leadership adds per unit of delivery gap (1 - business satisfaction)."
    )
    pressure_crowding: float = spec(
        0, 1, unit="1", doc="Share of improvement time lost at full pressure (capability trap)."
    )
    max_unplanned: float = spec(
        0, 1, unit="share", doc="Largest share of capacity that unplanned work can take in a week."
    )
    slack_floor: float = spec(
        0, 1, unit="1", doc="Experiment time left with no slack, relative to full slack."
    )
    # Flow of work
    effort_base: float = spec(
        0.001,
        10,
        unit="person-weeks/change",
        doc="Effort of a change with no debt, full skill, no automation.",
    )
    debt_drag: float = spec(0, 5, unit="1/debt scale", doc="Extra effort per unit of normalised debt.")
    skill_floor: float = spec(0.01, 1, unit="1", doc="Productivity at zero skill, relative to full skill.")
    automation_gain: float = spec(
        0, 10, unit="1", doc="Speed-up of a change at full effective delivery practice."
    )
    platform_speedup: float = spec(
        0, 5, unit="1", doc="Speed-up of a change at full platform adoption (paved roads)."
    )
    switch_cost: float = spec(
        0,
        2,
        unit="1/(person-week per person)",
        doc="Efficiency lost per WIP item per person beyond one (context switching).",
    )
    fragmentation_cost: float = spec(
        0, 2, unit="1", doc="Efficiency lost with no strategic focus (work in different directions)."
    )
    wip_min: float = spec(
        0.05,
        10,
        unit="person-weeks/person",
        doc="WIP limit, in weeks of work per person, with full delivery practice (small batches); geometric interpolation to wip_max.",
    )
    wip_max: float = spec(
        0.1,
        50,
        unit="person-weeks/person",
        doc="WIP limit, in weeks of work per person, with no delivery practice.",
    )
    wip_fragmentation: float = spec(0, 5, unit="1", doc="Extra WIP accepted with no strategic focus.")
    priority_drag: float = spec(
        0, 1, unit="1/priority", doc="Loss of focus per extra strategic priority, at zero clarity."
    )
    churn_base: float = spec(
        0,
        0.5,
        unit="share/week",
        doc="Share of WIP abandoned weekly when partnership is absent (unstable demand).",
    )
    smoothing: float = spec(
        0.01, 1, unit="1/week", doc="Weight of the newest week in smoothed throughput and satisfaction."
    )
    # Quality, deploys, incidents
    arch_gate_floor: float = spec(
        0, 1, unit="1", doc="Payoff of delivery practice on an architecture with no standards."
    )
    batch_max: float = spec(
        1,
        1000,
        unit="changes/deploy",
        doc="Changes per deploy with no delivery practice (big-bang releases).",
    )
    cfr_min: float = spec(0, 1, unit="share", doc="Change failure rate at zero risk.")
    cfr_max: float = spec(0, 1, unit="share", doc="Change failure rate at full risk.")
    q_practice: float = spec(
        0, 1, unit="weight", doc="Weight of effective practice (test automation) in change quality."
    )
    q_arch: float = spec(0, 1, unit="weight", doc="Weight of architecture quality in change quality.")
    q_skill: float = spec(0, 1, unit="weight", doc="Weight of skill in change quality.")
    q_lessons: float = spec(
        0, 1, unit="weight", doc="Weight of lessons learnt from failures in change quality."
    )
    risk_exponent: float = spec(
        0.5,
        8,
        unit="exponent",
        doc="Convexity of failure in risk: good practice removes most failures before the last risks.",
    )
    cfr_half: float = spec(
        0.05,
        100,
        unit="1",
        doc="Risk at which the change failure rate is about halfway up and starts to level off; large: no levelling.",
    )
    cfr_pressure: float = spec(0, 1, unit="1", doc="Risk added at full pressure (skipped reviews and tests).")
    cfr_load: float = spec(0, 1, unit="1", doc="Risk added per unit of overload.")
    cfr_batch: float = spec(0, 1, unit="1", doc="Risk added by the largest batches.")
    background_incidents: float = spec(
        0,
        10,
        unit="incidents/team-week",
        doc="Rate of incidents not caused by a change, at one unit of normalised debt.",
    )
    r_practice: float = spec(
        0, 1, unit="weight", doc="Weight of effective practice (monitoring, SRE) in restore capability."
    )
    r_arch: float = spec(
        0, 1, unit="weight", doc="Weight of architecture quality (decoupling) in restore capability."
    )
    r_skill: float = spec(0, 1, unit="weight", doc="Weight of skill in restore capability.")
    r_safety: float = spec(
        0, 1, unit="weight", doc="Weight of safety (people raise problems early) in restore capability."
    )
    ttr_min: float = spec(0.0001, 100, unit="hours", doc="Time to restore at full restore capability.")
    ttr_max: float = spec(1, 10_000, unit="hours", doc="Time to restore at zero restore capability.")
    ttr_shape: float = spec(
        0.2,
        5,
        unit="exponent",
        doc="Curvature of log time to restore in restore capability: above 1, partial capability restores little faster.",
    )
    ttr_half: float = spec(
        0.05,
        100,
        unit="1",
        doc="Restore capability at which log time to restore is about halfway down and starts to level off; large: no levelling.",
    )
    incident_staff: float = spec(0, 20, unit="people", doc="People busy per hour of an incident.")
    rework_share: float = spec(0, 2, unit="1", doc="Share of a failed deploy's effort that must be redone.")
    handoff_days: float = spec(
        0,
        30,
        unit="days",
        doc="Waiting at handoffs per unit of u/(1-u) with no stream alignment or platform.",
    )
    handoff_alignment: float = spec(
        0, 1, unit="1", doc="Share of handoff waiting removed by full stream alignment."
    )
    handoff_platform: float = spec(
        0, 1, unit="1", doc="Share of handoff waiting removed by full platform adoption (self-service)."
    )
    lead_work_share: float = spec(
        0,
        1,
        unit="share",
        doc="Share of a change's own work time counted in its lead time: 0 from commit (DORA), 1 from the start of work.",
    )
    max_utilisation: float = spec(
        0.5, 0.999, unit="share", doc="Utilisation at which the queueing term is capped."
    )
    max_wait_days: float = spec(1, 1000, unit="days", doc="Longest wait for a deploy window.")
    # Technical debt
    debt_scale: float = spec(
        0.01,
        100,
        unit="person-weeks/person",
        doc="Debt per person that counts as one unit of normalised debt.",
    )
    debt_per_change: float = spec(
        0,
        10,
        unit="person-weeks/change",
        doc="Debt added by a change with no standards, no pressure, full skill.",
    )
    debt_pressure: float = spec(0, 5, unit="1", doc="Extra debt per change at full pressure (shortcuts).")
    debt_firefight: float = spec(
        0, 5, unit="1", doc="Extra debt per change per share of time spent firefighting (quick fixes)."
    )
    debt_standards: float = spec(0, 1, unit="1", doc="Share of debt per change avoided with full standards.")
    debt_skill: float = spec(0, 5, unit="1", doc="Extra debt per change at zero skill.")
    debt_entropy: float = spec(
        0, 1, unit="person-weeks/person-week", doc="Debt from ageing systems and dependencies, per person."
    )
    paydown_floor: float = spec(
        0, 1, unit="1", doc="Effectiveness of debt paydown with no standards to aim at."
    )
    split_debt: float = spec(0, 1, unit="weight", doc="Base weight of debt paydown in improvement time.")
    split_practice: float = spec(
        0, 1, unit="weight", doc="Base weight of delivery practice in improvement time."
    )
    split_learning: float = spec(0, 1, unit="weight", doc="Base weight of learning in improvement time.")
    # Learning and capability
    safety_floor: float = spec(0, 1, unit="1", doc="Learning rate with no safety, relative to full safety.")
    practice_learn: float = spec(
        0, 10, unit="1/(person-week per person)", doc="Practice gained per unit of practice time per person."
    )
    skill_gate: float = spec(
        0,
        4,
        unit="exponent",
        doc="How strongly practice adoption needs skill (practice growth scales with skill to this power).",
    )
    tooling_gain: float = spec(
        0, 1, unit="1/week", doc="Practice gained per week from tools at full tooling and full skill."
    )
    practice_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly erosion of practice without upkeep.")
    pressure_erosion: float = spec(
        0, 10, unit="1", doc="Extra practice erosion at full pressure (steps skipped)."
    )
    skill_learn: float = spec(
        0, 10, unit="1/(person-week per person)", doc="Skill gained per unit of learning time per person."
    )
    on_job_learning: float = spec(
        0, 1, unit="person-weeks/person-week", doc="Learning that happens while doing the work."
    )
    skill_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly obsolescence of skills.")
    coach_gain: float = spec(
        0,
        1,
        unit="person-weeks/person-week",
        doc="Learning time equivalent of being coached by an enabling team.",
    )
    teams_per_coach: float = spec(
        0, 10, unit="teams/person", doc="Stream-aligned teams one enabling person coaches at once."
    )
    coaching_weeks: int = spec(
        1, 104, unit="weeks", doc="Weeks an enabling team stays with the teams it coaches."
    )
    knowledge_loss: float = spec(
        0,
        2,
        unit="1",
        doc="Skill lost by those who stay per share of the team that leaves (tacit knowledge).",
    )
    novice_skill: float = spec(0, 1, unit="1", doc="Skill of a new hire.")
    postmortem_gain: float = spec(
        0,
        1,
        unit="lessons/failure",
        doc="Lessons learnt per failure at full safety (blameless post-mortems).",
    )
    lessons_decay: float = spec(0, 1, unit="1/week", doc="Weekly forgetting of lessons.")
    # Culture, morale and people
    culture_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of the culture climate per week at full culture investment."
    )
    culture_erosion: float = spec(
        0, 1, unit="1/week", doc="Erosion of the climate per week at full pressure."
    )
    safety_rate: float = spec(0, 1, unit="1/week", doc="Rate at which team safety follows the climate.")
    blame_rate: float = spec(
        0, 1, unit="1/week", doc="Loss of safety per week when firefighting in a blame culture."
    )
    morale_base: float = spec(
        0, 1, unit="1", doc="Morale with no pressure, no firefighting and neutral safety."
    )
    morale_pressure: float = spec(0, 1, unit="1", doc="Morale lost at full pressure.")
    morale_firefight: float = spec(0, 2, unit="1", doc="Morale lost per share of time on unplanned work.")
    morale_load: float = spec(0, 2, unit="1", doc="Morale lost per unit of overload.")
    morale_safety: float = spec(0, 2, unit="1", doc="Morale gained per unit of safety above 0.5.")
    morale_disruption: float = spec(0, 1, unit="1", doc="Morale lost at full re-organisation disruption.")
    morale_tau: float = spec(1, 104, unit="weeks", doc="Time for morale to follow its target.")
    attrition_base: float = spec(
        0, 0.05, unit="1/week", doc="Weekly attrition at base morale (about 12% a year)."
    )
    attrition_morale: float = spec(
        0, 20, unit="1", doc="Log-increase of attrition per unit of morale below base."
    )
    time_to_hire: float = spec(1, 52, unit="weeks", doc="Mean time to fill a vacancy.")
    reorg_disruption: float = spec(0, 1, unit="1", doc="Capacity lost at full re-organisation disruption.")
    theatre_time: float = spec(0, 1, unit="1", doc="Capacity spent in alignment workshops at full theatre.")
    # Platform and architecture
    support_team_size: int = spec(2, 20, unit="people", doc="People in a platform or enabling team.")
    platform_build: float = spec(
        0, 10, unit="1/week", doc="Platform maturity built per week per platform person per stream person."
    )
    platform_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly decay of an unmaintained platform.")
    standards_floor: float = spec(0, 1, unit="1", doc="Platform usefulness and adoption with no standards.")
    adoption_rate: float = spec(
        0, 1, unit="1/week", doc="Rate at which teams adopt what the platform offers."
    )
    standards_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of standards per week at full architecture investment."
    )
    standards_erosion: float = spec(
        0, 0.1, unit="1/week", doc="Erosion of standards per week at full pressure or full shadow IT."
    )
    # Business units, partnership, strategy
    value_per_change: float = spec(
        0,
        1000,
        unit="value units/change",
        doc="Business value of a change perfectly aligned with the business.",
    )
    tail_value: float = spec(
        0,
        1,
        unit="1",
        doc="Value of a change from the team's own long tail of ideas, relative to a requested one.",
    )
    fit_floor: float = spec(
        0,
        1,
        unit="1",
        doc="Value of a change with no partnership and no focus, relative to a perfectly aligned one.",
    )
    fit_partnership: float = spec(
        0, 1, unit="weight", doc="Weight of partnership (vs strategic focus) in the value of a change."
    )
    patience_days: float = spec(
        1, 365, unit="days", doc="Lead time at which the business counts delivery as half as satisfying."
    )
    trust_satisfaction: float = spec(0, 2, unit="1", doc="Trust target per unit of satisfied demand.")
    trust_partnership: float = spec(0, 2, unit="1", doc="Trust target per unit of partnership.")
    trust_incidents: float = spec(
        0,
        5,
        unit="1/(outage-week per team-week)",
        doc="Trust lost per week of outage (incidents times restore time) per team-week.",
    )
    trust_tau: float = spec(1, 104, unit="weeks", doc="Time for trust to follow its target.")
    partner_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of partnership per week at full governance and full trust."
    )
    partner_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly decay of partnership.")
    clarity_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of strategic clarity per week at full strategy work."
    )
    clarity_partnership: float = spec(0, 2, unit="1", doc="Strategy work equivalent of full partnership.")
    clarity_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly decay of strategic clarity.")
    theatre_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of the theatre stock per week at full theatre."
    )
    theatre_decay: float = spec(0, 1, unit="1/week", doc="Weekly decay of the theatre stock.")
    theatre_complacency: float = spec(
        0, 2, unit="1", doc="Loss of real governance effort per unit of reported-minus-real alignment."
    )
    theatre_gain: float = spec(
        0, 1, unit="1", doc="Share of the alignment gap that full theatre hides in reports."
    )
    shadow_threshold: float = spec(
        0, 1, unit="1", doc="Trust below which business units start to route around IT."
    )
    shadow_rate: float = spec(
        0, 1, unit="1/week", doc="Growth of shadow IT per week per unit of trust below the threshold."
    )
    shadow_reabsorb: float = spec(
        0, 1, unit="1/week", doc="Return of shadow IT per week per unit of trust above the threshold."
    )
    shadow_value: float = spec(
        0, 2, unit="1", doc="Local value of shadow IT relative to IT's value for the same demand."
    )
    shadow_debt: float = spec(
        0,
        10,
        unit="person-weeks/team-week",
        doc="Integration debt added to a team per week at full shadow IT.",
    )
    shadow_exposure: float = spec(
        0, 10, unit="debt scale", doc="Security exposure of full shadow IT, in units of normalised debt."
    )
    # Innovation
    experiment_effort: float = spec(0.01, 100, unit="person-weeks", doc="Effort of one experiment.")
    innovation_gate: float = spec(
        0.1,
        2,
        unit="exponent",
        doc="Exponent on the product of skill, safety, architecture and execution in experiment success.",
    )
    experiment_success: float = spec(
        0, 1, unit="share", doc="Share of experiments that ship with all foundations at full strength."
    )
    innovation_value: float = spec(
        0, 10_000, unit="value units/week", doc="Weekly value of a shipped innovation."
    )
    innovation_decay: float = spec(0, 1, unit="1/week", doc="Weekly fading of an innovation's value.")
    capability_rate: float = spec(
        0, 10, unit="1/(experiment per person)", doc="Innovation capability gained per experiment per person."
    )
    capability_decay: float = spec(0, 0.1, unit="1/week", doc="Weekly decay of innovation capability.")
    capability_floor: float = spec(
        0, 1, unit="1", doc="Experiment success with no innovation capability, relative to full."
    )
    # Cost
    cost_per_person: float = spec(0, 100, unit="k/person-week", doc="Loaded cost of one person for a week.")
    cost_per_incident: float = spec(0, 1000, unit="k/incident", doc="Direct business cost of an incident.")

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
    params: Params = spec(doc="Model parameters.")
    intervention: dict[str, Intervention] = spec(default={}, doc="Interventions.")
    shock: dict[str, Intervention] = spec(default={}, doc="Shocks.")
    plan: str | None = spec(default=None, doc="Plan file.")
    record: Record = spec(default=Record(), doc="Recording.")

    def __post_init__(self) -> None:
        validate_fields(self)

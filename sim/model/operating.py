"""How teams spend their time, deploy and fail, and how the business responds to IT.

:class:`OperatingRules` holds the parameters of the parts of a week of
:mod:`sim.model.organisation` that belong to no other module: overtime and
firefighting, the deploy interval and change failure, background incidents,
the time programmes take, context switching, how teams are cut, enabling
teams' engagements, the WIP limit, business units' trust and shadow IT, and
value and cost in money.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.schema import spec, validate_fields


@dataclass(frozen=True)
class OperatingRules:
    """How teams spend their time, deploy and fail, and how the business responds."""

    overtime: float = spec(
        0,
        1,
        default=0.25,
        unit="share",
        doc="Extra hours per unit of felt pressure above normal (work harder; assumption).",
    )
    firefight_items: float = spec(
        0.1,
        100,
        default=1.0,
        unit="items per person",
        doc="Incident and rework items waiting per person at which a team spends all its improvement "
        "time on them; below it, the share in proportion (assumption).",
    )
    infra_effort: float = spec(
        0,
        2,
        default=0.3,
        unit="share",
        doc="Extra effort of every item when a team does its own infrastructure work (no platform "
        "self-service; assumption: cognitive load).",
    )
    deploy_days_slowest: float = spec(
        1,
        365,
        default=30.0,
        unit="days",
        doc="Deploy interval with no delivery practice (DORA low: monthly or less).",
    )
    deploy_days_fastest: float = spec(
        0.02,
        7,
        default=0.25,
        unit="days",
        doc="Deploy interval at full practice (DORA elite: on demand, several a day).",
    )
    release_days_slowest: float = spec(
        0.01,
        180,
        default=20.0,
        unit="days",
        doc="Time from a change's finish until it may be deployed with no delivery practice: manual "
        "regression testing, a change advisory board (assumption; DORA low: lead time 1-6 months).",
    )
    release_days_fastest: float = spec(
        0.001,
        7,
        default=0.02,
        unit="days",
        doc="The same at full practice: an automated pipeline of about half an hour (DORA elite: lead "
        "time under a day).",
    )
    change_failure_floor: float = spec(
        0,
        1,
        default=0.04,
        unit="probability",
        doc="Chance a change fails at full practice and skill, no debt.",
    )
    change_failure_ceiling: float = spec(
        0,
        1,
        default=0.45,
        unit="probability",
        doc="Chance a change fails at no practice or skill, much debt, before pressure above normal "
        "raises it further (skipped reviews and tests).",
    )
    background_incidents: float = spec(
        0,
        10,
        default=0.3,
        unit="per team-week",
        doc="Incidents not caused by a deploy, per team and week, per unit of extra effort (debt and, "
        "without self-service, infrastructure work; assumption).",
    )
    investment_time: float = spec(
        0,
        0.5,
        default=0.05,
        unit="share per unit",
        doc="Share of the teams' time a programme lever at 1 takes (architecture, culture, training, "
        "practice: workshops, coaching, remediation; assumption: two hours a week each).",
    )
    switching: float = spec(
        0,
        1,
        default=0.08,
        unit="per log priority",
        doc="Extra effort per natural log of the strategic priorities pursued at once (context "
        "switching; Weinberg 1992 puts it at 20% per extra project, for a handful; assumption).",
    )
    alignment_effect: float = spec(
        0,
        2,
        default=1.0,
        unit="1",
        doc="How much cutting teams by value stream (stream_alignment above 0.5) lowers coupling, and "
        "cutting them by component raises it (assumption).",
    )
    standards_decoupling: float = spec(
        0,
        2,
        default=1.0,
        unit="per unit of standards",
        doc="How much architecture standards above the organisation's starting ones lower coupling "
        "(modular code, API contracts: fewer changes need another team), and below them raise it "
        "(assumption).",
    )
    engagement_weeks: float = spec(
        1,
        104,
        default=12,
        unit="weeks",
        doc="How long an enabling team works with the teams it facilitates (a quarter; assumption).",
    )
    teams_per_coach: float = spec(
        0.1,
        10,
        default=0.5,
        unit="teams per person",
        doc="Stream-aligned teams an enabling person facilitates at once (assumption).",
    )
    wip_per_person: float = spec(
        0.1, 5, default=0.5, unit="items per person", doc="WIP limit per person of the team (assumption)."
    )
    trust_weeks: float = spec(
        1, 52, default=8, unit="weeks", doc="Time for a business unit's trust to follow its experience."
    )
    tolerable_wait_days: float = spec(
        1,
        365,
        default=30,
        unit="days",
        doc="Age of its waiting requests at which a business unit's trust falls to half.",
    )
    failure_distrust: float = spec(
        0,
        1,
        default=0.5,
        unit="share",
        doc="How much a business unit's trust falls per unit of its teams' change failure rate (assumption).",
    )
    unit_pressure: float = spec(
        0,
        1,
        default=0.2,
        unit="1",
        doc="Pressure a business unit that does not trust IT adds on its own teams, at no trust (assumption).",
    )
    shadow_hazard: float = spec(
        0,
        1,
        default=0.05,
        unit="per week",
        doc="Weekly hazard that a waiting request is taken to shadow IT at no trust (assumption).",
    )
    value_multiple: float = spec(
        0,
        100,
        default=7.0,
        unit="x",
        doc="An organisation's revenue at stake when it states none: this many times the yearly cost "
        "of its people at the start (assumption: what the business asks of IT in a year is worth "
        "several times what IT costs; the presets state their own).",
    )
    innovation_share: float = spec(
        0,
        0.1,
        default=0.002,
        unit="share of the weekly revenue at stake",
        doc="Value an innovation brings each week while it lasts, as a share of the organisation's "
        "revenue at stake a week (assumption: 0.2%, about 3 thousand a week for the default "
        "organisation).",
    )
    innovation_life_weeks: float = spec(
        4, 1000, default=104, unit="weeks", doc="Mean life of an innovation's value stream (assumption)."
    )
    cost_per_person_week: float = spec(
        0,
        100,
        default=2.0,
        unit="thousands",
        doc="Fully loaded cost of a person for a week (about 100 k a year; assumption).",
    )
    cost_per_incident: float = spec(
        0, 1000, default=5.0, unit="thousands", doc="Business cost of an incident."
    )

    def __post_init__(self) -> None:
        validate_fields(self)

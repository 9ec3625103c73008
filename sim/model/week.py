"""The arithmetic of model v2's week, compiled: what :meth:`Organisation.step` does around the items.

:meth:`sim.model.organisation.Organisation.step` is the week's order and its
rules; this module runs that arithmetic as two compiled calls, so that a week
costs two calls and not hundreds of small array operations (a small
organisation's week is mostly the cost of calling, not of computing):

* :func:`before_flow` is steps 1-4 up to the items: leadership decides, people
  join, teams split their time, and the flow engine's drivers follow;
* :func:`after_flow` is steps 5-8 once the items have flowed: capabilities,
  people leaving and staffing, business units' trust, perception, value and cost.

Each rule is written once, in its own module (:mod:`sim.model.leadership`,
:mod:`sim.model.workforce`, :mod:`sim.model.capabilities`), as a compiled
function that this module calls; what is here is the glue between them, in the
order ``docs/model.md`` (section 7) gives. Parameters come in as records
(:func:`sim.model.compiled.record`) of the rules' dataclasses, levers as the
week's table ``(worlds, levers)``. Arrays have a row per world and a column per
engine team (stream-aligned, then platform), ``(worlds, teams)``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model import capabilities as cap
from sim.model import leadership as lead
from sim.model import workforce as wf
from sim.model.compiled import cache_guard, jit
from sim.model.flow.items import Kind, rows
from sim.model.flow.serve import Out
from sim.model.levers import LEVER_INDEX

# The rules whose records (sim.model.compiled.record) the kernels take, by the names docs/reference.py reads.
if TYPE_CHECKING:
    from sim.model.capabilities import CapabilityRules
    from sim.model.leadership import LeadershipRules
    from sim.model.operating import OperatingRules
    from sim.model.workforce import WorkforceRules

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())

_PRESSURE = LEVER_INDEX["pressure"]
_WIP_ACCEPT = LEVER_INDEX["wip_accept"]
_IMPROVE_SHARE = LEVER_INDEX["improve_share"]
_TRANSFORM_SHARE = LEVER_INDEX["transform_share"]
_PRIORITIES = LEVER_INDEX["priorities"]
_GOVERNANCE = LEVER_INDEX["governance"]
_STRATEGY_WORK = LEVER_INDEX["strategy_work"]
_HEADCOUNT = LEVER_INDEX["headcount"]
_ARCHITECTURE = LEVER_INDEX["architecture_investment"]
_CULTURE = LEVER_INDEX["culture_investment"]
_TRAINING = LEVER_INDEX["training"]
_PRACTICE = LEVER_INDEX["practice_investment"]
_TOOLING = LEVER_INDEX["tooling"]
_PLATFORM = LEVER_INDEX["platform_capacity"]
_ENABLING = LEVER_INDEX["enabling_capacity"]
_STAFF_FROM_STREAMS = LEVER_INDEX["staff_from_streams"]
_STREAM_ALIGNMENT = LEVER_INDEX["stream_alignment"]
_ATTRIBUTION = LEVER_INDEX["attribution"]
_DISRUPTION = LEVER_INDEX["disruption"]
_BUDGET = LEVER_INDEX["budget"]
_DEMAND = LEVER_INDEX["demand"]
_PEOPLE_LOSS = LEVER_INDEX["people_loss"]
_SECURITY = LEVER_INDEX["security_exposure"]
_CHURN = LEVER_INDEX["strategy_churn"]
_THEATRE = LEVER_INDEX["theatre"]
_FEATURE = int(Kind.FEATURE)
_INCIDENT = int(Kind.INCIDENT)
_N_KINDS = len(Kind)


# What after_flow measures, per world (WORLD_MEASURES) and per engine team (TEAM_MEASURES), in order.
WORLD_MEASURES = (
    "arrived_feature",
    "morale",
    "debt_ratio",
    "cognitive_load",
    "headcount",
    "pressure",
    "improvement",
    "days_all",
    "days_work",
    "days_improvement",
    "days_experiments",
    "experiments",
    "innovations",
    "value_innovation",
    "innovation",
    "partnership",
    "clarity",
    "perceived_gap",
    "value",
    "cost",
    "net_value",
    "trust",
    "debt",
    "practice",
    "skill",
    "standards",
    "safety",
    "self_service",
    "theatre",
)
TEAM_MEASURES = (
    "people",
    "skill",
    "practice",
    "debt_ratio",
    "safety",
    "morale",
    "adoption",
    "cognitive_load",
    "coached",
)
World = rows("World", WORLD_MEASURES)
Team = rows("Team", TEAM_MEASURES)


@jit
def people_mean(per_team, people):
    """Per world, the mean over the people of every team (a team without people weighs nothing)."""
    return (per_team * people).sum(axis=1) / np.maximum(people.sum(axis=1), 1e-9)


@jit
def per_unit(per_team, unit_of, units):
    """Sum stream-aligned teams' values by business unit: ``(worlds, stream)`` to ``(worlds, units)``."""
    worlds, stream = per_team.shape
    out = np.zeros((worlds, units))
    for i in range(worlds):
        for j in range(stream):
            out[i, unit_of[j]] += per_team[i, j]
    return out


@jit
def effort_of(debt, self_service, is_stream, o: OperatingRules, c: CapabilityRules):
    """Effort per item of standard size: the debt in the team's code, and its own infrastructure work.

    A stream-aligned team without the platform's self-service does ``infra_effort`` of
    infrastructure work on top of every item.
    """
    own_infra = np.where(is_stream, o.infra_effort * (1.0 - self_service[:, None]), 0.0)
    return cap.effort(debt, c.debt_doubling) * (1.0 + own_infra)


@jit
def before_flow(
    lv,
    stream,
    has_platform,
    coupling_start,
    standards_start,
    is_stream,
    unit_of,
    operating: OperatingRules,
    workforce: WorkforceRules,
    leadership: LeadershipRules,
    capability: CapabilityRules,
    seen_delivered,
    seen_demand,
    pressure,
    improvement,
    trust,
    experienced,
    cohorts,
    pipeline,
    offers,
    enabling,
    enabling_pipeline,
    enabling_offers,
    skill,
    practice,
    debt,
    standards,
    self_service,
    partnership,
    clarity,
    unplanned_backlog,
    demand,
    feature_value,
):
    """Run steps 1-4 of the week up to the items: what leadership, people and teams do before the work.

    Updates ``pressure``, ``improvement``, the people (``experienced``, ``cohorts``,
    ``pipeline``, ``enabling``, ``enabling_pipeline``) and ``skill`` in place.

    Returns:
        A tuple: the perceived ``gap`` and the felt ``excess`` pressure; ``joined``,
        ``onboarding`` and ``coordination``; the week's person-days in all, for items, for
        improvement, for programmes and for experiments; ``effort``; the flow engine's
        drivers (``capacity``, ``wip_limit``, ``rates``, ``coupling``, whether the platform
        is ``staffed``, ``deploy_days``, ``release_days``, ``change_failure``,
        ``withdraw``, ``value``); and ``felt_pressure``.
    """
    # The rules, each a one-element array (sim.model.compiled.record), read by their names.
    o = operating[0]
    wr = workforce[0]
    lr = leadership[0]
    c = capability[0]
    worlds, teams = experienced.shape
    # 1. Leadership decides, on what it has perceived so far.
    gap = lead.delivery_gap(seen_delivered, seen_demand)
    budget = lv[:, _BUDGET]
    new_pressure, new_improvement = lead.decide(
        gap,
        pressure,
        improvement,
        lv[:, _PRESSURE],
        np.minimum(lv[:, _IMPROVE_SHARE] * budget, 0.5),
        lv[:, _ATTRIBUTION],
        lr.pressure_response,
        lr.improvement_cut,
        lr.improvement_response,
        lr.max_improvement,
        lead.smoothing(lr.adjustment_weeks),
    )
    pressure[:] = new_pressure
    improvement[:] = new_improvement
    # Each team feels leadership's pressure and its own business unit's, which rises as the
    # unit's trust falls (platform teams feel full trust).
    felt_pressure = np.empty((worlds, teams))
    for i in range(worlds):
        for j in range(teams):
            unit_trust = trust[i, unit_of[j]] if j < stream else 1.0
            felt_pressure[i, j] = min(pressure[i] + o.unit_pressure * (1.0 - unit_trust), 1.0)
    excess = np.maximum(felt_pressure - wr.normal_pressure, 0.0)

    # 2. People: who can work, and how much (pressure adds hours; a re-organisation takes some).
    before = experienced + cohorts.sum(axis=2)
    joined = wf.advance(experienced, cohorts, pipeline, offers)
    enabling += wf.arrive(enabling_pipeline, enabling_offers)
    # New people know the trade, not the system: they bring the team's skill towards theirs.
    skill[:] = (skill * before + wr.novice_skill * joined) / np.maximum(before + joined, 1e-9)
    days, onboarding, coordination = wf.capacity(
        experienced, cohorts, wr.novice_output, wr.mentoring_share, wr.coordination_per_peer
    )
    headcount = experienced + cohorts.sum(axis=2)
    people = np.maximum(headcount, 1e-9)
    hours = (1.0 + o.overtime * excess) * (1.0 - lv[:, _DISRUPTION][:, None])
    days = days * hours
    all_days = wf.WORKING_DAYS * headcount * hours

    # 3. Time set aside: improvement and experiments, unless firefighting takes it back.
    fire = np.minimum(np.maximum(unplanned_backlog / (o.firefight_items * people), 0.0), 1.0)
    improve_days = days * improvement[:, None] * (1.0 - fire)
    # Programmes take their time whatever the fires: workshops and training are booked.
    invested = lv[:, _ARCHITECTURE] + lv[:, _CULTURE] + lv[:, _TRAINING] + lv[:, _PRACTICE]
    programmes = np.minimum(invested * o.investment_time, 0.5)
    programme_days = np.where(is_stream, days * programmes[:, None], 0.0)
    transform = np.minimum(lv[:, _TRANSFORM_SHARE] * budget, 0.5)
    experiment_days = np.where(is_stream, days * transform[:, None] * (1.0 - fire), 0.0)
    work_days = np.maximum(days - improve_days - experiment_days - programme_days, 0.0)
    switching = 1.0 + o.switching * np.log(lv[:, _PRIORITIES])
    effort = effort_of(debt, self_service, is_stream, o, c) * switching[:, None]

    # 4. The items' drivers.
    rates = np.zeros((worlds, teams, _N_KINDS))
    rates[:, :, _FEATURE] = demand * lv[:, _DEMAND][:, None]
    background = o.background_incidents * (effort - 1.0) * (1.0 + lv[:, _SECURITY][:, None])
    rates[:, :, _INCIDENT] = np.where(is_stream, background, 0.0)
    # How teams are cut, and the architecture's standards against where they started, move the
    # coupling the preset describes.
    coupling = np.minimum(
        np.maximum(
            coupling_start
            * (1.0 + o.alignment_effect * (0.5 - lv[:, _STREAM_ALIGNMENT]))
            * (1.0 - o.standards_decoupling * (standards - standards_start)),
            0.0,
        ),
        1.0,
    )
    staffed = np.zeros(worlds, np.bool_)
    if has_platform:
        staffed = headcount[:, stream:].sum(axis=1) >= 1.0
    deploy_days = o.deploy_days_slowest * (o.deploy_days_fastest / o.deploy_days_slowest) ** practice
    # Practice shortens the release process as it shortens the deploy interval: automated
    # tests and pipelines instead of manual test cycles and approval boards.
    release_days = o.release_days_slowest * (o.release_days_fastest / o.release_days_slowest) ** practice
    risk = np.minimum(
        np.maximum((1.0 - practice) * 0.5 + (1.0 - skill) * 0.3 + 0.2 * (effort - 1.0) / effort, 0.0), 1.0
    )
    change_failure = np.minimum(
        np.maximum(
            o.change_failure_floor
            + (o.change_failure_ceiling - o.change_failure_floor) * risk * (1 + excess),
            0.0,
        ),
        1.0,
    )
    withdraw = np.zeros((worlds, teams))
    for i in range(worlds):
        for j in range(stream):
            withdraw[i, j] = o.shadow_hazard * (1.0 - trust[i, unit_of[j]]) + lv[i, _CHURN]
    value = np.empty((worlds, teams))
    value[:] = (feature_value * (0.5 + 0.5 * partnership) * (0.5 + 0.5 * clarity))[:, None]
    capacity = np.maximum(work_days / effort, 0.0)
    wip_limit = np.maximum(
        np.round(o.wip_per_person * people * (1.0 + lv[:, _WIP_ACCEPT][:, None])), 1
    ).astype(np.int64)
    return (
        gap,
        excess,
        joined,
        onboarding,
        coordination,
        all_days,
        work_days,
        improve_days,
        programme_days,
        experiment_days,
        effort,
        capacity,
        wip_limit,
        rates,
        coupling,
        staffed,
        deploy_days,
        release_days,
        change_failure,
        withdraw,
        value,
        felt_pressure,
    )


@jit
def coached(enabling, people, week, stream, o: OperatingRules, c: CapabilityRules):
    """Return the coaching each team gets this week: enabling people facilitate a few teams at a time.

    An engagement lasts ``engagement_weeks``; enabling people work with as many stream-aligned
    teams at once as ``teams_per_coach`` per person allows, the teams in order, then move
    on to the next ones. A coached team gains ``coaching_gain`` per coach per person of it.
    """
    worlds, teams = people.shape
    out = np.zeros((worlds, teams))
    engagement = week // int(o.engagement_weeks)
    for i in range(worlds):
        reach = min(int(math.ceil(enabling[i] * o.teams_per_coach)), stream)
        if reach <= 0:
            continue
        coaches_per_team = enabling[i] / reach
        for k in range(reach):
            j = (engagement * reach + k) % stream
            out[i, j] = c.coaching_gain * coaches_per_team / people[i, j]
    return out


@jit
def after_flow(
    lv,
    out,
    week,
    stream,
    units,
    teams_per_unit,
    has_platform,
    unit_of,
    is_stream,
    keys,
    ctr,
    operating: OperatingRules,
    workforce: WorkforceRules,
    leadership: LeadershipRules,
    capability: CapabilityRules,
    mean_experiment,
    revenue_at_stake,
    excess,
    felt_pressure,
    gap,
    effort,
    all_days,
    work_days,
    improve_days,
    programme_days,
    experiment_days,
    arrived_feature,
    pressure,
    improvement,
    base_size,
    experienced,
    cohorts,
    pipeline,
    enabling,
    enabling_pipeline,
    support_target,
    skill,
    practice,
    safety,
    debt,
    morale,
    standards,
    partnership,
    clarity,
    self_service,
    innovation,
    innovation_stream,
    trust,
    seen_delivered,
    seen_demand,
):
    """Run steps 5-8 of the week once the items have flowed: capabilities, people, trust, value.

    Updates every stock it is given in place (capabilities, people, trust, perception).

    Returns:
        ``(world, team, leavers, offers, enabling_offers)``: the measures named by
        ``WORLD_MEASURES``, ``(measures, worlds)``, and by ``TEAM_MEASURES``,
        ``(measures, worlds, teams)``; the week's leavers per team; its offers per team and
        for the enabling pool.
    """
    # The rules, each a one-element array (sim.model.compiled.record), read by their names.
    o = operating[0]
    wr = workforce[0]
    lr = leadership[0]
    c = capability[0]
    worlds, teams = experienced.shape
    headcount = experienced + cohorts.sum(axis=2)
    people = np.maximum(headcount, 1e-9)

    # 5. Capabilities after the week: what the week's work and the investments put in.
    feature_days = out[Out.SHARE_FEATURE] * out[Out.AVAILABLE] * effort  # the people's days
    debt[:] = cap.debt_after(debt, feature_days, improve_days * c.debt_share, excess, standards[:, None], c)
    per_person = improve_days / (wf.WORKING_DAYS * people)
    coaching = coached(enabling, people, week, stream, o, c)
    invest = c.investment_gain
    tools = invest * (lv[:, _PRACTICE] + lv[:, _TOOLING] * people_mean(skill, people))
    practice[:] = cap.grown(
        practice,
        per_person * c.automation_share + coaching + tools[:, None],
        c.practice_gain,
        cap.decay(c.practice_half_life),
    )
    learning = 1.0 - c.debt_share - c.automation_share
    skill[:] = cap.grown(
        skill,
        per_person * learning + coaching + invest * lv[:, _TRAINING][:, None],
        c.skill_gain,
        cap.decay(c.skill_half_life),
    )
    standards[:] = cap.grown(standards, invest * lv[:, _ARCHITECTURE], 1.0, cap.decay(c.standards_half_life))
    safety[:] = cap.grown(safety, invest * lv[:, _CULTURE][:, None], 1.0, cap.decay(c.safety_half_life))
    partnership[:] = cap.grown(
        partnership, invest * lv[:, _GOVERNANCE], 1.0, cap.decay(c.partnership_half_life)
    )
    clarity[:] = cap.grown(clarity, invest * lv[:, _STRATEGY_WORK], 1.0, cap.decay(c.clarity_half_life))
    if has_platform:
        build = improve_days[:, stream:].sum(axis=1) / wf.WORKING_DAYS / people[:, :stream].sum(axis=1)
        self_service[:] = cap.grown(self_service, build, c.platform_gain, cap.decay(c.platform_half_life))
    unplanned = out[Out.SHARE_INCIDENT] + out[Out.SHARE_REWORK]
    morale[:] = cap.morale_after(morale, excess, unplanned, safety, c)

    # Experiments: each one run is a bet that becomes an innovation with the chance that
    # innovation capability and strategic clarity give; innovations bring value while they last.
    experiments = experiment_days.sum(axis=1) / mean_experiment
    innovations = experiments * innovation * (0.5 + 0.5 * clarity)
    innovation_stream *= math.exp(-1.0 / o.innovation_life_weeks)
    innovation_stream += innovations * o.innovation_share * revenue_at_stake * 1000.0 / 52.0
    stream_people = people[:, :stream].sum(axis=1)
    innovation[:] = cap.grown(
        innovation, experiments / stream_people, c.innovation_gain, cap.decay(c.innovation_half_life)
    )

    # 6. People leave; leadership staffs every team towards its target, moving people to the
    # platform and enabling teams or hiring them.
    p_leave = wf.attrition_probability(
        morale,
        felt_pressure,
        wr.weekly_hazard,
        wr.attrition_morale,
        wr.attrition_pressure,
        wr.normal_pressure,
    )
    p_leave = 1.0 - (1.0 - p_leave) * (1.0 - lv[:, _PEOPLE_LOSS][:, None])
    leavers = wf.draw_leavers(keys, ctr, np.floor(headcount + 1e-9), p_leave)
    headcount_before = np.maximum(headcount, 1e-9)
    experienced_left = wf.leave(experienced, cohorts, leavers)
    # Experienced leavers take what they knew of the system with them.
    skill *= 1.0 - wr.knowledge_loss * np.minimum(experienced_left / headcount_before, 1.0)
    # Coaches leave at the base rate (their morale is not followed).
    enabling *= (1.0 - (-math.expm1(-wr.weekly_hazard))) * (1.0 - lv[:, _PEOPLE_LOSS])
    offers, enabling_offers = wf.staff(
        lv[:, _HEADCOUNT],
        lv[:, _PLATFORM],
        lv[:, _ENABLING],
        lv[:, _STAFF_FROM_STREAMS],
        np.minimum(lv[:, _BUDGET], 1.0),
        stream,
        wr.move_share_max,
        wr.knowledge_loss,
        base_size,
        experienced,
        cohorts,
        pipeline,
        enabling,
        enabling_pipeline,
        support_target,
        skill,
    )

    # 7. Business units judge IT by their own experience: how long their requests wait and
    # how often their teams' changes fail.
    backlog_age = out[Out.BACKLOG_AGE]
    age = np.where(np.isnan(backlog_age), 0.0, backlog_age)  # nan: nothing waiting
    wait = per_unit(age[:, :stream], unit_of, units) / teams_per_unit
    deploys = per_unit(out[Out.DEPLOYS][:, :stream], unit_of, units)
    failures = per_unit(out[Out.FAILURES][:, :stream], unit_of, units)
    failure_rate = np.where(deploys > 0, failures / np.maximum(deploys, 1.0), 0.0)
    felt = (1.0 - o.failure_distrust * failure_rate) / (1.0 + wait / o.tolerable_wait_days)
    trust += (felt - trust) * (1.0 - math.exp(-1.0 / o.trust_weeks))

    # 1'. What leadership will see next week: features delivered and features requested, delayed.
    seen = lead.smoothing(lr.perception_weeks)
    seen_delivered[:] = lead.perceive(seen_delivered, out[Out.FINISHED_FEATURE].sum(axis=1), seen)
    seen_demand[:] = lead.perceive(seen_demand, arrived_feature, seen)

    # 8. Value and cost.
    value = out[Out.VALUE_DELIVERED].sum(axis=1) + innovation_stream
    staff_now = people.sum(axis=1) + enabling
    cost = staff_now * o.cost_per_person_week + out[Out.RESTORED].sum(axis=1) * o.cost_per_incident

    # The week's measures.
    debt_ratio = cap.effort(debt, c.debt_doubling) - 1.0
    cognitive_load = effort / (debt_ratio + 1.0) - 1.0
    now = experienced + cohorts.sum(axis=2)
    world = np.empty((len(WORLD_MEASURES), worlds))
    for k, row in enumerate(
        (
            arrived_feature,
            people_mean(morale, now),
            debt_ratio[:, :stream].sum(axis=1) / stream,
            cognitive_load[:, :stream].sum(axis=1) / stream,
            staff_now,
            pressure,
            improvement,
            all_days.sum(axis=1),
            work_days.sum(axis=1),
            (improve_days + programme_days).sum(axis=1),
            experiment_days.sum(axis=1),
            experiments,
            innovations,
            innovation_stream,
            innovation,
            partnership,
            clarity,
            gap,
            value,
            cost,
            value - cost,
            trust.sum(axis=1) / units,
            debt[:, :stream].sum(axis=1) / stream,
            people_mean(practice, now),
            people_mean(skill, now),
            standards,
            people_mean(safety, now),
            self_service,
            np.ascontiguousarray(lv[:, _THEATRE]),  # reported alignment it buys; it changes nothing real
        )
    ):
        world[k] = row
    team = np.empty((len(TEAM_MEASURES), worlds, teams))
    for k, grid in enumerate((now, skill, practice, debt_ratio, safety, morale)):
        team[k] = grid
    team[6] = np.where(is_stream, self_service[:, None], 0.0)
    team[7] = cognitive_load
    team[8] = coaching
    return world, team, leavers, offers, enabling_offers

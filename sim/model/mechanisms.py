"""The week's mechanisms: their arithmetic, compiled with numba.

A week runs these mechanisms in this order, each a function below that takes
arrays and returns new ones; beside each, the feedback loops of
``docs/model.md`` it takes part in:

* ``week_context``  quantities every mechanism of the week reads
* ``arrivals``      demand arrivals; burnout and attrition (leavers, hiring)
* ``capacity``      work harder, burnout (via morale), platform leverage (load)
* ``allocate``      capability trap (pressure crowds out improvement), firefighting
* ``flow``          demand, backlog, WIP, context switching, queueing
* ``quality``       deploys, change failures, incidents, restore; firefighting
* ``debt``          debt accrual and paydown
* ``learning``      work smarter, learning culture, enabling teams
* ``culture``       safety and the blame response to firefighting
* ``people``        morale, attrition, hiring and ramp-up (burnout and attrition)
* ``platform``      platform maturity, adoption, architecture standards
* ``business``      value, trust, shadow IT, partnership, strategy, theatre
* ``innovation``    experiments and innovations

``sim.model.model.OrgModel`` holds the state, the agents and the random generators.
A week is three compiled calls, ``start_week``, ``mid_week`` and ``end_week``,
split where the model draws: each returns the rates of the next draw, and the
model passes the counts (and the capacity noise) to the next call.

Why compiled: at a dozen teams a week is a few hundred array operations on a
dozen numbers each. In numpy every one is a call of about a microsecond, so a
default run's time was Python's per-call cost, not arithmetic; compiled, the
week's arithmetic takes a few microseconds, and each call costs about as much
again to pass its arrays. So the state travels in a few stacked arrays, a row
per variable, whose rows this module names (``TEAM`` lists the rows of
``team``, and ``Team.SKILL`` is the row of ``"skill"``):

* ``team``: ``(len(TEAM), worlds, teams)``, the stream-aligned teams;
* ``unit``: ``(len(UNIT), worlds, units)``, the business units;
* ``org``: ``(len(ORG), worlds, 1)``, organisation-level state;
* ``week``: ``(len(WEEK), worlds, teams)`` and ``week_org``:
  ``(len(WEEK_ORG), worlds, 1)``, the quantities of the week;
* ``levers``: ``(len(LEVERS), worlds, 1)``, the week's levers (``Lever``);
* ``params``: :func:`params_record`'s one-element structured array, read as
  ``p = params[0]``; ``p.batch_max`` and so on are the ``Params`` fields.

Organisation values are ``(worlds, 1)`` columns, so they broadcast against team
and unit arrays. The segments write the state in place; the functions they call
return new arrays. Division follows numpy's rules (``error_model="numpy"``);
the model's guards keep denominators away from zero.

The functions compile on first use, in about 40 seconds, and numba caches the
machine code next to this file (``cache=True``): later processes load it in
well under a second. ``make setup`` compiles them once. The layouts of the
stacked arrays live here, so that any change to them changes this file and
with it the cache.
"""

from __future__ import annotations

import dataclasses
import math
from enum import IntEnum

import numpy as np

from sim.model.compiled import cache_guard, jit, numba
from sim.model.levers import LEVER_NAMES, STAFFING_LEVERS
from sim.model.params import Params

DAYS_PER_WEEK = 7.0


def _rows(name: str, names: tuple[str, ...]) -> type[IntEnum]:
    """Name the rows of a stacked array: ``_rows("Team", TEAM).SKILL`` is the row of ``"skill"``."""
    return IntEnum(name, [row.upper() for row in names], start=0)


TEAM = (
    "people",
    "novices",
    "skill",
    "practice",
    "debt",
    "safety",
    "morale",
    "backlog",
    "wip",
    "adoption",
    "lessons",
    "unplanned",
    "throughput",
    "demand_rate",
)
Team = _rows("Team", TEAM)

UNIT = ("trust", "shadow", "satisfaction", "requested")
Unit = _rows("Unit", UNIT)

ORG = (
    "partnership",
    "perceived",
    "theatre_stock",
    "clarity",
    "standards",
    "climate",
    "platform_maturity",
    "capability",
    "innovation_stream",
    "pressure",
)
Org = _rows("Org", ORG)

WEEK = (
    "debt_norm",
    "arch_q",
    "exec",
    "effort",
    "shadow",
    "requested",
    "vacancies",
    "arrivals",
    "diverted",
    "leavers",
    "hires",
    "load",
    "overload",
    "capacity",
    "unplanned",
    "utilisation",
    "improvement",
    "experiments",
    "features",
    "tail",
    "done",
    "active",
    "batch",
    "deploy_rate",
    "cfr",
    "experiments_run",
    "failures",
    "incidents",
    "innovations",
    "ttr",
    "lead_time",
    "firefight",
    "team_value",
)
Week = _rows("Week", WEEK)

WEEK_ORG = ("focus", "value_it", "value_shadow", "value")
WeekOrg = _rows("WeekOrg", WEEK_ORG)

# The levers the dynamics read: all but those that set staffing, which the model reads.
LEVERS = tuple(name for name in LEVER_NAMES if name not in STAFFING_LEVERS)
Lever = _rows("Lever", LEVERS)
# The lever rows come from sim/model/levers.py, whose changes numba's cache of this file does not see.
cache_guard(__file__, LEVERS)


def params_record(params: Params) -> np.ndarray:
    """Return the parameters as a one-element structured array, the form the compiled functions read.

    Args:
        params: The model parameters.

    Returns:
        Shape ``(1,)``, one float64 (or int64) field per ``Params`` field.
    """
    fields = dataclasses.fields(params)
    dtype = np.dtype([(f.name, np.int64 if f.type == "int" else np.float64) for f in fields])
    record = np.array([tuple(getattr(params, f.name) for f in fields)], dtype=dtype)
    # Run as Python (NUMBA_DISABLE_JIT=1), ``params[0].name`` needs a record array; compiled,
    # a plain structured array costs less to pass.
    return record.view(np.recarray) if numba.config.DISABLE_JIT else record


# ---------------------------------------------------------------- helpers
@jit
def clip01(x):
    """Clip to [0, 1]."""
    return np.minimum(np.maximum(x, 0.0), 1.0)


@jit
def hill(x, exponent, half, height):
    """Return a Hill curve of ``x``, normalised to rise from 0 at ``x = 0`` to ``height`` at ``x = 1``.

    ``x^n / (x^n + half^n)``, scaled by ``1 + half^n``: about halfway up at
    ``x = half`` and levelling off above it; a large ``half`` gives back ``x^n``.
    """
    rise = x**exponent
    h = half**exponent
    return (height * (1.0 + h)) * rise / (rise + h)


@jit
def row_sum(x):
    """Sum over the last axis, per world: ``(worlds, k)`` to ``(worlds, 1)``."""
    out = np.zeros((x.shape[0], 1))
    for world in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[world, 0] += x[world, j]
    return out


@jit
def by_unit(units, n_units, x):
    """Sum a ``(worlds, teams)`` array over the teams of each business unit: ``(worlds, units)``."""
    out = np.zeros((x.shape[0], n_units))
    for world in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[world, units[j]] += x[world, j]
    return out


@jit
def debt_norm(params, debt, people):
    """Debt per person, in units of ``debt_scale``."""
    p = params[0]
    return debt / (people * p.debt_scale)


@jit
def productive_people(params, people, novices):
    """People's output in experienced-person equivalents: novices produce less and take mentoring."""
    p = params[0]
    experienced = people - novices
    return np.maximum(experienced - p.mentor_cost * novices + p.novice_productivity * novices, 0.1)


@jit
def improve_share(params, levers, pressure):
    """Share of capacity for improvement: budget plus programmes, up to ``max_improve``, crowded out by pressure."""
    p = params[0]
    planned = np.minimum(
        levers[Lever.IMPROVE_SHARE] * levers[Lever.BUDGET]
        + p.invest_time
        * (
            levers[Lever.ARCHITECTURE_INVESTMENT]
            + levers[Lever.PRACTICE_INVESTMENT]
            + levers[Lever.TRAINING]
            + levers[Lever.CULTURE_INVESTMENT]
        ),
        p.max_improve,
    )
    return planned * (1.0 - p.pressure_crowding * pressure)


@jit
def improvement_split(params, levers):
    """Shares of improvement time for debt, practice and learning work.

    Culture work (retrospectives, blameless reviews) takes the rest; its
    effect is on the climate (``culture``), not on the other stocks.
    """
    p = params[0]
    to_debt = p.split_debt + levers[Lever.ARCHITECTURE_INVESTMENT]
    to_practice = p.split_practice + levers[Lever.PRACTICE_INVESTMENT]
    to_learning = p.split_learning + levers[Lever.TRAINING]
    total = to_debt + to_practice + to_learning + levers[Lever.CULTURE_INVESTMENT]
    total = np.where(total > 0, total, 1.0)
    return to_debt / total, to_practice / total, to_learning / total


@jit
def wip_limit(params, levers, people, effort, ex, focus):
    """WIP limit in changes: weeks of work per person, shrinking with practice, growing with pressure and lost focus."""
    p = params[0]
    accepted = p.wip_max * (1.0 + levers[Lever.WIP_ACCEPT])
    # Geometric interpolation: wip_max with no practice, wip_min with full practice.
    weeks_per_person = (p.wip_min / p.wip_max) ** ex * (
        accepted * (1.0 + p.wip_fragmentation * (1.0 - focus))
    )
    return people / effort * weeks_per_person


@jit
def efficiency(params, wip, effort, people, focus):
    """Share of feature time that is not lost to context switching and fragmented work."""
    p = params[0]
    wip_pp = wip * effort / people
    return 1.0 / (1.0 + p.switch_cost * np.maximum(wip_pp - 1.0, 0.0) + p.fragmentation_cost * (1.0 - focus))


@jit
def morale_target(params, levers, safety, firefight, overload, pressure):
    """Morale a team drifts towards: pressure, disruption, firefighting and overload lower it; safety raises it."""
    p = params[0]
    base = (
        p.morale_base
        - p.morale_pressure * pressure
        - p.morale_disruption * levers[Lever.DISRUPTION]
        - 0.5 * p.morale_safety
    )
    return clip01(base + p.morale_safety * safety - p.morale_firefight * firefight - p.morale_load * overload)


@jit
def experiment_success(params, skill, safety, arch_q, ex, capability):
    """Chance that an experiment ships: it needs skill, safety, architecture and execution."""
    p = params[0]
    foundations = (skill * safety * arch_q * ex) ** p.innovation_gate
    return foundations * (
        p.experiment_success * (p.capability_floor + (1.0 - p.capability_floor) * capability)
    )


@jit
def pressure(params, levers, satisfaction):
    """Leadership answers a delivery gap (unsatisfied business units) with pressure on top of the lever."""
    p = params[0]
    gap = 1.0 - row_sum(satisfaction) / satisfaction.shape[1]
    return clip01(levers[Lever.PRESSURE] + p.gap_pressure * gap)


# -------------------------------------------------------- the mechanisms
@jit
def week_context(
    params, levers, debt, people, practice, skill, adoption, standards, clarity, unit_shadow, units
):
    """Quantities every mechanism of the week reads, from the state at its start.

    Returns:
        Normalised debt, architecture quality, effective execution (practice
        whose payoff the architecture caps), effort per change, strategic
        focus, and each team's business unit's shadow-IT share.
    """
    p = params[0]
    dn = debt_norm(params, debt, people)
    arch_q = standards / (1.0 + dn)
    ex = practice * (p.arch_gate_floor + (1.0 - p.arch_gate_floor) * arch_q)
    # Debt drags, skill, automation and the platform speed a change up.
    effort = (
        p.effort_base
        * (1.0 + p.debt_drag * dn)
        / (p.skill_floor + (1.0 - p.skill_floor) * skill)
        / (1.0 + p.automation_gain * ex)
        / (1.0 + p.platform_speedup * adoption)
    )
    drag = p.priority_drag * (levers[Lever.PRIORITIES] - 1.0)
    focus = 1.0 / (1.0 + drag * (1.0 - clarity))
    return dn, arch_q, ex, effort, focus, unit_shadow[:, units]


@jit
def arrival_rates(params, levers, demand_rate, shadow, people, morale, team_size):
    """Rates of the week's requests, leavers and hires, side by side for one Poisson draw.

    Returns:
        Requested changes per team, open vacancies, and the rates
        ``(worlds, 3 * teams)``: requests that reach IT (the rest go to
        shadow IT), leavers (attrition rises as morale falls) and hires.
    """
    p = params[0]
    requested = demand_rate * levers[Lever.DEMAND]
    rate = np.minimum(
        p.attrition_base * np.exp(p.attrition_morale * (p.morale_base - morale)) + levers[Lever.PEOPLE_LOSS],
        1.0,
    )
    vacancies = np.maximum(team_size * levers[Lever.HEADCOUNT] - people, 0.0)
    hiring = vacancies / p.time_to_hire * np.minimum(levers[Lever.BUDGET], 1.0)
    return requested, vacancies, np.concatenate((requested * (1.0 - shadow), people * rate, hiring), axis=1)


@jit
def arrivals(counts, requested, shadow, people, vacancies):
    """Split the week's first draw into requests, leavers and hires.

    Leavers follow last week's morale; hires fill the vacancies open at the
    start of the week, so leavers are replaced with a lag, as in life.

    Returns:
        Arrivals, demand diverted to shadow IT, leavers and hires.
    """
    n = people.shape[1]
    leavers = np.minimum(counts[:, n : 2 * n], people - 1.0)
    hires = np.minimum(counts[:, 2 * n :], np.rint(vacancies))
    return counts[:, :n], requested * shadow, leavers, hires


@jit
def capacity(params, levers, wip, effort, people, novices, skill, adoption, morale, dn, pressure, normal):
    """Capacity in person-weeks: people, ramp-up, overtime, cognitive load, morale.

    Capacity varies from week to week by a lognormal factor per team, from
    the standard normals ``normal``.

    Returns:
        Cognitive load, overload (load above 1) and capacity.
    """
    p = params[0]
    wip_pp = wip * effort / people
    load = (
        p.load_base
        + p.load_debt * dn
        + p.load_wip * np.maximum(wip_pp - 1.0, 0.0)
        + p.load_handoff * (1.0 - levers[Lever.STREAM_ALIGNMENT])
        + p.load_tooling * levers[Lever.TOOLING] * (1.0 - skill)
    ) * (1.0 - p.platform_relief * adoption)
    overload = np.maximum(load - 1.0, 0.0)
    hours = (
        (1.0 + p.overtime_gain * pressure)
        * (1.0 - p.reorg_disruption * levers[Lever.DISRUPTION])
        * (1.0 - p.theatre_time * levers[Lever.THEATRE])
    )
    cap = (
        productive_people(params, people, novices)
        * (p.morale_floor + (1.0 - p.morale_floor) * morale)
        * np.exp(p.capacity_noise * normal)
        * hours
        / (1.0 + p.overload_penalty * overload)
    )
    return load, overload, cap


@jit
def allocate(params, levers, cap, unplanned, demand_rate, effort, safety, pressure):
    """Split capacity: unplanned first, then improvement, experiments, features.

    Returns:
        Unplanned work done, utilisation, improvement, experiments and feature time.
    """
    p = params[0]
    unplanned_done = np.minimum(unplanned, p.max_unplanned * cap)
    rest = cap - unplanned_done
    utilisation = (demand_rate * levers[Lever.DEMAND] * effort + unplanned) / cap
    slack = clip01(1.0 - utilisation)
    improvement = rest * improve_share(params, levers, pressure)
    transform = levers[Lever.TRANSFORM_SHARE] * levers[Lever.BUDGET]
    experiments = rest * transform * (p.slack_floor + (1.0 - p.slack_floor) * slack) * safety
    features = np.maximum(rest - improvement - experiments, 0.0)
    return unplanned_done, utilisation, improvement, experiments, features


@jit
def flow(
    params, levers, backlog, wip, throughput, arrivals, partnership, features, effort, people, ex, focus
):
    """Demand into backlog, backlog into WIP under a WIP limit, WIP into done.

    Returns:
        Backlog, WIP and smoothed throughput after the week; the long tail,
        work done (tail included) and the active work.
    """
    p = params[0]
    churn = levers[Lever.STRATEGY_CHURN]
    abandon = churn + p.churn_base * (1.0 - partnership)
    backlog = (backlog + arrivals) * (1.0 - churn)
    wip = wip * (1.0 - np.minimum(abandon, 1.0))
    limit = wip_limit(params, levers, people, effort, ex, focus)
    potential = features * efficiency(params, wip, effort, people, focus) / effort
    # Teams start what they can finish this week plus what tops up the WIP limit;
    # pressure raises the limit, so more is started than finished and WIP piles up.
    starts = np.minimum(backlog, potential + np.maximum(limit - wip, 0.0))
    backlog = backlog - starts
    done = np.minimum(wip + starts, potential)
    wip = wip + (starts - done)
    # Capacity left once requested work is done goes to the team's own long tail
    # of smaller ideas, worth less than what the business asked for.
    tail = potential - done
    done = done + tail
    throughput = throughput + p.smoothing * (done - throughput)
    return backlog, wip, throughput, tail, done, wip + done * effort


@jit
def quality_rates(
    params,
    levers,
    done,
    ex,
    arch_q,
    skill,
    lessons,
    safety,
    overload,
    pressure,
    dn,
    shadow,
    people,
    experiments,
    capability,
    team_size,
):
    """Batch size, deploys, change failure rate, and the rates of the week's second draw.

    Returns:
        Batch size, deploy rate, change failure rate, experiments run, and
        the rates ``(worlds, 3 * teams)`` of failed deploys, background
        incidents and experiments that ship.
    """
    p = params[0]
    batch = p.batch_max ** (1.0 - ex)
    deploy_rate = done / batch
    learned = lessons / (1.0 + lessons)
    quality = p.q_practice * ex + p.q_arch * arch_q + p.q_skill * skill + p.q_lessons * learned
    # (1 - quality) scaled up by pressure, overload and large batches (1 - exec).
    amplifier = (1.0 + p.cfr_pressure * pressure + p.cfr_batch) + p.cfr_load * overload - p.cfr_batch * ex
    risk = clip01((1.0 - quality) * amplifier)
    # Convex at first (good practice removes most failures before the last risks), saturating
    # above cfr_half (past a point, more risk adds few failures: most risky changes already fail).
    cfr = p.cfr_min + hill(risk, p.risk_exponent, p.cfr_half, p.cfr_max - p.cfr_min)
    background_rate = p.background_incidents * (1.0 + levers[Lever.SECURITY_EXPOSURE]) / team_size
    background = (dn + p.shadow_exposure * shadow) * people * background_rate
    experiments_run = experiments / p.experiment_effort
    shipping = experiments_run * experiment_success(params, skill, safety, arch_q, ex, capability)
    # Deploys are Poisson and each fails with probability cfr, so by thinning failed deploys
    # are Poisson(deploy_rate * cfr); one draw gives them, the background incidents and
    # the experiments that ship.
    return (
        batch,
        deploy_rate,
        cfr,
        experiments_run,
        np.concatenate((deploy_rate * cfr, background, shipping), axis=1),
    )


@jit
def quality(
    params,
    levers,
    counts,
    batch,
    ex,
    arch_q,
    skill,
    safety,
    effort,
    utilisation,
    wip,
    active,
    throughput,
    done,
    adoption,
):
    """Deploys, change failures, incidents, restore times, rework and lead time.

    ``counts`` is the draw of ``quality_rates``' rates.

    Returns:
        Failures, incidents, innovations, time to restore, next week's
        unplanned work and lead time.
    """
    p = params[0]
    n = ex.shape[1]
    failures = counts[:, :n]
    incidents = failures + counts[:, n : 2 * n]
    restore = p.r_practice * ex + p.r_arch * arch_q + p.r_skill * skill + p.r_safety * safety
    # Log time to restore falls from ttr_max (no restore capability) to ttr_min (full): slowly
    # while capability is partial, fast around ttr_half, then levelling off near ttr_min.
    ttr = np.exp(
        math.log(p.ttr_max) - hill(restore, p.ttr_shape, p.ttr_half, math.log(p.ttr_max / p.ttr_min))
    )
    unplanned = incidents * ttr * (p.incident_staff / p.hours_per_week) + failures * batch * (
        effort * p.rework_share
    )
    u = np.minimum(utilisation, p.max_utilisation)
    # Little's law: changes in progress over throughput; a change then waits for its
    # batch to deploy, and queues at handoffs as u / (1 - u) (Kingman).
    # A change's own hours of work count only as lead_work_share of them: DORA's lead
    # time runs from commit to production, and the work comes before the commit.
    in_progress = (wip + p.lead_work_share * (active - wip)) / np.maximum(throughput, 1e-3)
    # A finished change waits for the rest of its batch: (batch - 1) / 2 completions on
    # average, none when every change deploys on its own (on demand).
    deploy_wait = np.minimum(0.5 * (batch - 1.0) / np.maximum(done, 1e-9), p.max_wait_days / DAYS_PER_WEEK)
    handoff = p.handoff_days * (1.0 - p.handoff_alignment * levers[Lever.STREAM_ALIGNMENT])
    queue = handoff * (1.0 - p.handoff_platform * adoption) * u / (1.0 - u)
    lead_time = (in_progress + deploy_wait) * DAYS_PER_WEEK + queue
    return failures, incidents, counts[:, 2 * n :], ttr, unplanned, lead_time


@jit
def debt(params, debt, done, people, shadow, unplanned, cap, skill, improvement, pressure, standards, share):
    """Debt accrues with each change and with age; improvement time pays it down.

    Returns:
        Debt after the week and firefighting (unplanned work's share of capacity).
    """
    p = params[0]
    firefight = unplanned / cap
    per_change = (
        p.debt_per_change
        * (1.0 + p.debt_pressure * pressure + p.debt_firefight * firefight)
        * (1.0 - p.debt_standards * standards)
        * (1.0 + p.debt_skill * (1.0 - skill))
    )
    paydown = improvement * share * (p.paydown_floor + (1.0 - p.paydown_floor) * standards)
    stock = debt + done * per_change + p.debt_entropy * people + p.shadow_debt * shadow - paydown
    return np.maximum(stock, 0.0), firefight


@jit
def learning(
    params,
    levers,
    practice,
    skill,
    lessons,
    safety,
    people,
    improvement,
    practice_share,
    learning_share,
    coached,
    pressure,
    failures,
):
    """Practice and skill grow with improvement time, coaching and safety; both erode.

    Returns:
        Practice, skill and lessons learnt after the week.
    """
    p = params[0]
    culture = p.safety_floor + (1.0 - p.safety_floor) * safety
    coaching = coached * p.coach_gain
    gate = skill**p.skill_gate
    practice_time = improvement * practice_share / people + coaching
    practice = practice + (
        (p.practice_learn * practice_time * culture + p.tooling_gain * levers[Lever.TOOLING])
        * gate
        * (1.0 - practice)
        - p.practice_decay * (1.0 + p.pressure_erosion * pressure) * practice
    )
    learning_time = improvement * learning_share / people + coaching + p.on_job_learning
    skill = skill + (p.skill_learn * learning_time * culture * (1.0 - skill) - p.skill_decay * skill)
    lessons = lessons * (1.0 - p.lessons_decay) + p.postmortem_gain * failures * safety
    return clip01(practice), clip01(skill), lessons


@jit
def culture(params, levers, safety, climate, pressure, firefight):
    """Culture climate grows with investment, erodes with pressure; firefighting under blame erodes safety.

    Returns:
        Climate and safety after the week.
    """
    p = params[0]
    climate = climate + (
        p.culture_rate * levers[Lever.CULTURE_INVESTMENT] * (1.0 - climate)
        - p.culture_erosion * pressure * climate
    )
    safety = safety + (
        p.safety_rate * (climate - safety) - p.blame_rate * (1.0 - climate) * firefight * safety
    )
    return climate, clip01(safety)


@jit
def people(
    params, levers, morale, skill, novices, people, leavers, hires, safety, firefight, overload, pressure
):
    """Morale follows pressure, firefighting, load and safety; leavers take knowledge, hires ramp up.

    Returns:
        Morale, skill, people and novices after the week.
    """
    p = params[0]
    target = morale_target(params, levers, safety, firefight, overload, pressure)
    morale = morale + (target - morale) / p.morale_tau
    share_left = leavers / people
    skill = skill * (1.0 - np.minimum(p.knowledge_loss * share_left, 1.0))
    novices = novices * (1.0 - share_left)
    stay = people - leavers
    skill = (skill * stay + p.novice_skill * hires) / (stay + hires)
    novices = (novices + hires) * (1.0 - 1.0 / p.ramp_weeks)
    return morale, skill, stay + hires, novices


@jit
def platform(params, levers, platform_people, people, maturity, adoption, standards, pressure, shadow_bu):
    """Platform maturity is built by platform people; adoption needs standards; standards need investment.

    Returns:
        Platform maturity, adoption and standards after the week.
    """
    p = params[0]
    std_gate = p.standards_floor + (1.0 - p.standards_floor) * standards
    per_person = row_sum(platform_people) / row_sum(people)
    maturity = maturity + (
        p.platform_build * per_person * std_gate * (1.0 - maturity) - p.platform_decay * maturity
    )
    adoption = adoption + p.adoption_rate * (maturity * std_gate - adoption)
    erosion = p.standards_erosion * (pressure + row_sum(shadow_bu) / shadow_bu.shape[1])
    standards = standards + (
        p.standards_rate * levers[Lever.ARCHITECTURE_INVESTMENT] * (1.0 - standards) - erosion * standards
    )
    return maturity, adoption, clip01(standards)


@jit
def business(
    params,
    levers,
    units,
    done,
    tail,
    incidents,
    ttr,
    lead_time,
    diverted,
    requested,
    teams,
    satisfaction,
    trust,
    shadow,
    partnership,
    perceived,
    clarity,
    theatre_stock,
    focus,
):
    """Value of delivered work, business-unit trust and shadow IT, partnership, strategy and theatre.

    Returns:
        Satisfaction, trust and shadow IT per unit; partnership, clarity,
        theatre and perceived alignment; each team's value, IT's value and
        shadow IT's value.
    """
    p = params[0]
    n_units = satisfaction.shape[1]
    fit = p.fit_floor + (1.0 - p.fit_floor) * (
        p.fit_partnership * partnership + (1.0 - p.fit_partnership) * clarity * focus
    )
    team_value = (done - (1.0 - p.tail_value) * tail) * p.value_per_change * fit
    requested = requested * levers[Lever.DEMAND]
    served = by_unit(units, n_units, done - tail) / np.maximum(requested * (1.0 - shadow), 1e-9)
    outage = by_unit(units, n_units, incidents * ttr) / p.hours_per_week
    lead = by_unit(units, n_units, lead_time) / teams
    responsive = 1.0 / (1.0 + lead / p.patience_days)
    satisfaction = satisfaction + p.smoothing * (np.minimum(served, 1.0) * responsive - satisfaction)
    target = clip01(
        p.trust_satisfaction * satisfaction
        + p.trust_partnership * partnership
        - p.trust_incidents * outage / teams
    )
    trust = trust + (target - trust) / p.trust_tau
    gap = trust - p.shadow_threshold
    shadow = clip01(
        shadow
        + (
            p.shadow_rate * np.maximum(-gap, 0.0) * (1.0 - shadow)
            - p.shadow_reabsorb * np.maximum(gap, 0.0) * shadow
        )
    )
    shadow_value = p.shadow_value * p.value_per_change * fit * row_sum(diverted)
    # Reported alignment above the real thing makes leaders ease off real joint planning.
    complacency = 1.0 - p.theatre_complacency * (perceived - partnership)
    partnership = partnership + (
        p.partner_rate
        * levers[Lever.GOVERNANCE]
        * complacency
        * (row_sum(trust) / n_units)
        * (1.0 - partnership)
        - p.partner_decay * partnership
    )
    clarity = clip01(
        clarity
        + (
            p.clarity_rate
            * (levers[Lever.STRATEGY_WORK] + p.clarity_partnership * partnership)
            * (1.0 - clarity)
            - (p.clarity_decay + levers[Lever.STRATEGY_CHURN]) * clarity
        )
    )
    theatre_stock = theatre_stock + (
        p.theatre_rate * levers[Lever.THEATRE] * (1.0 - theatre_stock) - p.theatre_decay * theatre_stock
    )
    perceived = partnership + p.theatre_gain * theatre_stock * (1.0 - partnership)
    return (
        satisfaction,
        trust,
        shadow,
        partnership,
        clarity,
        theatre_stock,
        perceived,
        team_value,
        row_sum(team_value),
        shadow_value,
    )


@jit
def innovation(params, stream, capability, innovations, experiments_run, people, value_it, value_shadow):
    """Shipped innovations add a lasting value stream; experimenting builds the capability.

    Returns:
        The innovation value stream, capability, and the week's total value.
    """
    p = params[0]
    stream = stream * (1.0 - p.innovation_decay) + row_sum(innovations) * p.innovation_value
    capability = capability + (
        p.capability_rate * row_sum(experiments_run) / row_sum(people) * (1.0 - capability)
        - p.capability_decay * capability
    )
    return stream, clip01(capability), value_it + value_shadow + stream


# ------------------------------------------------------------ the week
@jit
def _begin(params, levers, team, unit, org, week, week_org, units):
    """Pressure and the week's context, from the state at the start of the week."""
    org[Org.PRESSURE] = pressure(params, levers, unit[Unit.SATISFACTION])
    (
        week[Week.DEBT_NORM],
        week[Week.ARCH_Q],
        week[Week.EXEC],
        week[Week.EFFORT],
        week_org[WeekOrg.FOCUS],
        week[Week.SHADOW],
    ) = week_context(
        params,
        levers,
        team[Team.DEBT],
        team[Team.PEOPLE],
        team[Team.PRACTICE],
        team[Team.SKILL],
        team[Team.ADOPTION],
        org[Org.STANDARDS],
        org[Org.CLARITY],
        unit[Unit.SHADOW],
        units,
    )


@jit
def start_state(params, levers, team, unit, org, week, week_org, units, load):
    """Start near the organisation's working state and set each team's demand from its capacity.

    WIP starts at the WIP limit (scaled by the load), morale at its target
    without firefighting, and each team's demand is the organisation's load
    times the feature throughput it would have in that state.
    """
    _begin(params, levers, team, unit, org, week, week_org, units)
    ex, effort, focus, pressure_ = (
        week[Week.EXEC],
        week[Week.EFFORT],
        week_org[WeekOrg.FOCUS],
        org[Org.PRESSURE],
    )
    team[Team.WIP] = wip_limit(params, levers, team[Team.PEOPLE], effort, ex, focus) * min(load, 1.0)
    zeros = np.zeros_like(team[Team.WIP])
    team[Team.MORALE] = morale_target(params, levers, team[Team.SAFETY], zeros, zeros, pressure_)
    cap = capacity(
        params,
        levers,
        team[Team.WIP],
        effort,
        team[Team.PEOPLE],
        team[Team.NOVICES],
        team[Team.SKILL],
        team[Team.ADOPTION],
        team[Team.MORALE],
        week[Week.DEBT_NORM],
        pressure_,
        zeros,
    )[2]
    features = cap * (1.0 - improve_share(params, levers, pressure_) - levers[Lever.TRANSFORM_SHARE])
    team[Team.THROUGHPUT] = (
        features * efficiency(params, team[Team.WIP], effort, team[Team.PEOPLE], focus) / effort
    )
    team[Team.DEMAND_RATE] = load * team[Team.THROUGHPUT]


@jit
def start_week(params, levers, team, unit, org, week, week_org, units, team_size):
    """Pressure, the week's context, and the rates of its first draw (requests, leavers, hires)."""
    _begin(params, levers, team, unit, org, week, week_org, units)
    week[Week.REQUESTED], week[Week.VACANCIES], rates = arrival_rates(
        params,
        levers,
        team[Team.DEMAND_RATE],
        week[Week.SHADOW],
        team[Team.PEOPLE],
        team[Team.MORALE],
        team_size,
    )
    return rates


@jit
def mid_week(params, levers, team, org, week, week_org, counts, normal, team_size):
    """Arrivals, capacity, allocation, flow, and the rates of the week's second draw (failures, incidents, innovations)."""
    week[Week.ARRIVALS], week[Week.DIVERTED], week[Week.LEAVERS], week[Week.HIRES] = arrivals(
        counts, week[Week.REQUESTED], week[Week.SHADOW], team[Team.PEOPLE], week[Week.VACANCIES]
    )
    week[Week.LOAD], week[Week.OVERLOAD], week[Week.CAPACITY] = capacity(
        params,
        levers,
        team[Team.WIP],
        week[Week.EFFORT],
        team[Team.PEOPLE],
        team[Team.NOVICES],
        team[Team.SKILL],
        team[Team.ADOPTION],
        team[Team.MORALE],
        week[Week.DEBT_NORM],
        org[Org.PRESSURE],
        normal,
    )
    (
        week[Week.UNPLANNED],
        week[Week.UTILISATION],
        week[Week.IMPROVEMENT],
        week[Week.EXPERIMENTS],
        week[Week.FEATURES],
    ) = allocate(
        params,
        levers,
        week[Week.CAPACITY],
        team[Team.UNPLANNED],
        team[Team.DEMAND_RATE],
        week[Week.EFFORT],
        team[Team.SAFETY],
        org[Org.PRESSURE],
    )
    (
        team[Team.BACKLOG],
        team[Team.WIP],
        team[Team.THROUGHPUT],
        week[Week.TAIL],
        week[Week.DONE],
        week[Week.ACTIVE],
    ) = flow(
        params,
        levers,
        team[Team.BACKLOG],
        team[Team.WIP],
        team[Team.THROUGHPUT],
        week[Week.ARRIVALS],
        org[Org.PARTNERSHIP],
        week[Week.FEATURES],
        week[Week.EFFORT],
        team[Team.PEOPLE],
        week[Week.EXEC],
        week_org[WeekOrg.FOCUS],
    )
    week[Week.BATCH], week[Week.DEPLOY_RATE], week[Week.CFR], week[Week.EXPERIMENTS_RUN], rates = (
        quality_rates(
            params,
            levers,
            week[Week.DONE],
            week[Week.EXEC],
            week[Week.ARCH_Q],
            team[Team.SKILL],
            team[Team.LESSONS],
            team[Team.SAFETY],
            week[Week.OVERLOAD],
            org[Org.PRESSURE],
            week[Week.DEBT_NORM],
            week[Week.SHADOW],
            team[Team.PEOPLE],
            week[Week.EXPERIMENTS],
            org[Org.CAPABILITY],
            team_size,
        )
    )
    return rates


@jit
def end_week(
    params, levers, team, unit, org, week, week_org, counts, units, teams_per_unit, coached, platform_people
):
    """Quality from the second draw, then debt, learning, culture, people, platform, business and innovation."""
    (
        week[Week.FAILURES],
        week[Week.INCIDENTS],
        week[Week.INNOVATIONS],
        week[Week.TTR],
        team[Team.UNPLANNED],
        week[Week.LEAD_TIME],
    ) = quality(
        params,
        levers,
        counts,
        week[Week.BATCH],
        week[Week.EXEC],
        week[Week.ARCH_Q],
        team[Team.SKILL],
        team[Team.SAFETY],
        week[Week.EFFORT],
        week[Week.UTILISATION],
        team[Team.WIP],
        week[Week.ACTIVE],
        team[Team.THROUGHPUT],
        week[Week.DONE],
        team[Team.ADOPTION],
    )
    to_debt, to_practice, to_learning = improvement_split(params, levers)
    team[Team.DEBT], week[Week.FIREFIGHT] = debt(
        params,
        team[Team.DEBT],
        week[Week.DONE],
        team[Team.PEOPLE],
        week[Week.SHADOW],
        week[Week.UNPLANNED],
        week[Week.CAPACITY],
        team[Team.SKILL],
        week[Week.IMPROVEMENT],
        org[Org.PRESSURE],
        org[Org.STANDARDS],
        to_debt,
    )
    team[Team.PRACTICE], team[Team.SKILL], team[Team.LESSONS] = learning(
        params,
        levers,
        team[Team.PRACTICE],
        team[Team.SKILL],
        team[Team.LESSONS],
        team[Team.SAFETY],
        team[Team.PEOPLE],
        week[Week.IMPROVEMENT],
        to_practice,
        to_learning,
        coached,
        org[Org.PRESSURE],
        week[Week.FAILURES],
    )
    org[Org.CLIMATE], team[Team.SAFETY] = culture(
        params, levers, team[Team.SAFETY], org[Org.CLIMATE], org[Org.PRESSURE], week[Week.FIREFIGHT]
    )
    team[Team.MORALE], team[Team.SKILL], team[Team.PEOPLE], team[Team.NOVICES] = people(
        params,
        levers,
        team[Team.MORALE],
        team[Team.SKILL],
        team[Team.NOVICES],
        team[Team.PEOPLE],
        week[Week.LEAVERS],
        week[Week.HIRES],
        team[Team.SAFETY],
        week[Week.FIREFIGHT],
        week[Week.OVERLOAD],
        org[Org.PRESSURE],
    )
    org[Org.PLATFORM_MATURITY], team[Team.ADOPTION], org[Org.STANDARDS] = platform(
        params,
        levers,
        platform_people,
        team[Team.PEOPLE],
        org[Org.PLATFORM_MATURITY],
        team[Team.ADOPTION],
        org[Org.STANDARDS],
        org[Org.PRESSURE],
        unit[Unit.SHADOW],
    )
    (
        unit[Unit.SATISFACTION],
        unit[Unit.TRUST],
        unit[Unit.SHADOW],
        org[Org.PARTNERSHIP],
        org[Org.CLARITY],
        org[Org.THEATRE_STOCK],
        org[Org.PERCEIVED],
        week[Week.TEAM_VALUE],
        week_org[WeekOrg.VALUE_IT],
        week_org[WeekOrg.VALUE_SHADOW],
    ) = business(
        params,
        levers,
        units,
        week[Week.DONE],
        week[Week.TAIL],
        week[Week.INCIDENTS],
        week[Week.TTR],
        week[Week.LEAD_TIME],
        week[Week.DIVERTED],
        unit[Unit.REQUESTED],
        teams_per_unit,
        unit[Unit.SATISFACTION],
        unit[Unit.TRUST],
        unit[Unit.SHADOW],
        org[Org.PARTNERSHIP],
        org[Org.PERCEIVED],
        org[Org.CLARITY],
        org[Org.THEATRE_STOCK],
        week_org[WeekOrg.FOCUS],
    )
    org[Org.INNOVATION_STREAM], org[Org.CAPABILITY], week_org[WeekOrg.VALUE] = innovation(
        params,
        org[Org.INNOVATION_STREAM],
        org[Org.CAPABILITY],
        week[Week.INNOVATIONS],
        week[Week.EXPERIMENTS_RUN],
        team[Team.PEOPLE],
        week_org[WeekOrg.VALUE_IT],
        week_org[WeekOrg.VALUE_SHADOW],
    )

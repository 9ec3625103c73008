"""People: a hiring pipeline with a lag, novices who ramp up and take mentors' time, coordination, attrition.

What a team can do in a week starts from its people, and people are not
interchangeable units of capacity:

* **Hiring lag.** An offer made this week brings a person ``hiring_lag_weeks``
  later: the pipeline is a fixed delay of that many weekly slots.
* **Ramp-up.** A new hire works at ``novice_output`` of an experienced person's
  output in their first week, rising linearly to full output after
  ``ramp_weeks``; until then they are counted by cohort (weeks since they
  joined), and after it they join the experienced.
* **Mentoring.** Each novice takes ``mentoring_share`` of an experienced
  person's week when they join, falling linearly to nothing as they ramp up, so
  hiring costs output before it adds any (Brooks 1975, *The Mythical
  Man-Month*: "adding manpower to a late software project makes it later").
* **Coordination.** Each person spends ``coordination_per_peer`` of their week
  per teammate on coordination (Brooks's n(n-1)/2 communication paths: n-1 per
  person), so a team of 15 delivers less than one and a half teams of 10.
  Team Topologies (Skelton & Pais 2019) keeps teams to 5-9 people for this
  reason.
* **Attrition.** Each person leaves in a week with a probability that starts
  from the published annual rate (``attrition_annual``) and rises as morale
  falls and pressure rises above the policy's normal; novices and experienced
  people leave alike.

The rest of the model reads :func:`capacity`'s person-days and its overhead
shares (onboarding, coordination); :func:`draw_leavers` draws who leaves with
:func:`attrition_probability`, from each team's own random stream. Arrays have a
row per world and a column per team, ``(worlds, teams)``; cohorts and the
pipeline add a last axis of weekly slots.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.compiled import cache_guard, jit
from sim.model.flow.rng import Stream, uniform
from sim.model.schema import spec, validate_fields

WORKING_DAYS = 5.0  # days a person works in a week
# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())


@dataclass(frozen=True)
class WorkforceRules:
    """How people join, ramp up, coordinate and leave.

    Defaults are published figures where one exists (the source in each field's
    doc) and stated assumptions otherwise, to be fitted by the calibration.
    """

    hiring_lag_weeks: int = spec(
        0,
        52,
        default=8,
        unit="weeks",
        doc="From the decision to hire to the first day: time to fill of about six weeks "
        "(SHRM human-capital benchmarks, 42 days) plus notice; assumption within that range.",
    )
    ramp_weeks: int = spec(
        1,
        104,
        default=13,
        unit="weeks",
        doc="Weeks until a new hire delivers as much as an experienced person (three months, within "
        "the three to six months commonly reported; assumption).",
    )
    novice_output: float = spec(
        0,
        1,
        default=0.25,
        unit="share",
        doc="A new hire's output in their first week, relative to an experienced person's (assumption).",
    )
    mentoring_share: float = spec(
        0,
        1,
        default=0.2,
        unit="share per novice",
        doc="Share of an experienced person's week a new hire takes in their first week, falling to "
        "nothing as they ramp up (assumption).",
    )
    coordination_per_peer: float = spec(
        0,
        0.05,
        default=0.01,
        unit="share per teammate",
        doc="Share of a person's week spent coordinating per teammate: 7% in a team of 8, 14% in a "
        "team of 15 (assumption after Brooks 1975).",
    )
    novice_skill: float = spec(
        0,
        1,
        default=0.3,
        unit="0-1",
        doc="Skill a new hire brings to the team's code (assumption: they know the trade, not the system).",
    )
    move_share_max: float = spec(
        0,
        1,
        default=0.5,
        unit="share per week",
        doc="Most of the stream-aligned teams' experienced people that leadership moves to platform "
        "and enabling teams in one week (assumption: it keeps every stream-aligned team staffed).",
    )
    knowledge_loss: float = spec(
        0,
        1,
        default=0.5,
        unit="share",
        doc="Share of its skill a team loses per share of its experienced people who leave (what "
        "they knew of the system goes with them; assumption).",
    )
    attrition_annual: float = spec(
        0,
        0.9,
        default=0.13,
        unit="share per year",
        doc="Voluntary attrition of IT staff at normal morale and pressure (about 13% a year in the "
        "technology sector: LinkedIn Talent Solutions 2018).",
    )
    attrition_morale: float = spec(
        0,
        10,
        default=2.0,
        unit="1",
        doc="Log-hazard of leaving per unit of morale below 0.5 (assumption).",
    )
    attrition_pressure: float = spec(
        0,
        10,
        default=1.0,
        unit="1",
        doc="Hazard of leaving added per unit of pressure above the policy's normal, as a multiple "
        "of the base hazard (assumption).",
    )
    normal_pressure: float = spec(
        0,
        1,
        default=0.3,
        unit="1",
        doc="Pressure that adds no attrition: the neutral policy's (the pressure lever's default).",
    )

    def __post_init__(self) -> None:
        validate_fields(self)

    @property
    def weekly_hazard(self) -> float:
        """Weekly hazard of leaving at normal morale and pressure, so that a year compounds to ``attrition_annual``."""
        return -math.log1p(-self.attrition_annual) / 52.0


@jit
def novice_output(ramp_weeks, first_week_output):
    """Return the output of a novice in each cohort (weeks since joining, 0 to ``ramp_weeks - 1``)."""
    age = np.arange(ramp_weeks) / ramp_weeks
    return first_week_output + (1.0 - first_week_output) * age


@jit
def capacity(experienced, cohorts, first_week_output, mentoring_share, coordination_per_peer):
    """Return what each team can work in a week, and where the rest of its people's time goes.

    Args:
        experienced: People past their ramp-up, ``(worlds, teams)``.
        cohorts: Novices by weeks since joining, ``(worlds, teams, ramp_weeks)``.
        first_week_output: A novice's output in the first week, relative to an experienced person's.
        mentoring_share: Share of an experienced person's week a novice takes in the first week.
        coordination_per_peer: Share of each person's week per teammate spent coordinating.

    Returns:
        ``(person_days, onboarding, coordination)``: the person-days of work the team can
        do, and the shares of its people's time lost to onboarding (novices' lower output
        and mentors' time) and to coordination, each ``(worlds, teams)``. With the
        person-days' share they sum to 1 over the headcount's working days.
    """
    ramp = cohorts.shape[2]
    output = novice_output(ramp, first_week_output)
    still = 1.0 - np.arange(ramp) / ramp  # the share of the mentoring a cohort still needs
    worlds, teams = experienced.shape
    person_days = np.zeros((worlds, teams))
    onboarding = np.zeros((worlds, teams))
    coordination = np.zeros((worlds, teams))
    for i in range(worlds):
        for j in range(teams):
            novices = 0.0
            novice_work = 0.0
            mentoring = 0.0
            for a in range(ramp):
                novices += cohorts[i, j, a]
                novice_work += cohorts[i, j, a] * output[a]
                mentoring += cohorts[i, j, a] * mentoring_share * still[a]
            people = experienced[i, j] + novices
            if people <= 0.0:
                continue
            mentoring = min(mentoring, experienced[i, j])
            coord = min(coordination_per_peer * max(people - 1.0, 0.0), 1.0)
            work = (experienced[i, j] - mentoring + novice_work) * (1.0 - coord)
            person_days[i, j] = WORKING_DAYS * work
            coordination[i, j] = coord
            onboarding[i, j] = 1.0 - coord - work / people
    return person_days, onboarding, coordination


@jit
def attrition_probability(
    morale, pressure, weekly_hazard, attrition_morale, attrition_pressure, normal_pressure
):
    """Return each person's probability of leaving this week, per team.

    The hazard is the base weekly hazard times ``exp(attrition_morale * (0.5 - morale))``
    times ``1 + attrition_pressure * (pressure - normal_pressure)`` above the normal
    pressure; the probability is ``1 - exp(-hazard)``.
    """
    excess = np.maximum(pressure - normal_pressure, 0.0)
    hazard = weekly_hazard * np.exp(attrition_morale * (0.5 - morale)) * (1.0 + attrition_pressure * excess)
    return 1.0 - np.exp(-hazard)


@jit
def draw_leavers(keys, ctr, headcount, probability):
    """Draw who leaves: each of a team's whole people leaves with the team's probability.

    The draws come from each team's own ``PEOPLE`` stream (:mod:`sim.model.flow.rng`),
    so that one team's leavers depend on nothing another team does.

    Args:
        keys: The flow engine's stream keys, ``(worlds, flow teams, streams)``.
        ctr: Their counters; advanced.
        headcount: People per team (rounded down to whole people).
        probability: Each person's chance of leaving this week, per team.

    Returns:
        Leavers per team, ``(worlds, teams)`` (teams beyond ``headcount``'s have none).
    """
    worlds, teams = headcount.shape
    leavers = np.zeros((worlds, teams))
    s = np.int64(Stream.PEOPLE)
    for i in range(worlds):
        for j in range(teams):
            for _ in range(int(headcount[i, j])):
                if uniform(keys, ctr, i, j, s) < probability[i, j]:
                    leavers[i, j] += 1.0
    return leavers


@jit
def leave(experienced, cohorts, leavers):
    """Take the week's leavers from each team, from the experienced and every cohort alike.

    Args:
        experienced: People past their ramp-up, ``(worlds, teams)``; updated in place.
        cohorts: Novices by weeks since joining; updated in place.
        leavers: People leaving each team this week (at most its headcount).

    Returns:
        The experienced people among the leavers, per team (they take the most knowledge).
    """
    worlds, teams = experienced.shape
    experienced_left = np.zeros((worlds, teams))
    for i in range(worlds):
        for j in range(teams):
            people = experienced[i, j] + cohorts[i, j].sum()
            if people <= 0.0 or leavers[i, j] <= 0.0:
                continue
            stay = 1.0 - min(leavers[i, j] / people, 1.0)
            experienced_left[i, j] = experienced[i, j] * (1.0 - stay)
            experienced[i, j] *= stay
            cohorts[i, j] *= stay
    return experienced_left


@jit
def arrive(pipeline, offers):
    """Move a hiring pipeline on a week: who arrives now, and this week's offers at its end.

    Args:
        pipeline: Accepted offers by weeks until the first day, ``(rows, hiring_lag_weeks)`` (an
            empty last axis for no lag); updated in place.
        offers: Offers made this week, ``(rows,)``.

    Returns:
        The people who arrive this week, ``(rows,)``.
    """
    rows, lag = pipeline.shape
    joined = np.empty(rows)
    for r in range(rows):
        if lag == 0:
            joined[r] = offers[r]
            continue
        joined[r] = pipeline[r, 0]
        for k in range(lag - 1):
            pipeline[r, k] = pipeline[r, k + 1]
        pipeline[r, lag - 1] = offers[r]
    return joined


@jit
def advance(experienced, cohorts, pipeline, offers):
    """Move everyone on a week: offers enter the pipeline, arrivals join, ramped novices become experienced.

    Args:
        experienced: People past their ramp-up, ``(worlds, teams)``; updated in place.
        cohorts: Novices by weeks since joining, ``(worlds, teams, ramp_weeks)``; updated in place.
        pipeline: Accepted offers by weeks until the first day, ``(worlds, teams, hiring_lag_weeks)``
            (an empty last axis for no lag); updated in place.
        offers: Offers made this week, per team.

    Returns:
        The people who joined this week, per team.
    """
    worlds, teams, ramp = cohorts.shape
    joined = arrive(
        pipeline.reshape(worlds * teams, pipeline.shape[2]),
        np.ascontiguousarray(offers).reshape(worlds * teams),
    ).reshape(worlds, teams)
    for i in range(worlds):
        for j in range(teams):
            experienced[i, j] += cohorts[i, j, ramp - 1]
            for a in range(ramp - 1, 0, -1):
                cohorts[i, j, a] = cohorts[i, j, a - 1]
            cohorts[i, j, 0] = joined[i, j]
    return joined


@jit
def staff(
    headcount_lever,
    platform_lever,
    enabling_lever,
    from_streams,
    hiring,
    stream,
    move_share_max,
    knowledge_loss,
    base_size,
    experienced,
    cohorts,
    pipeline,
    enabling,
    enabling_pipeline,
    last_target,
    skill,
):
    """Staff every team towards its target: move people between teams, make offers for the rest.

    The targets are ``base_size * headcount`` for each stream-aligned team,
    ``platform_capacity * stream / platform`` for each platform team and
    ``enabling_capacity * stream`` for the enabling pool. When a platform or enabling
    target grows, leadership moves ``staff_from_streams`` of the growth out of the
    stream-aligned teams at once (at most ``move_share_max`` of their experienced people,
    from each in proportion to its experienced people; the team's target shrinks with it,
    and the knowledge of its system they take goes as a leaver's does). Every other
    shortfall, leavers' places included, is hired through the pipeline. Experienced people
    above a platform or enabling target go back to the stream-aligned teams, in proportion
    to their targets (nobody is laid off).

    Args:
        headcount_lever: The ``headcount`` lever, per world.
        platform_lever: The ``platform_capacity`` lever, per world.
        enabling_lever: The ``enabling_capacity`` lever, per world.
        from_streams: The ``staff_from_streams`` lever, per world.
        hiring: Share of the offers a budget allows, per world.
        stream: Stream-aligned teams (the first columns; platform teams follow).
        move_share_max: Most of the stream-aligned teams' experienced people moved in a week.
        knowledge_loss: Share of its skill a team loses per share of its people who go.
        base_size: Each team's target at ``headcount`` 1; updated in place.
        experienced: People past their ramp-up, ``(worlds, teams)``; updated in place.
        cohorts: Novices by weeks since joining.
        pipeline: Accepted offers by weeks until the first day.
        enabling: Enabling people per world; updated in place.
        enabling_pipeline: Their accepted offers, ``(worlds, hiring_lag_weeks)``.
        last_target: Last week's target of each platform team and of the enabling pool,
            ``(worlds, platform teams + 1)``; updated in place.
        skill: Each team's skill; updated in place.

    Returns:
        ``(offers, enabling_offers)``: this week's offers per team and for the enabling pool.
    """
    worlds, teams = experienced.shape
    support = teams - stream
    people = experienced + cohorts.sum(axis=2)
    platforms = max(support, 1)
    # The support teams side by side: platform teams, then the enabling pool.
    target = np.empty((worlds, support + 1))
    target[:, :support] = (platform_lever * stream / platforms)[:, None]
    target[:, support] = enabling_lever * stream
    staffed = np.empty((worlds, support + 1))
    staffed[:, :support] = people[:, stream:]
    staffed[:, support] = enabling
    seasoned = np.empty((worlds, support + 1))
    seasoned[:, :support] = experienced[:, stream:]
    seasoned[:, support] = enabling
    coming = np.empty((worlds, support + 1))
    coming[:, :support] = pipeline[:, stream:].sum(axis=2)
    coming[:, support] = enabling_pipeline.sum(axis=1)
    grown = np.minimum(np.maximum(target - last_target, 0.0), np.maximum(target - staffed - coming, 0.0))
    last_target[:] = target
    over = np.minimum(np.maximum(staffed - target, 0.0), seasoned)
    streams = experienced[:, :stream]
    in_streams = np.maximum(streams.sum(axis=1), 1e-12)
    wanted = from_streams * grown.sum(axis=1)
    out = np.minimum(wanted, move_share_max * streams.sum(axis=1))
    incoming = grown * (from_streams * out / np.maximum(wanted, 1e-12))[:, None]
    base = base_size[:, :stream]
    change = over.sum(axis=1)[:, None] * base / np.maximum(base.sum(axis=1), 1e-12)[:, None]
    change -= out[:, None] * streams / in_streams[:, None]
    # Movers bring the stream-aligned teams' skill to the platform, and take their system's with them.
    mover_skill = (skill[:, :stream] * streams).sum(axis=1) / in_streams
    into = incoming[:, :support]
    platform_people = people[:, stream:]
    skill[:, stream:] = (skill[:, stream:] * platform_people + into * mover_skill[:, None]) / np.maximum(
        platform_people + into, 1e-12
    )
    skill[:, :stream] *= 1.0 - knowledge_loss * np.minimum(
        np.maximum(-change, 0.0) / np.maximum(people[:, :stream], 1e-9), 1.0
    )
    experienced[:, :stream] += change
    base_size[:, :stream] = np.maximum(base_size[:, :stream] + change, 0.0)
    experienced[:, stream:] += into - over[:, :support]
    enabling += incoming[:, support] - over[:, support]

    support_offers = np.maximum(target - staffed - coming - incoming + over, 0.0) * hiring[:, None]
    people = experienced + cohorts.sum(axis=2)
    offers = np.empty((worlds, teams))
    offers[:, :stream] = (
        np.maximum(
            base_size[:, :stream] * headcount_lever[:, None]
            - people[:, :stream]
            - pipeline[:, :stream].sum(axis=2),
            0.0,
        )
        * hiring[:, None]
    )
    offers[:, stream:] = support_offers[:, :support]
    # Whole offers; the tolerance keeps a shortfall of a whole person, reached by sums of shares, whole.
    return np.floor(offers + 1e-9), np.floor(support_offers[:, support] + 1e-9)

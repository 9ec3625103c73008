"""A week of work flowing through teams, item by item, in continuous time (compiled).

Time is in days from the start of week 0 (a week is ``[7 w, 7 w + 7)``);
capacity is in person-days per week and is spent at an even rate through the
week. Within the week the engine is an exact event-driven simulation: between
two events nothing changes but the work done on the items in progress, which
grows linearly, so the next event is known in closed form and nothing is
approximated by a time step. Each item in progress gets the same work per
unit of its weight, so a team keeps a *virtual time*, the work per unit of
weight it has done since its work in progress was last empty, and an item's
*tag* is the virtual time at which its work is done (its start's virtual time
plus its size over its weight): advancing a team costs the same however many
items it works on, and the next to finish is the earliest tag.

Service discipline: **limited processor sharing by class**. A team works on
up to ``wip_limit`` items at once and shares its capacity among them in
proportion to their weights (1, or ``incident_weight`` for an incident); when
a slot frees, it takes the next item of the highest class waiting: rework,
then dependency requests from other teams, then planned work (features,
improvements, experiments), first come first served within a class.
Incidents are Kanban's *expedite* class: they start on arrival, outside the
WIP limit. Why sharing rather than serving one item at a time: a team of
several people works several items at once, and a WIP limit of 1 gives the
serial queue back as a special case. The discipline is work-conserving
(whenever any item is in progress, all capacity is used), so with exponential
sizes the number of items in system is that of an M/M/1 queue and the mean
flow time is ``1 / (mu - lambda)`` whatever the WIP limit; with right-skewed
sizes, sharing keeps small items from waiting behind large ones (M/G/1-PS's
mean is insensitive to the size distribution, FCFS's grows with its variance),
and a WIP limit sits between the two.

Dependencies: a feature decides on arrival whether it needs a change from
another team (``dependency_prob``, then a target drawn from the team's row of
the dependency graph) and raises the request when work on it starts, as
work is refined when it is pulled. The request is an item of kind DEPENDENCY
in the target team's queue; the feature's own work proceeds, and when it is
done the feature is BLOCKED until the request is done, then finishes at that
moment. A blocked item holds no WIP slot and no capacity: boards often count
blocked items against WIP, but then two teams that wait on each other could
deadlock, and this is the optimistic case. A platform team is just a team that
many rows of the graph point to. Because a request changes the target team's
work at the moment it is raised, all teams of a world share one clock: the
world's next event is the minimum of its teams' next events, kept in a
tournament tree (O(log teams) comparisons per event, none of them a branch the
processor must guess), and a team's state is advanced lazily to the time of
the event that touches it.

Deploys: each team deploys every ``deploy_interval`` days; a deploy ships
every change finished at least ``release_delay`` days before (review, tests,
approvals; a deploy with nothing to ship is not counted) and fails if any of its changes does, each with ``failure_prob``
(so a deploy of ``n`` changes fails with ``1 - (1 - failure_prob) ** n``: large
batches fail more often, as DORA finds); a failure creates an incident (the
restore) and a rework item on the same team. Incidents are not deployed: an
incident is over when service is restored, so it leaves when its work is done.

Withdrawal: at the end of each week each feature still waiting (not started)
leaves with probability ``1 - exp(-withdraw_rate)``: the business unit had
it done elsewhere (shadow IT) or gave up. It is counted; nothing vanishes:
``arrived = finished + in system + withdrawn`` for every team at every week.

Measures (``OUT``, ``(len(OUT), worlds, teams)`` per week) are accumulated
during the week and turned into means and shares at its end; see
``docs/flow.md`` for each. Lead time is DORA's: from commit (an item's finish)
to production (its deploy), median and 85th percentile of the week's shipped
changes; flow time is request to done.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model.compiled import cache_guard, inline_uncounted, jit, jit_uncounted
from sim.model.flow.items import (
    CHUNK,
    CLASS_OF_KIND,
    N_CLASSES,
    N_KINDS,
    NONE,
    OWNERS,
    ItemF,
    ItemI,
    Kind,
    Klass,
    Link,
    Meta,
    State,
    rows,
)
from sim.model.flow.rng import Stream, exponential, normal, uniform, uniform_ahead

# The week's helpers are inline_uncounted and the week jit_uncounted: with calls between them the
# week took 2 us an item, and counting references to the arrays its inlined helpers pass around
# took two thirds of what was left; the week allocates nothing (its scratch comes from the caller).

# What numba freezes into this module's machine code from elsewhere; see sim.model.compiled.cache_guard.
cache_guard(globals())

DAYS_PER_WEEK = 7.0
INF = math.inf
# Kinds passed as arguments, as plain integers (an IntEnum argument would compile a second version).
_INCIDENT = int(Kind.INCIDENT)
_REWORK = int(Kind.REWORK)
_DEPENDENCY = int(Kind.DEPENDENCY)

TEAM_I = (
    tuple(f"q_head_{c}" for c in range(N_CLASSES))
    + tuple(f"q_tail_{c}" for c in range(N_CLASSES))
    + tuple(f"n_wait_{c}" for c in range(N_CLASSES))
    + tuple(f"sys_{k}" for k in range(N_KINDS))
    + (
        "prog_head",
        "n_prog",
        "n_limited",
        "done_head",
        "done_tail",
        "n_done",
        "ship_head",
        "n_ship",
        "n_blocked",
        "next_done",
        "n_wait_feature",
        "in_system",
        "arrived",
        "finished",
        "closed",
        "withdrawn",
    )
)
TeamI = rows("TeamI", TEAM_I)
Q_HEAD = TeamI.Q_HEAD_0
Q_TAIL = TeamI.Q_TAIL_0
N_WAIT = TeamI.N_WAIT_0
SYS = TeamI.SYS_0

# VIRTUAL_WEEK: the virtual time the team has gone through this week, not restarted when its work in
# progress empties; MARK_k: its value when the weight of kind k last changed (see _share).
TEAM_F = (
    ("clock", "next_deploy", "weight", "age_sum", "virtual", "next_tag", "virtual_week")
    + tuple(f"weight_{k.name.lower()}" for k in Kind)
    + tuple(f"mark_{k.name.lower()}" for k in Kind)
)
TeamF = rows("TeamF", TEAM_F)
WEIGHT_KIND = TeamF.WEIGHT_FEATURE
MARK_KIND = TeamF.MARK_FEATURE

_KINDS = tuple(k.name.lower() for k in Kind)
OUT = (
    (
        "arrived",
        "finished",
        "withdrawn",
        "closed",
        "in_system",
        "in_system_mean",
        "waiting",
        "in_progress",
        "blocked",
        "awaiting_deploy",
        "flow_time",
        "available",
        "busy",
        "utilisation",
    )
    + tuple(f"share_{k}" for k in _KINDS)
    + (
        "share_idle",
        "deploys",
        "failures",
        "changes_deployed",
        "lead_time",
        "lead_time_p85",
        "restore_time",
        "restored",
        "unplanned_backlog",
        "value_delivered",
        "value_withdrawn",
        "backlog_age",
    )
    + tuple(f"finished_{k}" for k in _KINDS)
    + tuple(f"flow_time_{k}" for k in _KINDS)
    + ("finished_dep", "flow_time_dep")
)
Out = rows("Out", OUT)
SHARE = Out.SHARE_FEATURE
FINISHED_KIND = Out.FINISHED_FEATURE
FLOW_KIND = Out.FLOW_TIME_FEATURE

# The scalar parameters the compiled week reads, in one float array.
PRM = ("exponential_sizes", "value_sigma", "incident_weight")
Prm = rows("Prm", PRM)


def new_team_state(worlds: int, teams: int) -> tuple[np.ndarray, np.ndarray]:
    """Empty teams: no items, clocks at 0, no deploy scheduled yet."""
    team_i = np.zeros((worlds, teams, len(TEAM_I)), dtype=np.int64)
    for row in (
        *range(Q_HEAD, Q_HEAD + N_CLASSES),
        *range(Q_TAIL, Q_TAIL + N_CLASSES),
        TeamI.PROG_HEAD,
        TeamI.DONE_HEAD,
        TeamI.DONE_TAIL,
        TeamI.SHIP_HEAD,
        TeamI.NEXT_DONE,
    ):
        team_i[..., row] = NONE
    team_f = np.zeros((worlds, teams, len(TEAM_F)))
    team_f[..., TeamF.NEXT_DEPLOY] = np.nan
    return team_i, team_f


# ------------------------------------------------------------------ arrivals
@jit
def draw_arrivals(keys, ctr, rates, t0, team_i, deploy_interval):
    """Draw the week's external arrivals of every team, and bound the items the week can create.

    Arrivals of a team form a Poisson process of rate ``sum(rates[w, j])`` per
    week, drawn as exponential gaps; each arrival's kind is drawn in
    proportion to the rates. The process restarts each week at the week's
    rates, which is exact for piecewise-constant rates (memorylessness).

    Args:
        keys: The random streams' keys (:mod:`sim.model.flow.rng`).
        ctr: The random streams' counters, advanced in place.
        rates: ``(worlds, teams, kinds)`` arrivals per week.
        t0: Start of the week, days.
        team_i: Team state (for the features waiting, each of which may raise one request).
        deploy_interval: ``(worlds, teams)`` days between deploys.

    Returns:
        ``offsets`` (``worlds * teams + 1``), arrival ``times`` (days) and
        ``kinds``, sorted by time within each team; ``urgent``, for each
        arrival the index of the first at or after it of the same team that is
        not planned work (the team's end if none: see :func:`_next_event`); and
        ``need``, an upper bound on the items the week can create.
    """
    worlds, teams, kinds = rates.shape
    total = 0.0
    for w in range(worlds):
        for j in range(teams):
            for k in range(kinds):
                total += rates[w, j, k]
    size = int(total + 10.0 * math.sqrt(total) + 16.0)
    times = np.empty(size)
    kind_of = np.empty(size, dtype=np.int64)
    offsets = np.zeros(worlds * teams + 1, dtype=np.int64)
    n = 0
    deploys = 0
    waiting = 0
    for w in range(worlds):
        for j in range(teams):
            lam = 0.0
            for k in range(kinds):
                lam += rates[w, j, k]
            if lam > 0.0:
                scale = DAYS_PER_WEEK / lam
                t = exponential(keys, ctr, w, j, Stream.ARRIVAL) * scale
                while t < DAYS_PER_WEEK:
                    if n == times.shape[0]:
                        times = np.concatenate((times, np.empty(n)))
                        kind_of = np.concatenate((kind_of, np.empty(n, dtype=np.int64)))
                    pick = uniform(keys, ctr, w, j, Stream.KIND) * lam
                    chosen = -1
                    acc = 0.0
                    for k in range(kinds):
                        if rates[w, j, k] > 0.0:
                            chosen = k
                            acc += rates[w, j, k]
                            if pick < acc:
                                break
                    times[n] = t0 + t
                    kind_of[n] = chosen
                    n += 1
                    t += exponential(keys, ctr, w, j, Stream.ARRIVAL) * scale
            offsets[w * teams + j + 1] = n
            deploys += int(DAYS_PER_WEEK / deploy_interval[w, j]) + 2
            waiting += team_i[w, j, N_WAIT + Klass.PLANNED]
    urgent = np.empty(n, dtype=np.int64)
    for row in range(worlds * teams):
        nxt = offsets[row + 1]
        for a in range(offsets[row + 1] - 1, offsets[row] - 1, -1):
            if CLASS_OF_KIND[kind_of[a]] != Klass.PLANNED:
                nxt = a
            urgent[a] = nxt
    # Each arrival is one item and a feature may raise one request; so may each waiting item when it
    # starts; each deploy may fail and create an incident and a rework item.
    need = 2 * n + waiting + 2 * deploys
    return offsets, times[:n], kind_of[:n], urgent, need


# ------------------------------------------------------------ list helpers
@inline_uncounted
def _enqueue(link, team_i, w, j, c, item):
    """Append ``item`` to the queue of class ``c`` of team ``j``."""
    tail = team_i[w, j, Q_TAIL + c]
    link[item, Link.NEXT] = NONE
    link[item, Link.PREV] = tail
    if tail >= 0:
        link[tail, Link.NEXT] = item
    else:
        team_i[w, j, Q_HEAD + c] = item
    team_i[w, j, Q_TAIL + c] = item
    team_i[w, j, N_WAIT + c] += 1
    if link[item, Link.KIND] == Kind.FEATURE:
        team_i[w, j, TeamI.N_WAIT_FEATURE] += 1


@inline_uncounted
def _unqueue(link, team_i, w, j, c, item):
    """Take ``item`` out of the queue of class ``c`` of team ``j``, wherever it is."""
    prev = link[item, Link.PREV]
    nxt = link[item, Link.NEXT]
    if prev >= 0:
        link[prev, Link.NEXT] = nxt
    else:
        team_i[w, j, Q_HEAD + c] = nxt
    if nxt >= 0:
        link[nxt, Link.PREV] = prev
    else:
        team_i[w, j, Q_TAIL + c] = prev
    team_i[w, j, N_WAIT + c] -= 1
    if link[item, Link.KIND] == Kind.FEATURE:
        team_i[w, j, TeamI.N_WAIT_FEATURE] -= 1


@inline_uncounted
def _push_progress(link, team_i, w, j, item):
    head = team_i[w, j, TeamI.PROG_HEAD]
    link[item, Link.PREV] = NONE
    link[item, Link.NEXT] = head
    if head >= 0:
        link[head, Link.PREV] = item
    team_i[w, j, TeamI.PROG_HEAD] = item


@inline_uncounted
def _pop_progress(link, team_i, w, j, item):
    prev = link[item, Link.PREV]
    nxt = link[item, Link.NEXT]
    if prev >= 0:
        link[prev, Link.NEXT] = nxt
    else:
        team_i[w, j, TeamI.PROG_HEAD] = nxt
    if nxt >= 0:
        link[nxt, Link.PREV] = prev


@inline_uncounted
def _owner(team_i, w, j):
    """Where team ``j`` of world ``w``'s free stack starts in the store's ``meta``."""
    return OWNERS + w * team_i.shape[1] + j


@inline_uncounted
def _alloc(link, meta, owner):
    """Take a free slot for the team ``owner``: its last freed, or else one of ``CHUNK`` never used."""
    item = meta[owner]
    if item < 0:
        item = meta[Meta.FRESH]
        hi = item + CHUNK
        if hi > link.shape[0]:
            raise RuntimeError("flow item store is full: the week's bound on new items was wrong")
        for slot in range(item, hi - 1):
            link[slot, Link.NEXT] = slot + 1
        link[hi - 1, Link.NEXT] = NONE
        meta[Meta.FRESH] = hi
        meta[Meta.FREE_COUNT] += CHUNK
    meta[owner] = link[item, Link.NEXT]
    meta[Meta.FREE_COUNT] -= 1
    return item


@inline_uncounted
def _free(i, link, meta, owner, item):
    i[item, ItemI.STATE] = State.FREE
    link[item, Link.NEXT] = meta[owner]
    meta[owner] = item
    meta[Meta.FREE_COUNT] += 1


# ------------------------------------------------------------ tournament tree
@inline_uncounted
def _play(tree_key, tree_team, node):
    """Set ``node`` to the earlier of its two children; on a tie the left one, which holds the lower teams."""
    left = 2 * node
    right = left + 1
    later = tree_key[right] < tree_key[left]
    tree_key[node] = tree_key[right] if later else tree_key[left]
    tree_team[node] = tree_team[right] if later else tree_team[left]


@inline_uncounted
def _tree_build(tree_key, tree_team, teams):
    """Fill the tree's internal nodes from its leaves (team ``j`` at ``leaves + j``, the rest at infinity)."""
    leaves = tree_key.shape[0] // 2
    for j in range(leaves):
        tree_team[leaves + j] = j
        if j >= teams:
            tree_key[leaves + j] = INF
    for node in range(leaves - 1, 0, -1):
        _play(tree_key, tree_team, node)


@inline_uncounted
def _tree_update(tree_key, tree_team, team, value):
    """Set a team's next event time and replay its matches up to the root."""
    node = tree_key.shape[0] // 2 + team
    tree_key[node] = value
    node >>= 1
    while node >= 1:
        _play(tree_key, tree_team, node)
        node >>= 1


# ------------------------------------------------------------- the items
@inline_uncounted
def _weight(link, prm, item):
    return prm[Prm.INCIDENT_WEIGHT] if link[item, Link.KIND] == Kind.INCIDENT else 1.0


@inline_uncounted
def _draw_size(keys, ctr, prm, size_median, size_sigma, w, src, kind):
    if prm[Prm.EXPONENTIAL_SIZES] > 0.0:
        return size_median[kind] / math.log(2.0) * exponential(keys, ctr, w, src, Stream.SIZE)
    if size_sigma[kind] == 0.0:
        return size_median[kind]
    return size_median[kind] * math.exp(size_sigma[kind] * normal(keys, ctr, w, src, Stream.SIZE))


@inline_uncounted
def _create(
    f,
    i,
    link,
    meta,
    team_i,
    team_f,
    out,
    keys,
    ctr,
    prm,
    size_median,
    size_sigma,
    dep_prob,
    dep_off,
    dep_target,
    dep_cum,
    feature_value,
    w,
    j,
    src,
    kind,
    t,
):
    """Create an item of ``kind`` in team ``j``'s queue at time ``t``; its draws come from team ``src``'s streams."""
    item = _alloc(link, meta, _owner(team_i, w, j))
    size = _draw_size(keys, ctr, prm, size_median, size_sigma, w, src, kind)
    f[item, ItemF.SIZE] = size
    f[item, ItemF.TAG] = np.nan
    f[item, ItemF.ARRIVAL] = t
    f[item, ItemF.FINISH] = np.nan
    f[item, ItemF.DEPLOYED] = np.nan
    f[item, ItemF.VALUE] = 0.0
    i[item, ItemI.WORLD] = w
    i[item, ItemI.TEAM] = j
    link[item, Link.KIND] = kind
    i[item, ItemI.STATE] = State.WAITING
    i[item, ItemI.PARENT] = NONE
    i[item, ItemI.BLOCKED] = 0
    i[item, ItemI.DEP_TEAM] = NONE
    i[item, ItemI.HAD_DEP] = 0
    if kind == Kind.FEATURE:
        sigma = prm[Prm.VALUE_SIGMA]
        z = normal(keys, ctr, w, src, Stream.VALUE) if sigma > 0.0 else 0.0
        f[item, ItemF.VALUE] = feature_value[w, j] * math.exp(sigma * z)
        row = w * team_i.shape[1] + j
        lo = dep_off[row]
        hi = dep_off[row + 1]
        if hi > lo and dep_prob[w, j] > 0.0:
            if uniform(keys, ctr, w, src, Stream.DEPENDENCY) < dep_prob[w, j]:
                u = uniform(keys, ctr, w, src, Stream.DEPENDENCY)
                target = dep_target[hi - 1]
                for e in range(lo, hi):
                    if u < dep_cum[e]:
                        target = dep_target[e]
                        break
                i[item, ItemI.DEP_TEAM] = target
    team_i[w, j, TeamI.ARRIVED] += 1
    team_i[w, j, TeamI.IN_SYSTEM] += 1
    team_i[w, j, SYS + kind] += 1
    team_f[w, j, TeamF.AGE_SUM] += t
    out[w, j, Out.ARRIVED] += 1.0
    _enqueue(link, team_i, w, j, CLASS_OF_KIND[kind], item)
    return item


@inline_uncounted
def _advance(team_i, team_f, out, capacity, w, j, t):
    """Bring team ``j`` to time ``t``: its items in progress get their share of the capacity meanwhile."""
    dt = t - team_f[w, j, TeamF.CLOCK]
    if dt <= 0.0:
        return
    team_f[w, j, TeamF.CLOCK] = t
    out[w, j, Out.IN_SYSTEM_MEAN] += team_i[w, j, TeamI.IN_SYSTEM] * dt
    rate = capacity[w, j] / DAYS_PER_WEEK
    if team_i[w, j, TeamI.N_PROG] == 0 or rate <= 0.0:
        return
    # Every item in progress gets the same work per unit of its weight: the team's virtual time.
    dv = rate / team_f[w, j, TeamF.WEIGHT] * dt
    team_f[w, j, TeamF.VIRTUAL] += dv
    team_f[w, j, TeamF.VIRTUAL_WEEK] += dv
    out[w, j, Out.BUSY] += rate * dt


@inline_uncounted
def _share(team_f, out, w, j, k):
    """Credit kind ``k`` with its work since its weight last changed, before it changes again.

    Between changes each unit of a kind's weight gets the team's virtual time,
    so its work is its weight times the virtual time gone by: summed once per
    change of its weight rather than at every event of the team.
    """
    weight = team_f[w, j, WEIGHT_KIND + k]
    gone = team_f[w, j, TeamF.VIRTUAL_WEEK] - team_f[w, j, MARK_KIND + k]
    if weight > 0.0 and gone > 0.0:
        out[w, j, SHARE + k] += weight * gone
    team_f[w, j, MARK_KIND + k] = team_f[w, j, TeamF.VIRTUAL_WEEK]


@inline_uncounted
def _next_event(team_i, team_f, capacity, wip_limit, arr_t, arr_u, ptr, end, w, j):
    """Team ``j``'s next event time and the item that finishes next (or -1).

    An arrival of planned work that finds every WIP slot taken only joins the
    back of its queue, which nothing reads before the team's next event (a slot
    frees only when one of its items finishes, an event of its own), so it is
    not an event: the team queues it then (:func:`_absorb`). Other arrivals
    (incidents start at once) and planned work that finds a free slot are events.
    """
    t_next = team_f[w, j, TeamF.NEXT_DEPLOY]
    if ptr[j] < end[j]:
        a = ptr[j] if team_i[w, j, TeamI.N_LIMITED] < wip_limit[w, j] else arr_u[ptr[j]]
        if a < end[j] and arr_t[a] < t_next:
            t_next = arr_t[a]
    rate = capacity[w, j] / DAYS_PER_WEEK
    if team_i[w, j, TeamI.N_PROG] > 0 and rate > 0.0:
        ahead = max(team_f[w, j, TeamF.NEXT_TAG] - team_f[w, j, TeamF.VIRTUAL], 0.0)
        t_done = team_f[w, j, TeamF.CLOCK] + ahead * team_f[w, j, TeamF.WEIGHT] / rate
        if t_done <= t_next:
            return t_done, team_i[w, j, TeamI.NEXT_DONE]
    return t_next, NONE


@inline_uncounted
def _absorb(
    f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
    dep_prob, dep_off, dep_target, dep_cum, feature_value, arr_t, arr_k, ptr, end, w, j, t,
):  # fmt: skip
    """Queue team ``j``'s arrivals before ``t`` that were not events (see :func:`_next_event`).

    The team is at ``t`` already, so each is counted in the system from its own
    arrival, as it would have been as an event; they are created in the order
    they arrived, and before anything else the team does at ``t``, so every
    random draw is the one it would have been.
    """
    while ptr[j] < end[j] and arr_t[ptr[j]] < t:
        arrival = arr_t[ptr[j]]
        _create(
            f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
            dep_prob, dep_off, dep_target, dep_cum, feature_value, w, j, j, arr_k[ptr[j]], arrival,
        )  # fmt: skip
        out[w, j, Out.IN_SYSTEM_MEAN] += team_f[w, j, TeamF.CLOCK] - arrival
        ptr[j] += 1


@inline_uncounted
def _complete(f, i, link, meta, team_i, team_f, out, item, t):
    """Retire an item whose own work and requests are all done; return the parent it unblocks, or -1."""
    w = i[item, ItemI.WORLD]
    j = i[item, ItemI.TEAM]
    kind = link[item, Link.KIND]
    if i[item, ItemI.STATE] == State.BLOCKED:
        team_i[w, j, TeamI.N_BLOCKED] -= 1
    f[item, ItemF.FINISH] = t
    flow = t - f[item, ItemF.ARRIVAL]
    team_i[w, j, TeamI.FINISHED] += 1
    team_i[w, j, TeamI.IN_SYSTEM] -= 1
    team_i[w, j, SYS + kind] -= 1
    team_f[w, j, TeamF.AGE_SUM] -= f[item, ItemF.ARRIVAL]
    out[w, j, Out.FINISHED] += 1.0
    out[w, j, Out.FLOW_TIME] += flow
    out[w, j, FINISHED_KIND + kind] += 1.0
    out[w, j, FLOW_KIND + kind] += flow
    if i[item, ItemI.HAD_DEP] > 0:
        out[w, j, Out.FINISHED_DEP] += 1.0
        out[w, j, Out.FLOW_TIME_DEP] += flow
    parent = i[item, ItemI.PARENT]
    if kind == Kind.INCIDENT:
        # Restored: an incident is over when its work is done; it needs no deploy.
        out[w, j, Out.RESTORED] += 1.0
        out[w, j, Out.RESTORE_TIME] += flow
        out[w, j, Out.CLOSED] += 1.0
        team_i[w, j, TeamI.CLOSED] += 1
        _free(i, link, meta, _owner(team_i, w, j), item)
    else:
        i[item, ItemI.STATE] = State.DONE
        tail = team_i[w, j, TeamI.DONE_TAIL]
        link[item, Link.NEXT] = NONE
        link[item, Link.PREV] = tail
        if tail >= 0:
            link[tail, Link.NEXT] = item
        else:
            team_i[w, j, TeamI.DONE_HEAD] = item
        team_i[w, j, TeamI.DONE_TAIL] = item
        team_i[w, j, TeamI.N_DONE] += 1
    if parent >= 0:
        i[parent, ItemI.BLOCKED] -= 1
        if i[parent, ItemI.BLOCKED] == 0 and i[parent, ItemI.STATE] == State.BLOCKED:
            return parent
    return NONE


@inline_uncounted
def _finish_work(f, i, link, meta, team_i, team_f, out, prm, item, t):
    """Take an item whose own work is done out of the work in progress: it is done, or blocked on a request."""
    w = i[item, ItemI.WORLD]
    j = i[item, ItemI.TEAM]
    kind = link[item, Link.KIND]
    _pop_progress(link, team_i, w, j, item)
    team_i[w, j, TeamI.N_PROG] -= 1
    if kind != Kind.INCIDENT:
        team_i[w, j, TeamI.N_LIMITED] -= 1
    if team_i[w, j, TeamI.N_PROG] == 0:
        # Nothing in progress: start the weights and the virtual time afresh, so that neither drifts.
        team_f[w, j, TeamF.WEIGHT] = 0.0
        team_f[w, j, TeamF.VIRTUAL] = 0.0
        for k in range(N_KINDS):
            _share(team_f, out, w, j, k)
            team_f[w, j, WEIGHT_KIND + k] = 0.0
        team_i[w, j, TeamI.NEXT_DONE] = NONE
    else:
        weight = _weight(link, prm, item)
        _share(team_f, out, w, j, kind)
        team_f[w, j, TeamF.WEIGHT] -= weight
        team_f[w, j, WEIGHT_KIND + kind] -= weight
        if team_i[w, j, TeamI.NEXT_DONE] == item:
            # The next to finish is the one with the earliest tag (the first of equals in the list).
            best = team_i[w, j, TeamI.PROG_HEAD]
            other = link[best, Link.NEXT]
            while other >= 0:
                if f[other, ItemF.TAG] < f[best, ItemF.TAG]:
                    best = other
                other = link[other, Link.NEXT]
            team_i[w, j, TeamI.NEXT_DONE] = best
            team_f[w, j, TeamF.NEXT_TAG] = f[best, ItemF.TAG]
    if i[item, ItemI.BLOCKED] > 0:
        i[item, ItemI.STATE] = State.BLOCKED
        team_i[w, j, TeamI.N_BLOCKED] += 1
        return NONE
    return _complete(f, i, link, meta, team_i, team_f, out, item, t)


@inline_uncounted
def _start(f, i, link, team_i, team_f, out, prm, w, j, c, item, t):
    """Put an item of class ``c``, just out of its queue, in progress on team ``j`` (advanced to ``t``).

    Its work is done when the team's virtual time has grown by its size over its weight: its tag.
    """
    kind = link[item, Link.KIND]
    weight = _weight(link, prm, item)
    i[item, ItemI.STATE] = State.IN_PROGRESS
    tag = team_f[w, j, TeamF.VIRTUAL] + f[item, ItemF.SIZE] / weight
    f[item, ItemF.TAG] = tag
    if team_i[w, j, TeamI.N_PROG] == 0 or tag < team_f[w, j, TeamF.NEXT_TAG]:
        team_i[w, j, TeamI.NEXT_DONE] = item
        team_f[w, j, TeamF.NEXT_TAG] = tag
    _push_progress(link, team_i, w, j, item)
    team_i[w, j, TeamI.N_PROG] += 1
    if c != Klass.EXPEDITE:
        team_i[w, j, TeamI.N_LIMITED] += 1
    _share(team_f, out, w, j, kind)
    team_f[w, j, TeamF.WEIGHT] += weight
    team_f[w, j, WEIGHT_KIND + kind] += weight


# ------------------------------------------------------------------ the week
@jit_uncounted
def run_week(
    prm,
    size_median,
    size_sigma,
    f,
    i,
    link,
    meta,
    team_i,
    team_f,
    keys,
    ctr,
    arr_off,
    arr_t,
    arr_k,
    arr_u,
    capacity,
    wip_limit,
    dep_prob,
    dep_off,
    dep_target,
    dep_cum,
    deploy_interval,
    release_delay,
    failure_prob,
    withdraw_rate,
    feature_value,
    t0,
    scratch,
    tree_key,
    tree_team,
    leads,
    out,
):
    """Advance every world one week, from ``t0`` to ``t0 + 7`` days, writing the week's measures to ``out``.

    Args:
        prm: The scalar parameters (``PRM``).
        size_median: ``(kinds,)`` median size per kind, person-days.
        size_sigma: ``(kinds,)`` log-sd of the size per kind.
        f: The item store's float fields (:class:`sim.model.flow.items.ItemStore`).
        i: The item store's integer fields.
        link: The item store's links and kinds.
        meta: The item store's free list.
        team_i: ``(worlds, teams, len(TEAM_I))`` integer team state, updated in place.
        team_f: ``(worlds, teams, len(TEAM_F))`` float team state, updated in place.
        keys: The random streams' keys.
        ctr: The random streams' counters.
        arr_off: Where each (world, team)'s arrivals start in ``arr_t`` (:func:`draw_arrivals`).
        arr_t: The week's external arrival times, days.
        arr_k: Their kinds.
        arr_u: For each, the first at or after it of its team that is not planned work.
        capacity: ``(worlds, teams)`` person-days per week.
        wip_limit: ``(worlds, teams)`` items in progress at most (incidents aside).
        dep_prob: ``(worlds, teams)`` chance that a feature needs another team.
        dep_off: The dependency graph's rows, one per (world, team) (CSR offsets).
        dep_target: Its target teams.
        dep_cum: Its cumulative probabilities within each row.
        deploy_interval: ``(worlds, teams)`` days between deploys.
        release_delay: ``(worlds, teams)`` days from a change's finish until a deploy may take it.
        failure_prob: ``(worlds, teams)`` chance that a change fails (a deploy fails if any of its changes does).
        withdraw_rate: ``(worlds, teams)`` per week: hazard of a waiting feature leaving.
        feature_value: ``(worlds, teams)`` median value of a feature, thousands.
        t0: Start of the week, days.
        scratch: ``(5, teams)`` int64 work space (arrival pointers, the teams to look at, ...).
        tree_key: ``(2 * leaves,)`` float64 work space, ``leaves`` the least power of 2 at least
            ``teams``: the tournament tree of the teams' next event times.
        tree_team: ``(2 * leaves,)`` int64 work space: the team each node of the tree holds.
        leads: Float64 work space of at least the store's capacity: the week's lead times (and leavers).
        out: ``(worlds, teams, len(OUT))`` zeros; the week's measures, a team's side by side.
    """
    worlds = capacity.shape[0]
    teams = capacity.shape[1]
    t_end = t0 + DAYS_PER_WEEK
    ptr = scratch[0]
    end = scratch[1]
    done_item = scratch[2]
    pending = scratch[3]
    is_pending = scratch[4]
    leaves = tree_key.shape[0] // 2
    is_pending[:] = 0
    for w in range(worlds):
        # Start the week: clocks, deploy schedules, arrivals, first events.
        for j in range(teams):
            team_f[w, j, TeamF.CLOCK] = t0
            team_f[w, j, TeamF.VIRTUAL_WEEK] = 0.0
            for k in range(N_KINDS):
                team_f[w, j, MARK_KIND + k] = 0.0
            nd = team_f[w, j, TeamF.NEXT_DEPLOY]
            if not (nd <= t0 + deploy_interval[w, j]):  # unset (NaN) or a longer interval than now
                team_f[w, j, TeamF.NEXT_DEPLOY] = t0 + deploy_interval[w, j]
            ptr[j] = arr_off[w * teams + j]
            end[j] = arr_off[w * teams + j + 1]
        for j in range(teams):
            tree_key[leaves + j], done_item[j] = _next_event(
                team_i, team_f, capacity, wip_limit, arr_t, arr_u, ptr, end, w, j
            )
        _tree_build(tree_key, tree_team, teams)

        while tree_key[1] < t_end:
            j = tree_team[1]
            t = tree_key[1]
            _advance(team_i, team_f, out, capacity, w, j, t)
            _absorb(
                f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                dep_prob, dep_off, dep_target, dep_cum, feature_value, arr_t, arr_k, ptr, end, w, j, t,
            )  # fmt: skip
            if ptr[j] < end[j] and arr_t[ptr[j]] <= t:
                _create(
                    f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                    dep_prob, dep_off, dep_target, dep_cum, feature_value, w, j, j, arr_k[ptr[j]], t,
                )  # fmt: skip
                ptr[j] += 1
            elif done_item[j] >= 0:
                parent = _finish_work(f, i, link, meta, team_i, team_f, out, prm, done_item[j], t)
                while parent >= 0:
                    pj = i[parent, ItemI.TEAM]
                    _advance(team_i, team_f, out, capacity, w, pj, t)
                    parent = _complete(f, i, link, meta, team_i, team_f, out, parent, t)
            else:
                # Deploy every change through its release process (finished at least
                # release_delay ago); the done list is in order of finish, so they are its head.
                shipped = 0
                item = team_i[w, j, TeamI.DONE_HEAD]
                ready = t - release_delay[w, j]
                while item >= 0 and f[item, ItemF.FINISH] <= ready:
                    nxt = link[item, Link.NEXT]
                    i[item, ItemI.STATE] = State.DEPLOYED
                    f[item, ItemF.DEPLOYED] = t
                    if link[item, Link.KIND] == Kind.FEATURE:
                        out[w, j, Out.VALUE_DELIVERED] += f[item, ItemF.VALUE]
                    link[item, Link.NEXT] = team_i[w, j, TeamI.SHIP_HEAD]
                    team_i[w, j, TeamI.SHIP_HEAD] = item
                    shipped += 1
                    item = nxt
                team_i[w, j, TeamI.DONE_HEAD] = item
                if item >= 0:
                    link[item, Link.PREV] = NONE
                else:
                    team_i[w, j, TeamI.DONE_TAIL] = NONE
                team_i[w, j, TeamI.N_DONE] -= shipped
                team_i[w, j, TeamI.N_SHIP] += shipped
                team_i[w, j, TeamI.CLOSED] += shipped
                out[w, j, Out.CLOSED] += shipped
                if shipped > 0:
                    out[w, j, Out.DEPLOYS] += 1.0
                    out[w, j, Out.CHANGES_DEPLOYED] += shipped
                    # A deploy fails if any of its changes does: big batches fail more often.
                    if uniform(keys, ctr, w, j, Stream.DEPLOY) < 1.0 - (1.0 - failure_prob[w, j]) ** shipped:
                        out[w, j, Out.FAILURES] += 1.0
                        _create(
                            f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                            dep_prob, dep_off, dep_target, dep_cum, feature_value, w, j, j, _INCIDENT, t,
                        )  # fmt: skip
                        _create(
                            f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                            dep_prob, dep_off, dep_target, dep_cum, feature_value, w, j, j, _REWORK, t,
                        )  # fmt: skip
                team_f[w, j, TeamF.NEXT_DEPLOY] = t + deploy_interval[w, j]

            # Start what can start, on this team and on every team it sent a request to.
            n_pending = 1
            pending[0] = j
            is_pending[j] = 1
            while n_pending > 0:
                n_pending -= 1
                m = pending[n_pending]
                is_pending[m] = 0
                _absorb(
                    f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                    dep_prob, dep_off, dep_target, dep_cum, feature_value, arr_t, arr_k, ptr, end, w, m, t,
                )  # fmt: skip
                while team_i[w, m, Q_HEAD + Klass.EXPEDITE] >= 0 or (
                    team_i[w, m, TeamI.N_LIMITED] < wip_limit[w, m]
                    and (
                        team_i[w, m, Q_HEAD + Klass.REWORK] >= 0
                        or team_i[w, m, Q_HEAD + Klass.DEPENDENCY] >= 0
                        or team_i[w, m, Q_HEAD + Klass.PLANNED] >= 0
                    )
                ):
                    c = 0
                    while team_i[w, m, Q_HEAD + c] < 0:
                        c += 1
                    item = team_i[w, m, Q_HEAD + c]
                    _unqueue(link, team_i, w, m, c, item)
                    _start(f, i, link, team_i, team_f, out, prm, w, m, c, item, t)
                    target = i[item, ItemI.DEP_TEAM]
                    if target >= 0:
                        _advance(team_i, team_f, out, capacity, w, target, t)
                        child = _create(
                            f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                            dep_prob, dep_off, dep_target, dep_cum, feature_value, w, target, m,
                            _DEPENDENCY, t,
                        )  # fmt: skip
                        i[child, ItemI.PARENT] = item
                        i[item, ItemI.BLOCKED] += 1
                        i[item, ItemI.HAD_DEP] = 1
                        i[item, ItemI.DEP_TEAM] = NONE
                        if target != m and not is_pending[target]:
                            pending[n_pending] = target
                            n_pending += 1
                            is_pending[target] = 1
                t_m, done_item[m] = _next_event(
                    team_i, team_f, capacity, wip_limit, arr_t, arr_u, ptr, end, w, m
                )
                _tree_update(tree_key, tree_team, m, t_m)

        # End of the week: clocks to its end, withdrawals, the week's measures.
        for j in range(teams):
            _advance(team_i, team_f, out, capacity, w, j, t_end)
            _absorb(
                f, i, link, meta, team_i, team_f, out, keys, ctr, prm, size_median, size_sigma,
                dep_prob, dep_off, dep_target, dep_cum, feature_value, arr_t, arr_k, ptr, end, w, j, t_end,
            )  # fmt: skip
            for k in range(N_KINDS):
                _share(team_f, out, w, j, k)
            rate = withdraw_rate[w, j]
            if rate > 0.0 and team_i[w, j, TeamI.N_WAIT_FEATURE] > 0:
                _withdraw(f, i, link, meta, team_i, team_f, out, keys, ctr, w, j, rate, leads)
            # Lead times of the week's shipped changes; then retire them.
            n = 0
            item = team_i[w, j, TeamI.SHIP_HEAD]
            while item >= 0:
                nxt = link[item, Link.NEXT]
                leads[n] = f[item, ItemF.DEPLOYED] - f[item, ItemF.FINISH]
                n += 1
                _free(i, link, meta, _owner(team_i, w, j), item)
                item = nxt
            team_i[w, j, TeamI.SHIP_HEAD] = NONE
            team_i[w, j, TeamI.N_SHIP] = 0
            if n > 0:
                _insertion_sort(leads, n)
                out[w, j, Out.LEAD_TIME] = _percentile(leads, n, 0.5)
                out[w, j, Out.LEAD_TIME_P85] = _percentile(leads, n, 0.85)
            else:
                out[w, j, Out.LEAD_TIME] = np.nan
                out[w, j, Out.LEAD_TIME_P85] = np.nan
            _close_week(team_i, team_f, out, capacity, w, j, t_end)


@inline_uncounted
def _skip(keys, ctr, w, j, k, log_stay):
    """Return how many features stay before the next that leaves (geometric), from draw ``k`` ahead."""
    if log_stay == -INF:
        return 0  # an infinite hazard: every feature leaves
    return int(min(math.log(1.0 - uniform_ahead(keys, ctr, w, j, Stream.WITHDRAW, k)) / log_stay, 1e18))


@inline_uncounted
def _leave(f, i, link, meta, team_i, team_f, out, w, j, item):
    """Take a waiting feature out of team ``j``'s queue to shadow IT: counted, its value lost, its slot freed."""
    _unqueue(link, team_i, w, j, Klass.PLANNED, item)
    team_i[w, j, TeamI.WITHDRAWN] += 1
    team_i[w, j, TeamI.IN_SYSTEM] -= 1
    team_i[w, j, SYS + Kind.FEATURE] -= 1
    team_f[w, j, TeamF.AGE_SUM] -= f[item, ItemF.ARRIVAL]
    out[w, j, Out.WITHDRAWN] += 1.0
    out[w, j, Out.VALUE_WITHDRAWN] += f[item, ItemF.VALUE]
    _free(i, link, meta, _owner(team_i, w, j), item)


@inline_uncounted
def _withdraw(f, i, link, meta, team_i, team_f, out, keys, ctr, w, j, rate, at):
    """Each feature waiting in team ``j``'s queue leaves at the hazard ``rate`` a week, independently.

    A feature leaves with ``1 - exp(-rate)``, so one stays with ``exp(-rate)``.
    The leavers are found by geometric skips (the number of features that stay
    before the next one that leaves), one draw per leaver and one more, rather
    than one draw per waiting feature: a backlog of hundreds loses a few a week.
    Their positions are read ahead into ``at`` (work space of at least the
    waiting features), so that the queue is walked only as far as they are: a
    queue is a chain of items scattered through the store (a cache miss each),
    so the leavers before the longest run of features that stay are reached from
    the head and those after it from the tail.
    """
    n = team_i[w, j, TeamI.N_WAIT_FEATURE]
    log_stay = -rate  # the caller withdraws only at a rate above 0
    leavers = 0
    position = _skip(keys, ctr, w, j, 0, log_stay)
    draws = 1
    while position < n:
        at[leavers] = position
        leavers += 1
        position += 1 + _skip(keys, ctr, w, j, draws, log_stay)
        draws += 1
    ctr[w, j, Stream.WITHDRAW] += np.uint64(draws)
    if leavers == 0:
        return
    # Split at the longest run that stays: leavers[:split] from the head, the rest from the tail.
    split = leavers
    longest = n - 1 - at[leavers - 1]
    if at[0] > longest:
        split = 0
        longest = at[0]
    for k in range(1, leavers):
        if at[k] - at[k - 1] - 1 > longest:
            split = k
            longest = at[k] - at[k - 1] - 1
    # Features counted as they are passed, leavers too: positions are those before any left.
    item = team_i[w, j, Q_HEAD + Klass.PLANNED]
    k = -1
    nxt_leaver = 0
    while nxt_leaver < split:
        nxt = link[item, Link.NEXT]
        if link[item, Link.KIND] == Kind.FEATURE:
            k += 1
            if k == at[nxt_leaver]:
                _leave(f, i, link, meta, team_i, team_f, out, w, j, item)
                nxt_leaver += 1
        item = nxt
    item = team_i[w, j, Q_TAIL + Klass.PLANNED]
    k = n
    nxt_leaver = leavers - 1
    while nxt_leaver >= split:
        prev = link[item, Link.PREV]
        if link[item, Link.KIND] == Kind.FEATURE:
            k -= 1
            if k == at[nxt_leaver]:
                _leave(f, i, link, meta, team_i, team_f, out, w, j, item)
                nxt_leaver -= 1
        item = prev


@inline_uncounted
def _insertion_sort(a, n):
    """Sort ``a[:n]`` in place: a team's changes of one week are few, and this allocates nothing."""
    for k in range(1, n):
        x = a[k]
        m = k - 1
        while m >= 0 and a[m] > x:
            a[m + 1] = a[m]
            m -= 1
        a[m + 1] = x


@inline_uncounted
def _percentile(s, n, q):
    """Linear-interpolation percentile of the sorted ``s[:n]`` (numpy's default method)."""
    x = q * (n - 1)
    lo = int(math.floor(x))
    hi = min(lo + 1, n - 1)
    return s[lo] + (x - lo) * (s[hi] - s[lo])


@inline_uncounted
def _close_week(team_i, team_f, out, capacity, w, j, t_end):
    """Turn the week's sums into means and shares, and take the stock measures at its end."""
    in_system = team_i[w, j, TeamI.IN_SYSTEM]
    out[w, j, Out.IN_SYSTEM] = in_system
    out[w, j, Out.IN_SYSTEM_MEAN] /= DAYS_PER_WEEK
    waiting = 0
    for c in range(N_CLASSES):
        waiting += team_i[w, j, N_WAIT + c]
    out[w, j, Out.WAITING] = waiting
    out[w, j, Out.IN_PROGRESS] = team_i[w, j, TeamI.N_PROG]
    out[w, j, Out.BLOCKED] = team_i[w, j, TeamI.N_BLOCKED]
    out[w, j, Out.AWAITING_DEPLOY] = team_i[w, j, TeamI.N_DONE]
    out[w, j, Out.UNPLANNED_BACKLOG] = team_i[w, j, SYS + Kind.INCIDENT] + team_i[w, j, SYS + Kind.REWORK]
    out[w, j, Out.BACKLOG_AGE] = (
        (in_system * t_end - team_f[w, j, TeamF.AGE_SUM]) / in_system if in_system > 0 else np.nan
    )
    finished = out[w, j, Out.FINISHED]
    out[w, j, Out.FLOW_TIME] = out[w, j, Out.FLOW_TIME] / finished if finished > 0 else np.nan
    for k in range(N_KINDS):
        n = out[w, j, FINISHED_KIND + k]
        out[w, j, FLOW_KIND + k] = out[w, j, FLOW_KIND + k] / n if n > 0 else np.nan
    n = out[w, j, Out.FINISHED_DEP]
    out[w, j, Out.FLOW_TIME_DEP] = out[w, j, Out.FLOW_TIME_DEP] / n if n > 0 else np.nan
    n = out[w, j, Out.RESTORED]
    out[w, j, Out.RESTORE_TIME] = out[w, j, Out.RESTORE_TIME] / n if n > 0 else np.nan
    available = capacity[w, j]
    out[w, j, Out.AVAILABLE] = available
    if available > 0.0:
        busy = min(out[w, j, Out.BUSY], available)
        out[w, j, Out.UTILISATION] = busy / available
        for k in range(N_KINDS):
            out[w, j, SHARE + k] /= available
        out[w, j, Out.SHARE_IDLE] = 1.0 - busy / available
    else:
        out[w, j, Out.UTILISATION] = 0.0
        out[w, j, Out.SHARE_IDLE] = 1.0

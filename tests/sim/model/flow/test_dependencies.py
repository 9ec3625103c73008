"""Teams that depend on each other: a request adds the other team's wait; a slow platform is a bottleneck."""

import numpy as np
import pytest

from sim.model.flow import Dependencies, Drivers, Out

from .helpers import rates, simulate, weighted_mean

STREAMS = 4
PLATFORM = STREAMS  # the last team


def _org(platform_capacity: float, dependency_prob: float = 0.5, worlds: int = 3) -> Drivers:
    # Four stream-aligned teams at a light load whose features may need the platform team.
    capacity = np.array([40.0] * STREAMS + [platform_capacity])
    arrival = np.stack([rates(feature=4.0)] * STREAMS + [rates(improvement=0.5)])
    deps = Dependencies.from_edges(np.arange(STREAMS), np.full(STREAMS, PLATFORM), None, worlds, STREAMS + 1)
    prob = np.array([dependency_prob] * STREAMS + [0.0])
    return Drivers.build(
        worlds,
        STREAMS + 1,
        capacity=capacity,
        wip_limit=4,
        arrival_rate=arrival,
        dependency_prob=prob,
        dependencies=deps,
    )


def _flows(out):
    feature = weighted_mean(out, Out.FLOW_TIME_FEATURE, Out.FINISHED_FEATURE, axis=(0, 1))
    n_feature = out[:, Out.FINISHED_FEATURE].sum(axis=(0, 1))
    n_dep = out[:, Out.FINISHED_DEP].sum(axis=(0, 1))
    dep = weighted_mean(out, Out.FLOW_TIME_DEP, Out.FINISHED_DEP, axis=(0, 1))
    alone = (feature * n_feature - dep * n_dep) / (n_feature - n_dep)
    request = weighted_mean(out, Out.FLOW_TIME_DEPENDENCY, Out.FINISHED_DEPENDENCY, axis=(0, 1))
    return alone[:STREAMS].mean(), dep[:STREAMS].mean(), request[PLATFORM]


def test_a_dependency_adds_about_the_other_teams_flow_time():
    _, out = simulate(_org(platform_capacity=21.0), 400, seeds=range(3), teams=STREAMS + 1)
    alone, dependent, platform = _flows(out[50:])
    assert out[50:, Out.UTILISATION, :, PLATFORM].mean() > 0.75
    # A feature's request is raised when its work starts and finishes before it, so a dependent
    # feature takes at least the request's flow time through the platform team; its own work runs
    # alongside the request, so the extra time over an independent feature is at most that.
    assert dependent > platform
    assert 0.6 * platform < dependent - alone < platform


def test_an_understaffed_platform_is_the_bottleneck():
    weeks = 200
    _, fine = simulate(_org(platform_capacity=24.0), weeks, seeds=range(3), teams=STREAMS + 1)
    _, slow = simulate(_org(platform_capacity=15.0), weeks, seeds=range(3), teams=STREAMS + 1)
    # The platform's queue grows week after week (offered ~18 person-days a week to 15)...
    assert slow[-1, Out.IN_SYSTEM, :, PLATFORM].mean() > 5 * fine[-1, Out.IN_SYSTEM, :, PLATFORM].mean()
    assert (
        slow[-1, Out.IN_SYSTEM, :, PLATFORM].mean()
        > 1.5 * slow[weeks // 2, Out.IN_SYSTEM, :, PLATFORM].mean()
    )
    assert slow[-20:, Out.UTILISATION, :, PLATFORM].mean() > 0.97
    # ... the features that need it wait ever longer, blocked ...
    _, dep_fine, _ = _flows(fine[-50:])
    _, dep_slow, _ = _flows(slow[-50:])
    assert dep_slow > 3 * dep_fine
    assert slow[-1, Out.BLOCKED, :, :STREAMS].mean() > 3 * fine[-1, Out.BLOCKED, :, :STREAMS].mean()
    # ... while the stream-aligned teams' own queues and busy time do not change.
    for row in (Out.WAITING, Out.IN_PROGRESS, Out.UTILISATION):
        assert slow[-50:, row, :, :STREAMS].mean() == pytest.approx(
            fine[-50:, row, :, :STREAMS].mean(), rel=0.15, abs=0.1
        )


def test_no_dependency_probability_means_no_requests():
    _, out = simulate(
        _org(platform_capacity=24.0, dependency_prob=0.0), 50, seeds=range(3), teams=STREAMS + 1
    )
    assert out[:, Out.FINISHED_DEPENDENCY].sum() == 0 and out[:, Out.FINISHED_DEP].sum() == 0
    assert out[:, Out.BLOCKED].sum() == 0


def test_teams_that_depend_on_each_other_do_not_deadlock():
    # A cycle of requests at WIP limit 1: blocked items hold no slot, so work still flows.
    matrix = np.array([[0, 1.0], [1.0, 0]])
    drivers = Drivers.build(
        2, 2, capacity=20.0, wip_limit=1, arrival_rate=2.0, dependency_prob=1.0, dependencies=matrix
    )
    engine, out = simulate(drivers, 200, seeds=(0, 1), teams=2)
    assert out[-50:, Out.FINISHED_FEATURE].sum() > 0.9 * out[-50:, Out.ARRIVED].sum() / 2
    assert out[-1, Out.IN_SYSTEM].max() < 30

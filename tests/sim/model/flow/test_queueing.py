"""Queueing physics of one team and of a few: M/M/1, Little's law, priorities, conservation."""

import math

import numpy as np
import pytest

from sim.model.flow import Drivers, FlowEngine, FlowParams, Out

from .helpers import rates, simulate, weighted_mean

EXP = FlowParams(size_distribution="exponential", feature_size_median=2.0 * math.log(2.0))  # mean 2 days
CAPACITY = 10.0  # person-days a week: mu = 5 features a week


@pytest.mark.parametrize(
    "rho, wip, weeks, worlds",
    [(0.5, 1, 1500, 4), (0.8, 1, 3000, 6), (0.8, 3, 3000, 6), (0.9, 4, 6000, 8)],
)
def test_mean_flow_time_is_that_of_mm1(rho, wip, weeks, worlds):
    # Work-conserving sharing of exponential work: the number in system is M/M/1's whatever the
    # WIP limit (1: serial, first come first served; more: limited processor sharing).
    mu = CAPACITY / 2.0
    drivers = Drivers.build(worlds, 1, capacity=CAPACITY, wip_limit=wip, arrival_rate=rho * mu)
    _, out = simulate(drivers, weeks, seeds=range(worlds), params=EXP)
    out = out[100:]
    flow = weighted_mean(out, Out.FLOW_TIME, Out.FINISHED, axis=None)
    expected = 7.0 / (mu - rho * mu)
    assert flow == pytest.approx(expected, rel=0.12)
    # Utilisation is the offered load, and never more than 1.
    assert out[:, Out.UTILISATION].mean() == pytest.approx(rho, abs=0.02)
    assert out[:, Out.UTILISATION].max() <= 1.0


def test_flow_time_explodes_as_utilisation_nears_one():
    mu = CAPACITY / 2.0
    flows = []
    for rho in (0.5, 0.7, 0.9):
        drivers = Drivers.build(4, 1, capacity=CAPACITY, wip_limit=2, arrival_rate=rho * mu)
        _, out = simulate(drivers, 2500, seeds=range(4), params=EXP)
        flows.append(weighted_mean(out[100:], Out.FLOW_TIME, Out.FINISHED, axis=None))
    # 1 / (1 - rho): 2, 3.3, 10 -- the ratios 1.67 and 5 within a fifth.
    assert flows[1] / flows[0] == pytest.approx(5 / 3, rel=0.2)
    assert flows[2] / flows[0] == pytest.approx(5.0, rel=0.2)


def test_littles_law_holds_in_a_mixed_steady_state():
    # Lognormal sizes, several kinds, dependencies, failing deploys: L = lambda W, team by team.
    teams = 4
    matrix = np.zeros((teams, teams))
    matrix[:3, 3] = 1.0
    drivers = Drivers.build(
        2,
        teams,
        capacity=[30.0, 30.0, 30.0, 25.0],
        wip_limit=3,
        arrival_rate=np.stack(
            [rates(feature=4.0, improvement=0.5, experiment=0.3, incident=0.2)] * 3
            + [rates(feature=1.0, improvement=0.5)]
        ),
        dependency_prob=[0.4, 0.4, 0.4, 0.0],
        dependencies=matrix,
        deploy_interval=2.0,
        failure_prob=0.15,
    )
    _, out = simulate(drivers, 1200, seeds=(1, 2), teams=teams)
    out = out[100:]
    in_system = out[:, Out.IN_SYSTEM_MEAN].mean(axis=0)
    arrivals_per_day = out[:, Out.ARRIVED].sum(axis=0) / (7.0 * out.shape[0])
    flow = weighted_mean(out, Out.FLOW_TIME, Out.FINISHED)
    np.testing.assert_allclose(in_system, arrivals_per_day * flow, rtol=0.1)
    assert (out[:, Out.FINISHED_DEP].sum(axis=0)[:, :3] > 0).all()
    assert out[:, Out.FAILURES].sum() > 0 and out[:, Out.RESTORED].sum() > 0


def test_incidents_and_rework_wait_less_than_features_under_load():
    drivers = Drivers.build(
        3,
        1,
        capacity=30.0,
        wip_limit=3,
        arrival_rate=rates(feature=5.0, incident=0.5, rework=0.5),
    )
    _, out = simulate(drivers, 400, seeds=range(3))
    out = out[50:]
    assert out[:, Out.UTILISATION].mean() > 0.85
    feature = weighted_mean(out, Out.FLOW_TIME_FEATURE, Out.FINISHED_FEATURE, axis=None)
    incident = weighted_mean(out, Out.FLOW_TIME_INCIDENT, Out.FINISHED_INCIDENT, axis=None)
    rework = weighted_mean(out, Out.FLOW_TIME_REWORK, Out.FINISHED_REWORK, axis=None)
    # Rework is a third of a feature's size (median 1 d against 3 d), so it is the waits that must differ.
    assert incident < 0.25 * feature
    assert rework < 0.5 * feature
    assert weighted_mean(out, Out.RESTORE_TIME, Out.RESTORED, axis=None) == pytest.approx(incident)


def test_swarming_on_incidents_restores_faster():
    kw = dict(capacity=30.0, wip_limit=4, arrival_rate=rates(feature=5.0, incident=1.0))
    restore = []
    for weight in (1.0, 10.0):
        _, out = simulate(
            Drivers.build(3, 1, **kw), 300, seeds=range(3), params=FlowParams(incident_weight=weight)
        )
        restore.append(weighted_mean(out, Out.RESTORE_TIME, Out.RESTORED, axis=None))
    assert restore[1] < 0.6 * restore[0]


def test_items_are_conserved_every_week():
    teams = 3
    matrix = np.array([[0, 0.5, 0.5], [0, 0, 1], [1, 0, 0]], dtype=float)
    drivers = Drivers.build(
        2,
        teams,
        capacity=[20.0, 12.0, 25.0],
        wip_limit=[2, 3, 5],
        arrival_rate=rates(feature=6.0, improvement=1.0, incident=0.3),
        dependency_prob=0.5,
        dependencies=matrix,
        deploy_interval=[1.0, 3.5, 10.0],
        failure_prob=0.3,
        withdraw_rate=0.2,
    )
    engine, _ = simulate(drivers, 0, seeds=(5, 6), teams=teams)
    cumulative = {k: 0 for k in ("arrived", "finished", "withdrawn", "closed")}
    for _ in range(150):
        out = engine.step(drivers)
        for k in cumulative:
            cumulative[k] = cumulative[k] + out[Out[k.upper()]]
        t = engine.totals()
        for k in cumulative:
            np.testing.assert_array_equal(t[k], cumulative[k])
        np.testing.assert_array_equal(t["arrived"], t["finished"] + t["in_system"] + t["withdrawn"])
        np.testing.assert_array_equal(out[Out.IN_SYSTEM], t["in_system"])
        np.testing.assert_array_equal(
            out[Out.IN_SYSTEM], out[Out.WAITING] + out[Out.IN_PROGRESS] + out[Out.BLOCKED]
        )
        np.testing.assert_array_equal(t["finished"], t["closed"] + out[Out.AWAITING_DEPLOY])
        # Every item in the store is accounted for: in system or awaiting a deploy.
        assert engine.store.used == t["in_system"].sum() + out[Out.AWAITING_DEPLOY].sum()
        shares = out[Out.SHARE_FEATURE : Out.SHARE_IDLE + 1].sum(axis=0)
        np.testing.assert_allclose(shares, 1.0)
        assert (out[Out.UTILISATION] <= 1.0).all() and (out[Out.UTILISATION] >= 0.0).all()
    assert t["withdrawn"].sum() > 0 and out[Out.VALUE_WITHDRAWN].sum() >= 0
    assert (t["arrived"] > 0).all()


def test_withdrawals_drain_an_overloaded_backlog_and_nothing_else():
    drivers = Drivers.build(2, 1, capacity=10.0, arrival_rate=rates(feature=6.0, improvement=1.0))
    _, kept = simulate(drivers, 100, seeds=(0, 1))
    leaving = Drivers.build(
        2, 1, capacity=10.0, arrival_rate=rates(feature=6.0, improvement=1.0), withdraw_rate=0.3
    )
    _, left = simulate(leaving, 100, seeds=(0, 1))
    assert kept[-1, Out.IN_SYSTEM].mean() > 2 * left[-1, Out.IN_SYSTEM].mean()
    assert left[:, Out.WITHDRAWN].sum() > 0 and kept[:, Out.WITHDRAWN].sum() == 0
    assert left[:, Out.VALUE_WITHDRAWN].sum() > 0


def test_each_waiting_feature_leaves_at_the_hazard():
    # No capacity: the features only wait (one started, under a WIP limit of 1), and the end of
    # the second week withdraws from them.
    rate, worlds = 0.3, 400
    engine = FlowEngine(FlowParams(), range(worlds), 1)
    engine.step(Drivers.build(worlds, 1, capacity=0.0, wip_limit=1, arrival_rate=rates(feature=40.0)))
    waiting = engine.totals()["in_system"][:, 0] - 1.0
    out = engine.step(Drivers.build(worlds, 1, capacity=0.0, wip_limit=1, withdraw_rate=rate))
    left = out[Out.WITHDRAWN][:, 0]
    p = 1.0 - np.exp(-rate)
    # Binomial(n, p) per world: mean and variance of the leavers over the worlds.
    z = (left - waiting * p) / np.sqrt(waiting * p * (1 - p))
    assert abs(z.mean()) < 4 / np.sqrt(worlds) and 0.8 < z.var() < 1.2

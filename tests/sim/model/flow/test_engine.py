"""Determinism whatever the batch, deploy batching, and the store."""

import numpy as np
import pytest

from sim.model.flow import Dependencies, Drivers, FlowEngine, FlowParams, Kind, Out
from sim.model.flow.items import CHUNK, OWNERS, ItemI, Link, Meta, State

from .helpers import rates, simulate, weighted_mean

TEAMS = 3


def _drivers(worlds: int, scale: np.ndarray) -> Drivers:
    """Drivers that differ by world (``scale``), with every mechanism on."""
    s = scale[:, None]
    matrix = np.array([[0, 0.3, 0.7], [0.5, 0, 0.5], [0, 0, 0]])
    return Drivers.build(
        worlds,
        TEAMS,
        capacity=25.0 * s,
        wip_limit=3,
        arrival_rate=rates(feature=4.0, improvement=0.5, incident=0.2)[None, None, :] * s[..., None],
        dependency_prob=0.3,
        dependencies=Dependencies.from_matrix(matrix, worlds),
        deploy_interval=2.0 * s,
        failure_prob=0.1 * s,
        withdraw_rate=0.05,
        feature_value=10.0 * s,
    )


def test_same_seed_same_numbers():
    d = _drivers(2, np.array([1.0, 1.2]))
    _, a = simulate(d, 60, seeds=(3, 4), teams=TEAMS)
    _, b = simulate(d, 60, seeds=(3, 4), teams=TEAMS)
    np.testing.assert_array_equal(a, b)
    _, c = simulate(d, 60, seeds=(3, 5), teams=TEAMS)
    assert not np.array_equal(a[:, :, 1], c[:, :, 1])
    np.testing.assert_array_equal(a[:, :, 0], c[:, :, 0])


@pytest.mark.parametrize("position", [0, 3, 7])
def test_a_world_is_the_same_alone_and_in_a_batch(position):
    weeks = 60
    _, alone = simulate(_drivers(1, np.array([1.0])), weeks, seeds=(99,), teams=TEAMS)
    scale = np.linspace(0.8, 1.3, 8)
    scale[position] = 1.0
    seeds = [11, 12, 13, 14, 15, 16, 17, 18]
    seeds[position] = 99
    _, batch = simulate(_drivers(8, scale), weeks, seeds=seeds, teams=TEAMS)
    np.testing.assert_array_equal(alone[:, :, 0], batch[:, :, position])


def test_the_store_grows_without_changing_a_number():
    d = _drivers(2, np.array([1.0, 1.1]))
    engine, small = simulate(d, 80, seeds=(1, 2), teams=TEAMS, capacity=1)
    _, large = simulate(d, 80, seeds=(1, 2), teams=TEAMS, capacity=100_000)
    np.testing.assert_array_equal(small, large)
    assert engine.store.capacity >= 8 and engine.store.capacity & (engine.store.capacity - 1) == 0


def test_a_team_keeps_its_items_in_runs_of_slots_of_its_own_and_every_slot_is_counted():
    engine, _ = simulate(_drivers(2, np.array([1.0, 1.3])), 60, seeds=(5, 6), teams=TEAMS)
    store = engine.store
    used = store.i[:, ItemI.STATE] != State.FREE
    owner = store.i[:, ItemI.WORLD] * TEAMS + store.i[:, ItemI.TEAM]
    taken = int(store.meta[Meta.FRESH])
    assert taken % CHUNK == 0 and not used[taken:].any(), "slots are taken a chunk at a time, in order"
    for run in range(0, taken, CHUNK):
        owners = set(owner[run : run + CHUNK][used[run : run + CHUNK]])
        assert len(owners) <= 1, f"slots {run}-{run + CHUNK - 1} hold items of teams {owners}"
    # Each team's free stack holds only free slots, and with the never-used ones they are all that is free.
    stacked = 0
    for head in store.meta[OWNERS:]:
        slot = int(head)
        while slot >= 0:
            assert not used[slot]
            stacked += 1
            slot = int(store.link[slot, Link.NEXT])
    assert stacked == store.meta[Meta.FREE_COUNT]
    assert store.used == used.sum() == store.capacity - stacked - store.fresh


def test_lead_time_grows_with_the_deploy_interval():
    leads = []
    for interval in (0.25, 1.0, 3.5, 7.0, 14.0):
        d = Drivers.build(3, 1, capacity=30.0, arrival_rate=4.0, deploy_interval=interval)
        _, out = simulate(d, 200, seeds=range(3))
        out = out[20:]
        leads.append(weighted_mean(out, Out.LEAD_TIME, Out.DEPLOYS, axis=None))
        # A deploy ships whatever finished since the last, so its wait is about half the interval.
        mean_wait = np.nanmean(out[:, Out.LEAD_TIME])
        assert mean_wait == pytest.approx(interval / 2, rel=0.3, abs=0.05)
        assert (out[:, Out.LEAD_TIME_P85] >= out[:, Out.LEAD_TIME])[out[:, Out.DEPLOYS] > 0].all()
    assert np.all(np.diff(leads) > 0)


def test_deploys_are_batches_and_failures_make_incidents_and_rework():
    base = dict(capacity=30.0, arrival_rate=4.0, deploy_interval=1.0)
    _, safe = simulate(Drivers.build(3, 1, failure_prob=0.0, **base), 150, seeds=range(3))
    assert safe[:, Out.FAILURES].sum() == 0
    assert safe[:, Out.FINISHED_INCIDENT].sum() == 0 and safe[:, Out.FINISHED_REWORK].sum() == 0
    assert np.isnan(safe[:, Out.RESTORE_TIME]).all()
    # At most one deploy per interval; none without a change to ship.
    assert safe[:, Out.DEPLOYS].max() <= 7 and (safe[:, Out.CHANGES_DEPLOYED] >= safe[:, Out.DEPLOYS]).all()
    _, risky = simulate(Drivers.build(3, 1, failure_prob=0.3, **base), 150, seeds=range(3))
    failures = risky[:, Out.FAILURES].sum()
    # A deploy fails if any of its changes does: deploys of one or two changes, 0.3 each.
    per_deploy = risky[:, Out.CHANGES_DEPLOYED].sum() / risky[:, Out.DEPLOYS].sum()
    assert 1 < per_deploy < 2
    assert 0.3 < failures / risky[:, Out.DEPLOYS].sum() < 1 - 0.7**per_deploy + 0.05
    incidents = risky[:, Out.ARRIVED].sum() - safe[:, Out.ARRIVED].sum()
    assert incidents == pytest.approx(2 * failures, rel=0.1)  # the same feature arrivals, plus 2 per failure
    restore = weighted_mean(risky, Out.RESTORE_TIME, Out.RESTORED, axis=None)
    assert 0 < restore < 2.0
    # Rework and restore take capacity from features.
    assert risky[:, Out.SHARE_INCIDENT].mean() > 0 and risky[:, Out.SHARE_REWORK].mean() > 0
    assert risky[:, Out.UNPLANNED_BACKLOG].max() > 0


def test_a_deploy_fails_if_any_of_its_changes_does():
    # Each change fails 30% of the time. Deployed one by one (every quarter hour), a deploy fails
    # 30% of the time; deployed weekly, a batch of N changes fails with 1 - 0.7^N, which is more,
    # and on average at most 1 - 0.7^(mean N) (the function is concave).
    rates = {}
    for interval in (0.011, 7.0):
        d = Drivers.build(4, 1, capacity=40.0, arrival_rate=4.0, deploy_interval=interval, failure_prob=0.3)
        _, out = simulate(d, 300, seeds=range(4))
        deploys = out[:, Out.DEPLOYS].sum()
        rates[interval] = (out[:, Out.FAILURES].sum() / deploys, out[:, Out.CHANGES_DEPLOYED].sum() / deploys)
    (alone, one), (weekly, batch) = rates[0.011], rates[7.0]
    assert one == pytest.approx(1.0, abs=0.01) and alone == pytest.approx(0.3, abs=0.03)
    assert batch > 3 and 0.5 < weekly <= 1 - 0.7**batch + 0.02


def test_a_change_deploys_only_after_its_release_process():
    # Daily deploys; a release process of 0 or 5 days between a change's finish and its deploy.
    lead, waiting = {}, {}
    for delay in (0.0, 5.0):
        d = Drivers.build(3, 1, capacity=30.0, arrival_rate=4.0, deploy_interval=1.0, release_delay=delay)
        _, out = simulate(d, 120, seeds=range(3))
        late = out[20:]
        lead[delay] = weighted_mean(late, Out.LEAD_TIME, Out.CHANGES_DEPLOYED, axis=None)
        waiting[delay] = late[:, Out.AWAITING_DEPLOY].mean()
        # Every change still deploys: the same features finished and deployed in the long run.
        assert late[:, Out.CHANGES_DEPLOYED].sum() == pytest.approx(late[:, Out.FINISHED].sum(), rel=0.02)
    assert lead[0.0] < 1.0 and 5.0 <= lead[5.0] < 6.0
    # Little's law for the release stage: about 4 changes a week x 5 days wait in it.
    assert waiting[5.0] == pytest.approx(4.0 / 7.0 * (lead[5.0]), rel=0.25)


def test_value_is_delivered_on_deploy():
    d = Drivers.build(2, 2, capacity=30.0, arrival_rate=4.0, feature_value=[[10.0, 0.0], [20.0, 0.0]])
    _, out = simulate(d, 200, seeds=(0, 1), teams=2, params=FlowParams(value_sigma=0.5))
    per_change = out[:, Out.VALUE_DELIVERED].sum(axis=0) / out[:, Out.CHANGES_DEPLOYED].sum(axis=0)
    # Lognormal value with median v has mean v * exp(sigma^2 / 2).
    np.testing.assert_allclose(per_change[:, 0], [10 * np.exp(0.125), 20 * np.exp(0.125)], rtol=0.1)
    assert (out[:, Out.VALUE_DELIVERED, :, 1] == 0).all()


def test_sizes_follow_their_distribution():
    # Busy person-days per finished item is the mean size, for each kind, in a stable queue.
    p = FlowParams()
    d = Drivers.build(4, 1, capacity=40.0, arrival_rate=rates(feature=3.0, improvement=3.0))
    _, out = simulate(d, 400, seeds=range(4), params=p)
    for kind, share in ((Kind.FEATURE, Out.SHARE_FEATURE), (Kind.IMPROVEMENT, Out.SHARE_IMPROVEMENT)):
        work = (out[:, share] * out[:, Out.AVAILABLE]).sum()
        done = out[:, Out.FINISHED_FEATURE + kind].sum()
        assert work / done == pytest.approx(p.mean_size(kind), rel=0.1)


def test_capacity_zero_means_nothing_moves_but_arrivals():
    d = Drivers.build(1, 2, capacity=[0.0, 10.0], arrival_rate=2.0)
    _, out = simulate(d, 30, teams=2)
    assert (
        out[:, Out.FINISHED, 0, 0].sum() == 0
        and out[-1, Out.IN_SYSTEM, 0, 0] == out[:, Out.ARRIVED, 0, 0].sum()
    )
    assert (out[:, Out.UTILISATION, 0, 0] == 0).all() and (out[:, Out.SHARE_IDLE, 0, 0] == 1).all()


def test_conservation_over_random_drivers():
    """The property test without hypothesis: random drivers, conservation and bounds every week."""
    gen = np.random.default_rng(2024)
    for _ in range(6):
        teams = int(gen.integers(1, 6))
        worlds = int(gen.integers(1, 4))
        matrix = gen.random((teams, teams)) * (gen.random((teams, teams)) < 0.5)
        matrix[matrix.sum(axis=1) == 0, 0] = 1.0
        matrix /= matrix.sum(axis=1, keepdims=True)
        d = Drivers.build(
            worlds,
            teams,
            capacity=gen.uniform(0, 40, (worlds, teams)),
            wip_limit=gen.integers(1, 6, (worlds, teams)),
            arrival_rate=gen.uniform(0, 3, (worlds, teams, len(Kind))),
            dependency_prob=gen.uniform(0, 1, (worlds, teams)),
            dependencies=matrix,
            deploy_interval=gen.uniform(0.1, 15, (worlds, teams)),
            failure_prob=gen.uniform(0, 0.5, (worlds, teams)),
            withdraw_rate=gen.uniform(0, 0.5, (worlds, teams)),
        )
        engine = FlowEngine(FlowParams(incident_weight=float(gen.uniform(0.5, 5))), range(worlds), teams)
        for _ in range(40):
            out = engine.step(d)
            t = engine.totals()
            np.testing.assert_array_equal(t["arrived"], t["finished"] + t["in_system"] + t["withdrawn"])
            assert (out[Out.UTILISATION] <= 1.0 + 1e-12).all()
            np.testing.assert_allclose(out[Out.SHARE_FEATURE : Out.SHARE_IDLE + 1].sum(axis=0), 1.0)

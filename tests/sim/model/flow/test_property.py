"""Conservation over random drivers, with hypothesis when it is installed."""

import numpy as np
import pytest

from sim.model.flow import Drivers, FlowEngine, FlowParams, Out

from .helpers import rates

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed")


@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(
    capacity=hypothesis.strategies.floats(0, 50),
    rate=hypothesis.strategies.floats(0, 8),
    wip=hypothesis.strategies.integers(1, 6),
    dep=hypothesis.strategies.floats(0, 1),
    interval=hypothesis.strategies.floats(0.05, 20),
    fail=hypothesis.strategies.floats(0, 1),
    withdraw=hypothesis.strategies.floats(0, 2),
    seed=hypothesis.strategies.integers(0, 2**32),
)
def test_conservation_holds_for_any_drivers(capacity, rate, wip, dep, interval, fail, withdraw, seed):
    d = Drivers.build(
        1, 3, capacity=capacity, arrival_rate=rates(feature=rate, incident=rate / 10), wip_limit=wip,
        dependency_prob=dep, dependencies=np.roll(np.eye(3), 1, axis=1), deploy_interval=interval,
        failure_prob=fail, withdraw_rate=withdraw,
    )  # fmt: skip
    engine = FlowEngine(FlowParams(), [seed], 3)
    for _ in range(20):
        out = engine.step(d, check=False)
        t = engine.totals()
        assert (t["arrived"] == t["finished"] + t["in_system"] + t["withdrawn"]).all()
        assert (out[Out.UTILISATION] <= 1.0 + 1e-12).all()

import math

import numpy as np
import pytest

from sim.model.flow import Dependencies, Drivers, FlowEngine, FlowParams, Kind
from sim.model.schema import ConfigError


@pytest.mark.parametrize(
    "field, value",
    [
        ("feature_size_median", -1.0),
        ("feature_size_median", 0.0),
        ("incident_size_sigma", 4.0),
        ("value_sigma", float("nan")),
        ("incident_weight", 0.0),
        ("size_distribution", "weibull"),
    ],
)
def test_bad_parameters_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        FlowParams(**{field: value})


@pytest.mark.parametrize(
    "field, value",
    [
        ("capacity", -1.0),
        ("capacity", float("inf")),
        ("wip_limit", 0),
        ("arrival_rate", -0.5),
        ("dependency_prob", 1.5),
        ("deploy_interval", 0.0),
        ("failure_prob", -0.1),
        ("withdraw_rate", -1.0),
        ("feature_value", float("nan")),
        ("capacity", np.ones(5)),
    ],
)
def test_bad_drivers_name_the_input(field, value):
    with pytest.raises(ConfigError, match=field):
        Drivers.build(2, 3, **{field: value})


@pytest.mark.parametrize(
    "matrix, message",
    [
        (np.full((3, 3), 0.5), "row-stochastic"),
        (-np.eye(3), ">= 0"),
        (np.eye(4), "shape|must be"),
    ],
)
def test_bad_dependency_matrices_are_refused(matrix, message):
    with pytest.raises(ConfigError, match="dependencies"):
        Drivers.build(2, 3, dependencies=matrix)


def test_bad_edges_are_refused():
    with pytest.raises(ConfigError, match="dependencies"):
        Dependencies.from_edges(np.array([0]), np.array([5]), None, 1, 3)
    with pytest.raises(ConfigError, match="dependencies"):
        Dependencies.from_edges(np.array([0]), np.array([1]), np.array([0.0]), 1, 3)


def test_a_step_checks_its_drivers():
    engine = FlowEngine(FlowParams(), [0], 3)
    drivers = Drivers.build(1, 3, arrival_rate=1.0)
    with pytest.raises(ConfigError, match="capacity"):
        engine.step(Drivers.build(2, 3))
    engine.step(drivers)
    with pytest.raises(ConfigError, match="teams"):
        FlowEngine(FlowParams(), [0], 0)


def test_edges_and_matrices_give_the_same_graph():
    m = np.array([[0, 0.25, 0.75], [1, 0, 0], [0, 0, 0]])
    a = Dependencies.from_matrix(m, 2)
    b = Dependencies.from_edges(np.array([0, 0, 1]), np.array([1, 2, 0]), np.array([1.0, 3.0, 2.0]), 2, 3)
    for x, y in zip((a.offsets, a.targets, a.cumulative), (b.offsets, b.targets, b.cumulative), strict=True):
        np.testing.assert_allclose(x, y)
    np.testing.assert_allclose(a.cumulative, [0.25, 1, 1, 0.25, 1, 1])


def test_mean_sizes():
    p = FlowParams()
    assert math.isclose(p.mean_size(Kind.FEATURE), 3.0 * math.exp(0.5))
    assert math.isclose(
        FlowParams(size_distribution="exponential").mean_size(Kind.FEATURE), 3.0 / math.log(2)
    )

"""The teams and who needs whom: business units in blocks, platforms serving blocks, a sparse graph."""

import numpy as np
import pytest

from sim.model.flow import Dependencies
from sim.model.schema import ConfigError
from sim.model.structure import Structure, StructureRules

R = StructureRules()


def test_units_and_platforms_are_contiguous_blocks():
    s = Structure.build(12, 3, 2, 1, R)
    assert s.unit_of.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert s.platform_of.tolist() == [12] * 6 + [13] * 6
    assert s.flow_teams == 14 and s.units == 4


def test_no_platform_means_no_platform_requests():
    s = Structure.build(6, 3, 0, 0, R)
    assert (s.platform_of == -1).all()
    p, graph = s.dependencies(0.4, np.zeros(3))
    assert p.shape == (3, 6)
    assert p == pytest.approx(np.full((3, 6), R.max_dependency * 0.4))
    assert (graph.targets < 6).all()


def test_coupling_stays_within_a_few_peers_of_the_unit_and_its_seams():
    s = Structure.build(40, 10, 0, 0, R)
    sources, targets, shares = s.edges
    for j in range(40):
        mine = targets[sources == j]
        assert 1 <= len(mine) <= R.max_peers + 2
        other_units = [m for m in mine if s.unit_of[m] != s.unit_of[j]]
        assert all(abs(m - j) == 1 for m in other_units), "only the seam neighbours of another unit"
        assert shares[sources == j].sum() == pytest.approx(1.0)
    assert len(sources) <= 40 * (R.max_peers + 2), "sparse: a few edges a team"


def test_self_service_lowers_the_need_for_the_platform():
    s = Structure.build(8, 4, 1, 0, R)
    p, _ = s.dependencies(0.2, np.array([0.0, 0.5, 1.0]))
    assert p[0, 0] > p[1, 0] > p[2, 0] == pytest.approx(R.max_dependency * 0.2)
    assert (p[:, 8] == 0).all(), "the platform team's own work needs no one"


def test_no_coupling_and_full_self_service_needs_no_one():
    s = Structure.build(8, 4, 1, 0, R)
    p, _ = s.dependencies(0.0, np.ones(2))
    assert (p == 0).all()


def test_bad_counts_are_refused():
    with pytest.raises(ConfigError, match="teams"):
        Structure.build(0, 3, 0, 0, R)
    with pytest.raises(ConfigError, match="platform"):
        Structure.build(3, 3, -1, 0, R)


def test_the_graph_is_the_one_from_edges_builds_every_week():
    s = Structure.build(20, 4, 3, 0, R)
    sources, targets = s.requests
    shares = s.edges[2]
    for coupling, self_service in [(np.array([0.1, 0.5]), np.array([0.0, 0.7])), (0.3, np.array([1.0, 0.2]))]:
        _, graph = s.dependencies(coupling, self_service)
        platform = R.platform_weight * (1.0 - self_service)
        weights = np.concatenate(
            [
                np.broadcast_to(np.reshape(coupling, (-1, 1)) * shares, (2, shares.size)),
                np.repeat(platform[:, None], sources.size - shares.size, 1),
            ],
            axis=1,
        )
        want = Dependencies.from_edges(sources, targets, np.maximum(weights, 1e-12), 2, s.flow_teams)
        assert np.array_equal(graph.offsets, want.offsets) and np.array_equal(graph.targets, want.targets)
        assert np.array_equal(graph.cumulative, want.cumulative), "to the last bit"

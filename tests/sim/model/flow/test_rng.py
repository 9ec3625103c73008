import numpy as np
import pytest
from scipy import stats

from sim.model.flow import rng


def _draws(fn, n, *args, seeds=(7,), w=0, j=0, s=0):
    keys = rng.make_keys(rng.seeds_array(seeds), 3, rng.N_STREAMS)
    ctr = np.zeros_like(keys)
    return np.array([fn(keys, ctr, w, j, s, *args) for _ in range(n)]), ctr


def test_uniforms_are_uniform_and_count_their_draws():
    u, ctr = _draws(rng.uniform, 20_000)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003
    hist, _ = np.histogram(u, bins=10, range=(0, 1))
    assert hist.min() > 1800 and hist.max() < 2200
    assert ctr[0, 0, 0] == 20_000 and ctr.sum() == 20_000


def test_a_draw_ahead_is_the_draw_to_come_and_advances_nothing():
    keys = rng.make_keys(rng.seeds_array([7]), 3, rng.N_STREAMS)
    ctr = np.zeros_like(keys)
    ctr[0, 1, 2] = 5
    ahead = [rng.uniform_ahead(keys, ctr, 0, 1, 2, k) for k in range(10)]
    assert ctr[0, 1, 2] == 5
    assert ahead == [rng.uniform(keys, ctr, 0, 1, 2) for _ in range(10)]


def test_distributions_have_their_moments():
    e, _ = _draws(rng.exponential, 20_000)
    assert abs(e.mean() - 1) < 0.03 and abs(e.var() - 1) < 0.08
    z, _ = _draws(rng.normal, 20_000)
    assert abs(z.mean()) < 0.03 and abs(z.var() - 1) < 0.05
    x, _ = _draws(rng.lognormal, 20_000, 3.0, 1.0)
    assert abs(np.median(x) / 3.0 - 1) < 0.05
    k, _ = _draws(rng.poisson, 20_000, 2.5)
    assert abs(k.mean() - 2.5) < 0.05 and abs(k.var() - 2.5) < 0.15
    b, _ = _draws(rng.bernoulli, 20_000, 0.3)
    assert abs(b.mean() - 0.3) < 0.015


def test_the_ziggurat_has_layers_of_equal_area_and_draws_the_normal_to_its_tails():
    x, f = rng._ZIG_X, rng._ZIG_F
    areas = x[1:-1] * (f[2:] - f[1:-1])
    assert x[-1] == 0.0 and np.allclose(areas, 9.91256303526217e-3, rtol=1e-9)
    keys = rng.make_keys(rng.seeds_array([11]), 3, rng.N_STREAMS)
    z = rng.standard_normals(keys, np.zeros_like(keys), 2, 200_000).ravel()
    assert stats.kstest(z, "norm").pvalue > 0.01
    # Beyond the base (the tail drawn apart) and in the wedges, as often as the normal is there.
    for edge in (rng._ZIG_R, 2.0, 0.5):
        expected = z.size * 2 * stats.norm.sf(edge)
        assert abs((np.abs(z) > edge).sum() - expected) < 4 * np.sqrt(expected)


def test_streams_teams_and_worlds_are_uncorrelated():
    a, _ = _draws(rng.uniform, 5000, s=0)
    b, _ = _draws(rng.uniform, 5000, s=1)
    c, _ = _draws(rng.uniform, 5000, j=1)
    d, _ = _draws(rng.uniform, 5000, seeds=(8,))
    for other in (b, c, d):
        assert abs(np.corrcoef(a, other)[0, 1]) < 0.05
        assert not np.array_equal(a, other)


def test_a_worlds_keys_depend_on_its_seed_not_its_position():
    alone = rng.make_keys(rng.seeds_array([42]), 5, rng.N_STREAMS)
    batch = rng.make_keys(rng.seeds_array([3, 9, 42, 1]), 5, rng.N_STREAMS)
    np.testing.assert_array_equal(alone[0], batch[2])
    assert len(np.unique(batch)) == batch.size


def test_bad_seeds_are_refused():
    with pytest.raises(ValueError, match="seeds"):
        rng.seeds_array([-1])

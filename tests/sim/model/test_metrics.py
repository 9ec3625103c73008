"""DORA levels and cluster, maturity, and the weekly Recorder.

The thresholds are taken from ``sim.model.metrics`` rather than copied, so the tests
check the rules (ordering, boundaries, ties, caps) and the recorder's
bookkeeping, not particular numbers.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from sim import run
from sim.model.metrics import (
    CFR_BOUNDS,
    CLUSTERS,
    DEPLOY_BOUNDS,
    LEAD_TIME_BOUNDS,
    MATURITY_LEVELS,
    RESTORE_BOUNDS,
    TEAM_COLUMNS,
    dora_cluster,
    dora_levels,
    maturity,
)
from sim.model.params import LAYER_NAMES

ELITE = (10.0, 0.5, 0.5, 0.05)  # deploys/week, lead time days, restore hours, change failure rate
LOW = (0.1, 90.0, 300.0, 0.5)
EPS = 1e-6

# Key index, bounds, and whether a larger value is better.
KEYS = [
    (0, DEPLOY_BOUNDS, True),
    (1, LEAD_TIME_BOUNDS, False),
    (2, RESTORE_BOUNDS, False),
    (3, CFR_BOUNDS, False),
]


def _with(key: int, value: float, base=ELITE) -> list[float]:
    values = list(base)
    values[key] = value
    return values


# --------------------------------------------------------------- DORA
def test_elite_example_is_elite_on_every_key():
    assert dora_levels(*ELITE).tolist() == [3, 3, 3, 3]
    assert CLUSTERS[int(dora_cluster(*ELITE))] == "elite"


def test_low_example_is_low_on_every_key():
    assert dora_levels(*LOW).tolist() == [0, 0, 0, 0]
    assert CLUSTERS[int(dora_cluster(*LOW))] == "low"


@pytest.mark.parametrize(("key", "bounds", "higher_is_better"), KEYS)
def test_each_bound_separates_two_adjacent_levels(key, bounds, higher_is_better):
    assert len(bounds) == 3
    ordered = sorted(bounds) if higher_is_better else sorted(bounds, reverse=True)
    assert list(bounds) == ordered, "bounds must run from low towards elite"
    for level, bound in enumerate(bounds):
        better = bound * (1 + EPS) if higher_is_better else bound * (1 - EPS)
        worse = bound * (1 - EPS) if higher_is_better else bound * (1 + EPS)
        assert dora_levels(*_with(key, better))[key] == level + 1
        assert dora_levels(*_with(key, worse))[key] == level


def test_exact_bounds_follow_at_least_for_deploys_and_under_for_the_others():
    # "at least N deploys per week"; "lead time under a day", "restore under an hour", "CFR under X".
    for level, bound in enumerate(DEPLOY_BOUNDS):
        assert dora_levels(*_with(0, bound))[0] == level + 1
    for key, bounds, _ in KEYS[1:]:
        for level, bound in enumerate(bounds):
            assert dora_levels(*_with(key, bound))[key] == level


@pytest.mark.parametrize(("key", "bounds", "higher_is_better"), KEYS)
def test_levels_are_monotone_in_each_key(key, bounds, higher_is_better):
    top = max(bounds) * 10
    values = np.linspace(0.0, top, 2001)
    levels = np.array([dora_levels(*_with(key, v))[key] for v in values])
    steps = np.diff(levels)
    assert np.all(steps >= 0) if higher_is_better else np.all(steps <= 0)
    assert set(levels.tolist()) == {0, 1, 2, 3}


def test_levels_broadcast_over_arrays():
    deploys = np.array([ELITE[0], LOW[0], 2.0])
    lead = np.array([ELITE[1], LOW[1], 3.0])
    restore = np.array([ELITE[2], LOW[2], 12.0])
    cfr = np.array([ELITE[3], LOW[3], 0.15])
    levels = dora_levels(deploys, lead, restore, cfr)
    assert levels.shape == (4, 3)
    for i in range(3):
        assert levels[:, i].tolist() == dora_levels(deploys[i], lead[i], restore[i], cfr[i]).tolist()
    np.testing.assert_array_equal(
        dora_cluster(deploys, lead, restore, cfr),
        [dora_cluster(deploys[i], lead[i], restore[i], cfr[i]) for i in range(3)],
    )


def test_cluster_is_the_mean_level_with_ties_going_down():
    # Two elite keys and two low keys: mean 1.5 -> medium, not high.
    mixed = (ELITE[0], ELITE[1], LOW[2], LOW[3])
    assert dora_levels(*mixed).tolist() == [3, 3, 0, 0]
    assert CLUSTERS[int(dora_cluster(*mixed))] == "medium"
    # Three elite keys and one low: mean 2.25 -> high.
    assert CLUSTERS[int(dora_cluster(ELITE[0], ELITE[1], ELITE[2], LOW[3]))] == "high"
    # One elite key and three low: mean 0.75 -> medium.
    assert CLUSTERS[int(dora_cluster(ELITE[0], LOW[1], LOW[2], LOW[3]))] == "medium"


def test_cluster_never_rises_when_a_key_gets_worse():
    rng = np.random.default_rng(3)
    n = 2000
    deploys = 10 ** rng.uniform(-2, 2, n)
    lead = 10 ** rng.uniform(-1.5, 2.5, n)
    restore = 10 ** rng.uniform(-1, 3, n)
    cfr = rng.uniform(0, 0.7, n)
    base = dora_cluster(deploys, lead, restore, cfr)
    assert np.all(dora_cluster(deploys / 3, lead, restore, cfr) <= base)
    assert np.all(dora_cluster(deploys, lead * 3, restore, cfr) <= base)
    assert np.all(dora_cluster(deploys, lead, restore * 3, cfr) <= base)
    assert np.all(dora_cluster(deploys, lead, restore, cfr + 0.2) <= base)
    assert set(base.tolist()) == {0, 1, 2, 3}


# --------------------------------------------------------------- maturity
def test_maturity_spans_reactive_to_transformative():
    assert len(MATURITY_LEVELS) == 5
    assert maturity(np.zeros(7)) == 1
    assert maturity(np.ones(7)) == 5
    levels = [maturity(np.full(7, x)) for x in np.linspace(0, 1, 201)]
    assert np.all(np.diff(levels) >= 0)
    assert set(levels) == {1, 2, 3, 4, 5}


def test_maturity_is_monotone_in_every_layer():
    rng = np.random.default_rng(11)
    for _ in range(500):
        layers = rng.uniform(0, 1, 7)
        layer = rng.integers(7)
        stronger = layers.copy()
        stronger[layer] = rng.uniform(layers[layer], 1)
        assert maturity(stronger) >= maturity(layers)


def test_maturity_of_many_weeks_at_once_matches_week_by_week():
    layers = np.random.default_rng(2).uniform(0, 1, (300, 7))
    levels = np.asarray(maturity(layers))
    assert levels.shape == (300,)
    assert levels.tolist() == [maturity(row) for row in layers]
    assert isinstance(maturity(layers[0]), int)


def test_one_absent_layer_keeps_the_organisation_reactive():
    for layer in range(7):
        layers = np.ones(7)
        layers[layer] = 0.0
        assert maturity(layers) == 1


def test_maturity_is_capped_by_the_weakest_layer():
    rng = np.random.default_rng(5)
    for _ in range(500):
        layers = rng.uniform(0, 1, 7)
        weakest = layers.min()
        # Raising every other layer to 1 does not lift the stack past what the weakest allows.
        lifted = np.maximum(layers, 1.0)
        lifted[layers.argmin()] = weakest
        assert maturity(lifted) <= maturity(np.full(7, min(weakest + 0.25, 1.0)))
        assert maturity(layers) <= maturity(lifted)


# --------------------------------------------------------------- WeeklyRecord
@functools.cache
def _run(*overrides: str):
    return run(list(overrides))


def test_frame_has_week_index_and_layers_in_stack_order():
    df = _run("weeks=12", "seed=2").weekly
    assert isinstance(df.index, pd.RangeIndex)
    assert df.index.name == "week"
    assert df.index[0] == 1 and df.index[-1] == 12
    assert not df.columns.duplicated().any()
    assert [f"layer_{n}" for n in LAYER_NAMES] == [c for c in df.columns if c.startswith("layer_")]


def test_frame_dtypes():
    df = _run("weeks=12", "seed=2").weekly
    cluster = df["dora_cluster"]
    assert isinstance(cluster.dtype, pd.CategoricalDtype)
    assert cluster.cat.ordered
    assert list(cluster.cat.categories) == list(CLUSTERS)
    assert cluster.notna().all()
    # Ordered: clusters compare as low < medium < high < elite.
    assert ((cluster >= "low") & (cluster <= "elite")).all()
    assert pd.api.types.is_integer_dtype(df["maturity"])
    others = df.drop(columns=["dora_cluster", "maturity"])
    assert all(pd.api.types.is_numeric_dtype(t) for t in others.dtypes)


@pytest.mark.parametrize("org", ["struggling", "elite"])
def test_cluster_and_maturity_columns_agree_with_their_definitions(org):
    df = _run(f"org={org}", "weeks=20", "seed=1").weekly
    clusters = dora_cluster(
        df["deploys_per_week"].to_numpy(),
        df["lead_time_days"].to_numpy(),
        df["time_to_restore_hours"].to_numpy(),
        df["change_failure_rate"].to_numpy(),
    )
    assert df["dora_cluster"].astype(str).tolist() == [CLUSTERS[c] for c in clusters]
    layers = df[[f"layer_{n}" for n in LAYER_NAMES]].to_numpy()
    assert df["maturity"].tolist() == [maturity(row) for row in layers]


@pytest.mark.parametrize("org", ["struggling", "startup"])
def test_weekly_metrics_agree_with_the_per_team_records(org):
    result = _run(f"org={org}", "weeks=16", "seed=4", "record.team_every=1")
    weekly, teams = result.weekly, result.teams
    by_week = teams.groupby("week")
    assert list(by_week.groups) == list(weekly.index)
    np.testing.assert_allclose(by_week["throughput"].sum(), weekly["throughput"], rtol=1e-5)
    np.testing.assert_allclose(by_week["incidents"].sum(), weekly["incidents"], rtol=1e-5)
    np.testing.assert_allclose(by_week["items_done"].sum(), weekly["items_done"], rtol=1e-5)
    # Deploys per week are the stream-aligned teams' mean.
    stream = teams[teams["business_unit"] >= 0].groupby("week")
    np.testing.assert_allclose(stream["deploys_per_week"].mean(), weekly["deploys_per_week"], rtol=1e-5)
    # The org-wide failure rate and lead time are deploy-weighted means of the teams', so they lie
    # within the teams' range in a week with deploys.
    deployed = by_week["deploys_per_week"].sum() > 0
    for col in ("change_failure_rate", "lead_time_days"):
        assert (weekly.loc[deployed, col] >= by_week[col].min()[deployed] - 1e-6).all()
        assert (weekly.loc[deployed, col] <= by_week[col].max()[deployed] + 1e-6).all()
    # Headcount counts every team's people and the enabling people on top.
    assert (weekly["headcount"] >= by_week["people"].sum() - 1e-3).all()


def test_team_frame_columns_and_types():
    teams = _run("weeks=8", "seed=2", "record.team_every=2").teams
    assert list(teams.columns) == ["week", "team", *TEAM_COLUMNS]
    assert pd.api.types.is_integer_dtype(teams["business_unit"])
    assert pd.api.types.is_integer_dtype(teams["week"])
    assert pd.api.types.is_integer_dtype(teams["team"])
    assert teams["week"].unique().tolist() == [2, 4, 6, 8]

"""The recommendation: plans ranked by net value under a budget, a reproducible search, a phased roadmap."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config import options
from sim.consult import recommend as rec
from sim.consult.assess import settings
from sim.consult.effort import Effort


@pytest.fixture(scope="module")
def recommended(assessed):
    # Few seeds and trials keep this quick; the defaults are in configs/assessment/settings.yaml.
    return rec.recommend(assessed["weak_alignment"], effort=Effort(seeds=6, trials=16))


@pytest.mark.slow
def test_ranking_is_sorted_with_intervals_and_the_best_fits_the_budget(recommended):
    r = recommended
    assert list(r.ranking["mean"]) == sorted(r.ranking["mean"], reverse=True)
    # net value gained is value gained less extra cost: the frame's net_value is value less cost
    assert np.allclose(r.ranking["mean"], r.ranking["value"] - r.ranking["extra_cost"], rtol=1e-9, atol=1e-6)
    assert (r.ranking["lo"] <= r.ranking["mean"]).all() and (r.ranking["mean"] <= r.ranking["hi"]).all()
    best = r.ranking[r.ranking["plan"] == r.best.label()].iloc[0]
    assert best["extra_cost"] <= r.budget
    assert best["mean"] == r.ranking.loc[r.ranking["within_budget"], "mean"].max()
    assert r.alternative.label() in set(r.ranking["plan"])
    for name, cost in r.over_budget.items():
        assert cost > r.budget and name in settings()["recommendation"]["candidates"]
    assert set(r.frames) == {"baseline", "alternative", "best"}


@pytest.mark.slow
def test_search_is_reproducible_and_respects_a_small_budget(assessed):
    a = rec.recommend(assessed["weak_architecture"], 0.3, Effort(seeds=4, trials=8))
    b = rec.recommend(assessed["weak_architecture"], 0.3, Effort(seeds=4, trials=8))
    assert a.best == b.best
    pd.testing.assert_frame_equal(a.ranking, b.ranking)
    assert a.ranking.loc[a.ranking["plan"] == a.best.label(), "extra_cost"].iloc[0] <= a.budget
    assert len(a.over_budget) > len(
        rec.recommend(assessed["weak_architecture"], effort=Effort(seeds=4, trials=0)).over_budget
    )


@pytest.mark.slow
def test_roadmap_phases_follow_start_weeks(recommended):
    road = recommended.roadmap
    assert not road.empty
    assert list(road["start"]) == sorted(road["start"])
    bounds = settings()["recommendation"]["phases"]
    for _, row in road.iterrows():
        expected = (
            "First 90 days"
            if row["start"] <= bounds["first_90_days"]
            else "First year"
            if row["start"] <= bounds["first_year"]
            else "Beyond the first year"
        )
        assert row["phase"] == expected
    names = {i.name for i in recommended.best.steps}
    assert {r.split(" ")[0] for r in road["intervention"]} == names


def frames(net_a, net_b, value=20.0):
    idx = pd.MultiIndex.from_product([[0], range(1, len(net_a) + 1)], names=["seed", "week"])
    # The plans differ in net value; the baseline's value delivered is the dip's yardstick.
    return (
        pd.DataFrame({"value": value, "net_value": net_a}, index=idx),
        pd.DataFrame({"value": 2 * value, "net_value": net_b}, index=idx),
    )


def test_dip_and_payback_are_in_net_value():
    base, plan = frames([10.0] * 6, [10, 7, 8, 12, 14, 14])  # behind by 3, 5; ahead from week 5 cumulatively
    (share, week), payback = rec.dip_and_payback(base, plan)
    assert week == 2 and np.isclose(share, -3 / 20)  # 3 k below, of the baseline's 20 k of value a week
    assert payback == 5
    base, plan = frames([10.0] * 3, [11.0] * 3)
    assert rec.dip_and_payback(base, plan) == ((0.0, 1), 1)
    base, plan = frames([10.0] * 3, [9.0] * 3)  # more value, but less net value: it never pays back
    assert rec.dip_and_payback(base, plan)[1] is None


@pytest.mark.slow
def test_money_is_scaled_to_the_real_size(assessed):
    from sim.api import run_over_seeds
    from sim.consult.assess import MONEY
    from sim.plans import Plan

    a = assessed["weak_alignment"]
    evaluator = rec.Evaluator(a, ["culture_program"], weeks=4, max_teams=5)
    assert evaluator.config.org.teams == 5 and evaluator.real_teams == a.answers.facts["teams"]
    (scaled,) = evaluator.run([Plan((), "baseline")], [0, 1])
    (raw,) = run_over_seeds([evaluator.config], [0, 1])
    assert np.allclose(scaled[list(MONEY)], raw[list(MONEY)] * evaluator.real_teams / 5)
    pd.testing.assert_series_equal(scaled["throughput"], raw["throughput"])


def test_no_intervention_name_in_the_code():
    source = Path(rec.__file__).read_text()
    for name in options("intervention"):
        if name != "none":
            assert f'"{name}"' not in source and f"'{name}'" not in source


def test_a_lever_change_says_when_the_lever_range_caps_it():
    from sim.model.levers import lever_bounds

    lo, hi = lever_bounds()
    assert rec._change("governance", 0.3, 0.1, lo, hi) == "governance +0.3"
    capped = rec._change("architecture_investment", 1.2, 0.2, lo, hi)
    assert capped == (
        "architecture_investment +1.2 (only +0.8 takes effect: the organisation is already near its most, 1.00)"
    )

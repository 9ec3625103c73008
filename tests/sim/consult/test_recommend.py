"""The recommendation: plans ranked under a budget with intervals, a reproducible search, a phased roadmap."""

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


def test_ranking_is_sorted_with_intervals_and_the_best_fits_the_budget(recommended):
    r = recommended
    assert list(r.ranking["mean"]) == sorted(r.ranking["mean"], reverse=True)
    assert (r.ranking["lo"] <= r.ranking["mean"]).all() and (r.ranking["mean"] <= r.ranking["hi"]).all()
    best = r.ranking[r.ranking["plan"] == r.best.label()].iloc[0]
    assert best["extra_cost"] <= r.budget
    assert best["mean"] == r.ranking.loc[r.ranking["within_budget"], "mean"].max()
    assert r.alternative.label() in set(r.ranking["plan"])
    for name, cost in r.over_budget.items():
        assert cost > r.budget and name in settings()["recommendation"]["candidates"]
    assert set(r.frames) == {"baseline", "alternative", "best"}


def test_search_is_reproducible_and_respects_a_small_budget(assessed):
    a = rec.recommend(assessed["weak_architecture"], 0.3, Effort(seeds=4, trials=8))
    b = rec.recommend(assessed["weak_architecture"], 0.3, Effort(seeds=4, trials=8))
    assert a.best == b.best
    pd.testing.assert_frame_equal(a.ranking, b.ranking)
    assert a.ranking.loc[a.ranking["plan"] == a.best.label(), "extra_cost"].iloc[0] <= a.budget
    assert len(a.over_budget) > len(
        rec.recommend(assessed["weak_architecture"], effort=Effort(seeds=4, trials=0)).over_budget
    )


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


def frames(values_a, values_b):
    idx = pd.MultiIndex.from_product([[0], range(1, len(values_a) + 1)], names=["seed", "week"])
    return pd.DataFrame({"value": values_a}, index=idx), pd.DataFrame({"value": values_b}, index=idx)


def test_dip_and_payback():
    base, plan = frames([10.0] * 6, [10, 7, 8, 12, 14, 14])  # behind by 3, 5; ahead from week 5 cumulatively
    (share, week), payback = rec.dip_and_payback(base, plan)
    assert week == 2 and np.isclose(share, -0.3)
    assert payback == 5
    base, plan = frames([10.0] * 3, [11.0] * 3)
    assert rec.dip_and_payback(base, plan) == ((0.0, 1), 1)
    base, plan = frames([10.0] * 3, [9.0] * 3)
    assert rec.dip_and_payback(base, plan)[1] is None


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

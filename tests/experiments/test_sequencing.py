"""sequencing: the schedules as data with the same budget, and the experiment on a reduced size."""

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments import sequencing as sq
from sim.config import GENERATED, GENERATED_DIR, load_config, options
from sim.model.levers import LEVER_NAMES
from tests.experiments.analysed import assert_wrote, reduced_analysis

pytestmark = pytest.mark.slow

SEEDS = 3
WEEKS = sq.PROGRAMME_WEEKS + sq.STAGGER_WEEKS * (len(sq.LAYERS) - 1) + 5  # every schedule ends in the horizon


# ----------------------------------------------------------------------------- the schedules as data


def test_preset_files_are_what_the_generator_writes():
    for filename, text in sq.presets().items():
        path = GENERATED_DIR / "intervention" / filename
        assert path.read_text() == text, (
            f"{filename} differs: run python -m experiments.sequencing --write-presets"
        )
        assert yaml.safe_load(text)["phases"]
    assert sorted(n for n in options("intervention", [GENERATED]) if n.startswith("seq_")) == sorted(
        sq.schedules()
    )


def test_programmes_do_not_share_levers_and_exist():
    seen = set()
    for programme in sq.PROGRAMMES.values():
        assert not seen & set(programme.levers)
        seen |= set(programme.levers)
    assert seen <= set(LEVER_NAMES)
    assert tuple(sq.PROGRAMMES) == sq.LAYERS


def test_random_orders_are_fixed_distinct_and_neither_bottom_up_nor_top_down():
    orders = sq.random_orders()
    assert orders == sq.random_orders()
    assert len(set(orders)) == sq.RANDOM_ORDERS
    for order in orders:
        assert sorted(order) == sorted(sq.LAYERS)
        assert order not in (sq.LAYERS, sq.LAYERS[::-1])


def test_order_is_read_back_from_the_presets():
    assert sq.order_of("seq_bottom_up") == sq.LAYERS
    assert sq.order_of("seq_top_down") == sq.LAYERS[::-1]
    assert sq.order_of("seq_all_at_once") == ("all at once",)
    for k, order in enumerate(sq.random_orders(), start=1):
        assert sq.order_of(f"seq_random_{k}") == order
    assert sq.order_of("foundations_first") is None


@pytest.mark.parametrize("org", ["struggling", "solid_but_slow", "enterprise"])
def test_every_schedule_has_the_same_spend_and_lever_weeks(org):
    budget = sq.budget_check(list(sq.schedules()), org, 156)
    levers = [c for c in budget.columns if c.startswith("lever_weeks.")]
    assert len(budget) == 3 + sq.RANDOM_ORDERS and len(levers) >= 10
    for column in ["planned_spend_per_team", *levers]:
        assert budget[column].max() - budget[column].min() < 1e-9, column
    expected = sum(p.cost for p in sq.PROGRAMMES.values()) * sq.PROGRAMME_WEEKS
    assert budget["planned_spend_per_team"].iloc[0] == pytest.approx(expected)
    assert "Same budget, checked" in sq.budget_sentence(budget)


def test_a_horizon_that_cuts_the_schedules_is_flagged():
    budget = sq.budget_check(["seq_bottom_up", "seq_all_at_once"], "struggling", 60)
    assert "do NOT have the same budget" in sq.budget_sentence(budget)


def test_schedules_start_when_they_say():
    item = load_config([GENERATED, "intervention=seq_bottom_up"]).intervention["seq_bottom_up"]
    assert [p.offset for p in item.phases] == [i * sq.STAGGER_WEEKS for i in range(len(sq.LAYERS))]
    assert {p.duration for p in item.phases} == {sq.PROGRAMME_WEEKS} and item.intensity == 1


# ----------------------------------------------------------------------------- the experiment, reduced


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    return reduced_analysis(
        sq, tmp_path_factory, SEEDS, WEEKS, only={"org": ["struggling", "solid_but_slow"]}
    )


def test_writes_its_files(done):
    assert_wrote(done, "sequencing", ("sequencing.csv", "curves.csv", "budget.csv", "sequencing.png"))


def test_table_ranks_schedules_by_mean_value_with_intervals(done):
    out, _, _ = done
    table = pd.read_csv(out / "sequencing.csv")
    assert len(table) == 2 * len(sq.schedules())
    for _, part in table.groupby("org"):
        ranked = part.sort_values("rank")
        assert ranked["rank"].tolist() == list(range(1, len(part) + 1))
        assert ranked["cumulative_net_value_mean"].is_monotonic_decreasing
    for key in ("cumulative_net_value", "gain", "extra_cost", "innovations", "end_rate"):
        assert (table[f"{key}_ci_low"] <= table[f"{key}_mean"] + 1e-9).all(), key
        assert (table[f"{key}_mean"] <= table[f"{key}_ci_high"] + 1e-9).all(), key
    assert (table["dip_depth_mean"] >= 0).all() and (table["dip_depth_mean"] < 1).all()
    order = table.set_index(["org", "intervention"])["order"]
    assert order[("struggling", "seq_bottom_up")] == " > ".join(sq.LAYERS)


def test_payback_and_dip_follow_the_curves(done):
    out, results, _ = done
    table = pd.read_csv(out / "sequencing.csv").set_index(["org", "intervention"])
    curves = pd.read_csv(out / "curves.csv")
    for (org, name), row in table.iterrows():
        gain = curves[(curves["org"] == org) & (curves["intervention"] == name)].set_index("week")[
            "gain_mean"
        ]
        week = row["payback_week_mean"]
        if np.isfinite(week):
            assert (gain.loc[int(week) :] > 0).all()
            assert week == gain.index[0] or gain.loc[int(week) - 1] <= 0
        else:
            assert gain.iloc[-1] <= 0
    # Dip depth of all-at-once on struggling, from its definition (4-week trailing means).
    rows = results[results["org"] == "struggling"]
    treat = rows[rows["intervention"] == "seq_all_at_once"].groupby("week")["value"].mean()
    base = rows[rows["intervention"] == "none"].groupby("week")["value"].mean()
    loss = 1 - treat.rolling(4, min_periods=1).mean() / base.rolling(4, min_periods=1).mean()
    row = table.loc[("struggling", "seq_all_at_once")]
    assert row["dip_depth_mean"] == pytest.approx(max(loss.max(), 0))
    assert row["trough_week"] == loss.idxmax()


def test_summary_checks_the_budget_and_compares_orders(done):
    out, _, _ = done
    md = (out / "summary.md").read_text()
    assert "Same budget, checked" in md and "NOT" not in md
    assert "bottom-up minus top-down" in md and "bottom-up minus the mean of the 4 random orders" in md
    table = pd.read_csv(out / "sequencing.csv")
    for org, part in table.groupby("org"):
        best = part.sort_values("rank").iloc[0]["intervention"]
        assert f"On `{org}`" in md and f"**{best}** delivers the most" in md

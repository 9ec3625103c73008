"""shocks on a reduced size, and the recovery measure on curves whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from experiments import shocks
from tests.experiments.analysed import assert_wrote, reduced_analysis
from tests.experiments.sweeps import run_sweep

pytestmark = pytest.mark.slow

SEEDS, WEEKS = 3, 60  # every shock preset starts in week 26
SHOCKS = ["demand_surge", "budget_cut", "key_people_loss", "security_incident", "strategy_change"]


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    return reduced_analysis(
        shocks,
        tmp_path_factory,
        SEEDS,
        WEEKS,
        only={"org": ["struggling", "enterprise"]},
        teams={"enterprise": 20},
    )


def test_writes_its_files(done):
    assert_wrote(done, "shocks", ("shocks.csv", "curves.csv", "shocks.png"))


def test_one_row_per_org_and_shock_with_sane_measures(done):
    out, _, _ = done
    table = pd.read_csv(out / "shocks.csv")
    assert table["context"].tolist() == ["struggling"] * 5 + ["enterprise"] * 5, (
        "the constant experiment column is no context"
    )
    assert table["shock"].tolist() == SHOCKS * 2
    assert table["effect"].all()
    # A shock shows from its start or later (a hiring freeze bites when a hire is due), never before.
    assert (table["preset_start"] == 26).all() and (table["onset_week"] >= table["preset_start"]).all()
    assert ((table["dip_depth_mean"] >= 0) & (table["dip_depth_mean"] < 1)).all()
    assert (table["trough_week"] >= table["onset_week"]).all()
    assert (table["weeks_to_recover_mean"] >= 0).all()
    assert (table["weeks_to_recover_for_good_mean"] >= table["weeks_to_recover_mean"]).all()
    for key in (
        "dip_depth",
        "value_lost",
        "value_lost_share",
        "end_rate",
        "end_headcount",
        "end_layer_talent",
        "end_bu_trust",
    ):
        assert (table[f"{key}_ci_low"] <= table[f"{key}_mean"] + 1e-9).all(), key
        assert (table[f"{key}_mean"] <= table[f"{key}_ci_high"] + 1e-9).all(), key
    # Losing 15% of the people in two weeks makes a visible dip after it (its depth deepens while
    # replacements are hired and ramp up, and the leavers' knowledge is missed).
    kpl = table[(table["shock"] == "key_people_loss")].iloc[0]
    assert kpl["dip_depth_mean"] > 0.05 and kpl["trough_week"] >= kpl["preset_start"]


def test_measures_follow_their_definitions(done):
    out, results, _ = done
    table = pd.read_csv(out / "shocks.csv").set_index(["context", "shock"])
    rows = results[results["org"] == "struggling"]
    calm = rows[rows["shock"] == "none"].pivot(index="seed", columns="week", values="value")
    hit = rows[rows["shock"] == "budget_cut"].pivot(index="seed", columns="week", values="value")
    # Identical until the shock acts: same seed, same run.
    np.testing.assert_array_equal(calm.loc[:, :25].to_numpy(), hit.loc[:, :25].to_numpy())
    row = table.loc[("struggling", "budget_cut")]
    assert row["value_lost_mean"] == pytest.approx((calm.loc[:, 26:] - hit.loc[:, 26:]).sum(axis=1).mean())
    loss = 1 - hit.loc[:, 26:].mean() / calm.loc[:, 26:].mean()
    assert row["dip_depth_mean"] == pytest.approx(loss.max())
    assert row["trough_week"] == loss.idxmax()
    head_calm = rows[rows["shock"] == "none"].pivot(index="seed", columns="week", values="headcount")
    head_hit = rows[rows["shock"] == "budget_cut"].pivot(index="seed", columns="week", values="headcount")
    end = (head_hit.iloc[:, -13:].mean(axis=1) - head_calm.iloc[:, -13:].mean(axis=1)).mean()
    assert row["end_headcount_mean"] == pytest.approx(end)


def test_summary_is_generated_from_the_table(done):
    out, _, _ = done
    table = pd.read_csv(out / "shocks.csv")
    md = (out / "summary.md").read_text()
    for context, part in table.groupby("context"):
        worst = part.loc[part["value_lost_mean"].idxmax(), "shock"]
        deep = part.loc[part["dip_depth_mean"].idxmax(), "shock"]
        assert f"On `{context}`, the deepest dip follows **{deep}**" in md
        assert f"The most value is lost to **{worst}**" in md
    assert "weeks to recover" in md and "paired by seed" in md


def test_recovery_on_known_curves():
    weeks = np.arange(1, 41)
    base = np.full((1, 40), 100.0)
    treat = base.copy()
    treat[0, 9:14] = 50.0  # weeks 10-14 at half the value, then back
    got, relapse = shocks.recovery(treat, base, weeks, start=9, tolerance=0.05, window=1)
    assert got[0] == 5 and not relapse[0]  # back in week 15, five weeks after the onset in week 10
    got, _ = shocks.recovery(treat, base, weeks, start=9, tolerance=0.05, window=4)
    assert got[0] == 8  # the 4-week mean is back within 5% once weeks 15-18 are all back: week 18
    never = base.copy()
    never[0, 9:] = 80.0
    got, _ = shocks.recovery(never, base, weeks, start=9, tolerance=0.05, window=1)
    assert np.isinf(got[0])
    got, _ = shocks.recovery(base * 0.97, base, weeks, start=9, tolerance=0.05, window=1)
    assert got[0] == 0  # never more than 5% below: nothing to recover from
    twice = treat.copy()
    twice[0, 30:33] = 50.0
    got, relapse = shocks.recovery(twice, base, weeks, start=9, tolerance=0.05, window=1)
    assert got[0] == 5 and relapse[0]
    # For good: back after the last week below, week 34, so 24 weeks after the onset in week 10.
    assert shocks.recovery_for_good(twice, base, weeks, start=9, tolerance=0.05, window=1)[0] == 24
    assert shocks.recovery_for_good(treat, base, weeks, start=9, tolerance=0.05, window=1)[0] == 5
    assert np.isinf(shocks.recovery_for_good(never, base, weeks, start=9, tolerance=0.05, window=1)[0])
    assert shocks.recovery_for_good(base, base, weeks, start=9, tolerance=0.05, window=1)[0] == 0


def test_a_shock_that_changes_nothing_is_reported_as_such(tmp_path):
    # A surge of intensity 0: the shock is there, and changes nothing.
    def still(point):
        return (
            ["shock.demand_surge.start=5", "shock.demand_surge.intensity=0"]
            if point["shock"] == "demand_surge"
            else []
        )

    frame = run_sweep({"shock": ["none", "demand_surge"], "seed": [0, 1]}, ["weeks=20"], still)
    result = shocks.compute(frame, dict(shocks.DEFAULTS))
    row = result["table"].iloc[0]
    assert not row["effect"] and np.isnan(row["onset_week"])
    text = " ".join(shocks.reading(result, dict(shocks.DEFAULTS)))
    assert text == "On `struggling` no shock changes anything within 20 weeks."
    shocks.analyse(frame, tmp_path)
    assert "no effect" in (tmp_path / "summary.md").read_text()

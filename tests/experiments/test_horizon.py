"""horizon on a reduced size, and the crossover on curves whose answer is known."""

import numpy as np
import pandas as pd
import pytest

from experiments import horizon
from sim.stats import overtake_week
from tests.experiments.analysed import assert_wrote, reduced_analysis

pytestmark = pytest.mark.slow

SEEDS, WEEKS = 4, 70  # foundations_first overtakes by about week 30-60 on the three organisations


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    return reduced_analysis(horizon, tmp_path_factory, SEEDS, WEEKS, teams={"enterprise": 20})


def test_writes_its_files(done):
    assert_wrote(done, "horizon", ("horizon.csv", "checkpoints.csv", "difference.csv", "per_seed.csv"))


def test_one_row_per_org_with_an_interval_around_the_crossover(done):
    out, _, _ = done
    summary = pd.read_csv(out / "horizon.csv")
    assert summary["org"].tolist() == ["struggling", "solid_but_slow", "enterprise"]
    assert (summary["n_seeds"] == SEEDS).all()
    for _, row in summary.iterrows():
        assert np.isfinite(row["crossover_week"]), row["org"]
        assert row["crossover_ci_low"] <= row["crossover_week"] <= row["crossover_ci_high"]
        if row["seeds_crossing"] == row["n_seeds"]:
            assert row["per_seed_ci_low"] <= row["per_seed_mean"] <= row["per_seed_ci_high"]
            assert row["per_seed_min"] <= row["per_seed_mean"] <= row["per_seed_max"]


def test_crossover_week_is_consistent_with_the_curves(done):
    out, results, _ = done
    summary = pd.read_csv(out / "horizon.csv").set_index("org")
    difference = pd.read_csv(out / "difference.csv")
    for org, row in summary.iterrows():
        d = difference[difference["org"] == org].set_index("week")["difference_mean"]
        w = int(row["crossover_week"])
        assert (d.loc[w:] > 0).all(), "ahead for good from the crossover week on"
        assert d.loc[w - 1] <= 0, "not yet ahead for good the week before"
        # The same as the headline's definition on the mean cumulative curves.
        rows = results[results["org"] == org]
        a = rows[rows["intervention"] == "foundations_first"].groupby("week")["net_value"].mean().cumsum()
        b = rows[rows["intervention"] == "execution_push"].groupby("week")["net_value"].mean().cumsum()
        assert overtake_week(a.to_numpy(), b.to_numpy(), a.index.to_numpy()) == w


def test_per_seed_crossovers_follow_each_seeds_curves(done):
    out, results, _ = done
    per_seed = pd.read_csv(out / "per_seed.csv")
    row = per_seed[(per_seed["org"] == "struggling") & (per_seed["seed"] == 1)].iloc[0]
    runs = results[(results["org"] == "struggling") & (results["seed"] == 1)]
    a = runs[runs["intervention"] == "foundations_first"].set_index("week")["net_value"].cumsum()
    b = runs[runs["intervention"] == "execution_push"].set_index("week")["net_value"].cumsum()
    assert overtake_week(a.to_numpy(), b.to_numpy(), a.index.to_numpy()) == row["crossover_week"]


def test_checkpoints_say_who_is_ahead(done):
    out, _, _ = done
    checkpoints = pd.read_csv(out / "checkpoints.csv")
    assert set(checkpoints["week"]) == {4, 13, 26, 52, WEEKS}
    for _, c in checkpoints.iterrows():
        expected = "foundations_first" if c["difference_mean"] > 0 else "execution_push"
        assert c["leader"] == expected
        assert c["difference_ci_low"] <= c["difference_mean"] <= c["difference_ci_high"]
        assert c["clear"] == (c["difference_ci_low"] > 0 or c["difference_ci_high"] < 0)
    md = (out / "summary.md").read_text()
    summary = pd.read_csv(out / "horizon.csv")
    for _, row in summary.iterrows():
        assert f"overtakes `execution_push` for good in week {int(row['crossover_week'])}**" in md


def synthetic(ahead_slope: float, seeds: int = 5, weeks: int = 30) -> pd.DataFrame:
    """Two interventions: execution_push flat at 10, foundations_first from 0 rising by ahead_slope a week."""
    rows = []
    for seed in range(seeds):
        for week in range(1, weeks + 1):
            rows.append(("struggling", "execution_push", seed, week, 10.0))
            rows.append(("struggling", "foundations_first", seed, week, ahead_slope * week))
    return pd.DataFrame(rows, columns=["org", "intervention", "seed", "week", "net_value"])


def test_known_crossover_on_synthetic_curves():
    # FF value = w, EP value = 10: cumulative w(w+1)/2 > 10w from w = 20 on (equal in week 19).
    result = horizon.compute(synthetic(1.0), dict(horizon.DEFAULTS))
    row = result["summary"].iloc[0]
    assert row["crossover_week"] == 20
    assert row["crossover_ci_low"] == 20 and row["crossover_ci_high"] == 20
    assert row["per_seed_mean"] == 20 and row["seeds_crossing"] == 5


def test_no_crossover_is_reported_as_never(tmp_path):
    frame = synthetic(0.1)  # FF never catches up within 30 weeks
    result = horizon.compute(frame, dict(horizon.DEFAULTS))
    row = result["summary"].iloc[0]
    assert (
        np.isinf(row["crossover_week"]) and row["bootstrap_share_never"] == 1.0 and row["seeds_crossing"] == 0
    )
    text = " ".join(horizon.reading(result, dict(horizon.DEFAULTS)))
    assert "does not overtake `execution_push` for good within 30 weeks" in text
    horizon.analyse(frame, tmp_path)
    assert "No seed crosses" in (tmp_path / "summary.md").read_text()

"""foundations_vs_execution on a reduced size: its own sweep, fewer interventions, seeds and weeks."""

import numpy as np
import pandas as pd
import pytest

from experiments import foundations_vs_execution as fve
from sim.analysis.catalogue import METRICS
from tests.experiments.analysed import assert_wrote, reduced_analysis

pytestmark = pytest.mark.slow

INTERVENTIONS = ["none", "execution_push", "foundations_first", "delivery_excellence", "hire_more"]
SEEDS, WEEKS = 3, 40


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    return reduced_analysis(
        fve, tmp_path_factory, SEEDS, WEEKS, only={"intervention": INTERVENTIONS}, teams={"enterprise": 20}
    )


def test_writes_its_files(done):
    assert_wrote(
        done,
        "foundations_vs_execution",
        ("ranking.csv", "curves.csv", "cumulative_net_value.png", "gain.png"),
        figures=2,
    )


def test_ranking_has_every_org_and_intervention_ranked_by_mean_value(done):
    out, _, _ = done
    ranking = pd.read_csv(out / "ranking.csv")
    assert len(ranking) == 3 * len(INTERVENTIONS)
    assert list(dict.fromkeys(ranking["org"])) == ["struggling", "solid_but_slow", "enterprise"]
    for _, table in ranking.groupby("org"):
        assert table["rank"].tolist() == list(range(1, len(INTERVENTIONS) + 1))
        assert table["cumulative_net_value_mean"].is_monotonic_decreasing
        assert set(table["intervention"]) == set(INTERVENTIONS)
        assert (table["n_seeds"] == SEEDS).all()


def test_intervals_contain_their_means(done):
    out, _, _ = done
    ranking = pd.read_csv(out / "ranking.csv")
    for key in [m.key for m in METRICS] + ["gain"]:
        low, mean, high = (ranking[f"{key}_{p}"] for p in ("ci_low", "mean", "ci_high"))
        assert ((low <= mean + 1e-9) & (mean <= high + 1e-9)).all(), key


def test_numbers_follow_their_definitions(done):
    out, results, _ = done
    ranking = pd.read_csv(out / "ranking.csv").set_index(["org", "intervention"])
    runs = results[(results["org"] == "struggling") & (results["intervention"] == "execution_push")]
    base = results[(results["org"] == "struggling") & (results["intervention"] == "none")]
    row = ranking.loc[("struggling", "execution_push")]
    assert row["cumulative_net_value_mean"] == pytest.approx(runs.groupby("seed")["net_value"].sum().mean())
    assert row["gain_mean"] == pytest.approx(
        runs.groupby("seed")["net_value"].sum().mean() - base.groupby("seed")["net_value"].sum().mean()
    )
    assert ranking.loc[("struggling", "none"), "gain_mean"] == 0
    assert row["lead_time_days_mean"] == pytest.approx(runs.groupby("seed")["lead_time_days"].mean().mean())
    assert row["cost_mean"] == pytest.approx(runs.groupby("seed")["cost"].sum().mean())
    curves = pd.read_csv(out / "curves.csv")
    last = curves[(curves["org"] == "struggling") & (curves["week"] == WEEKS)].set_index("intervention")
    assert last.loc["execution_push", "cumulative_net_value_mean"] == pytest.approx(
        row["cumulative_net_value_mean"]
    )


def test_summary_names_the_winner_of_each_org_from_the_numbers(done):
    out, _, _ = done
    ranking = pd.read_csv(out / "ranking.csv")
    md = (out / "summary.md").read_text()
    for org, table in ranking.groupby("org"):
        top = table.sort_values("rank").iloc[0]["intervention"]
        assert f"On `{org}`" in md
        assert f"**{top}** ranks first" in md
        assert f"### Ranking on `{org}`" in md
    assert "95% Student-t interval" in md and "Organisation sizes" in md


def test_the_reading_changes_with_the_numbers(done):
    _, results, _ = done
    # Swap the value of two interventions: the winner in the text must follow.
    settings = dict(fve.DEFAULTS)
    one = results[results["org"] == "struggling"].copy()
    result = fve.compute(one, settings)
    first = result["ranking"].iloc[0]["intervention"]
    last = result["ranking"].iloc[-1]["intervention"]
    swapped = one.copy()
    a, b = swapped["intervention"] == first, swapped["intervention"] == last
    swapped.loc[a, "intervention"], swapped.loc[b, "intervention"] = last, first
    text = " ".join(fve.reading(fve.compute(swapped, settings), settings))
    assert f"**{last}** ranks first" in text
    assert np.isfinite(result["ranking"]["cumulative_net_value_mean"]).all()

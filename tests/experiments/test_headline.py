import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import headline
from experiments.headline import DEFAULT_INTERVENTIONS, main, run_experiment, write_outputs
from sim import simulate
from sim.analysis.catalogue import METRICS, final_window, window_label
from sim.stats import overtake_week
from sim.text import fmt

SEEDS = 3
WEEKS = 20
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def serial():
    return run_experiment(seeds=SEEDS, weeks=WEEKS, workers=1)


@pytest.fixture(scope="module")
def parallel():
    return run_experiment(seeds=SEEDS, weeks=WEEKS, workers=2)


def test_identical_whatever_the_worker_count(serial, parallel):
    pd.testing.assert_frame_equal(serial.summary, parallel.summary, check_exact=True)
    pd.testing.assert_frame_equal(serial.per_run, parallel.per_run, check_exact=True)
    pd.testing.assert_frame_equal(serial.weekly, parallel.weekly, check_exact=True)
    pd.testing.assert_frame_equal(serial.bands, parallel.bands, check_exact=True)
    assert serial.reading == parallel.reading


def test_runs_are_sorted_by_intervention_then_seed(serial):
    keys = list(zip(serial.per_run["intervention"].astype(str), serial.per_run["seed"], strict=True))
    assert keys == [(iv, s) for iv in DEFAULT_INTERVENTIONS for s in range(SEEDS)]
    assert len(serial.weekly) == len(DEFAULT_INTERVENTIONS) * SEEDS * WEEKS


def test_each_run_of_the_experiment_is_the_run_simulate_gives(serial):
    expected = simulate(
        ["org=struggling", "intervention=execution_push", "seed=1", f"weeks={WEEKS}", "record.team_every=0"]
    )
    frame = serial.weekly.query("intervention == 'execution_push' and seed == 1").set_index("week")
    for column in ("value", "deploys_per_week", "attrition"):
        np.testing.assert_array_equal(frame[column].to_numpy(), expected[column].to_numpy())


def test_per_run_metrics_follow_their_definitions(serial):
    first, last = final_window(WEEKS)
    run = serial.weekly[(serial.weekly["intervention"] == "none") & (serial.weekly["seed"] == 1)]
    row = serial.per_run[(serial.per_run["intervention"] == "none") & (serial.per_run["seed"] == 1)].iloc[0]
    in_window = run[run["week"].between(first, last)]
    assert row["cumulative_net_value"] == pytest.approx(run["net_value"].sum())
    assert row["innovations"] == pytest.approx(run["innovations"].sum())
    assert row["attrition"] == pytest.approx(run["attrition"].sum())
    assert row["cost"] == pytest.approx(run["cost"].sum())
    assert row["lead_time_days"] == pytest.approx(in_window["lead_time_days"].mean())
    assert run["cumulative_net_value"].iloc[-1] == pytest.approx(row["cumulative_net_value"])


def test_final_window_is_year_three_of_three():
    assert final_window(156) == (105, 156)
    assert final_window(20) == (1, 20)
    assert window_label(156) == "year 3, weeks 105-156"


def test_overtake_week():
    weeks = np.arange(1, 6)
    assert overtake_week(np.array([0, 0, 2, 3, 4]), np.array([1, 1, 1, 1, 1]), weeks) == 3
    assert overtake_week(np.array([2, 0, 2, 0, 4]), np.array([1, 1, 1, 1, 1]), weeks) == 5
    assert overtake_week(np.array([2, 2, 2, 2, 2]), np.array([1, 1, 1, 1, 1]), weeks) == 1
    assert overtake_week(np.array([2, 2, 2, 2, 1]), np.array([1, 1, 1, 1, 1]), weeks) is None


def test_outputs(serial, tmp_path):
    paths = write_outputs(serial, tmp_path / "out")
    for key in ("csv", "md", "png"):
        assert paths[key].exists() and paths[key].stat().st_size > 0
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(paths["csv"])
    assert list(table["intervention"]) == list(DEFAULT_INTERVENTIONS)
    assert (table["n_seeds"] == SEEDS).all()
    expected = {"intervention", "n_seeds"} | {
        f"{m.key}_{part}" for m in METRICS for part in ("mean", "ci_low", "ci_high")
    }
    assert set(table.columns) == expected
    for m in METRICS:
        mean, low, high = (table[f"{m.key}_{part}"] for part in ("mean", "ci_low", "ci_high"))
        finite = mean.notna() & low.notna() & high.notna()
        assert finite.any(), m.key
        tol = 1e-9 * np.maximum(1.0, mean[finite].abs())
        assert (low[finite] <= mean[finite] + tol).all(), m.key
        assert (mean[finite] <= high[finite] + tol).all(), m.key
    markdown = paths["md"].read_text()
    assert serial.reading in markdown
    assert all(iv in markdown for iv in DEFAULT_INTERVENTIONS)


def test_reading_names_the_winner_from_the_numbers(serial):
    winner = serial.summary.loc[serial.summary["cumulative_net_value_mean"].idxmax(), "intervention"]
    name = "doing nothing (none)" if winner == "none" else winner
    assert f"{name} delivers the most cumulative net value: " in serial.reading
    assert fmt(serial.summary["cumulative_net_value_mean"].max()) in serial.reading


def test_cli_writes_and_reports(tmp_path, capsys):
    out = tmp_path / "cli"
    code = main(["--seeds", "2", "--weeks", "10", "--workers", "1", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert "cumulative net value, k (10 weeks)" in printed
    for name in ("summary.csv", "summary.md", "headline.png"):
        assert (out / name).exists()
        assert str(out / name) in printed


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--org", "nope"], "org"),
        (["--weeks", "-3"], "weeks"),
        (["--interventions", "none,bogus"], "intervention"),
    ],
)
def test_bad_config_is_one_line_and_writes_nothing(tmp_path, capsys, args, field):
    out = tmp_path / "bad"
    assert main([*args, "--seeds", "2", "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and field in err
    assert not out.exists()


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--workers", "x"], ["--interventions", "none,none"]])
def test_bad_arguments_exit_non_zero(tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exc:
        main([*args, "--out", str(tmp_path / "bad")])
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_module_entry_point_fails_cleanly(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.headline", "--org", "nope", "--out", str(tmp_path / "x")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("headline: error: org")


def test_a_single_seed_gives_means_without_intervals():
    result = run_experiment(seeds=1, weeks=5, interventions=("none", "execution_push"), workers=1)
    assert result.summary["n_seeds"].tolist() == [1, 1]
    assert result.summary["cumulative_net_value_ci_low"].isna().all()
    assert result.summary["cumulative_net_value_mean"].notna().all()
    assert "single seed" in result.reading
    assert "n/a" in headline.render_text(result)

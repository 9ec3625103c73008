"""The shared pieces of the named experiments: results schema, sweeps, statistics, rendering."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.__main__ import main
from sim import simulate
from sim.analysis.document import Report, Table, new_figure
from sim.analysis.results import (
    DEFAULT_ORG,
    arrange,
    highest,
    load_settings,
    lowest,
    per_run,
    require,
    summarise,
    sweep_order,
    swept_columns,
)
from sim.config import load_config, options
from sim.stats import (
    BOOTSTRAP_SAMPLES,
    bootstrap,
    dip,
    overtake_week,
    overtake_weeks,
    rolling_mean,
    t_interval,
)
from sim.sweeps import jobs, results
from sim.text import fmt_interval, fmt_signed, fmt_week, fmt_week_interval, join, seed_range
from tests.experiments.sweeps import reduced_sweep, results_frame, run_sweep, sweep_dir, sweep_params

ROOT = Path(__file__).resolve().parents[3]


# ----------------------------------------------------------------------------- results schema


def test_results_frame_has_the_schema_of_results_parquet():
    a = simulate(["weeks=5", "seed=1", "record.team_every=0"])
    b = simulate(["weeks=5", "seed=2", "record.team_every=0", "intervention=[platform_team,talent_program]"])
    frame = results_frame(
        [
            ({"seed": 1, "intervention": "none"}, a),
            ({"seed": 2, "intervention": ["platform_team", "talent_program"]}, b),
        ]
    )
    assert list(frame.columns[:4]) == ["run", "intervention", "seed", "week"]
    assert list(frame.columns[4:]) == list(a.columns)
    assert frame["intervention"].tolist() == ["none"] * 5 + ["platform_team+talent_program"] * 5
    assert frame["seed"].dtype.kind == "i" and frame["week"].tolist() == [1, 2, 3, 4, 5] * 2
    assert frame["run"].nunique() == 2
    back = frame[frame["seed"] == 1].set_index("week")[a.columns]
    pd.testing.assert_frame_equal(back, a)


def test_results_frame_matches_what_the_sweep_machinery_collects(tmp_path):
    runs = []
    for seed, intervention in ((0, "none"), (1, "execution_push")):
        overrides = [f"intervention={intervention}", f"seed={seed}", "weeks=4"]
        weekly = simulate([*overrides, "record.team_every=0"])
        job = tmp_path / jobs.job_dir_name(overrides)
        job.mkdir()
        weekly.to_parquet(job / "metrics.parquet")
        jobs.write_run(job, status="ok", error=None, overrides=overrides, seconds=0.1)
        runs.append(({"intervention": intervention, "seed": seed, "weeks": 4}, weekly))
    collected = pd.read_parquet(results.collect(tmp_path)).sort_values(["run", "week"], ignore_index=True)
    ours = results_frame(runs).sort_values(["run", "week"], ignore_index=True)
    assert list(ours.columns) == list(collected.columns)
    assert ours["run"].tolist() == collected["run"].tolist()
    for column in ("intervention", "seed", "weeks", "week", "value", "cost"):
        np.testing.assert_array_equal(ours[column].to_numpy(), collected[column].to_numpy())


def test_run_sweep_is_the_cartesian_product_and_equals_simulate():
    frame = run_sweep(
        {"intervention": ["none", "execution_push"], "seed": [3, 4]}, ["+experiment=horizon", "weeks=6"]
    )
    combos = frame.groupby(["intervention", "seed"]).size()
    assert combos.to_dict() == {
        ("execution_push", 3): 6,
        ("execution_push", 4): 6,
        ("none", 3): 6,
        ("none", 4): 6,
    }
    assert set(frame["experiment"]) == {"horizon"} and set(frame["weeks"]) == {6}
    direct = simulate(["intervention=execution_push", "seed=4", "weeks=6", "record.team_every=0"])
    mine = frame[(frame["intervention"] == "execution_push") & (frame["seed"] == 4)].set_index("week")
    pd.testing.assert_frame_equal(mine[direct.columns], direct)


def test_require_names_the_missing_column_and_adds_the_default_org():
    frame = pd.DataFrame({"seed": [0, 1], "value": [2.0, 1.0]})
    with pytest.raises(ValueError, match="exp: results have no column 'intervention'; sweep it"):
        require(frame, ["intervention", "value"], "exp")
    assert require(frame, ["value"], "exp")["org"].tolist() == [DEFAULT_ORG] * 2
    assert load_config().org.name == DEFAULT_ORG  # what a sweep that does not vary org runs
    swept = frame.assign(org=["a", "b"])
    assert require(swept, [], "exp")["org"].tolist() == ["a", "b"]


def test_highest_and_lowest_pick_the_first_row_of_a_tie():
    frame = pd.DataFrame({"name": ["a", "b", "c"], "x": [1.0, 3.0, 3.0]})
    assert highest(frame, "x")["name"] == "b"
    assert lowest(frame, "x")["name"] == "a"


def test_swept_columns_are_the_non_metric_columns():
    frame = run_sweep({"seed": [0]}, ["weeks=2"])
    assert swept_columns(frame) == ["seed", "weeks"]


# ----------------------------------------------------------------------------- the experiment YAMLs


@pytest.mark.parametrize("name", options("experiment"))
def test_every_experiment_yaml_follows_the_contract(name):
    path = ROOT / "configs" / "experiment" / f"{name}.yaml"
    text = path.read_text()
    assert text.splitlines()[0] == "# @package _global_"
    data = yaml.safe_load(text)
    assert data["experiment"]["name"] == name
    assert data["hydra"]["sweep"]["dir"] == f"results/experiments/{name}"
    assert sweep_dir(name) == f"results/experiments/{name}"
    params = sweep_params(name)
    assert params["seed"] == list(range(30)), "every experiment sweeps seeds 0-29"
    assert set(params["org"]) == {"struggling", "solid_but_slow", "enterprise"}
    for group in ("intervention", "shock", "org"):
        for value in params.get(group, []):
            assert value in options(group, [f"+experiment={name}"]), (
                f"{name}: {group}={value} is not a preset"
            )
    config = load_config([f"+experiment={name}"])
    assert config.record.team_every == 0 and config.weeks == 156
    assert callable(importlib.import_module(f"experiments.{name}").analyse)


def test_foundations_vs_execution_sweeps_every_intervention_of_the_brief():
    params = sweep_params("foundations_vs_execution")
    assert sorted(params["intervention"]) == options("intervention")


# ----------------------------------------------------------------------------- statistics


def test_overtake_weeks_is_the_row_wise_headline_overtake_week():
    rng = np.random.default_rng(1)
    weeks = np.arange(1, 41)
    ahead = np.cumsum(rng.normal(1.0, 1.0, (50, 40)), axis=1)
    behind = np.cumsum(rng.normal(1.0, 1.0, (50, 40)), axis=1)
    got = overtake_weeks(ahead, behind, weeks)
    for i in range(50):
        expected = overtake_week(ahead[i], behind[i], weeks)
        assert got[i] == (np.inf if expected is None else expected)


def test_rolling_mean_is_a_trailing_mean():
    x = np.random.default_rng(2).normal(size=(3, 20))
    expected = pd.DataFrame(x.T).rolling(4, min_periods=1).mean().to_numpy().T
    np.testing.assert_allclose(rolling_mean(x, 4), expected)


def test_dip_finds_the_trough_and_its_interval_contains_it():
    weeks = np.arange(1, 21)
    base = np.full((5, 20), 100.0)
    treat = base.copy()
    treat[:, 9] = [60, 70, 80, 90, 100]  # mean loss 20% in week 10
    depth, trough = dip(treat, base, weeks)
    assert trough == 10
    assert depth.mean == pytest.approx(0.2)
    assert depth.low < 0.2 < depth.high
    none, week = dip(base + 1, base, weeks)
    assert none.mean == 0 and np.isnan(week)


def test_bootstrap_is_deterministic_and_brackets_the_statistic():
    rng = np.random.default_rng(3)
    a = rng.normal(10, 1, (30, 5))

    def mean_of_first(x):
        return x[:, 0]

    first, values = bootstrap(mean_of_first, a)
    second, _ = bootstrap(mean_of_first, a)
    assert first == second
    assert first.mean == pytest.approx(a[:, 0].mean())
    assert first.low < first.mean < first.high
    t = t_interval(a[:, 0])
    assert abs(first.low - t.low) < 0.25 and abs(first.high - t.high) < 0.25
    assert len(values) == BOOTSTRAP_SAMPLES


def test_bootstrap_keeps_never_as_inf():
    def never(x):
        return np.full(x.shape[0], np.inf)

    iv, _ = bootstrap(never, np.ones((4, 3)))
    assert np.isinf(iv.mean) and np.isinf(iv.low) and np.isinf(iv.high)
    assert fmt_week_interval(iv) == "never [never, never]"


def test_per_run_totals_and_final_year_means():
    frame = run_sweep({"seed": [0, 1]}, ["weeks=60"])
    runs = per_run(frame, [])
    one = frame[frame["seed"] == 1]
    row = runs[runs["seed"] == 1].iloc[0]
    assert row["cumulative_net_value"] == pytest.approx(one["net_value"].sum())
    assert row["lead_time_days"] == pytest.approx(one[one["week"] >= 9]["lead_time_days"].mean())
    summary = summarise(runs.assign(all="x"), ["all"], ["cumulative_net_value"]).iloc[0]
    assert (
        summary["cumulative_net_value_ci_low"]
        <= summary["cumulative_net_value_mean"]
        <= summary["cumulative_net_value_ci_high"]
    )


# ----------------------------------------------------------------------------- settings and order


def test_settings_and_order_come_from_multirun_yaml(tmp_path):
    assert load_settings(tmp_path, {"a": 1}) == {"a": 1}
    assert sweep_order(tmp_path, "org") == []
    (tmp_path / "multirun.yaml").write_text(
        yaml.safe_dump(
            {
                "hydra": {
                    "sweeper": {"params": {"org": "struggling,elite", "seed": "range(0,3)"}},
                    "overrides": {"task": ["+experiment=x", "intervention=b,a"]},
                },
                "experiment": {"name": "x", "a": 2, "b": [1, 2]},
            }
        )
    )
    assert load_settings(tmp_path, {"a": 1, "c": 3}) == {"a": 2, "b": [1, 2], "c": 3}
    assert sweep_order(tmp_path, "org") == ["struggling", "elite"]
    assert sweep_order(tmp_path, "intervention") == ["b", "a"]  # the command line wins
    frame = pd.DataFrame(
        {"org": ["elite", "elite", "struggling"], "intervention": ["a", "b", "a"], "seed": 0, "week": 1}
    )
    arranged = arrange(frame, tmp_path)
    assert arranged[["org", "intervention"]].values.tolist() == [
        ["struggling", "a"],
        ["elite", "b"],
        ["elite", "a"],
    ]


# ----------------------------------------------------------------------------- rendering


def test_report_writes_markdown_and_self_contained_html(tmp_path):
    doc = Report("Title & <things>")
    doc.heading("Section")
    doc.text("A `code` span, **bold**, and 1 < 2 & 3.")
    doc.bullets(["one", "two"])
    doc.table(Table(["name", "value"], [["a|b", "1"], ["c", "2"]], caption="Caption"))
    fig = new_figure(3, 2)
    fig.subplots().plot([1, 2], [3, 4])
    doc.figure(fig, "plot.png", "A figure")
    paths = doc.write(tmp_path)
    md, page = paths["md"].read_text(), paths["html"].read_text()
    assert md.startswith("# Title & <things>")
    assert "| a\\|b | 1 |" in md and "![A figure](plot.png)" in md
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Title &amp; &lt;things&gt;" in page
    assert "<code>code</code>" in page and "<strong>bold</strong>" in page and "1 &lt; 2 &amp; 3" in page
    # Self-contained: the figure is embedded, nothing is loaded from elsewhere.
    assert "data:image/png;base64," in page
    assert not re.search(r"src=['\"](?!data:)", page) and "<link" not in page
    assert "<td class='l'>a|b</td>" in page


def test_formatting_helpers():
    assert fmt_interval(t_interval([1.0, 2.0, 3.0])) == "2.00 [-0.484, 4.48]"
    assert fmt_signed(-1234.0) == "-1,234" and fmt_signed(5.0) == "+5.00"
    assert fmt_week(np.inf) == "never" and fmt_week(12.0) == "12"
    assert join(["a"]) == "a" and join(["a", "b", "c"]) == "a, b and c"
    assert seed_range([0, 1, 2]) == "0-2" and seed_range([0, 2]) == "0, 2"


# ----------------------------------------------------------------------------- command line


def test_report_command_line(tmp_path):
    assert main([]) == 2
    assert main(["nope", str(tmp_path)]) == 2
    assert main(["horizon", str(tmp_path)]) == 1
    frame = reduced_sweep("horizon", seeds=2, weeks=8, only={"org": ["struggling"]})
    frame.to_parquet(tmp_path / "results.parquet")
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "horizon", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "horizon:" in done.stdout and (tmp_path / "summary.html").is_file()
    assert json.loads(json.dumps(sweep_params("horizon")))["seed"][:2] == [0, 1]

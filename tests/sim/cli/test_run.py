"""Tests of the ``orgstack`` command: a run, a sweep, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import simulate
from sim.cli.run import check_args, main
from sim.config import GENERATED
from sim.model.metrics import MATURITY_LEVELS
from sim.model.params import LAYER_NAMES
from sim.model.schema import ConfigError
from tests.sim.cli.exits import exited
from tests.spec import REQUIRED_COLUMNS

ROOT = Path(__file__).resolve().parents[3]
PLAN = ROOT / "examples" / "plan.yaml"
SCRIPT = Path(sys.executable).parent / "orgstack"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sim"]


def orgstack(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([*COMMAND, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_run_prints_a_summary_and_writes_parquet(tmp_path):
    # The plan's demand surge starts in week 30: a shorter run would be refused.
    overrides = ["weeks=30", f"plan={PLAN}"]
    proc = orgstack(tmp_path, *overrides, "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for text in ("struggling", "platform_team (from week 4)", "demand_surge (from week 30)", "seed", "weeks"):
        assert text in out
    for text in ("net value", "throughput", "lead time", "change failure rate", "DORA cluster"):
        assert text in out
    for text in ("innovations", "attrition", "cost", "maturity", *LAYER_NAMES):
        assert text in out
    assert any(level in out for level in MATURITY_LEVELS)
    assert "Step 1" not in out + proc.stderr  # Mesa's per-step log lines are silenced

    metrics = pd.read_parquet(tmp_path / "run" / "metrics.parquet")
    assert metrics.index.name == "week"
    assert metrics.index.tolist() == list(range(1, 31))
    assert set(REQUIRED_COLUMNS) <= set(metrics.columns)
    # The command runs exactly what the Python API runs for the same overrides.
    pd.testing.assert_frame_equal(metrics, simulate(overrides))

    teams = pd.read_parquet(tmp_path / "run" / "teams.parquet")
    assert {"week", "team"} <= set(teams.columns)
    assert sorted(teams["week"].unique()) == list(range(1, 31))
    assert "run/metrics.parquet" in out


def test_multirun_writes_one_set_of_files_per_job(tmp_path):
    proc = orgstack(tmp_path, "--multirun", "seed=0,1", "weeks=8", "hydra.sweep.dir=sweep")
    assert proc.returncode == 0, proc.stderr
    # One directory per job, named from its overrides (sim.sweeps.jobs.job_dir_name).
    jobs = [tmp_path / "sweep" / f"seed-{seed},weeks-8" for seed in (0, 1)]
    frames = [pd.read_parquet(job / "metrics.parquet") for job in jobs]
    assert all((job / "teams.parquet").exists() for job in jobs)
    assert all(len(frame) == 8 for frame in frames)
    assert not frames[0].equals(frames[1])  # different seeds differ
    pd.testing.assert_frame_equal(frames[1], simulate(["seed=1", "weeks=8"]))
    # Each job's summary goes to its summary.txt; the sweep prints its own report.
    assert all("net value" in (job / "summary.txt").read_text() for job in jobs)
    assert "net value" not in proc.stdout
    assert "sweep: 2 runs in sweep: 2 ok, 0 failed" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "results: sweep/results.parquet"
    assert len(pd.read_parquet(tmp_path / "sweep" / "results.parquet")) == 16


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["sede=1"], "sede"),
        (["--multirun", "weeks=8", "org.layers.culture=0.5,1.7"], "org.layers.culture"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, field):
    proc = orgstack(tmp_path, *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"orgstack: error: {field}: ")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


# The checks run before Hydra does anything, so the rest is tested in-process (fast).


@pytest.mark.parametrize(
    ("args", "field", "allowed"),
    [
        (["sede=1"], "sede", "unknown key"),
        (["seed=abc"], "seed", "integer"),
        (["weeks=-3"], "weeks", "from 1 to 520"),
        (["org.layers.culture=1.7"], "org.layers.culture", "from 0 to 1"),
        (["org=nope"], "org", "solid_but_slow"),
        (["intervention=nope"], "intervention", "foundations_first"),
        (["intervention=[platform_team,nope]"], "intervention", "foundations_first"),
        (["shock=nope"], "shock", "demand_surge"),
        (["plan=absent.yaml"], "plan", "absent.yaml"),
        (["seed=[1"], "seed", "cannot parse"),
        (["seed=0,1"], "seed", "--multirun"),
        (["-m", "seed=0,abc"], "seed", "integer"),
        (["-m", "seed=range(0,3)", "org=elite,nope"], "org", "struggling"),
        (["-m", "intervention=glob(zz*)"], "intervention", "matches no preset"),
        (["-m", "weeks=interval(1,3)"], "weeks", "range()"),
        (["--cfg", "job", "weeks=0"], "weeks", "from 1 to 520"),
        (["=3"], "override", "no key"),
        (["-m", "+experiment=nope"], "experiment", "unknown experiment"),
        (["-m", "+experiment=a,b"], "experiment", "one named experiment at a time"),
        (["weeks=${nope}"], "weeks", "nope"),
        (["org.name=${oc.env:ORGSTACK_NO_SUCH_VARIABLE}"], "org.name", "ORGSTACK_NO_SUCH_VARIABLE"),
        (["-m", "seed=0,1", "weeks=${nope}"], "weeks", "nope"),
        (["org=[elite,startup]"], "org", "not a list"),
        (["seed=1", "seed=2"], "seed", "given twice"),
        (["-m", "seed=1", "seed=0,1"], "seed", "given twice"),
        (["intervention=[platform_team,platform_team]"], "intervention", "listed twice"),
        (["weeks=12", "shock=demand_surge"], "shock.demand_surge.start", "after the run's last week"),
        (["intervention.execution_push.duration=10"], "intervention.execution_push", "not chosen"),
        (["plan=/dev/zero"], "plan", "not a regular file"),
        (["hydra.run.dir=${nope}"], "hydra.run.dir", "cannot be resolved"),
        (["hydra.run.dir=f/x"], "hydra.run.dir", "is a file"),
        (["-m", "seed=0,1", "hydra.sweep.dir=f"], "hydra.sweep.dir", "is a file"),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=0"], "hydra.launcher.n_jobs", "at least 1, or -1"),
        (["-m", "seed=0,1", "hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs", "at least 1, or -1"),
        (
            ["-m", "seed=0,1", "hydra/launcher=joblib", "hydra.launcher.n_jobs=0"],
            "hydra.launcher.n_jobs",
            "-1",
        ),
    ],
)
def test_bad_input_in_process(tmp_path, monkeypatch, capsys, args, field, allowed):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("a file where a directory is asked for\n")
    code, out, err = exited(capsys, main, args)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"orgstack: error: {field}: ")
    assert allowed in lines[0]
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


def test_a_chosen_interventions_duration_is_set_from_the_command_line(tmp_path):
    base = ["weeks=30", "intervention=execution_push"]
    proc = orgstack(tmp_path, *base, "intervention.execution_push.duration=10", "hydra.run.dir=run")
    assert proc.returncode == 0, proc.stderr
    metrics = pd.read_parquet(tmp_path / "run" / "metrics.parquet")
    pd.testing.assert_frame_equal(metrics, simulate([*base, "intervention.execution_push.duration=10"]))
    # The push stops after 10 weeks, so the run differs from the push kept up for 30.
    assert not metrics.equals(simulate(base))


@pytest.mark.parametrize(
    "args",
    [
        ["weeks=8", "intervention=[platform_team,talent_program]", "hydra.run.dir=x"],
        ["-m", "seed=range(0,3)", "intervention=none,execution_push", "hydra/launcher=joblib"],
        ["-m", "intervention=glob(*,exclude=none)", "org=elite"],
        ["-m", "intervention=[platform_team,talent_program],[none]"],
        ["--cfg", "job", "seed=1"],
        ["--help", "not-even-an-override"],
    ],
)
def test_good_input_passes_the_checks(args):
    check_args(args)


def test_a_single_run_is_composed_and_validated_once(monkeypatch):
    import sim.config

    composed = []
    compose = sim.config.compose_config
    monkeypatch.setattr(sim.config, "compose_config", lambda *a, **k: composed.append(a) or compose(*a, **k))
    command = check_args(["org=elite", "seed=4", "hydra.run.dir=somewhere"])
    cfg, config = command.run
    assert len(composed) == 1 and config.seed == 4 and config.org.name == "elite"
    assert cfg.hydra.run.dir == "somewhere"  # Hydra's settings come with it, for the job
    assert check_args(["-m", "seed=1,2"]).run is None  # a sweep is Hydra's to run


def test_a_named_experiment_runs_with_the_search_path_of_its_presets():
    args = ["-m", "+experiment=sequencing", "seed=0", "org=struggling"]
    assert check_args(args).args == [*args, GENERATED]
    assert check_args(["-m", "seed=0,1"]).args == ["-m", "seed=0,1"]


def test_hydra_overrides_are_left_to_hydra():
    check_args(["hydra.job.chdir=true", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"])
    with pytest.raises(ConfigError):
        check_args(["hydra.run.dir=x", "weeks=0"])


def test_an_unknown_flag_is_one_line_not_the_usage(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = exited(capsys, main, ["weeks=4", "--bogus"])
    assert code == 2 and out == ""
    assert err.splitlines() == ["orgstack: error: unrecognized arguments: --bogus"]

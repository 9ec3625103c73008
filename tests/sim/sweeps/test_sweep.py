"""Tests of sweeps: job directories, run records, tidy results, failures, resume, progress.

The end-to-end tests run ``orgstack --multirun`` in a subprocess, as a user would.
A run is made to fail (or to take longer) inside the model through a
``sitecustomize`` module put on PYTHONPATH for that subprocess only: it patches
``OrgModel.step`` in every process of the sweep (joblib's loky workers too), so
nothing in the project carries a test hook.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sim import files
from sim.api import run as run_overrides
from sim.cli.collect import main as collect_command
from sim.cli.run import check_args
from sim.config import options
from sim.model.schema import ConfigError
from sim.sweeps import callbacks, frames, jobs, progress, results
from tests.spec import REQUIRED_COLUMNS

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[3]
ORGSTACK = [str(BIN / "orgstack")] if (BIN / "orgstack").exists() else [sys.executable, "-m", "sim"]
COLLECT = (
    [str(BIN / "orgstack-collect")]
    if (BIN / "orgstack-collect").exists()
    else [sys.executable, "-m", "sim.cli.collect"]
)

WEEKS = 8
# 2 interventions (one a list) x 2 seeds; a fixed float override becomes a typed column too.
SWEEP = (
    "intervention=none,[platform_team,talent_program]",
    "seed=0,1",
    "org.layers.culture=0.45",
    f"weeks={WEEKS}",
)
RUNS = 4

HOOK = """
import os

_fail = {int(s) for s in os.environ.get("ORGSTACK_TEST_FAIL_SEEDS", "").split(",") if s}
_kill = {int(s) for s in os.environ.get("ORGSTACK_TEST_KILL_SEEDS", "").split(",") if s}
_sleep = float(os.environ.get("ORGSTACK_TEST_SLEEP") or 0)
if _fail or _kill or _sleep:
    import multiprocessing
    import signal
    import time

    from sim.model.model import OrgModel

    _step = OrgModel.step

    def step(self):
        failing = _fail & {c.seed for c in self.configs}  # any run of the batch: it fails as a whole
        if failing and self.week == 3:
            raise RuntimeError(f"injected failure in week {self.week} of seed {min(failing)}")
        # A worker (never the sweep's own process) killed as the kernel's OOM killer would.
        if _kill & {c.seed for c in self.configs} and self.week == 3 and multiprocessing.parent_process():
            os.kill(os.getpid(), signal.SIGKILL)
        if _sleep:
            time.sleep(_sleep / self.config.weeks)
        _step(self)

    OrgModel.step = step
"""

# A stand-in for experiments/<name>.py: records what analyse() was given.
FAKE_EXPERIMENT = """
import json


def analyse(results, out_dir):
    (out_dir / "fake_analysis.json").write_text(json.dumps({
        "rows": len(results),
        "runs": sorted(results["run"].unique().tolist()),
        "seeds": sorted(int(s) for s in results["seed"].unique()),
        "columns": list(results.columns),
        "out_dir": str(out_dir),
    }))
"""


def orgstack(
    cwd: Path, *args: str, hook: Path | None = None, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ORGSTACK, *args], cwd=cwd, env=_env(hook, **env), capture_output=True, text=True, timeout=timeout
    )


def _env(hook: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "PYTHONPATH")}
    # This checkout's code, whichever checkout the environment's commands were installed from.
    env["PYTHONPATH"] = os.pathsep.join([*([str(hook)] if hook is not None else []), str(ROOT)])
    return {**env, **extra}


@pytest.fixture(scope="module")
def hook(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hook")
    # Makes experiments.fake_exp importable in the sweep's process, without a file in experiments/.
    (path / "fake_exp.py").write_text(FAKE_EXPERIMENT)
    (path / "sitecustomize.py").write_text(
        HOOK
        + textwrap.dedent(f"""
        if os.environ.get("ORGSTACK_TEST_FAKE_EXPERIMENT"):
            import experiments
            experiments.__path__.append({str(path)!r})
        """)
    )
    return path


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """The same sweep on 2 workers (joblib's loky processes) and on 1 (in the parent)."""
    cwd = tmp_path_factory.mktemp("sweeps")
    procs = {
        n: orgstack(cwd, "--multirun", *SWEEP, f"hydra.sweep.dir=s{n}", f"hydra.launcher.n_jobs={n}")
        for n in (2, 1)
    }
    return cwd, procs


def read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


# --- end to end -----------------------------------------------------------------------


def test_sweep_writes_each_run_and_a_tidy_results_file(sweeps):
    cwd, procs = sweeps
    proc = procs[2]
    assert proc.returncode == 0, proc.stderr
    sweep_dir = cwd / "s2"
    names = sorted(p.name for p in sweep_dir.iterdir() if p.is_dir())
    assert names == [
        f"intervention-{i},org.layers.culture-0.45,seed-{s},weeks-{WEEKS}"
        for i in ("none", "platform_team+talent_program")
        for s in (0, 1)
    ]
    for name in names:
        job = sweep_dir / name
        for file in (
            "metrics.parquet",
            "teams.parquet",
            "summary.txt",
            ".hydra/overrides.yaml",
        ):
            assert (job / file).exists(), f"{name}/{file}"
        record = json.loads((job / "run.json").read_text())
        assert record["status"] == "ok" and record["error"] is None
        assert isinstance(record["seconds"], float) and record["seconds"] > 0
        assert record["overrides"] == yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        assert "net value" in (job / "summary.txt").read_text()

    results = read(sweep_dir / "results.parquet")
    assert list(results.columns[:6]) == ["run", "intervention", "org.layers.culture", "seed", "weeks", "week"]
    assert set(REQUIRED_COLUMNS) <= set(results.columns)
    assert len(results) == RUNS * WEEKS
    assert results.groupby("run").size().tolist() == [WEEKS] * RUNS
    assert results.groupby("run")["week"].apply(list).tolist() == [list(range(1, WEEKS + 1))] * RUNS
    assert pd.api.types.is_string_dtype(results["intervention"])
    assert set(results["intervention"]) == {"none", "platform_team+talent_program"}
    assert results["seed"].dtype == "int64" and results["weeks"].dtype == "int64"
    assert results["org.layers.culture"].dtype == "float64"
    assert (results["org.layers.culture"] == 0.45).all()
    assert results["week"].dtype == "int64"
    assert isinstance(results["dora_cluster"].dtype, pd.CategoricalDtype)
    # Sorted by the swept values; each run's rows are its own weekly metrics.
    assert results[["intervention", "seed"]].drop_duplicates().values.tolist() == [
        ["none", 0],
        ["none", 1],
        ["platform_team+talent_program", 0],
        ["platform_team+talent_program", 1],
    ]
    for name, rows in results.groupby("run"):
        weekly = pq.read_table(sweep_dir / name / "metrics.parquet", partitioning=None).to_pandas()
        mine = rows.set_index("week")[weekly.columns]
        pd.testing.assert_frame_equal(mine, weekly, check_names=False)


def test_sweep_shows_progress_and_ends_with_where_the_results_are(sweeps):
    cwd, procs = sweeps
    for n, proc in procs.items():
        assert proc.returncode == 0, proc.stderr
        assert f"sweep: {RUNS} runs into s{n}" in proc.stderr
        assert f"0/{RUNS}   0%" in proc.stderr
        assert f"] {RUNS}/{RUNS} 100% | elapsed " in proc.stderr
        assert "ETA" in proc.stderr
        assert f"sweep: {RUNS} runs in s{n}: {RUNS} ok, 0 failed" in proc.stdout
        assert proc.stdout.strip().splitlines()[-1] == f"results: s{n}/results.parquet"
        assert "net value" not in proc.stdout  # each run's summary is in its summary.txt


def test_results_are_identical_with_one_and_two_workers(sweeps):
    cwd, procs = sweeps
    assert all(p.returncode == 0 for p in procs.values())
    one, two = read(cwd / "s1" / "results.parquet"), read(cwd / "s2" / "results.parquet")
    pd.testing.assert_frame_equal(one, two)


def test_collect_command_rebuilds_the_same_file(sweeps, tmp_path):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    (copy / "results.parquet").unlink()
    proc = subprocess.run(
        [*COLLECT, "s2"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{RUNS} ok, 0 failed" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "results: s2/results.parquet"
    pd.testing.assert_frame_equal(read(copy / "results.parquet"), read(cwd / "s2" / "results.parquet"))


def test_collect_command_needs_a_sweep_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for missing in ("nowhere", "."):
        with pytest.raises(SystemExit) as info:
            collect_command([missing])
        assert info.value.code == 2
    err = capsys.readouterr().err
    assert "orgstack-collect: error: nowhere: not a directory" in err
    assert "no runs here" in err


def test_collect_streams_runs_into_bounded_row_groups(sweeps, tmp_path):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    whole = read(copy / "results.parquet")
    # One run per row group when the buffer holds fewer rows than a run ...
    path = results.collect(copy, rows_per_group=1)
    assert pq.ParquetFile(path).metadata.num_row_groups == RUNS
    assert [pq.ParquetFile(path).metadata.row_group(i).num_rows for i in range(RUNS)] == [WEEKS] * RUNS
    pd.testing.assert_frame_equal(read(path), whole)
    # ... two runs per group with room for two, and one group for a small sweep by default.
    assert (
        pq.ParquetFile(results.collect(copy, rows_per_group=2 * WEEKS)).metadata.num_row_groups == RUNS // 2
    )
    assert pq.ParquetFile(results.collect(copy)).metadata.num_row_groups == 1


def test_a_failing_run_is_recorded_and_the_others_go_on(hook, tmp_path):
    proc = orgstack(
        tmp_path,
        "--multirun",
        "seed=0,1,2",
        f"weeks={WEEKS}",
        "+experiment.name=fake_exp",
        "hydra.sweep.dir=s",
        "hydra.launcher.n_jobs=1",
        hook=hook,
        ORGSTACK_TEST_FAIL_SEEDS="1",
        ORGSTACK_TEST_FAKE_EXPERIMENT="1",
    )
    assert proc.returncode == 0, proc.stderr
    failed = f"experiment.name-fake_exp,seed-1,weeks-{WEEKS}"
    record = json.loads((tmp_path / "s" / failed / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["error"] == "RuntimeError: injected failure in week 3 of seed 1"
    assert "\n" not in record["error"]
    assert record["overrides"] == ["seed=1", f"weeks={WEEKS}", "+experiment.name=fake_exp"]
    assert "Traceback" in (tmp_path / "s" / failed / "traceback.txt").read_text()
    assert f"failed  {failed}: RuntimeError: injected failure" in proc.stderr  # as it happens
    assert "3 runs in s: 2 ok, 1 failed" in proc.stdout  # in the report
    assert f"failed  {failed}: RuntimeError: injected failure in week 3 of seed 1" in proc.stdout
    assert "failures: s/failures.csv" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "results: s/results.parquet"

    failures = pd.read_csv(tmp_path / "s" / "failures.csv")
    assert failures.to_dict("records") == [
        {
            "run": failed,
            "overrides": f"seed=1 weeks={WEEKS} +experiment.name=fake_exp",
            "error": "RuntimeError: injected failure in week 3 of seed 1",
        }
    ]
    results = read(tmp_path / "s" / "results.parquet")
    assert sorted(results["seed"].unique()) == [0, 2]
    assert len(results) == 2 * WEEKS
    assert (results["experiment.name"] == "fake_exp").all()

    # The named experiment's analysis got the finished runs, with the sweep directory to write in.
    analysis = json.loads((tmp_path / "s" / "fake_analysis.json").read_text())
    assert analysis["rows"] == 2 * WEEKS and analysis["seeds"] == [0, 2]
    assert analysis["out_dir"] == "s"  # hydra.sweep.dir, as given
    assert "analysis: s (experiments.fake_exp)" in proc.stdout

    # Re-running the sweep re-runs the failed run only (now without the injected failure).
    again = orgstack(tmp_path, "--multirun", "seed=0,1,2", f"weeks={WEEKS}", "+experiment.name=fake_exp",
                     "hydra.sweep.dir=s", "hydra.launcher.n_jobs=1", hook=hook, ORGSTACK_TEST_FAKE_EXPERIMENT="1")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "3 runs into s; 2 skipped, already finished" in again.stderr
    assert "3 ok, 0 failed" in again.stdout
    assert not (tmp_path / "s" / "failures.csv").exists()
    assert not (tmp_path / "s" / failed / "traceback.txt").exists()
    assert sorted(read(tmp_path / "s" / "results.parquet")["seed"].unique()) == [0, 1, 2]


def test_damaged_runs_are_reported_by_collect_and_run_again_by_a_resume(sweeps, tmp_path):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    truncated, swapped, *whole = sorted(p for p in copy.iterdir() if p.is_dir())
    record = json.loads((whole[0] / "run.json").read_text())
    assert set(record["files"]) == {"metrics.parquet", "teams.parquet", "summary.txt"}
    assert record["files"]["metrics.parquet"]["bytes"] == (whole[0] / "metrics.parquet").stat().st_size
    (truncated / "metrics.parquet").write_bytes((truncated / "metrics.parquet").read_bytes()[:100])
    shutil.copy(swapped / "teams.parquet", swapped / "metrics.parquet")  # a parquet file, but not this one

    proc = subprocess.run(
        [*COLLECT, "s2"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr  # two runs are whole
    assert "Traceback" not in proc.stderr
    assert f"{RUNS} runs in s2: 2 ok, 2 failed" in proc.stdout
    assert f"failed  {truncated.name}: damaged: metrics.parquet has 100 bytes" in proc.stdout
    assert f"failed  {swapped.name}: damaged: metrics.parquet has" in proc.stdout
    assert set(read(copy / "results.parquet")["run"]) == {p.name for p in whole}

    again = orgstack(tmp_path, "--multirun", *SWEEP, "hydra.sweep.dir=s2", "hydra.launcher.n_jobs=1")
    assert again.returncode == 0, again.stderr
    assert "2 skipped, already finished; 2 run again, their files not those their run.json vouches for" in (
        again.stderr
    )
    assert f"{RUNS} ok, 0 failed" in again.stdout
    pd.testing.assert_frame_equal(read(copy / "results.parquet"), read(cwd / "s2" / "results.parquet"))


def test_a_sweep_whose_collection_fails_exits_1_with_one_line_and_keeps_its_runs(
    sweeps, tmp_path, monkeypatch, capsys
):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(callbacks, "collect", full)
    assert callbacks.finish(copy) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("orgstack: error: cannot collect the sweep in ")
    assert "No space left on device" in err[0] and "orgstack-collect" in err[0]
    assert len(jobs.scan(copy, verify=True)) == RUNS


def test_a_directory_in_use_is_refused_and_its_holder_named(sweeps, tmp_path, monkeypatch, capsys):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    before = {p.name: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file()}
    with files.DirectoryLock(copy, "a test"):
        proc = orgstack(tmp_path, "--multirun", *SWEEP, "hydra.sweep.dir=s2")
        assert proc.returncode == 2
        assert proc.stderr.strip().splitlines() == [
            f"orgstack: error: hydra.sweep.dir: s2 is in use by a test (pid {os.getpid()} on "
            f"{socket.gethostname()}, since {proc.stderr.split('since ')[1].split(')')[0]}); wait for it to "
            "end, or choose another hydra.sweep.dir"
        ]
        monkeypatch.chdir(tmp_path)
        with pytest.raises(SystemExit) as info:
            collect_command(["s2"])
        assert info.value.code == 2 and "s2 is in use by a test" in capsys.readouterr().err
    assert {
        p.name: p.stat().st_mtime_ns for p in copy.rglob("*") if p.is_file() and p.name != ".orgstack.lock"
    } == {k: v for k, v in before.items() if k != ".orgstack.lock"}
    # Released, it can be taken again (the holder's death releases it too: it is an flock).
    with files.DirectoryLock(copy, "another test"):
        pass


@pytest.mark.slow
def test_an_interrupted_sweep_keeps_its_finished_runs_and_resumes(hook, tmp_path):
    # Eight runs of 1.5 s on 2 workers, one run per chunk (600 teams make a sizeable batch
    # alone): when the first finishes, at least 4.5 s of work is left for the interrupt to
    # cut short, however fast the machine.
    args = (
        "--multirun",
        "seed=range(0,8)",
        f"weeks={WEEKS}",
        "org.teams=600",
        "hydra.sweep.dir=s",
        "hydra.launcher.n_jobs=2",
    )
    sweep_dir = tmp_path / "s"
    proc = subprocess.Popen(
        [*ORGSTACK, *args],
        cwd=tmp_path,
        env=_env(hook, ORGSTACK_TEST_SLEEP="1.5"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches all of it
    )
    try:
        deadline = time.monotonic() + 120
        while not list(sweep_dir.glob("*/run.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "sweep interrupted" in err and "hydra.sweep.dir=s" in err
    finished = {p.parent.name: p.stat().st_mtime_ns for p in sweep_dir.glob("*/run.json")}
    assert 1 <= len(finished) < 8, finished
    assert not (sweep_dir / "results.parquet").exists()

    # What is there can be collected: the finished runs only.
    assert results.collect(sweep_dir).exists()
    assert set(read(sweep_dir / "results.parquet")["run"]) == set(finished)

    again = orgstack(tmp_path, *args[:-1], "hydra.launcher.n_jobs=1")  # workers do not name runs
    assert again.returncode == 0, again.stderr
    assert f"sweep: 8 runs into s; {len(finished)} skipped, already finished" in again.stderr
    assert "8 ok, 0 failed" in again.stdout
    for name, mtime in finished.items():  # not run again
        assert (sweep_dir / name / "run.json").stat().st_mtime_ns == mtime
    collected = read(sweep_dir / "results.parquet")
    assert sorted(collected["seed"].unique()) == list(range(8)) and len(collected) == 8 * WEEKS


# --- in process -----------------------------------------------------------------------


def test_job_dir_names_are_deterministic_and_path_safe():
    name = jobs.job_dir_name
    assert name(["seed=3", "intervention=none"]) == "intervention-none,seed-3"
    assert name(["intervention=none", "seed=3"]) == name(["seed=3", "intervention=none"])
    assert (
        name(["intervention=[platform_team,talent_program]"]) == "intervention-platform_team+talent_program"
    )
    assert name(["+experiment=horizon", "org.teams=40"]) == "experiment-horizon,org.teams-40"
    assert name([]) == "default"
    unsafe = name(["plan=/tmp/my plan.yaml"])
    assert "/" not in unsafe and " " not in unsafe and "=" not in unsafe
    assert unsafe != name(["plan=/tmp/my_plan.yaml"])  # replaced characters never make two runs collide
    long = [f"org.levers.lever_{i}=0.{i}" for i in range(40)]
    assert len(name(long)) <= jobs.MAX_NAME and name(long) == name(list(reversed(long)))
    assert name(long) != name(long[:-1])


def test_run_records_are_atomic_and_say_whether_a_run_finished(tmp_path):
    assert not jobs.is_finished(tmp_path, ["seed=1"])
    jobs.write_run(tmp_path, status="failed", error="boom", overrides=["seed=1"], seconds=0.5)
    assert not jobs.is_finished(tmp_path, ["seed=1"])
    jobs.write_run(tmp_path, status="ok", error=None, overrides=["seed=1"], seconds=0.5)
    assert jobs.is_finished(tmp_path, ["seed=1"])
    assert not jobs.is_finished(tmp_path, ["seed=2"])  # another run's record never counts
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary file left
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "run.json").stat().st_mode & 0o777 == 0o666 & ~umask  # as any file the run writes
    assert jobs.one_line(ValueError("two\nlines")) == "ValueError: two lines"


def _frames():
    result = run_overrides(["weeks=6", "seed=4"])
    # Only one cluster occurs in these weeks: its other categories must survive a file.
    assert result.weekly["dora_cluster"].nunique() == 1
    labelled = pd.DataFrame(
        {"x": [1.5, 2.5], "name": pd.Series(["a", "b"], dtype="str")}, index=pd.Index([10, 20], name="k")
    )
    return [(result.weekly, True), (result.teams, False), (labelled, True), (labelled, False)]


@pytest.mark.parametrize("case", range(4))
def test_frames_are_converted_and_written_as_pandas_writes_them(tmp_path, case):
    frame, index = _frames()[case]
    expected = pa.Table.from_pandas(frame, preserve_index=None if index else False)
    for attempt in range(2):  # the first conversion of a shape works out its schema, the next reuses it
        table = frames.frame_table(frame, index=index)
        assert table.equals(expected) and table.schema.equals(expected.schema, check_metadata=True)
        path, stamp, written = frames.read_back(
            tmp_path / f"{attempt}.parquet",
            frames.write_frame(frame, tmp_path / f"{attempt}.parquet", index=index),
        )
        assert written.equals(pq.ParquetFile(path).read()) and stamp[1] == path.stat().st_size
        pd.testing.assert_frame_equal(pd.read_parquet(path), frame if index else frame.reset_index(drop=True))


def test_collect_skips_incomplete_runs_and_reports_failures(sweeps, tmp_path):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    runs = sorted(p for p in copy.iterdir() if p.is_dir())
    (runs[0] / "run.json").unlink()  # interrupted
    jobs.write_run(runs[1], status="failed", error="RuntimeError: boom", overrides=["seed=9"], seconds=1.0)
    path = results.collect(copy)
    assert set(read(path)["run"]) == {r.name for r in runs[2:]}
    scanned = {r.name: r.status for r in jobs.scan(copy)}
    assert scanned == {
        runs[0].name: "incomplete",
        runs[1].name: "failed",
        runs[2].name: "ok",
        runs[3].name: "ok",
    }
    text = results.report(copy, jobs.scan(copy), path)
    assert "4 runs in" in text and "2 ok, 1 failed, 1 incomplete" in text
    assert f"failed  {runs[1].name}: RuntimeError: boom" in text
    assert text.splitlines()[-1].startswith("results: ")
    assert pd.read_csv(copy / "failures.csv")["error"].tolist() == ["RuntimeError: boom"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="no runs"):
        results.collect(empty)


def test_the_end_of_a_sweep_runs_the_named_experiment(sweeps, tmp_path, monkeypatch, capsys):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    seen = {}

    def analyse(results, out_dir):
        seen.update(rows=len(results), out_dir=out_dir, columns=list(results.columns))

    monkeypatch.setitem(sys.modules, "experiments.fake_inproc", types.SimpleNamespace(analyse=analyse))
    assert callbacks.finish(copy, "fake_inproc", tmp_path / "analysis") == 0
    assert seen["rows"] == RUNS * WEEKS and seen["out_dir"] == tmp_path / "analysis"
    assert seen["columns"][:2] == ["run", "intervention"]
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("results: ")

    def broken(results, out_dir):
        raise ValueError("no good")

    monkeypatch.setitem(sys.modules, "experiments.fake_broken", types.SimpleNamespace(analyse=broken))
    assert callbacks.finish(copy, "fake_broken") == 1
    assert "experiment fake_broken: analysis failed: ValueError: no good" in capsys.readouterr().err
    assert callbacks.finish(copy, "no_such_experiment_module") == 1


def test_a_sweep_where_every_run_failed_exits_1(sweeps, tmp_path, capsys):
    cwd, _ = sweeps
    copy = shutil.copytree(cwd / "s2", tmp_path / "s2")
    for run in jobs.scan(copy):
        jobs.write_run(copy / run.name, status="failed", error="E: x", overrides=run.overrides, seconds=0.1)
    assert callbacks.finish(copy) == 1
    assert len(read(copy / "results.parquet")) == 0
    assert f"0 ok, {RUNS} failed" in capsys.readouterr().out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream_type", [io.StringIO, _Terminal])
def test_progress_counts_runs_as_their_records_appear(tmp_path, stream_type):
    names = ["a", "b", "c"]
    for name in names:
        (tmp_path / name).mkdir()
    jobs.write_run(
        tmp_path / "a", status="failed", error="old", overrides=[], seconds=0
    )  # from an earlier try
    stream = stream_type()
    bar = progress.Progress(tmp_path, names, total=4, skipped=1, stream=stream, interval=0.01, log_every=0)
    bar.start()
    assert "1/4  25%" in stream.getvalue() and "ETA ?" in stream.getvalue()
    jobs.write_run(tmp_path / "b", status="ok", error=None, overrides=[], seconds=0)
    time.sleep(0.01)
    jobs.write_run(tmp_path / "a", status="failed", error="E: new", overrides=[], seconds=0)
    deadline = time.monotonic() + 5
    while bar.finished < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    jobs.write_run(tmp_path / "c", status="ok", error=None, overrides=[], seconds=0)
    bar.stop()
    text = stream.getvalue()
    assert "failed  a: E: new" in text and "old" not in text
    assert "4/4 100%" in text and "ETA 0:00" in text and "1 failed" in text
    assert text.endswith("\n")
    assert ("\r" in text) == (stream_type is _Terminal)


# --- command line checks of sweeps and named experiments ------------------------------


def test_sweeps_need_experiments_that_exist_and_multirun():
    with pytest.raises(ConfigError, match="unknown experiment 'nope'"):
        check_args(["-m", "+experiment=nope"])
    with pytest.raises(ConfigError, match="one named experiment at a time"):
        check_args(["-m", "+experiment=a,b"])


@pytest.mark.skipif(not options("experiment"), reason="no named experiment in configs/experiment/")
def test_an_experiments_own_sweep_is_validated():
    name = "horizon" if "horizon" in options("experiment") else options("experiment")[0]
    with pytest.raises(ConfigError, match="add --multirun"):
        check_args([f"+experiment={name}"])
    check_args(["--cfg", "job", f"+experiment={name}"])
    # The experiment's sweep (hydra.sweeper.params) is validated, merged with the command
    # line's overrides (which win for a key both set, as in Hydra's sweeper); the small
    # sweeps on the command line keep this test quick.
    small = ["intervention=none", "seed=0"]
    with pytest.raises(ConfigError, match="org: unknown preset 'nope'"):
        check_args(["-m", f"+experiment={name}", *small, "hydra.sweeper.params.org='struggling,nope'"])
    with pytest.raises(ConfigError, match="seed: must be an integer"):
        check_args(["-m", f"+experiment={name}", "intervention=none", "org=elite", "seed=0,abc"])
    check_args(["-m", f"+experiment={name}", *small, "hydra.sweeper.params.org='struggling,elite'"])

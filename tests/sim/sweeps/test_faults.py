"""Faults in a sweep: a worker killed, the whole sweep killed at any moment; nothing finished is lost.

The faults are injected into real ``orgstack --multirun`` processes by the
``sitecustomize`` hook of :mod:`tests.sim.sweeps.test_sweep`; a resume must then
give results identical to those of a sweep that met no fault.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.sim.sweeps import test_sweep
from tests.sim.sweeps.test_sweep import ORGSTACK, WEEKS, _env, orgstack, read

hook = test_sweep.hook  # the fixture of the fault-injecting sitecustomize hook

SEEDS = 8
# 8 runs on 2 workers: two chunks of four (sim.model.batches.chunks), one per worker.
ARGS = ("--multirun", f"seed=range(0,{SEEDS})", f"weeks={WEEKS}", "hydra.launcher.n_jobs=2")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> pd.DataFrame:
    """The sweep's results when nothing goes wrong."""
    cwd = tmp_path_factory.mktemp("clean")
    proc = orgstack(cwd, *ARGS, "hydra.sweep.dir=s")
    assert proc.returncode == 0, proc.stderr
    return read(cwd / "s" / "results.parquet")


@pytest.mark.slow
def test_a_killed_worker_loses_only_its_chunk_and_a_resume_completes_the_sweep(hook, tmp_path, clean):
    proc = orgstack(tmp_path, *ARGS, "hydra.sweep.dir=s", hook=hook, ORGSTACK_TEST_KILL_SEEDS="1")
    assert proc.returncode == 0, proc.stderr  # the other worker's runs finished
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "BrokenProcessPool" not in proc.stderr + proc.stdout
    assert f"{SEEDS} runs in s: 4 ok, 4 failed" in proc.stdout
    assert "failed  seed-1,weeks-8: RuntimeError: the worker process running it died" in proc.stdout
    results = read(tmp_path / "s" / "results.parquet")
    assert sorted(results["seed"].unique()) == [4, 5, 6, 7]  # the other chunk, whole

    again = orgstack(tmp_path, *ARGS, "hydra.sweep.dir=s")
    assert again.returncode == 0, again.stderr
    assert f"{SEEDS} runs into s; 4 skipped, already finished" in again.stderr
    pd.testing.assert_frame_equal(read(tmp_path / "s" / "results.parquet"), clean)


@pytest.mark.slow
@pytest.mark.parametrize("moment", range(3))
def test_a_sweep_killed_at_any_moment_resumes_to_the_clean_results(hook, tmp_path, clean, moment):
    # Fixed draws (not the clock's): the same moments on every run of the suite.
    delay = random.Random(moment).uniform(0.5, 6.0)
    sweep = in_background(tmp_path, _env(hook, ORGSTACK_TEST_SLEEP="1"), capture=False)
    time.sleep(delay)
    if sweep.poll() is None:
        os.killpg(sweep.pid, signal.SIGKILL)  # the command and its workers, with no chance to tidy up
    sweep.wait()
    again = orgstack(tmp_path, *ARGS, "hydra.sweep.dir=s")
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    pd.testing.assert_frame_equal(read(tmp_path / "s" / "results.parquet"), clean)


@pytest.mark.slow
@pytest.mark.parametrize("moment", range(4))
def test_ctrl_c_at_any_moment_ends_in_one_line_and_a_resume_gives_the_clean_results(tmp_path, clean, moment):
    # From the command's first second (imports, the workers' start) to its end; fixed draws. No
    # hook: its sitecustomize imports the model while Python starts, where no program can catch a
    # Ctrl-C (Python itself reports it), a window the command alone keeps to a few milliseconds.
    delay = random.Random(100 + moment).uniform(0.2, 3.0)
    sweep = in_background(tmp_path, _env(), capture=True)
    time.sleep(delay)
    os.killpg(sweep.pid, signal.SIGINT)
    _, err = sweep.communicate(timeout=60)
    assert "Traceback" not in err
    said = [line for line in err.splitlines() if line.startswith("orgstack:")]
    if sweep.returncode == 130:
        assert len(said) == 1 and "interrupted" in said[0], err
    else:  # it had finished
        assert sweep.returncode == 0 and said == [], err
    again = orgstack(tmp_path, *ARGS, "hydra.sweep.dir=s")
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(read(tmp_path / "s" / "results.parquet"), clean)


@pytest.mark.slow
def test_the_chunk_queued_behind_a_killed_workers_is_run_by_another(hook, tmp_path):
    # 12 runs of 600 teams on 2 workers: six chunks of two (seeds 0-1, 2-3 ...), each worker
    # running one and holding the next; the worker of seeds 0-1 dies, holding seeds 2-3.
    args = ("--multirun", "seed=range(0,12)", f"weeks={WEEKS}", "org.teams=600", "hydra.launcher.n_jobs=2")
    proc = orgstack(tmp_path, *args, "hydra.sweep.dir=s", hook=hook, ORGSTACK_TEST_KILL_SEEDS="0")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "12 runs in s: 10 ok, 2 failed" in proc.stdout
    assert sorted(read(tmp_path / "s" / "results.parquet")["seed"].unique()) == list(range(2, 12))


@pytest.mark.slow
def test_workers_end_with_a_command_killed_outright_and_a_resume_gives_the_clean_results(
    hook, tmp_path, clean
):
    sweep = in_background(tmp_path, _env(hook, ORGSTACK_TEST_SLEEP="2"), capture=False)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "s").glob("*/.hydra")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the workers have started their chunks
    os.kill(sweep.pid, signal.SIGKILL)  # the command alone, as the OOM killer would
    sweep.wait()
    deadline = time.monotonic() + 60
    while _group_alive(sweep.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(sweep.pid), "workers outlived the command"
    again = orgstack(tmp_path, *ARGS, "hydra.sweep.dir=s")
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(read(tmp_path / "s" / "results.parquet"), clean)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def in_background(cwd: Path, env: dict[str, str], *, capture: bool) -> subprocess.Popen[str]:
    """Start the sweep in a process group of its own, as a terminal's Ctrl-C reaches all of it."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [*ORGSTACK, *ARGS, "hydra.sweep.dir=s"],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=out,
        text=True,
        start_new_session=True,
    )

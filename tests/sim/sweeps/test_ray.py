"""Sweeps on Ray through hydra-ray-launcher (``hydra/launcher=ray_local`` and ``ray_cluster``).

One local Ray instance is started for the whole module: ``orgstack --multirun
hydra/launcher=ray_local`` runs a two-job sweep as a subprocess, Ray starts
inside it and stops when it exits. The tests then check the files of each job
against the same runs done in-process, and that no Ray process is left behind.
The whole module needs the ``ray`` extra (``pip install -e ".[ray]"``) and is
skipped without it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim import simulate

pytestmark = [
    pytest.mark.ray,
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None
        or importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is None,
        reason='the Ray extra is not installed (pip install -e ".[ray]"): ray and hydra-ray-launcher',
    ),
]

SCRIPT = Path(sys.executable).parent / "orgstack"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "sim"]
WEEKS = 8
OVERRIDES = (f"weeks={WEEKS}",)
SEEDS = (0, 1)
MARKER = "ORGSTACK_RAY_TEST"  # inherited by every process Ray starts for the sweep


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HYDRA_FULL_ERROR", "RAY_ADDRESS")}
    env["RAY_USAGE_STATS_ENABLED"] = "0"  # no attempt to report usage (no network in CI)
    return {**env, **extra}


def _processes_with(marker: str) -> list[tuple[int, str]]:
    """Processes whose environment holds ``marker``: Ray's daemons and workers of this sweep."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker.encode() in environ:
            found.append((int(entry.name), cmdline.strip()))
    return found


@pytest.fixture(scope="module")
def ray_sweep():
    """Run ``orgstack --multirun hydra/launcher=ray_local seed=0,1 weeks=8`` once for the module."""
    # Ray's sockets live under its temp dir and must fit in 107 characters: keep it short.
    ray_tmp = Path(tempfile.mkdtemp(prefix="orgray", dir="/tmp" if os.path.isdir("/tmp") else None))
    sweep = ray_tmp / "sweep"
    marker = uuid.uuid4().hex
    args = [
        "--multirun",
        "hydra/launcher=ray_local",
        f"seed={','.join(map(str, SEEDS))}",
        *OVERRIDES,
        f"hydra.sweep.dir={sweep}",
        f"+hydra.launcher.ray.init._temp_dir={ray_tmp / 'ray'}",
    ]
    try:
        proc = subprocess.run(
            [*COMMAND, *args],
            cwd=ray_tmp,
            env=_env(**{MARKER: marker}),
            capture_output=True,
            text=True,
            timeout=180,
        )
    except subprocess.TimeoutExpired as err:
        out, errs = (
            x.decode(errors="replace") if isinstance(x, bytes) else x or "" for x in (err.stdout, err.stderr)
        )
        proc = subprocess.CompletedProcess(err.cmd, -9, out, errs + "\n(timed out after 180 s)")
    # Ray's daemons stop when the sweep's process exits; give them a moment.
    needle = f"{MARKER}={marker}"
    deadline = time.monotonic() + 15
    left = _processes_with(needle) if Path("/proc").is_dir() else []
    while left and time.monotonic() < deadline:
        time.sleep(0.5)
        left = _processes_with(needle)
    for pid, _ in left:  # never leave them running, even when the test fails
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    yield {"proc": proc, "sweep": sweep, "left": left}
    shutil.rmtree(ray_tmp, ignore_errors=True)


def _job_dirs(sweep: Path) -> dict[int, Path]:
    """The sweep's job directories by seed, whatever their names (found by their overrides)."""
    dirs = {}
    for overrides_file in sweep.glob("*/.hydra/overrides.yaml"):
        overrides = dict(line.split("=", 1) for line in yaml.safe_load(overrides_file.read_text()))
        dirs[int(overrides["seed"])] = overrides_file.parent.parent
    return dirs


def test_sweep_on_local_ray_exits_0_through_the_ray_launcher(ray_sweep):
    proc = ray_sweep["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"Ray Launcher is launching {len(SEEDS)} jobs" in proc.stdout + proc.stderr
    jobs = _job_dirs(ray_sweep["sweep"])
    assert sorted(jobs) == list(SEEDS)
    for out in jobs.values():
        hydra_cfg = yaml.safe_load((out / ".hydra" / "hydra.yaml").read_text())
        assert hydra_cfg["hydra"]["launcher"]["_target_"].endswith("RayLauncher")


@pytest.mark.parametrize("seed", SEEDS)
def test_each_ray_job_equals_the_same_run_in_process(ray_sweep, seed):
    assert ray_sweep["proc"].returncode == 0
    out = _job_dirs(ray_sweep["sweep"])[seed]
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert (out / "teams.parquet").exists()
    pd.testing.assert_frame_equal(metrics, simulate([f"seed={seed}", *OVERRIDES]))


def test_the_sweep_machinery_records_and_collects_ray_runs(ray_sweep):
    # run.json (written by the job, on the Ray worker) and results.parquet (collected by
    # the sweep's callback in the launching process) work as with the joblib launcher.
    assert ray_sweep["proc"].returncode == 0
    for out in _job_dirs(ray_sweep["sweep"]).values():
        assert json.loads((out / "run.json").read_text())["status"] == "ok"
    results = pd.read_parquet(ray_sweep["sweep"] / "results.parquet")
    assert results["run"].nunique() == len(SEEDS)
    assert sorted(results["seed"].unique()) == list(SEEDS)
    assert len(results) == len(SEEDS) * WEEKS  # one row per run-week


def test_no_ray_process_is_left_behind(ray_sweep):
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find Ray's processes")
    assert ray_sweep["left"] == [], f"Ray processes still running 15 s after the sweep: {ray_sweep['left']}"


def _launcher_config(*overrides: str, **env: str) -> dict:
    """The composed ``hydra.launcher`` node, resolved, as the command would use it (no Ray started)."""
    proc = subprocess.run(
        [*COMMAND, "--cfg", "hydra", "--resolve", "--package", "hydra.launcher", *overrides],
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)  # the node itself, under a "# @package" comment


def test_cluster_launcher_joins_the_given_address_without_object_store_setting():
    address = "ray://head.example:10001"
    from_override = _launcher_config(
        "hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={address}"
    )
    from_env = _launcher_config("hydra/launcher=ray_cluster", RAY_ADDRESS="auto")
    for cfg in (from_override, from_env):
        assert cfg["_target_"].endswith("RayLauncher")
        # Ray refuses object_store_memory when joining a cluster; the key must be there as null
        # so that the launcher does not set its own default.
        assert "object_store_memory" in cfg["ray"]["init"]
        assert cfg["ray"]["init"]["object_store_memory"] is None
    assert from_override["ray"]["init"]["address"] == address
    assert from_env["ray"]["init"]["address"] == "auto"

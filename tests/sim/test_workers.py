"""Tests of how sweep workers start: early, from a process that has imported OrgStack."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from hydra._internal.utils import get_args_parser
from joblib import cpu_count

from sim.__main__ import uses_workers
from sim.workers import worker_count


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["seed=1"], False),
        (["--multirun", "seed=1,2", "hydra.launcher.n_jobs=1"], False),
        (["--multirun", "seed=1,2", "hydra.launcher.n_jobs=2"], True),
        (["-m", "seed=1,2", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], False),
        (["--multirun", "seed=1,2"], cpu_count() > 1),
    ],
)
def test_orgstack_starts_workers_early_only_for_sweeps_that_use_them(args, expected):
    assert uses_workers(get_args_parser().parse_args(args)) is expected


def test_worker_count_is_every_core_for_minus_one():
    assert worker_count(-1) == cpu_count()
    assert worker_count(3) == 3


def _python(code: str, tmp_path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_package_imports_the_model_only_when_a_name_is_used(tmp_path):
    out = _python(
        """
        import sys
        import sim, sim.__main__
        heavy = [m for m in ("pandas", "mesa", "sim.model.model", "sim.api") if m in sys.modules]
        from sim import simulate
        print(heavy, simulate.__module__, "sim.model.model" in sys.modules)
        """,
        tmp_path,
    )
    assert out == "[] sim.api True"


@pytest.mark.skipif(sys.platform == "win32", reason="no forkserver")
def test_a_sweep_on_workers_starts_them_first_and_never_imports_the_model_itself(tmp_path):
    # The process that workers are forked from imports as long as the command itself:
    # started first, the two import at once; the command only hands out chunks, so it
    # spares itself Mesa's second of imports.
    out = _python(
        """
        import sys
        from multiprocessing import forkserver
        from sim import __main__ as entry

        seen = []
        real = forkserver.ensure_running
        forkserver.ensure_running = lambda: seen.append("pandas" in sys.modules) or real()
        entry.main(["--multirun", "seed=1,2", "weeks=2", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=s"])
        print(seen[0], "mesa" in sys.modules)  # the launcher checks again that it runs, later
        """,
        tmp_path,
    )
    assert out.splitlines()[-1] == "False False"
    assert (tmp_path / "s" / "results.parquet").exists()

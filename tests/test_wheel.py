"""`pip install .` (not editable): the wheel carries every module and configs/, and the commands work anywhere.

The wheel is installed into a new virtual environment that sees the development
environment's third-party packages (through a .pth file, so that nothing is
downloaded or installed twice) but not the checkout: the commands run from a
temporary directory with no PYTHONPATH, so a module or preset missing from the
wheel fails them.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sim", "experiments", "viz", "hydra_plugins")
# Built from a copy: setuptools builds in the source tree's build/, which keeps modules
# deleted since the last build (they would end up in the wheel) and is shared with any
# other build running in the checkout.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    "outputs",
    "multirun",
    "results",
    ".*_cache",
)
TIMEOUT = 300  # the first command compiles the item flow (numba) in the new install: about a minute


def _build_wheel(out: Path) -> Path:
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check"]
    # The dev extra installs setuptools, so the build needs no index; an environment set up
    # before it had that lets pip fetch the backend, as `pip install .` would.
    if importlib.util.find_spec("setuptools") is not None:
        cmd.append("--no-build-isolation")
    subprocess.run([*cmd, "--wheel-dir", str(out), str(src)], check=True, timeout=TIMEOUT)
    (wheel,) = out.glob("orgstack-*.whl")
    return wheel


def _venv_with(wheel: Path, venv: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # Appended to sys.path after the venv's own site-packages: the wheel's packages come first.
    # Directories named in a .pth file are not scanned for .pth files, so the development
    # environment's editable install (a .pth there) stays inactive.
    deps = dict.fromkeys([sysconfig.get_path("purelib"), sysconfig.get_path("platlib")])
    (site / "orgstack-test-deps.pth").write_text("".join(f"{path}\n" for path in deps))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "--no-index",
            "--quiet",
        ]
        + ["--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=TIMEOUT,
    )
    return site


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(base / "dist")
    venv = base / "venv"
    site = _venv_with(wheel, venv)
    work = base / "work"
    work.mkdir()
    return {"wheel": wheel, "venv": venv, "site": site, "work": work}


def _run(installed: dict[str, Path], program: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the new environment's programs (python or a console script) in the working directory."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "NUMBA_CACHE_DIR")}
    env["COLUMNS"] = "1000"  # argparse wraps help at hyphens, which the temporary paths have
    cmd = [str(installed["venv"] / "bin" / program), *args]
    done = subprocess.run(
        cmd, cwd=installed["work"], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_wheel_carries_every_module_and_every_preset(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    modules = {
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    presets = {f"sim/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "configs").rglob("*.yaml")}
    assert modules <= names
    assert presets <= names and "sim/configs/config.yaml" in presets
    assert not [n for n in names if n.split("/")[0] in ("tests", "docs", "configs", "examples", "benchmarks")]


def test_the_installed_package_is_the_one_imported(installed):
    out = _run(
        installed,
        "python",
        "-c",
        "import sim, sim.paths, hydra_plugins.orgstack_plugins as p;"
        "print(sim.__file__, sim.paths.CONFIG_DIR, sim.paths.repository(), p.__file__, sep='\\n')",
    ).stdout.split()
    site = installed["site"]
    assert out == [
        str(site / "sim" / "__init__.py"),
        str(site / "sim" / "configs"),
        "None",
        str(site / "hydra_plugins" / "orgstack_plugins.py"),
    ]


def test_orgstack_runs_and_writes_under_the_working_directory(installed):
    out = _run(installed, "orgstack", "weeks=4").stdout
    assert "DORA cluster (weeks 1-4)" in out and "wrote outputs/" in out
    assert list((installed["work"] / "outputs").rglob("metrics.parquet"))
    # numba caches the compiled item flow beside the installed module, so later commands reuse it
    assert list((installed["site"] / "sim" / "model" / "flow" / "__pycache__").glob("serve.*.nbi"))


def test_a_sweep_finds_the_launcher_in_the_wheel(installed):
    out = _run(installed, "orgstack", "--multirun", "seed=0,1", "weeks=4").stdout
    assert "2 ok, 0 failed" in out
    (results,) = (installed["work"] / "multirun").rglob("results.parquet")
    assert sorted(p.name for p in results.parent.iterdir() if p.is_dir()) == [
        "seed-0,weeks-4",
        "seed-1,weeks-4",
    ]


def test_the_assessment_and_the_report_use_the_installed_examples(installed):
    examples = installed["site"] / "sim" / "configs" / "assessment" / "examples"
    assert str(examples) in _run(installed, "orgstack-report", "--help").stdout
    out = _run(
        installed, "orgstack-assess", str(examples / "weak_architecture.yaml"), "--trials", "10"
    ).stdout
    assert "maturity:" in out and "fitted unknowns:" in out
    report = installed["work"] / "report.html"
    args = ["--seeds", "2", "--trials", "0", "--fit-trials", "5", "--weeks", "26", "-o", str(report)]
    out = _run(installed, "orgstack-report", str(examples / "weak_alignment.yaml"), *args).stdout
    assert "orgstack-report: wrote" in out
    assert "sensitivity analysis is not part of this installation" in report.read_text()


def test_the_api_works_from_the_wheel(installed):
    out = _run(
        installed, "python", "-c", "from sim import simulate; print(len(simulate(['weeks=3'])))"
    ).stdout
    assert out.strip() == "3"


def test_the_generated_presets_are_on_their_search_path_in_the_wheel(installed):
    code = (
        "from sim.config import GENERATED, load_config;"
        "print(*load_config([GENERATED, 'intervention=seq_bottom_up']).intervention)"
    )
    assert _run(installed, "python", "-c", code).stdout.split() == ["seq_bottom_up"]

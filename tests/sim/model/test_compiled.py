"""The compiled code's cache: dropped when a layout it was compiled with changes, found again by each process."""

import dataclasses
import enum
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from numba import cloudpickle  # what numba pickles its cache index with

from sim.model.capabilities import CapabilityRules
from sim.model.compiled import cache_guard, compiled_inputs, jit, record
from sim.model.leadership import LeadershipRules
from sim.model.operating import OperatingRules
from sim.model.workforce import WorkforceRules

ROOT = Path(__file__).resolve().parents[3]


def _namespace(source, **constants):
    return {"__file__": str(source), "__name__": "mod", **constants}


def test_a_changed_input_drops_the_module_cache_and_an_unchanged_one_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    source = tmp_path / "mod.py"
    source.write_text("")
    cache = tmp_path / "__pycache__"
    cache.mkdir()

    def cached():
        for name in ("mod.f-1.py312.nbi", "mod.f-1.py312.1.nbc", "other.g-1.py312.nbi"):
            (cache / name).write_text("x")

    cache_guard(_namespace(source, ROWS=("a", "b")))  # first sight: nothing known, so nothing to trust
    cached()
    cache_guard(_namespace(source, ROWS=("a", "b"), helper=lambda: 0))  # not frozen into code
    assert sorted(p.name for p in cache.glob("*.nb?")) == [
        "mod.f-1.py312.1.nbc",
        "mod.f-1.py312.nbi",
        "other.g-1.py312.nbi",
    ]
    cache_guard(_namespace(source, ROWS=("a", "b", "c")))
    assert sorted(p.name for p in cache.glob("*.nb?")) == ["other.g-1.py312.nbi"], "only this module's"


def test_the_guard_looks_where_numba_caches(tmp_path, monkeypatch):
    source = tmp_path / "src" / "mod.py"
    source.parent.mkdir()
    source.write_text("")
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "cache"))
    cache_guard(_namespace(source))
    assert [p.name for p in (tmp_path / "cache").glob("*/mod.layout")] == ["mod.layout"]
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a directory")
    cache_guard(_namespace(tmp_path / "gone.py"))  # nowhere to cache: no error, numba compiles afresh


def test_compiled_inputs_see_numbers_arrays_enums_and_tables_not_other_objects():
    class Rows(enum.IntEnum):
        A = 0

    base = {"ROWS": ("a", 1, 2.5), "TABLE": {"a": 1}, "W": np.arange(3.0), "Rows": Rows, "f": print}
    text = compiled_inputs(base)
    for changed in (
        {"ROWS": ("a", 1, 2.6)},
        {"TABLE": {"a": 2}},
        {"W": np.arange(3.0) + 1},
        {"Rows": enum.IntEnum("Rows", ["B"], start=0)},
    ):
        assert compiled_inputs({**base, **changed}) != text, changed
    assert compiled_inputs({**base, "f": len, "__doc__": "other"}) == text


def test_a_compiled_function_in_a_module_without_the_guard_is_refused():
    namespace = {"__file__": "unguarded.py", "__name__": "unguarded"}
    exec("def f():\n    return 1\n", namespace)
    with pytest.raises(RuntimeError, match="cache_guard"):
        jit(namespace["f"])


CALLER = """
from sim.model.compiled import cache_guard, jit
from pkg.callee import g

cache_guard(globals())


@jit
def f():
    return g() + 1
"""
CALLEE = """
from sim.model.compiled import cache_guard, jit

cache_guard(globals())


@jit
def g():
    return {value}
"""


def test_a_change_in_a_called_module_recompiles_its_callers_and_nothing_else_does(tmp_path):
    # numba keys a cached function on its own file only (numba issue #1833): without the guard the
    # caller would go on returning the old callee's value.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "caller.py").write_text(CALLER)
    (package / "callee.py").write_text(CALLEE.format(value=1))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(tmp_path), str(ROOT)))}
    env.pop("NUMBA_CACHE_DIR", None)

    def run(cwd):
        command = [sys.executable, "-c", "from pkg.caller import f; print(f())"]
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=True)
        return int(done.stdout)

    assert run(tmp_path) == 2
    cached = {p.name: p.stat().st_mtime_ns for p in (package / "__pycache__").glob("caller.*.nb?")}
    assert cached, "numba cached the caller"
    assert run(package) == 2, "another process in another directory finds the same code"
    assert {p.name: p.stat().st_mtime_ns for p in (package / "__pycache__").glob("caller.*.nb?")} == cached
    (package / "callee.py").write_text(CALLEE.format(value=40))
    assert run(tmp_path) == 41


@pytest.mark.parametrize(
    ("rules", "extra"),
    [
        (CapabilityRules(), {}),
        (LeadershipRules(), {}),
        (OperatingRules(), {}),
        (WorkforceRules(), {"weekly_hazard": 0.1}),
    ],
)
def test_a_record_holds_every_number_of_the_rules_by_name_and_its_type_survives_pickling(rules, extra):
    rec = record(rules, **extra)
    numbers = {
        f.name: getattr(rules, f.name) for f in dataclasses.fields(rules) if f.type in ("int", "float")
    }
    assert rec.shape == (1,) and rec.dtype.names == (*numbers, *extra)
    assert all(rec[0][name] == float(value) for name, value in {**numbers, **extra}.items())
    # numba's cache index stores argument types pickled: a type that came back different would
    # make every later process compile afresh.
    kind = numba.typeof(rec)
    assert pickle.loads(cloudpickle.dumps(kind)) == kind
    assert numba.typeof(record(rules, **extra)) == kind

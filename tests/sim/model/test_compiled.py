"""The compiled code's cache: dropped when a layout it was compiled with changes, found again by each process."""

import dataclasses
import pickle

import numba
import pytest
from numba import cloudpickle  # what numba pickles its cache index with

from sim.model.capabilities import CapabilityRules
from sim.model.compiled import cache_guard, record
from sim.model.leadership import LeadershipRules
from sim.model.operating import OperatingRules
from sim.model.workforce import WorkforceRules


def test_a_changed_layout_drops_the_module_cache_and_an_unchanged_one_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    source = tmp_path / "mod.py"
    source.write_text("")
    cache = tmp_path / "__pycache__"
    cache.mkdir()

    def cached():
        for name in ("mod.f-1.py312.nbi", "mod.f-1.py312.1.nbc", "other.g-1.py312.nbi"):
            (cache / name).write_text("x")

    cache_guard(str(source), ("a", "b"))  # first sight: nothing known, so nothing to trust
    cached()
    cache_guard(str(source), ("a", "b"))
    assert sorted(p.name for p in cache.glob("*.nb?")) == [
        "mod.f-1.py312.1.nbc",
        "mod.f-1.py312.nbi",
        "other.g-1.py312.nbi",
    ]
    cache_guard(str(source), ("a", "b", "c"))
    assert sorted(p.name for p in cache.glob("*.nb?")) == ["other.g-1.py312.nbi"], "only this module's"


def test_an_unwritable_cache_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a directory")
    cache_guard(str(tmp_path / "mod.py"), ("a",))  # no error: numba then compiles afresh


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

"""The six emergence findings: computed and reported whichever way they come out, never asserted."""

import math

import numpy as np
import pytest
import yaml

from experiments.validation import emergence
from sim.model.schema import ConfigError, build

WEEKS = 20


@pytest.fixture(scope="module")
def spec():
    return emergence.load_spec(weeks=WEEKS, early_weeks=4, short_weeks=2, late_weeks=8, seeds=3)


def course(weekly, innovations=0.0, units=3):
    """A course whose every unit has the given weekly values (a list over WEEKS weeks)."""
    value = np.tile(np.asarray(weekly, dtype=float), (units, 1))
    return emergence.Course(value, np.full(units, innovations))


def flat(level):
    return [level] * WEEKS


def trap(early, late):
    return [early] * 4 + [10.0] * 8 + [late] * 8


def test_the_wilson_interval_of_a_share():
    lo, hi = emergence.share_interval(0, 20)
    assert lo == 0 and 0.1 < hi < 0.2
    lo, hi = emergence.share_interval(20, 20)
    assert 0.8 < lo < 0.9 and hi == pytest.approx(1.0)
    assert all(math.isnan(x) for x in emergence.share_interval(0, 0))


@pytest.mark.parametrize(("late", "holds"), [(9.0, True), (11.0, False)])
def test_the_capability_trap_is_reported_either_way(spec, late, holds):
    runs = {spec.baseline: course(flat(10.0)), spec.push: course(trap(12.0, late))}
    f = emergence.capability_trap(runs, spec, "3 test units")
    assert f.key == "a" and f.n == 3 and f.count == (3 if holds else 0)
    assert [int(p.holds.sum()) for p in f.parts] == [3, 3 if holds else 0]
    early, final = f.effects.values()
    assert early.mean == pytest.approx(0.2) and final.mean == pytest.approx(late / 10 - 1)
    text = emergence.line(f.as_dict())
    assert text.startswith(
        "(a) capability trap: " + ("holds in 3 of 3" if holds else "does not hold in 0 of 3")
    )
    assert "over 3 test units" in text and "ahead in weeks 1–4: 3/3" in text


def test_worse_before_better_needs_the_dip_the_most_value_and_the_most_innovations(spec):
    dip_then_best = [8.0] * 4 + [20.0] * 16
    runs = {
        spec.baseline: course(flat(10.0)),
        spec.push: course(flat(11.0), innovations=1),
        spec.foundations: course(dip_then_best, innovations=5),
        spec.practice: course(flat(10.5)),
    }
    f = emergence.worse_before_better(runs, spec, "test")
    assert f.count == 3 and [p.holds.all() for p in f.parts] == [True, True, True]
    runs[spec.push] = course(flat(11.0), innovations=9)  # more innovations than foundations first
    f = emergence.worse_before_better(runs, spec, "test")
    assert f.count == 0 and [p.holds.all() for p in f.parts] == [True, True, False]
    assert emergence.verdict(f.as_dict()) == "does not hold in 0 of 3 (0%; 95% CI 0%–56%)"


def test_short_horizon_diagnosis_and_multiplication(spec):
    weak = {
        spec.baseline: course(flat(10.0)),
        spec.push: course(flat(12.0)),
        spec.foundations: course(flat(11.0)),
        spec.practice: course(flat(10.5)),
    }
    strong = {
        spec.baseline: course(flat(20.0)),
        spec.foundations: course(flat(21.0)),
        spec.practice: course(flat(25.0)),
    }
    assert emergence.short_horizon(weak, spec, "test").count == 3
    d = emergence.diagnosis(weak, strong, spec, "test")
    assert d.count == 3
    e = emergence.multiplication(weak, strong, spec, "test")
    # +0.5 a week on weak, +5 on strong: more than additive.
    assert e.count == 3
    rel_weak, rel_strong, interaction = e.effects.values()
    assert rel_weak.mean == pytest.approx(0.05) and rel_strong.mean == pytest.approx(0.25)
    assert interaction.mean == pytest.approx((5.0 - 0.5) / 10.0)
    strong[spec.practice] = course(flat(20.2))
    assert emergence.multiplication(weak, strong, spec, "test").count == 0
    assert emergence.diagnosis(weak, strong, spec, "test").count == 0


def test_dora_realism_checks_every_key_against_the_published_profile(spec):
    profiles = spec.cluster_profiles()
    inside = {
        c: {k: np.full(3, lo if np.isfinite(lo) and lo > 0 else hi) for k, (lo, hi) in p.items()}
        for c, p in profiles.items()
    }
    keys = {spec.dora[c]: v for c, v in inside.items()}
    f = emergence.realism(keys, spec, "test")
    assert f.count == 3 and len(f.parts) == 4 * len(spec.dora) and not f.relative
    low = spec.dora["low"]
    keys[low] = {**keys[low], "lead_time_days": np.array([1.0, 60.0, 1.0])}
    f = emergence.realism(keys, spec, "test")
    assert list(f.holds) == [False, True, False]
    assert f.as_dict()["effects"][f"`{low}` lead_time_days"]["mean"] == pytest.approx(62 / 3)


def test_the_findings_of_real_runs_are_computed_and_reported(spec):
    """A tiny run of the presets: six findings with their structure, whatever they show."""
    found, runs = emergence.analyse(spec, workers=1)
    assert runs == len(emergence.cells(spec)) * spec.seeds
    assert [f.key for f in found] == list("abcdef")
    for f in found:
        d = f.as_dict()
        assert d["units"] == spec.seeds and 0 <= d["holds_in"] <= spec.seeds
        lo, hi = d["interval"]
        assert lo <= d["share"] <= hi
        assert all(0 <= p["holds_in"] <= spec.seeds for p in d["parts"])
        assert d["holds_in"] <= min(p["holds_in"] for p in d["parts"])
        assert emergence.line(d).startswith(f"({f.key}) {f.name}: ")


def test_over_worlds_counts_patterns_a_to_c_per_subset(spec):
    rng = np.random.default_rng(0)
    interventions = spec.courses
    curves = np.cumsum(rng.uniform(5, 15, size=(10, len(interventions), WEEKS)), axis=2)
    innovations = rng.uniform(0, 5, size=(10, len(interventions)))
    mask = np.arange(10) < 4
    out = emergence.over_worlds(
        spec, curves, innovations, interventions, {"all": np.ones(10, bool), "some": mask}
    )
    assert list(out) == ["all", "some"]
    assert [f.key for f in out["all"]] == ["a", "b", "c"]
    assert out["some"][0].n == 4 and out["all"][0].n == 10
    assert emergence.over_worlds(spec, curves, innovations, ["x", "y", "z", "w"], {"all": mask}) == {}


@pytest.mark.parametrize(
    ("key", "value", "field", "message"),
    [
        ("weak", "nowhere", "weak", "must be one of"),
        ("push", "push_harder", "push", "execution_push"),
        ("practice", "none", "practice", "four different"),
        ("late_weeks", 200, "late_weeks", "at most weeks"),
        ("profiles", "profiles_1999", "profiles", "profiles_2021_2023"),
        ("dora", {"legendary": "elite"}, "dora.legendary", "known: low"),
        ("dora", {}, "dora", "at least one"),
    ],
)
def test_a_wrong_spec_names_the_field_and_what_is_allowed(key, value, field, message):
    data = yaml.safe_load(emergence.SPEC_PATH.read_text())
    with pytest.raises(ConfigError) as err:
        build(emergence.EmergenceSpec, {**data, key: value})
    assert err.value.field == field and message in err.value.message

"""Which inputs are uncertain, their ranges, and worlds built from them."""

import numpy as np
import pytest
import yaml

from experiments.validation import parameters, uncertainty
from sim.model.params import LAYER_NAMES
from sim.model.schema import ConfigError, build


@pytest.fixture(scope="module")
def spec():
    return uncertainty.load_spec()


@pytest.fixture(scope="module")
def base(spec):
    return uncertainty.base_config(spec)


def test_every_parameter_is_uncertain_or_excluded_with_a_reason(spec, base):
    names = {f.name for f in uncertainty.factors(spec, base)}
    for name in parameters.numeric():
        assert (name in names) != (name in spec.excluded), name
    assert all(spec.excluded.values())
    assert {f"layer_{layer}" for layer in LAYER_NAMES} <= names
    assert "operating.overtime" in names and "flow.size_distribution" not in names


def test_ranges_contain_the_default_within_the_declared_range(spec, base):
    known = parameters.numeric()
    for f in uncertainty.factors(spec, base):
        assert f.low <= f.default <= f.high, f.name
        assert f.low < f.high, f.name
        if f.name in known:
            assert known[f.name].lo <= f.low and f.high <= known[f.name].hi, f.name
    by_name = {f.name: f for f in uncertainty.factors(spec, base)}
    narrow = next(iter(spec.narrow))
    assert by_name[narrow].high - by_name[narrow].low < 2 * spec.width * by_name[narrow].default


def test_a_world_sets_nested_parameters_layers_and_seed(spec, base):
    wanted = ("capability.debt_pressure", "workforce.ramp_weeks", "layer_culture")
    by_name = {f.name: f for f in uncertainty.factors(spec, base)}
    chosen = [by_name[name] for name in wanted]
    debt, ramp, culture = chosen
    w = uncertainty.world(base, chosen, np.array([debt.high, ramp.default + 0.4, 99.0]), seed=7)
    assert w.params.capability.debt_pressure == debt.high
    assert w.params.workforce.ramp_weeks == round(ramp.default + 0.4), "integers are rounded"
    assert isinstance(w.params.workforce.ramp_weeks, int)
    assert w.params.operating == base.params.operating, "other groups untouched"
    assert w.org.layers.culture == culture.high, "clipped to the factor's range"
    assert w.seed == 7 and w.org.layers.talent == base.org.layers.talent


def test_the_sceptics_ranges_widen_the_robustness_worlds(spec, base):
    rs = spec.robustness
    wide = {f.name: f for f in uncertainty.factors(spec, base, rs.ranges)}
    for name, (low, high) in rs.ranges.items():
        default = parameters.value(base.params, name)
        p = parameters.numeric()[name]
        assert wide[name].low == pytest.approx(max(default * low, p.lo)), name
        assert wide[name].high == pytest.approx(min(default * high, p.hi)), name
    assert rs.horizon[0] < rs.horizon[1] <= 156


def test_the_diagnosis_axis_runs_from_the_preset_to_the_other(spec, base):
    from sim.config import load_config

    other = load_config([f"org={spec.robustness.towards}"]).org
    axis = uncertainty.Factor(uncertainty.DIAGNOSIS, 0.0, 1.0, 0.0)
    layer = next(f for f in uncertainty.factors(spec, base) if f.name == "layer_execution")
    at = {
        t: uncertainty.world(base, [axis, layer], np.array([t, layer.default]), seed=1, towards=other).org
        for t in (0.0, 0.5, 1.0)
    }
    assert at[0.0].layers == base.org.layers and at[0.0].debt == base.org.debt
    assert at[1.0].layers == other.layers and at[1.0].levers.priorities == other.levers.priorities
    assert at[0.5].debt == pytest.approx((base.org.debt + other.debt) / 2)
    assert at[0.5].layers.architecture == pytest.approx(
        (base.org.layers.architecture + other.layers.architecture) / 2
    )
    assert at[1.0].teams == base.org.teams
    # The layer factors shift the interpolated layers by their departure from the preset's value.
    shifted = uncertainty.world(base, [axis, layer], np.array([1.0, layer.high]), seed=1, towards=other).org
    assert shifted.layers.execution == pytest.approx(
        min(other.layers.execution + layer.high - layer.default, 1.0)
    )


@pytest.mark.parametrize(
    ("group", "name", "allowed"),
    [
        ("ranges", "no_such_parameter", "GROUP.NAME with GROUP one of flow, workforce"),
        ("ranges", "operating.overtim", "allowed: overtime, firefight_items"),
        ("narrow", "capability.nope", "allowed: debt_per_day"),
        ("excluded", "flow.size_distribution", "allowed: feature_size_median"),
    ],
)
def test_parameters_are_named_by_dotted_path_and_wrong_names_say_what_is_allowed(group, name, allowed):
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    where = data["robustness"] if group == "ranges" else data
    where[group] = {name: [0.5, 2.0] if group == "ranges" else ("a reason" if group == "excluded" else 0.1)}
    with pytest.raises(ConfigError) as err:
        build(uncertainty.UncertaintySpec, data)
    assert err.value.field.endswith(f"{group}.{name}")
    assert allowed in err.value.message


def test_ranges_must_be_ordered_and_the_course_one_of_the_interventions():
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    data["robustness"]["ranges"] = {"capability.skill_gain": [2.0, 0.5]}
    with pytest.raises(ConfigError, match="low <= high"):
        build(uncertainty.UncertaintySpec, data)
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    data["robustness"]["course"] = "hire_more"
    with pytest.raises(ConfigError) as err:
        build(uncertainty.UncertaintySpec, data)
    assert err.value.field == "robustness.course" and "none, execution_push" in err.value.message


def test_a_parameter_is_uncertain_or_excluded_not_both():
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    data["narrow"] = {**data["narrow"], "warmup_weeks": 0.1}
    with pytest.raises(ConfigError) as err:
        build(uncertainty.UncertaintySpec, data)
    assert err.value.field == "narrow.warmup_weeks"

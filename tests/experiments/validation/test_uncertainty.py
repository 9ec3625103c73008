"""Which inputs are uncertain, their ranges, and worlds built from them."""

import dataclasses

import numpy as np
import pytest
import yaml

from experiments.validation import uncertainty
from sim.model.params import LAYER_NAMES, Params
from sim.model.schema import ConfigError, build


@pytest.fixture(scope="module")
def spec():
    return uncertainty.load_spec()


@pytest.fixture(scope="module")
def base(spec):
    return uncertainty.base_config(spec)


def test_every_parameter_is_uncertain_or_excluded_with_a_reason(spec, base):
    names = {f.name for f in uncertainty.factors(spec, base)}
    for f in dataclasses.fields(Params):
        assert (f.name in names) != (f.name in spec.excluded), f.name
    assert all(spec.excluded.values())
    assert {f"layer_{layer}" for layer in LAYER_NAMES} <= names


def test_ranges_contain_the_calibrated_value_within_the_allowed_range(spec, base):
    metas = {f.name: f.metadata for f in dataclasses.fields(Params)}
    for f in uncertainty.factors(spec, base):
        assert f.low <= f.default <= f.high, f.name
        assert f.low < f.high, f.name
        if f.name in metas:
            assert metas[f.name]["lo"] <= f.low and f.high <= metas[f.name]["hi"], f.name
    by_name = {f.name: f for f in uncertainty.factors(spec, base)}
    narrow = next(iter(spec.narrow))
    assert by_name[narrow].high - by_name[narrow].low < 2 * spec.width * by_name[narrow].default


def test_a_world_sets_parameters_layers_and_seed(spec, base):
    chosen = [f for f in uncertainty.factors(spec, base) if f.name in ("debt_drag", "layer_culture")]
    w = uncertainty.world(base, chosen, np.array([chosen[0].high, 99.0]), seed=7)
    assert w.params.debt_drag == chosen[0].high
    assert w.org.layers.culture == chosen[1].high, "clipped to the factor's range"
    assert w.seed == 7 and w.org.layers.talent == base.org.layers.talent


def test_integer_parameters_must_be_excluded():
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    data["excluded"] = {k: v for k, v in data["excluded"].items() if k != "coaching_weeks"}
    with pytest.raises(ConfigError) as err:
        build(uncertainty.UncertaintySpec, data)
    assert err.value.field == "excluded.coaching_weeks"


def test_the_sceptics_ranges_widen_the_robustness_worlds(spec, base):
    rs = spec.robustness
    wide = {f.name: f for f in uncertainty.factors(spec, base, rs.ranges)}
    for name, (low, high) in rs.ranges.items():
        default = getattr(base.params, name)
        meta = next(f.metadata for f in dataclasses.fields(Params) if f.name == name)
        assert wide[name].low == pytest.approx(max(default * low, meta["lo"])), name
        assert wide[name].high == pytest.approx(min(default * high, meta["hi"])), name
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


def test_ranges_must_name_parameters_and_be_ordered():
    data = yaml.safe_load(uncertainty.SPEC_PATH.read_text())
    data["robustness"]["ranges"] = {"no_such_parameter": [0.5, 2.0]}
    with pytest.raises(ConfigError) as err:
        build(uncertainty.UncertaintySpec, data)
    assert err.value.field == "robustness.ranges.no_such_parameter"
    data["robustness"]["ranges"] = {"culture_rate": [2.0, 0.5]}
    with pytest.raises(ConfigError):
        build(uncertainty.UncertaintySpec, data)

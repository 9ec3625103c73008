"""Which inputs are uncertain, their ranges, and worlds built from them."""

import dataclasses

import numpy as np
import pytest
import yaml

from experiments import uncertainty
from sim.params import LAYER_NAMES, Params
from sim.schema import ConfigError, build


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

"""Parameters by dotted name: lookup with clear errors, reading, and replacing whole groups."""

import dataclasses

import pytest

from experiments.validation import parameters
from sim.model.params import Params
from sim.model.schema import ConfigError


def test_every_numeric_field_of_every_group_has_a_dotted_name_and_its_declared_range():
    known = parameters.numeric()
    assert "warmup_weeks" in known and known["warmup_weeks"].integer
    assert known["operating.overtime"] == parameters.Parameter(
        "operating.overtime", "operating", "overtime", False, 0, 1
    )
    assert known["workforce.ramp_weeks"].integer
    assert "flow.size_distribution" not in known, "a string is not a number parameter"
    groups = {f.name for f in dataclasses.fields(Params)} - {"warmup_weeks"}
    assert set(parameters.groups()) == groups
    assert {p.group for p in known.values()} == groups | {""}


def test_reading_and_replacing_by_dotted_name():
    params = Params()
    assert parameters.value(params, "operating.overtime") == params.operating.overtime
    new = parameters.replace(
        params, {"operating.overtime": 0.3, "operating.switching": 0.1, "workforce.hiring_lag_weeks": 9.6}
    )
    assert new.operating.overtime == 0.3 and new.operating.switching == 0.1
    assert new.workforce.hiring_lag_weeks == 10 and isinstance(new.workforce.hiring_lag_weeks, int)
    assert new.flow == params.flow and params.operating.overtime != 0.3, (
        "the rest, and the original, unchanged"
    )
    assert parameters.replace(params, {"warmup_weeks": 4}).warmup_weeks == 4


def test_a_wrong_name_or_value_names_the_field_and_what_is_allowed():
    with pytest.raises(ConfigError) as err:
        parameters.lookup("overtime", "fit.parameters.overtime")
    assert err.value.field == "fit.parameters.overtime"
    assert "GROUP one of flow, workforce, leadership, structure, capability, operating" in err.value.message
    assert "warmup_weeks" in err.value.message
    with pytest.raises(ConfigError, match="params.operating; allowed: overtime, firefight_items"):
        parameters.value(Params(), "operating.overtme")
    with pytest.raises(ConfigError) as err:
        parameters.replace(Params(), {"operating.overtime": 2.0})
    assert err.value.field == "operating.overtime" and "from 0 to 1" in err.value.message

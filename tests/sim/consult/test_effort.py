"""The study's effort: checked once, naming the field."""

import pytest

from sim.consult.effort import Effort
from sim.model.schema import ConfigError


def test_none_means_the_settings_default():
    assert Effort() == Effort(None, None, None, None, None)


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("seeds", 1, "from 2 to 10000"),
        ("trials", -1, "from 0 to 10000"),
        ("fit_trials", 0, "from 1 to 10000"),
        ("fit_seeds", 10_001, "from 1 to 10000"),
        ("weeks", 521, "from 1 to 520"),
        ("seeds", 2.5, "whole number"),
        ("trials", True, "whole number"),
    ],
)
def test_out_of_range_or_not_whole_is_refused_by_name(field, value, allowed):
    with pytest.raises(ConfigError) as err:
        Effort(**{field: value})
    assert err.value.field == field and allowed in err.value.message


def test_zero_search_trials_is_allowed():
    assert Effort(trials=0).trials == 0

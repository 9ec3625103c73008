"""Unit tests of sim.model.schema: typed, range-checked construction of frozen dataclasses."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from sim.model.schema import ConfigError, as_dict, build, describe_range, spec, validate_fields


@dataclass(frozen=True)
class Inner:
    rate: float = spec(0, 1, unit="1/week", doc="A rate.")
    count: int = spec(1, 10, default=3, unit="teams", doc="A count.")

    def __post_init__(self) -> None:
        validate_fields(self)


@dataclass(frozen=True)
class Outer:
    name: str = spec(doc="A name.")
    inner: Inner = spec(doc="Nested.")
    mode: str = spec(default="fast", choices=("fast", "slow"), doc="A choice.")
    flag: bool = spec(default=False, doc="A switch.")
    weights: dict[str, float] = spec(default={}, doc="Named weights.")
    items: tuple[Inner, ...] = spec(default=(), doc="A list of nested objects.")
    note: str | None = spec(default=None, doc="Optional.")

    def __post_init__(self) -> None:
        validate_fields(self)


def good(**changes):
    data = {"name": "x", "inner": {"rate": 0.5}}
    data.update(changes)
    return data


def error(data) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build(Outer, data)
    return info.value


def test_builds_nested_frozen_objects_with_defaults():
    obj = build(Outer, good(weights={"a": 1}, items=[{"rate": 0.1, "count": 2}]))
    assert obj.inner == Inner(rate=0.5, count=3)
    assert obj.mode == "fast" and obj.flag is False and obj.note is None
    assert obj.weights == {"a": 1.0} and isinstance(obj.weights["a"], float)
    assert obj.items == (Inner(rate=0.1, count=2),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.name = "y"


def test_int_is_accepted_for_float_and_integral_float_for_int():
    obj = build(Outer, good(inner={"rate": 1, "count": 4.0}))
    assert obj.inner.rate == 1.0 and isinstance(obj.inner.rate, float)
    assert obj.inner.count == 4 and isinstance(obj.inner.count, int)


def test_already_built_object_passes_through():
    inner = Inner(rate=0.2)
    assert build(Outer, good(inner=inner)).inner is inner


def test_unknown_key_names_the_key_and_the_allowed_keys():
    err = error(good(nmae="x"))
    assert err.field == "nmae"
    assert "unknown key" in err.message and "name, inner, mode" in err.message


def test_unknown_nested_key_has_the_dotted_path():
    err = error(good(inner={"rate": 0.5, "rat": 1}))
    assert err.field == "inner.rat"
    assert "rate, count" in err.message
    assert str(err).startswith("inner.rat: ")


def test_missing_required_field():
    err = error({"name": "x"})
    assert err.field == "inner" and "required" in err.message


@pytest.mark.parametrize(
    ("inner", "field", "fragment"),
    [
        ({"rate": "abc"}, "inner.rate", "must be a number"),
        ({"rate": True}, "inner.rate", "must be a number"),
        ({"rate": 1.5}, "inner.rate", "from 0 to 1 1/week"),
        ({"rate": -0.1}, "inner.rate", "got -0.1"),
        ({"rate": float("nan")}, "inner.rate", "from 0 to 1"),
        ({"rate": float("inf")}, "inner.rate", "from 0 to 1"),
        ({"rate": 0.5, "count": 2.5}, "inner.count", "must be an integer"),
        ({"rate": 0.5, "count": True}, "inner.count", "must be an integer"),
        ({"rate": 0.5, "count": "3"}, "inner.count", "must be an integer"),
        ({"rate": 0.5, "count": 11}, "inner.count", "from 1 to 10 teams"),
        ({"rate": 0.5, "count": 0}, "inner.count", "got 0"),
    ],
)
def test_wrong_type_or_range_names_the_field_and_what_is_allowed(inner, field, fragment):
    err = error(good(inner=inner))
    assert err.field == field
    assert fragment in err.message
    assert str(err) == f"{field}: {err.message}"


def test_bounds_are_inclusive():
    assert build(Outer, good(inner={"rate": 0, "count": 10})).inner == Inner(rate=0.0, count=10)
    assert build(Outer, good(inner={"rate": 1, "count": 1})).inner == Inner(rate=1.0, count=1)


def test_bool_field_refuses_other_types():
    assert build(Outer, good(flag=True)).flag is True
    for value in (1, "true", None):
        err = error(good(flag=value))
        assert err.field == "flag" and "true or false" in err.message


def test_string_field_checks_type_and_choices():
    assert build(Outer, good(mode="slow")).mode == "slow"
    err = error(good(mode="medium"))
    assert err.field == "mode" and "fast, slow" in err.message and "'medium'" in err.message
    err = error(good(name=3))
    assert err.field == "name" and "must be a string" in err.message


def test_mapping_and_list_fields():
    err = error(good(weights=[1, 2]))
    assert err.field == "weights" and "mapping" in err.message
    err = error(good(weights={"a": "heavy"}))
    assert err.field == "weights.a" and "must be a number" in err.message
    err = error(good(items={"rate": 0.1}))
    assert err.field == "items" and "must be a list" in err.message
    err = error(good(items=[{"rate": 0.1}, {"rate": 3}]))
    assert err.field == "items[1].rate"


def test_nested_value_that_is_not_a_mapping():
    err = error(good(inner=0.5))
    assert err.field == "inner" and "rate, count" in err.message


def test_optional_field_accepts_none_and_its_type():
    assert build(Outer, good(note=None)).note is None
    assert build(Outer, good(note="hello")).note == "hello"
    assert error(good(note=5)).field == "note"


def test_post_init_check_is_reported_with_the_path():
    # validate_fields in __post_init__ refuses objects built in code too.
    with pytest.raises(ConfigError) as info:
        Inner(rate=2.0)
    assert info.value.field == "rate"


def test_validate_fields_skips_bools_and_non_numbers():
    @dataclass(frozen=True)
    class Flags:
        on: bool = spec(0, 0, default=True)
        label: str = spec(default="x")

    validate_fields(Flags())  # True would be 1 > hi=0 if bools were checked as numbers


def test_describe_range():
    assert describe_range({"lo": 0, "hi": 1, "unit": "1"}) == "a number from 0 to 1"
    assert describe_range({"lo": 1, "hi": None, "unit": "weeks"}) == "a number of at least 1 weeks"
    assert describe_range({"lo": None, "hi": 5, "unit": ""}) == "a number of at most 5"
    assert describe_range({}) == "a number"


def test_config_error_without_field():
    err = ConfigError("", "something is wrong")
    assert str(err) == "something is wrong" and err.field == ""
    assert isinstance(err, ValueError)


def test_as_dict_round_trips():
    obj = build(Outer, good(items=[{"rate": 0.1}], weights={"w": 2.0}))
    data = as_dict(obj)
    assert data["items"] == [{"rate": 0.1, "count": 3}]
    assert build(Outer, data) == obj

from __future__ import annotations

import pytest

from magnum_lite.api import validation
from magnum_lite.api.validation import Field
from magnum_lite.common import exception


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (Field("int", minimum=1), "3", 3),
        (Field("int"), 4.0, 4),
        (Field("bool"), "True", True),
        (Field("bool"), 0, False),
        (Field("str"), 5, "5"),
        (Field("dict"), '{"a": 1}', {"a": "1"}),
    ],
)
def test_coercion(field, value, expected):
    assert field.coerce("f", value) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (Field("int", minimum=1), 0),
        (Field("int"), True),
        (Field("int"), "1.5"),
        (Field("bool"), "maybe"),
        (Field("str"), {"a": 1}),
        (Field("str", max_length=3), "abcd"),
        (Field("dict"), [1]),
        (Field("dict"), {"a": {"nested": 1}}),
        (Field("str", nullable=False), None),
    ],
)
def test_bad_values_name_the_field(field, value):
    with pytest.raises(exception.InvalidParameterValue) as info:
        field.coerce("the_field", value)
    assert "the_field" in str(info.value)


def test_unknown_attributes_and_names():
    with pytest.raises(exception.InvalidParameterValue, match="colour"):
        validation.coerce_fields({"colour": 1}, {"name": validation.STR}, "cluster")
    validation.check_cluster_name("Abc.d-e_f1")
    for bad in ("1abc", "-a", "a b", "a" * 243, ""):
        with pytest.raises(exception.InvalidName):
            validation.check_cluster_name(bad)

from __future__ import annotations

import pytest

from magnum_lite.api import patch
from magnum_lite.common import exception

FIELDS = {"name", "node_count", "labels", "image_id", "uuid"}


def test_values_are_json_decoded_and_applied():
    ops = patch.validate(
        [
            {"op": "replace", "path": "/node_count", "value": "3"},
            {"op": "add", "path": "/labels/k", "value": "v"},
            {"op": "replace", "path": "/name", "value": "plain"},
        ],
        FIELDS,
    )
    assert ops[0]["value"] == 3
    doc = patch.apply({"name": "a", "node_count": 1, "labels": None, "image_id": "i"}, ops)
    assert doc == {"name": "plain", "node_count": 3, "labels": {"k": "v"}, "image_id": "i"}


def test_remove_top_level_becomes_none():
    ops = patch.validate([{"op": "remove", "path": "/name"}], FIELDS)
    assert patch.apply({"name": "a"}, ops) == {"name": None}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "list"),
        ([], "list"),
        (["x"], "not an object"),
        ([{"op": "move", "path": "/name", "from": "/x"}], "move"),
        ([{"op": "replace", "path": "name", "value": 1}], "invalid path"),
        ([{"op": "replace", "path": "/uuid", "value": 1}], "internal"),
        ([{"op": "replace", "path": "/nope", "value": 1}], "nope"),
        ([{"op": "remove", "path": "/image_id"}], "mandatory"),
        ([{"op": "replace", "path": "/name"}], "value"),
        ([{"op": "replace", "path": "/name", "value": 1, "extra": 2}], "unknown keys"),
    ],
)
def test_rejected(body, needle):
    with pytest.raises(exception.InvalidJsonPatch) as info:
        patch.validate(body, FIELDS, mandatory=("image_id",))
    assert needle in str(info.value) and info.value.code == 400


def test_apply_conflict_is_400():
    ops = patch.validate([{"op": "remove", "path": "/labels/missing"}], FIELDS)
    with pytest.raises(exception.InvalidJsonPatch):
        patch.apply({"labels": {}}, ops)

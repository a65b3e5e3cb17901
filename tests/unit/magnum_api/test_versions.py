from __future__ import annotations

import pytest

from magnum_lite.api import versions
from magnum_lite.common import exception


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "1.1"),
        ({"OpenStack-API-Version": "container-infra 1.4"}, "1.4"),
        ({"OpenStack-API-Version": "container-infra latest"}, "1.14"),
        ({"OpenStack-API-Version": "CONTAINER-INFRA Latest"}, "1.14"),
        ({"OpenStack-API-Version": "container-infrastructure 1.9"}, "1.9"),
        ({"OpenStack-API-Version": "container-infrastructure-management 1.10"}, "1.10"),
        ({"OpenStack-API-Version": "compute 2.60, container-infra 1.7"}, "1.7"),
        ({"OpenStack-API-Version": "compute 2.60"}, "1.1"),
        ({"X-OpenStack-Magnum-API-Version": "1.3"}, "1.3"),
    ],
)
def test_requested(headers, expected):
    assert str(versions.requested(headers)) == expected


@pytest.mark.parametrize("raw", ["1", "1.x", "v1.2", "1.2.3", "latest-ish"])
def test_malformed_is_400(raw):
    with pytest.raises(exception.InvalidParameterValue) as info:
        versions.requested({"OpenStack-API-Version": f"container-infra {raw}"})
    assert info.value.code == 400 and raw in str(info.value)


@pytest.mark.parametrize("raw", ["1.0", "1.15", "2.0", "0.9"])
def test_out_of_range_is_406(raw):
    with pytest.raises(exception.MicroversionUnsupported) as info:
        versions.check(versions.parse(raw))
    assert info.value.code == 406


def test_ordering_and_response_headers():
    assert versions.parse("1.10") > versions.parse("1.9")
    headers = versions.response_headers(versions.parse("1.5"))
    assert headers["OpenStack-API-Version"] == "container-infrastructure-management 1.5"
    assert headers["Vary"] == "OpenStack-API-Version"
    assert "OpenStack-API-Version" not in versions.response_headers(None)

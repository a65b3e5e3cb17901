from __future__ import annotations

import urllib.parse

import pytest

from magnum_lite.api import pagination
from magnum_lite.common import exception


def test_defaults_and_cap():
    page = pagination.parse({}, 1000)
    assert (page.limit, page.marker, page.sort_key, page.sort_dir) == (1000, None, "id", "asc")
    assert pagination.parse({"limit": "5000"}, 1000).limit == 1000
    assert pagination.parse({"sort_dir": "DESC"}, 10).sort_dir == "desc"


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-3"},
        {"limit": "ten"},
        {"sort_dir": "up"},
        {"sort_key": "password"},
    ],
)
def test_bad_params_are_400(params):
    with pytest.raises(exception.InvalidParameterValue) as info:
        pagination.parse(params, 1000, ("id", "name"))
    assert info.value.code == 400


def test_next_only_on_full_pages():
    page = pagination.parse({"limit": "2", "sort_key": "name"}, 1000, ("id", "name"))
    items = [{"uuid": "a"}, {"uuid": "b"}]
    link = pagination.next_link("http://h:9511", "/v1/clusters", page, items)
    url = urllib.parse.urlsplit(link)
    assert (url.scheme, url.netloc, url.path) == ("http", "h:9511", "/v1/clusters")
    assert urllib.parse.parse_qs(url.query) == {
        "sort_key": ["name"],
        "sort_dir": ["asc"],
        "limit": ["2"],
        "marker": ["b"],
    }
    assert pagination.next_link("http://h", "/v1/clusters", page, items[:1]) is None
    assert pagination.next_link("http://h", "/v1/clusters", page, []) is None
    assert pagination.collection("clusters", [], None) == {"clusters": []}
    assert pagination.collection("clusters", [], "u")["next"] == "u"

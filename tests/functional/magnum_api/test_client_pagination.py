"""python-magnumclient follows `next` across pages (an API with [api] max_limit = 2)."""

from __future__ import annotations

import pytest
from magnumclient.v1 import client

from tests.functional.magnum_api.conftest import start_api, stop_api


@pytest.fixture(scope="module")
def small_pages(transport_url):
    proc, api = start_api(transport_url, extra_conf="[api]\nmax_limit = 2\n")
    try:
        yield api
    finally:
        api.session.close()
        stop_api(proc, api.tmpdir)


def test_client_collects_every_page(small_pages, uniq):
    magnum = client.Client(
        endpoint_override=f"{small_pages.url}/v1", auth_token="noauth", api_version="latest"
    )
    made = [
        magnum.cluster_templates.create(name=f"pg{i}-{uniq}", coe="swarm-mode", image_id="i").uuid
        for i in range(5)
    ]
    # No limit: one page of the server's size (python-magnumclient's documented behaviour).
    assert [t.uuid for t in magnum.cluster_templates.list()] == made[:2]
    # A limit above the server's page size: the client follows `next` page after page.
    assert [t.uuid for t in magnum.cluster_templates.list(limit=5)] == made
    assert [t.uuid for t in magnum.cluster_templates.list(limit=3)] == made[:3]
    assert [t.uuid for t in magnum.cluster_templates.list(limit=50)] == made
    page = small_pages.request("GET", "/v1/clustertemplates?limit=50").json()
    assert len(page["clustertemplates"]) == 2 and "limit=2" in page["next"]

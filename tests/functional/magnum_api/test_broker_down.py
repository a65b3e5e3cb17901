"""With the message queue unreachable, a create fails clearly instead of hanging or sticking."""

from __future__ import annotations

import pytest

from tests.functional import net
from tests.functional.magnum_api.conftest import start_api, stop_api


@pytest.fixture(scope="module")
def api_without_broker():
    # Nothing listens on this port: every connection attempt is refused at once.
    url = f"rabbit://guest:guest@127.0.0.1:{net.free_port()}/"
    proc, api = start_api(url, extra_conf="[oslo_messaging_rabbit]\nrabbit_retry_interval = 1\n")
    try:
        yield api
    finally:
        api.session.close()
        stop_api(proc, api.tmpdir)


def test_create_answers_503_and_marks_the_cluster_failed(api_without_broker, uniq):
    api = api_without_broker
    body = {"name": f"t-{uniq}", "coe": "swarm-mode", "image_id": "img"}
    assert api.request("POST", "/v1/clustertemplates", json=body).status_code == 201
    resp = api.request(
        "POST", "/v1/clusters", json={"name": f"c-{uniq}", "cluster_template_id": f"t-{uniq}"}
    )
    assert resp.status_code == 503, resp.text
    err = resp.json()["errors"][0]
    assert err["code"] == "server" and "Traceback" not in resp.text
    cluster = api.request("GET", f"/v1/clusters/c-{uniq}").json()
    assert cluster["status"] == "CREATE_FAILED"
    assert "could not reach the conductor" in cluster["status_reason"]

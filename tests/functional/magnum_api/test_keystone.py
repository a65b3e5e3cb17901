"""auth_strategy = keystone: keystonemiddleware guards everything but the version documents."""

from __future__ import annotations

import pytest
import requests

from tests.functional import net
from tests.functional.magnum_api.conftest import start_api, stop_api


@pytest.fixture(scope="module")
def keystone_api(transport_url):
    # Nothing listens on this port: a request without a token is refused before any lookup.
    keystone = f"http://127.0.0.1:{net.free_port()}/v3"
    extra = (
        "[api]\nauth_strategy = keystone\n"
        f"[keystone_authtoken]\nwww_authenticate_uri = {keystone}\n"
        "delay_auth_decision = false\n"
    )
    proc, api = start_api(transport_url, extra_conf=extra)
    try:
        yield api
    finally:
        stop_api(proc, api.tmpdir)


def test_request_without_token_is_401(keystone_api):
    resp = requests.get(f"{keystone_api.url}/v1/clusters", timeout=60)
    assert resp.status_code == 401
    assert "Keystone uri=" in resp.headers.get("WWW-Authenticate", "")
    # Identity headers alone are not trusted in keystone mode.
    resp = requests.get(
        f"{keystone_api.url}/v1/clusters",
        headers={"X-Project-Id": "p", "X-Roles": "admin"},
        timeout=60,
    )
    assert resp.status_code == 401


def test_version_documents_stay_public(keystone_api):
    assert requests.get(f"{keystone_api.url}/", timeout=60).status_code == 200
    assert requests.get(f"{keystone_api.url}/v1", timeout=60).status_code == 200

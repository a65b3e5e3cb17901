"""The old names at microversion 1.10 (baymodels, bays) build a real bay too; and a bay whose
preload image does not exist fails with a reason naming it, leaving nothing behind."""

from __future__ import annotations

import uuid

import requests

from tests.functional.bay.stack import BayStack, wait_for
from tests.functional.bay.test_bay import WAIT, _bay_containers, _bay_networks

V110 = {"OpenStack-API-Version": "container-infra 1.10"}


def _req(stack: BayStack, method: str, path: str, **kw) -> requests.Response:
    return requests.request(method, stack.url + path, headers=V110, timeout=60, **kw)


def _bay_status(stack: BayStack, uuid_: str) -> str | None:
    r = _req(stack, "GET", f"/v1/bays/{uuid_}")
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return r.json()["status"]


def test_bays_at_1_10_create_show_delete(stack: BayStack) -> None:
    r = _req(
        stack, "POST", "/v1/baymodels",
        json={
            "name": f"bm-{uuid.uuid4().hex[:6]}", "coe": "swarm-mode",
            "server_type": "container", "image_id": stack.image_id,
        },
    )  # fmt: skip
    assert r.status_code == 201, r.text
    baymodel = r.json()["uuid"]
    try:
        r = _req(
            stack, "POST", "/v1/bays",
            json={"name": f"bay-{uuid.uuid4().hex[:6]}", "baymodel_id": baymodel,
                  "master_count": 1, "node_count": 1},
        )  # fmt: skip
        assert r.status_code == 202, r.text
        bay = r.json()["uuid"]
        try:

            def complete():
                status = _bay_status(stack, bay)
                assert status and not status.endswith("FAILED"), (status, stack.logs())
                return status == "CREATE_COMPLETE"

            wait_for("bay CREATE_COMPLETE", complete, WAIT, 1.0)
            shown = _req(stack, "GET", f"/v1/bays/{bay}").json()
            assert shown["baymodel_id"] == baymodel
            assert shown["api_address"].startswith("tcp://127.0.0.1:")
            assert len(shown["node_addresses"]) == 1
            assert len(stack.db.list_nodes(cluster_uuid=bay)) == 2
        finally:
            r = _req(stack, "DELETE", f"/v1/bays/{bay}")
            assert r.status_code in (204, 404), r.text
            wait_for("bay gone", lambda: _bay_status(stack, bay) is None, WAIT, 1.0)
        assert _bay_containers(bay) == [] and _bay_networks(bay) == []
        assert stack.db.list_nodes(cluster_uuid=bay) == []
    finally:
        _req(stack, "DELETE", f"/v1/baymodels/{baymodel}")


def test_missing_preload_image_fails_with_its_name(stack: BayStack) -> None:
    tpl = f"badpre-{uuid.uuid4().hex[:6]}"
    missing = f"stackdock/no-such-image-{uuid.uuid4().hex[:6]}:1"
    stack.cli(
        "cluster", "template", "create", tpl, "--coe", "swarm-mode",
        "--server-type", "container", "--image", stack.image_id,
        "--external-network", "public", "--labels", f"preload_images={missing}",
    )  # fmt: skip
    mc = stack.magnum()
    try:
        cluster = mc.clusters.create(
            name=f"bad-{uuid.uuid4().hex[:6]}", cluster_template_id=tpl, node_count=1
        ).uuid

        def failed():
            return mc.clusters.get(cluster).status == "CREATE_FAILED"

        wait_for("CREATE_FAILED", failed, WAIT, 1.0)
        reason = mc.clusters.get(cluster).status_reason
        assert missing in reason and "preload_images" in reason, reason
        assert stack.db.list_nodes(cluster_uuid=cluster) == []  # failed before any spawn
        mc.clusters.delete(cluster)

        def gone():
            try:
                mc.clusters.get(cluster)
            except Exception:  # noqa: BLE001  (404)
                return True
            return False

        wait_for("cluster gone", gone, WAIT, 1.0)
        assert _bay_containers(cluster) == [] and _bay_networks(cluster) == []
    finally:
        stack.cli("cluster", "template", "delete", tpl, check=False)

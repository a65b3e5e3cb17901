"""A bay whose node engines never answer ends CREATE_FAILED at its create_timeout, with a
reason naming what it waited for, and its delete leaves nothing behind."""

from __future__ import annotations

import time
import uuid

from nova_docker.image import api as image_api
from tests.functional.bay.stack import NODE_IMAGE, NODE_PROPERTIES, BayStack, wait_for
from tests.functional.bay.test_bay import WAIT, _bay_containers, _bay_networks, _gone


def test_node_never_ready_fails_at_create_timeout(stack: BayStack) -> None:
    catalog = image_api.LocalImageService(catalog_dir=stack.catalog_dir)
    # The node image, but its engine never starts: the TLS endpoint never answers.
    dead = catalog.register_docker_image(
        NODE_IMAGE,
        name=f"never-ready-{uuid.uuid4().hex[:6]}",
        properties=dict(NODE_PROPERTIES, os_command_line="sleep 100000"),
    )["id"]
    tpl = f"never-{uuid.uuid4().hex[:6]}"
    stack.cli(
        "cluster", "template", "create", tpl, "--coe", "swarm-mode",
        "--server-type", "container", "--image", dead, "--external-network", "public",
    )  # fmt: skip
    name = f"never-{uuid.uuid4().hex[:6]}"
    try:
        start = time.monotonic()
        stack.cli(
            "cluster", "create", name, "--cluster-template", tpl, "--node-count", "1",
            "--timeout", "1",
        )  # fmt: skip
        mc = stack.magnum()

        def failed():
            status = mc.clusters.get(name).status
            assert status in ("CREATE_IN_PROGRESS", "CREATE_FAILED"), status
            return status == "CREATE_FAILED"

        wait_for("CREATE_FAILED", failed, WAIT, 1.0)
        # Not before its create_timeout of one minute (a little slack for clock rounding).
        assert time.monotonic() - start > 55
        reason = mc.clusters.get(name).status_reason
        assert "create_timeout" in reason and "engine" in reason, reason
        cluster_uuid = mc.clusters.get(name).uuid
    finally:
        stack.cli("cluster", "delete", name, check=False)
        wait_for(f"cluster {name} gone", lambda: _gone(stack, name), WAIT, 1.0)
        stack.cli("cluster", "template", "delete", tpl, check=False)
    assert _bay_containers(cluster_uuid) == [] and _bay_networks(cluster_uuid) == []
    assert stack.db.list_nodes(cluster_uuid=cluster_uuid) == []

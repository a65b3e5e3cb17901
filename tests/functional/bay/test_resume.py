"""SIGKILL the conductor while a bay's nodes are being built: the restarted conductor resumes
the create to CREATE_COMPLETE with exactly the wanted nodes (half-made ones rebuilt, none
leaked), and the delete leaves nothing."""

from __future__ import annotations

import uuid

from tests.functional.bay.stack import BayStack, wait_for
from tests.functional.bay.test_bay import (
    WAIT,
    _bay_containers,
    _bay_networks,
    _gone,
    bay_client,
    wait_status,
    wait_swarm_size,
)


def test_conductor_killed_mid_create_resumes(stack: BayStack, tmp_path) -> None:
    tpl = f"resume-{uuid.uuid4().hex[:6]}"
    stack.cli(
        "cluster", "template", "create", tpl, "--coe", "swarm-mode",
        "--server-type", "container", "--image", stack.image_id,
        "--external-network", "public",
    )  # fmt: skip
    name = f"resume-{uuid.uuid4().hex[:6]}"
    mc = stack.magnum()
    try:
        cluster = mc.clusters.create(
            name=name, cluster_template_id=tpl, master_count=1, node_count=3
        ).uuid
        # Kill as soon as node rows exist: spawns are in flight or just done.
        wait_for("node rows", lambda: stack.db.list_nodes(cluster_uuid=cluster), WAIT, 0.05)
        stack.kill_conductor()
        assert mc.clusters.get(cluster).status == "CREATE_IN_PROGRESS"
        stack.start_conductor()
        wait_status(stack, cluster, "CREATE_COMPLETE")

        cli = bay_client(stack, name, str(tmp_path))
        wait_swarm_size(cli, 4)
        cli.close()
        assert len(stack.db.list_nodes(cluster_uuid=cluster)) == 4
        # Exactly the bay's nodes run: nothing of the killed attempt leaked.
        wait_for("4 bay containers", lambda: len(_bay_containers(cluster)) == 4, 120, 0.5)
    finally:
        stack.cli("cluster", "delete", name, check=False)
        wait_for(f"cluster {name} gone", lambda: _gone(stack, name), WAIT, 1.0)
        stack.cli("cluster", "template", "delete", tpl, check=False)
    assert _bay_containers(cluster) == [] and _bay_networks(cluster) == []
    assert stack.db.list_nodes(cluster_uuid=cluster) == []

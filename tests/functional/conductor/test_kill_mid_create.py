"""SIGKILL the conductor in the middle of a real cluster create, then restart it.

The whole stack runs as real processes (tests/functional/bay/stack.py: API under gunicorn,
conductor, Docker compute agent) on a private broker vhost. After the restart the cluster
must end CREATE_COMPLETE within its create_timeout, with exactly its nodes and no stray
container; deleting it then leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest

from tests.functional.bay.stack import BINDIR, BayStack, wait_for
from tests.functional.conftest import TEST_LABEL

WAIT = 600  # seconds; nested engines start slowly on a loaded 2-core machine


@pytest.fixture(scope="module")
def stack(module_transport_url: str, run_id: str):
    s = BayStack(module_transport_url, TEST_LABEL, run_id)
    try:
        s.start()
    except BaseException:
        print(s.logs())
        s.close()
        raise
    try:
        yield s
    finally:
        left = s.close()
        assert not left, f"the test left Docker objects behind (removed now): {left}"


def _restart_conductor(stack: BayStack) -> None:
    log = open(os.path.join(stack.tmp, "conductor.log"), "ab")
    try:
        stack.procs["conductor"] = subprocess.Popen(
            [os.path.join(BINDIR, "magnum-lite-conductor"), "--config-file", stack.conf_file],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
    finally:
        log.close()


def test_sigkill_mid_create_then_restart_completes(stack: BayStack) -> None:
    mc = stack.magnum()
    template = mc.cluster_templates.create(
        name=f"kill-{uuid.uuid4().hex[:6]}",
        coe="swarm-mode",
        server_type="container",
        image_id=stack.image_id,
        external_network_id="public",
    )
    cluster = mc.clusters.create(
        name=f"kill-{uuid.uuid4().hex[:6]}",
        cluster_template_id=template.uuid,
        master_count=1,
        node_count=2,
        create_timeout=15,
    )
    cluster_uuid = cluster.uuid
    try:
        # Kill while node instances are being made (rows exist, not all joined yet).
        wait_for("node rows", lambda: stack.db.list_nodes(cluster_uuid=cluster_uuid), 120, 0.05)
        conductor = stack.procs["conductor"]
        conductor.send_signal(signal.SIGKILL)
        conductor.wait(timeout=30)
        assert mc.clusters.get(cluster_uuid).status == "CREATE_IN_PROGRESS"

        _restart_conductor(stack)

        def ended():
            row = mc.clusters.get(cluster_uuid)
            return row.status if row.status != "CREATE_IN_PROGRESS" else None

        status = wait_for("the create to end", ended, WAIT, 1.0)
        row = mc.clusters.get(cluster_uuid)
        assert status == "CREATE_COMPLETE", f"{status}: {row.status_reason}\n{stack.logs()}"
        nodes = stack.db.list_nodes(cluster_uuid=cluster_uuid)
        assert sorted(n.role for n in nodes) == ["master", "worker", "worker"]
        assert len(row.node_addresses) == 2 and len(row.master_addresses) == 1
        # Exactly one container per node: nothing half-made by the killed run was leaked.
        containers = [name for name in stack.leftovers() if name.startswith("container ")]
        instance_names = {f"nova-{n.instance_uuid}" for n in nodes}
        assert {c.split(" ", 1)[1] for c in containers} == instance_names
    finally:
        mc.clusters.delete(cluster_uuid)

        def gone():
            return cluster_uuid not in {c.uuid for c in mc.clusters.list()}

        wait_for("the cluster to be deleted", gone, WAIT, 1.0)
        mc.cluster_templates.delete(template.uuid)
    assert stack.leftovers() == []

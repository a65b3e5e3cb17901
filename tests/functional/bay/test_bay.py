"""End to end: real `openstack coe` and python-magnumclient against the real API, conductor and
Docker compute agent on RabbitMQ, building a real swarm-mode bay of nested Docker nodes.

One cluster lifecycle (3 nodes, scale to 5, resize to 2, delete) keeps the wall time down;
each step checks the swarm itself through the bay's TLS endpoint.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.request
import uuid

import docker
import docker.tls
import pytest
from docker.types import EndpointSpec, ServiceMode

from tests.functional.bay.stack import BUSYBOX, BayStack, wait_for

WAIT = 600  # seconds; a loaded 2-core CI machine builds nested engines slowly


def _status(stack: BayStack, uuid_: str) -> str:
    return stack.magnum().clusters.get(uuid_).status


def wait_status(stack: BayStack, uuid_: str, want: str) -> None:
    def done():
        status = _status(stack, uuid_)
        if status.endswith("FAILED"):
            reason = stack.magnum().clusters.get(uuid_).status_reason
            raise AssertionError(f"cluster {uuid_} is {status}: {reason}\n{stack.logs()}")
        return status == want

    wait_for(f"cluster {uuid_} {want}", done, WAIT, 1.0)


def bay_client(stack: BayStack, name: str, workdir: str) -> docker.DockerClient:
    """A docker SDK client from what `openstack coe cluster config` writes."""
    out = stack.cli("cluster", "config", name, "--dir", workdir, "--force", "--output-certs").stdout
    env = dict(
        line.split(" ", 1)[1].split("=", 1)
        for line in out.splitlines()
        if line.startswith("export ")
    )
    assert env["DOCKER_HOST"].startswith("tcp://127.0.0.1:"), out
    cert_path = env.get("DOCKER_CERT_PATH", workdir)
    tls = docker.tls.TLSConfig(
        client_cert=(os.path.join(cert_path, "cert.pem"), os.path.join(cert_path, "key.pem")),
        ca_cert=os.path.join(cert_path, "ca.pem"),
        verify=True,
    )
    cli = docker.DockerClient(
        base_url=env["DOCKER_HOST"].replace("tcp://", "https://"), tls=tls, version="1.41"
    )
    cli.api.trust_env = False  # the bay CA, not REQUESTS_CA_BUNDLE
    return cli


def swarm_nodes(cli: docker.DockerClient) -> list[dict]:
    return cli.api.nodes()


def wait_swarm_size(cli: docker.DockerClient, count: int) -> None:
    def ready():
        nodes = swarm_nodes(cli)
        return len(nodes) == count and all(n["Status"]["State"] == "ready" for n in nodes)

    wait_for(f"{count} Ready swarm nodes", ready, WAIT, 1.0)


def bay_rows(stack: BayStack, cluster_uuid: str) -> list:
    return stack.db.list_nodes(cluster_uuid=cluster_uuid)


@pytest.fixture(scope="module")
def template(stack: BayStack):
    name = f"swarm-{uuid.uuid4().hex[:6]}"
    stack.cli(
        "cluster", "template", "create", name,
        "--coe", "swarm-mode",
        "--server-type", "container", "--external-network", "public",
        "--image", stack.image_id,
        "--labels", f"preload_images={BUSYBOX}",
        "-f", "json",
    )  # fmt: skip
    yield name
    stack.cli("cluster", "template", "delete", name, check=False)


def test_template_crud(stack: BayStack, template: str) -> None:
    shown = json.loads(stack.cli("cluster", "template", "show", template, "-f", "json").stdout)
    assert shown["coe"] == "swarm-mode"
    assert shown["server_type"] == "container"
    assert shown["labels"]["preload_images"] == BUSYBOX
    other = f"tmp-{uuid.uuid4().hex[:6]}"
    stack.cli(
        "cluster", "template", "create", other, "--coe", "swarm-mode",
        "--server-type", "container", "--image", stack.image_id, "--external-network", "public",
    )  # fmt: skip
    stack.cli("cluster", "template", "update", other, "--docker-volume-size", "3")
    mc = stack.magnum()
    assert mc.cluster_templates.get(other).docker_volume_size == 3
    names = [t.name for t in mc.cluster_templates.list()]
    assert template in names and other in names
    stack.cli("cluster", "template", "delete", other)
    gone = stack.cli("cluster", "template", "show", other, check=False)
    assert gone.returncode != 0


def test_cluster_lifecycle(stack: BayStack, template: str) -> None:
    name = f"bay-{uuid.uuid4().hex[:6]}"
    out = stack.cli(
        "cluster", "create", name, "--cluster-template", template,
        "--master-count", "1", "--node-count", "2",
    ).stdout  # fmt: skip
    assert "accepted" in out.lower() or name in out, out
    cluster_uuid = stack.magnum().clusters.get(name).uuid
    workdir = tempfile.mkdtemp(prefix="sd-bay-cfg-")
    try:
        wait_status(stack, cluster_uuid, "CREATE_COMPLETE")
        cluster = stack.magnum().clusters.get(cluster_uuid)
        assert cluster.api_address.startswith("tcp://127.0.0.1:")
        assert len(cluster.node_addresses) == 2 and len(cluster.master_addresses) == 1
        assert cluster.coe_version

        cli = bay_client(stack, name, workdir)
        wait_swarm_size(cli, 3)
        managers = [n for n in swarm_nodes(cli) if n["Spec"]["Role"] == "manager"]
        assert len(managers) == 1

        # A 3-replica service, one task per node (host-mode port), from the preloaded image.
        svc = cli.services.create(
            BUSYBOX,
            command=["httpd", "-f", "-p", "8080", "-h", "/etc"],
            name=f"web-{uuid.uuid4().hex[:6]}",
            mode=ServiceMode("replicated", 3),
            endpoint_spec=EndpointSpec(ports={8080: (8080, "tcp", "host")}),
        )

        def running():
            tasks = svc.tasks(filters={"desired-state": "running"})
            return len([t for t in tasks if t["Status"]["State"] == "running"]) == 3

        wait_for("3 running tasks", running, WAIT, 1.0)
        answered = set()
        for row in bay_rows(stack, cluster_uuid):
            host_ip, host_port = row.addresses["ports"]["8080/tcp"][0]
            url = f"http://127.0.0.1:{host_port}/hostname"
            body = wait_for(url, lambda u=url: _get(u), 120, 0.5)
            answered.add(body.strip())
        assert len(answered) == 3  # three different task containers answered
        svc.remove()

        # Scale up to 5 nodes (4 workers) with `coe cluster update`.
        stack.cli("cluster", "update", name, "--node-count", "4")
        wait_status(stack, cluster_uuid, "UPDATE_COMPLETE")
        wait_swarm_size(cli, 5)
        assert len(bay_rows(stack, cluster_uuid)) == 5
        assert len(stack.magnum().clusters.get(cluster_uuid).node_addresses) == 4

        # Down to 2 nodes (1 worker) with `coe cluster resize`: drain, leave, remove.
        stack.cli("cluster", "resize", name, "1")
        wait_status(stack, cluster_uuid, "UPDATE_COMPLETE")
        wait_swarm_size(cli, 2)
        assert len(bay_rows(stack, cluster_uuid)) == 2
        assert len(stack.magnum().clusters.get(cluster_uuid).node_addresses) == 1
        bay_containers = _bay_containers(cluster_uuid)
        assert len(bay_containers) == 2, bay_containers
        cli.close()

        # CA rotation: the nodes are rebuilt with certificates of a new CA.
        stack.cli("ca", "rotate", name)
        wait_status(stack, cluster_uuid, "UPDATE_COMPLETE")
        new_dir = os.path.join(workdir, "rotated")
        os.makedirs(new_dir)
        rotated = bay_client(stack, name, new_dir)
        wait_swarm_size(rotated, 2)
        rotated.close()
        with (
            open(os.path.join(workdir, "ca.pem")) as old,
            open(os.path.join(new_dir, "ca.pem")) as new,
        ):
            assert old.read() != new.read()
        assert len(_bay_containers(cluster_uuid)) == 2
    finally:
        stack.cli("cluster", "delete", name, check=False)
        wait_for(f"cluster {name} gone", lambda: _gone(stack, name), WAIT, 1.0)
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)

    # Nothing of it is left: containers, network, rows.
    assert _bay_containers(cluster_uuid) == []
    assert _bay_networks(cluster_uuid) == []
    assert bay_rows(stack, cluster_uuid) == []
    assert stack.db.list_certificates(cluster_uuid) == []
    assert stack.db.list_nodegroups(cluster_uuid) == []


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode()
    except OSError:
        return None


def _gone(stack: BayStack, name: str) -> bool:
    proc = stack.cli("cluster", "show", name, check=False)
    if proc.returncode == 0 and "DELETE_FAILED" in proc.stdout:
        raise AssertionError(f"delete failed: {proc.stdout}\n{stack.logs()}")
    return proc.returncode != 0


def _bay_containers(cluster_uuid: str) -> list[str]:
    cli = docker.from_env()
    try:
        return [
            c.name for c in cli.containers.list(all=True) if cluster_uuid in json.dumps(c.labels)
        ]
    finally:
        cli.close()


def _bay_networks(cluster_uuid: str) -> list[str]:
    cli = docker.from_env()
    try:
        return [n.name for n in cli.networks.list() if cluster_uuid in n.name]
    finally:
        cli.close()

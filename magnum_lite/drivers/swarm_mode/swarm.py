"""Swarm bootstrap through the nodes' TLS Docker API (docker SDK).

The conductor reaches every node engine on its published endpoint (127.0.0.1:<port>) with a
client certificate of the bay CA; nodes reach each other over the bay network, so the swarm
advertises the nodes' bay-network addresses.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable

import docker
import docker.errors
import docker.tls
import requests.exceptions

from magnum_lite.drivers import base
from nova_docker.common import docker_client

SWARM_PORT = 2377
#: Errors that mean "the engine is not there yet / went away" rather than a bad request.
TRANSIENT = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    docker.errors.APIError,
    OSError,
)


class TLSFiles:
    """CA, client certificate and key written to a private temp dir (docker.tls wants files)."""

    def __init__(self, ca_pem: str, cert_pem: str, key_pem: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="stackdock-bay-tls-")
        os.chmod(self.dir, 0o700)
        self.ca = self._write("ca.pem", ca_pem)
        self.cert = self._write("cert.pem", cert_pem)
        self.key = self._write("key.pem", key_pem)

    def _write(self, name: str, text: str) -> str:
        path = os.path.join(self.dir, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path

    def tls_config(self) -> docker.tls.TLSConfig:
        return docker.tls.TLSConfig(client_cert=(self.cert, self.key), ca_cert=self.ca, verify=True)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> TLSFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client(endpoint: str, tls: TLSFiles, timeout: int = 60) -> docker.DockerClient:
    """A docker SDK client for ``tcp://host:port`` (or ``host:port``) over mutual TLS."""
    hostport = endpoint.split("://", 1)[-1]
    # A fixed API version: "auto" would need the engine up before the client exists, and
    # 1.41 (Docker 20.10) is understood by every newer engine too.
    cli = docker_client.DockerClient(
        base_url=f"https://{hostport}", tls=tls.tls_config(), timeout=timeout, version="1.41"
    )
    # The endpoint is published on this host: never send it through an environment proxy.
    cli.api.trust_env = False
    return cli


def poll(what: str, fn: Callable[[], object], deadline: float, interval: float = 0.2) -> object:
    """Call fn until it returns something truthy; transient errors count as "not yet"."""
    last: Exception | None = None
    while True:
        try:
            result = fn()
            if result:
                return result
        except requests.exceptions.SSLError as e:
            if "CERTIFICATE_VERIFY_FAILED" in str(e):
                raise  # a wrong CA never heals by waiting
            last = e
        except TRANSIENT as e:
            last = e
        if time.monotonic() >= deadline:
            reason = f"{what} (last error: {last})" if last else what
            raise base.timeout(reason)
        time.sleep(interval)


def wait_engine(cli: docker.DockerClient, deadline: float) -> None:
    """Wait until the node engine answers over TLS."""
    poll("node engine answering on its TLS endpoint", cli.ping, deadline)


def node_id(cli: docker.DockerClient) -> str:
    return cli.info()["Swarm"].get("NodeID") or ""


def init(cli: docker.DockerClient, advertise_ip: str) -> str:
    """Initialise a swarm on this node (idempotent); returns its swarm node id."""
    info = cli.info()["Swarm"]
    if info.get("LocalNodeState") == "active" and info.get("ControlAvailable"):
        return info["NodeID"]
    cli.swarm.init(advertise_addr=advertise_ip, listen_addr=f"0.0.0.0:{SWARM_PORT}")
    return node_id(cli)


def join_tokens(manager: docker.DockerClient) -> dict[str, str]:
    """{"worker": token, "manager": token} of the swarm the manager belongs to."""
    tokens = manager.api.inspect_swarm()["JoinTokens"]
    return {"worker": tokens["Worker"], "manager": tokens["Manager"]}


def join(cli: docker.DockerClient, manager_ip: str, token: str, advertise_ip: str) -> str:
    """Join this node to the swarm (idempotent); returns its swarm node id."""
    info = cli.info()["Swarm"]
    if info.get("LocalNodeState") == "active":
        return info["NodeID"]
    cli.swarm.join(
        remote_addrs=[f"{manager_ip}:{SWARM_PORT}"],
        join_token=token,
        advertise_addr=advertise_ip,
        listen_addr=f"0.0.0.0:{SWARM_PORT}",
    )
    return node_id(cli)


def node_states(manager: docker.DockerClient) -> dict[str, dict]:
    """Swarm nodes by id: {"state", "availability", "role", "hostname", "addr"}."""
    out = {}
    for n in manager.api.nodes():
        out[n["ID"]] = {
            "state": n.get("Status", {}).get("State", "unknown"),
            "addr": n.get("Status", {}).get("Addr", ""),
            "availability": n.get("Spec", {}).get("Availability", ""),
            "role": n.get("Spec", {}).get("Role", ""),
            "hostname": n.get("Description", {}).get("Hostname", ""),
        }
    return out


def wait_ready(manager: docker.DockerClient, ids: list[str], deadline: float) -> None:
    """Wait until every given swarm node is Ready."""

    def ready() -> bool:
        states = node_states(manager)
        return all(states.get(i, {}).get("state") == "ready" for i in ids)

    poll(f"swarm nodes {', '.join(ids)} Ready", ready, deadline, interval=0.25)


def drain(manager: docker.DockerClient, swarm_id: str) -> None:
    """Set a node's availability to drain so its tasks move elsewhere."""
    try:
        node = manager.api.inspect_node(swarm_id)
    except docker.errors.NotFound:
        return
    spec = node["Spec"]
    if spec.get("Availability") == "drain":
        return
    spec["Availability"] = "drain"
    manager.api.update_node(swarm_id, node["Version"]["Index"], spec)


def wait_drained(manager: docker.DockerClient, swarm_id: str, deadline: float) -> None:
    """Wait until no task of any service still runs on the node (bounded by deadline)."""

    def empty() -> bool:
        tasks = manager.api.tasks(filters={"node": swarm_id, "desired-state": "running"})
        return not tasks

    poll(f"swarm node {swarm_id} drained", empty, deadline, interval=0.25)


def leave(cli: docker.DockerClient) -> None:
    """Make the node leave its swarm; a node already out is fine."""
    try:
        cli.swarm.leave(force=True)
    except docker.errors.APIError as e:
        if "not part of a swarm" not in str(e):
            raise


def remove(manager: docker.DockerClient, swarm_id: str) -> None:
    """Remove a node from the swarm's node list; an unknown node is fine."""
    try:
        manager.api.remove_node(swarm_id, force=True)
    except docker.errors.NotFound:
        pass


def demote(manager: docker.DockerClient, swarm_id: str) -> None:
    """Demote a manager to worker before it leaves (keeps the raft quorum right)."""
    try:
        node = manager.api.inspect_node(swarm_id)
    except docker.errors.NotFound:
        return
    spec = node["Spec"]
    if spec.get("Role") != "manager":
        return
    spec["Role"] = "worker"
    manager.api.update_node(swarm_id, node["Version"]["Index"], spec)

"""Bay nodes as Docker-hypervisor instances made through the compute agents.

Each node is an instance of the node image (nested docker, TLS port published on the host's
loopback), on one Docker network per bay, with a server certificate of the bay CA injected
at spawn. Node rows are written before the spawn RPC so that a crash never leaks an
instance the database does not know about.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

import magnum_lite.conf  # noqa: F401  (registers [swarm])
from magnum_lite.conductor.scheduler import NoValidHost
from nova_docker import exception as nd_exception

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

#: Where the node image's entrypoint looks for its TLS material.
CERT_DIR = "/etc/stackdock-node"
#: Labels (on networks) and instance metadata (on containers) naming the bay.
LABEL_BAY = "stackdock.bay"
LABEL_ROLE = "stackdock.bay.role"

# Node statuses kept in the nodes table.
SPAWNING = "SPAWNING"
JOINING = "JOINING"
ACTIVE = "ACTIVE"
DELETING = "DELETING"
ERROR = "ERROR"


def network_name(cluster_uuid: str) -> str:
    return f"{CONF.swarm.network_prefix}{cluster_uuid}"


def node_name(cluster: Any, role: str, node_uuid: str) -> str:
    """Host name of a node: <cluster name>-<role>-<short uuid>, DNS-safe and at most 63."""
    base = "".join(c if c.isalnum() or c == "-" else "-" for c in (cluster.name or "bay"))
    return f"{base[:40].strip('-') or 'bay'}-{role}-{node_uuid[:8]}".lower()


def flavor() -> dict[str, Any]:
    extra = {"stackdock:pids_limit": str(CONF.swarm.node_pids_limit)}
    return {
        "name": "swarm-node",
        "vcpus": CONF.swarm.node_vcpus,
        "memory_mb": CONF.swarm.node_memory_mb,
        "root_gb": 0,
        "extra_specs": extra,
    }


def api_port_key() -> str:
    return f"{CONF.swarm.api_port}/tcp"


class NodeManager:
    """Spawns, finds and destroys the node instances of bays."""

    def __init__(self, db: Any, compute: Any, scheduler: Any, certificates: Any) -> None:
        self.db = db
        self.compute = compute
        self.scheduler = scheduler
        self.certificates = certificates

    # -- networks ------------------------------------------------------------------------
    def ensure_network(self, context: Any, cluster: Any, host: str) -> str:
        name = network_name(cluster.uuid)
        self.compute.ensure_network(context, host, name, labels={LABEL_BAY: cluster.uuid})
        return name

    def delete_network(self, context: Any, cluster_uuid: str, host: str) -> None:
        try:
            self.compute.delete_network(context, host, network_name(cluster_uuid))
        except (nd_exception.NetworkNotFound, nd_exception.NotFound):
            pass

    # -- placement -----------------------------------------------------------------------
    def place(self, cluster: Any, count: int, deadline: float | None = None) -> list[str]:
        """Hosts for ``count`` new nodes: all on the host of the bay's existing nodes.

        A bay network is a bridge on one host, so a bay lives on one host: a new bay asks the
        scheduler for one host with room for every node at once. A conductor that has just
        started has no capacity report yet, so "no valid host" is retried for up to
        ``[swarm] placement_wait`` seconds (never past the deadline).
        """
        if count <= 0:
            return []
        existing = [n.host for n in self.db.list_nodes(cluster_uuid=cluster.uuid) if n.host]
        if existing:
            return [existing[0]] * count
        until = time.monotonic() + CONF.swarm.placement_wait
        if deadline is not None:
            until = min(until, deadline)
        while True:
            try:
                host = self.scheduler.select_hosts(
                    1,
                    vcpus=CONF.swarm.node_vcpus * count,
                    memory_mb=CONF.swarm.node_memory_mb * count,
                    hypervisor_type="docker",
                    what=f"the {count} nodes of cluster {cluster.uuid}",
                )[0]
                return [host] * count
            except NoValidHost:
                if time.monotonic() >= until:
                    raise
                time.sleep(0.5)

    # -- nodes ---------------------------------------------------------------------------
    def reserve(self, cluster: Any, nodegroup: Any, host: str) -> Any:
        """The node row, written before its instance exists."""
        node_uuid = str(uuidlib.uuid4())
        return self.db.create_node(
            {
                "uuid": node_uuid,
                "cluster_uuid": cluster.uuid,
                "nodegroup_uuid": nodegroup.uuid,
                "name": node_name(cluster, nodegroup.role or "worker", node_uuid),
                "role": nodegroup.role or "worker",
                "instance_uuid": node_uuid,
                "host": host,
                "addresses": {},
                "status": SPAWNING,
            }
        )

    def spawn(self, context: Any, cluster: Any, node: Any, image_id: str) -> Any:
        """Spawn the node's instance and record its addresses; returns the updated row."""
        cert, key = self.certificates.issue_node_server_cert(cluster, node.name)
        ca_cert = self.certificates.get_ca(cluster.uuid)[0]
        files = [
            [f"{CERT_DIR}/ca.pem", ca_cert],
            [f"{CERT_DIR}/server-cert.pem", cert],
            [f"{CERT_DIR}/server-key.pem", key],
        ]
        net = network_name(cluster.uuid)
        instance = {
            "uuid": node.instance_uuid,
            "display_name": node.name,
            "hostname": node.name,
            "project_id": cluster.project_id or "",
            "user_id": cluster.user_id or "",
            "flavor": flavor(),
            "metadata": {LABEL_BAY: cluster.uuid, LABEL_ROLE: node.role},
        }
        vif = {
            "id": str(uuidlib.uuid4()),
            "address": None,
            "network": {"label": net, "subnets": []},
        }
        self.compute.spawn(
            context,
            node.host,
            instance=instance,
            image_id=image_id,
            injected_files=files,
            network_info=[vif],
            power_on=True,
        )
        found = self.compute.get_addresses(context, node.host, node.instance_uuid)
        addresses = parse_addresses(found, net, node.instance_uuid)
        return self.db.update_node(node.uuid, {"addresses": addresses, "status": JOINING})

    def destroy(self, context: Any, node: Any) -> None:
        """Destroy the node's instance (an agent that lost it is fine) and its row."""
        if node.host and node.instance_uuid:
            try:
                self.compute.destroy(context, node.host, node.instance_uuid)
            except nd_exception.InstanceNotFound:
                LOG.info("Node %s: instance %s already gone", node.name, node.instance_uuid)
        try:
            self.db.destroy_node(node.uuid)
        except Exception as exc:  # noqa: BLE001  (a row already gone is the goal)
            if "could not be found" not in str(exc):
                raise


def parse_addresses(found: dict[str, Any], net: str, instance_uuid: str) -> dict[str, Any]:
    """{"ip": bay-network IP, "api": "tcp://host:port"} from an agent's get_addresses."""
    ip = ((found.get("networks") or {}).get(net) or {}).get("ip")
    bindings = (found.get("ports") or {}).get(api_port_key()) or []
    if not ip:
        raise nd_exception.InstanceDeployFailure(
            reason=f"node instance {instance_uuid} has no address on network {net}"
        )
    if not bindings:
        raise nd_exception.InstanceDeployFailure(
            reason=f"node instance {instance_uuid} does not publish {api_port_key()}; the node "
            "image needs the property stackdock_publish_ports including it"
        )
    host_ip, host_port = bindings[0][0], bindings[0][1]
    if host_ip in ("", "0.0.0.0", None):
        host_ip = "127.0.0.1"
    return {"ip": ip, "api": f"tcp://{host_ip}:{host_port}", "ports": found.get("ports") or {}}

"""In-memory stand-ins for the driver's collaborators (DB, compute RPC, scheduler, certs)."""

from __future__ import annotations

import itertools
import types
import uuid

from magnum_lite.common import exception
from nova_docker import exception as nd_exception


class Row(types.SimpleNamespace):
    pass


class FakeDB:
    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.clusters: dict[str, Row] = {}
        self.templates: dict[str, Row] = {}
        self.nodegroups: dict[str, Row] = {}
        self.nodes: dict[str, Row] = {}

    def add_cluster(self, masters: int = 1, workers: int = 2, labels: dict | None = None) -> Row:
        tpl = Row(uuid=str(uuid.uuid4()), image_id="node-image", labels=labels or {})
        self.templates[tpl.uuid] = tpl
        c = Row(
            uuid=str(uuid.uuid4()), name="bay1", project_id="p", user_id="u",
            cluster_template_id=tpl.uuid, labels={}, api_address=None,
        )  # fmt: skip
        self.clusters[c.uuid] = c
        for role, count in (("master", masters), ("worker", workers)):
            ng = Row(
                id=next(self.ids), uuid=str(uuid.uuid4()), cluster_id=c.uuid, role=role,
                node_count=count, image_id=None, is_default=True, name=f"default-{role}",
            )  # fmt: skip
            self.nodegroups[ng.uuid] = ng
        return c

    def get_cluster_template_by_uuid(self, uuid_: str) -> Row:
        return self.templates[uuid_]

    def update_cluster(self, uuid_: str, values: dict, nodegroups: dict | None = None) -> Row:
        self.clusters[uuid_].__dict__.update(values)
        for ng_uuid, ng_values in (nodegroups or {}).items():
            self.nodegroups[ng_uuid].__dict__.update(ng_values)
        return self.clusters[uuid_]

    def list_nodegroups(self, cluster_uuid: str, role: str | None = None) -> list[Row]:
        return [
            ng
            for ng in self.nodegroups.values()
            if ng.cluster_id == cluster_uuid and (role is None or ng.role == role)
        ]

    def update_nodegroup(self, uuid_: str, values: dict) -> Row:
        self.nodegroups[uuid_].__dict__.update(values)
        return self.nodegroups[uuid_]

    def create_node(self, values: dict) -> Row:
        row = Row(id=next(self.ids), **values)
        self.nodes[row.uuid] = row
        return row

    def list_nodes(self, cluster_uuid=None, nodegroup_uuid=None) -> list[Row]:
        return [
            Row(**vars(n))
            for n in sorted(self.nodes.values(), key=lambda n: n.id)
            if (cluster_uuid is None or n.cluster_uuid == cluster_uuid)
            and (nodegroup_uuid is None or n.nodegroup_uuid == nodegroup_uuid)
        ]

    def update_node(self, uuid_: str, values: dict) -> Row:
        if uuid_ not in self.nodes:
            raise exception.NodeNotFound(node=uuid_)
        self.nodes[uuid_].__dict__.update(values)
        return Row(**vars(self.nodes[uuid_]))

    def destroy_node(self, uuid_: str) -> None:
        if uuid_ not in self.nodes:
            raise exception.NodeNotFound(node=uuid_)
        del self.nodes[uuid_]


class FakeCompute:
    def __init__(self) -> None:
        self.instances: dict[str, dict] = {}
        self.networks: dict[tuple[str, str], dict] = {}
        self.calls: list[tuple] = []
        self.ip = itertools.count(2)
        self.port = itertools.count(40000)
        self.lost: set[str] = set()

    def ensure_network(self, ctxt, host, name, labels=None):
        self.calls.append(("ensure_network", host, name))
        self.networks[(host, name)] = dict(labels or {})
        return {"name": name}

    def delete_network(self, ctxt, host, name):
        self.calls.append(("delete_network", host, name))
        if (host, name) not in self.networks:
            raise nd_exception.NetworkNotFound(f"no network {name}", network_id=name)
        del self.networks[(host, name)]

    def spawn(self, ctxt, host, instance, image_id, injected_files, network_info, power_on):
        self.calls.append(("spawn", host, instance["uuid"]))
        net = network_info[0]["network"]["label"]
        assert (host, net) in self.networks, "network must exist before the spawn"
        self.instances[instance["uuid"]] = {
            "host": host, "image_id": image_id, "files": dict(injected_files),
            "instance": instance, "net": net,
            "ip": f"10.0.0.{next(self.ip)}", "port": str(next(self.port)),
        }  # fmt: skip
        return {"state": 1}

    def get_addresses(self, ctxt, host, instance_uuid):
        i = self.instances[instance_uuid]
        return {
            "networks": {i["net"]: {"ip": i["ip"], "mac": None}},
            "ports": {"2376/tcp": [["127.0.0.1", i["port"]]]},
        }

    def destroy(self, ctxt, host, instance_uuid):
        self.calls.append(("destroy", host, instance_uuid))
        if instance_uuid in self.lost or instance_uuid not in self.instances:
            raise nd_exception.InstanceNotFound(instance_id=instance_uuid)
        del self.instances[instance_uuid]


class FakeScheduler:
    def __init__(self, hosts: list[str] | None = None) -> None:
        self.hosts_ = hosts or ["h1"]
        self.reports = types.SimpleNamespace(hosts=lambda: [{"host": h} for h in self.hosts_])

    def select_hosts(self, count, **kwargs):
        return [self.hosts_[i % len(self.hosts_)] for i in range(count)]


class FakeCerts:
    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.issued: list[str] = []

    def get_ca(self, cluster_uuid):
        return "CA-PEM", "CA-KEY"

    def get_client_cert(self, cluster):
        return "CLIENT-PEM", "CLIENT-KEY"

    def issue_node_server_cert(self, cluster, name, sans_ips=(), sans_dns=()):
        self.issued.append(name)
        return f"CERT-{name}", f"KEY-{name}"

    def delete_all(self, cluster_uuid):
        self.deleted.append(cluster_uuid)


class FakeSwarm:
    """Replaces the functions of drivers.swarm_mode.swarm: a swarm kept in memory."""

    def __init__(self) -> None:
        self.nodes: dict[str, dict] = {}  # swarm id -> {"api", "role", "state", "availability"}
        self.log: list[tuple] = []
        self.fail_join: set[str] = set()

    def client(self, endpoint, tls, timeout=60):
        return types.SimpleNamespace(api_endpoint=endpoint, version=lambda: {"Version": "20.10"})

    def wait_engine(self, cli, deadline):
        self.log.append(("wait_engine", cli.api_endpoint))

    def init(self, cli, ip):
        self.log.append(("init", cli.api_endpoint, ip))
        sid = f"s-{cli.api_endpoint}"
        self.nodes[sid] = {"role": "manager", "state": "ready", "availability": "active"}
        return sid

    def join_tokens(self, cli):
        return {"worker": "WT", "manager": "MT"}

    def join(self, cli, manager_ip, token, ip):
        if cli.api_endpoint in self.fail_join or "*" in self.fail_join:
            raise RuntimeError(f"join of {cli.api_endpoint} failed")
        self.log.append(("join", cli.api_endpoint, manager_ip, token, ip))
        sid = f"s-{cli.api_endpoint}"
        role = "manager" if token == "MT" else "worker"
        self.nodes[sid] = {"role": role, "state": "ready", "availability": "active"}
        return sid

    def wait_ready(self, cli, ids, deadline):
        missing = [i for i in ids if i not in self.nodes]
        assert not missing, f"waiting for nodes that never joined: {missing}"

    def node_states(self, cli):
        return {k: dict(v) for k, v in self.nodes.items()}

    def drain(self, cli, sid):
        self.log.append(("drain", sid))
        self.nodes[sid]["availability"] = "drain"

    def wait_drained(self, cli, sid, deadline):
        self.log.append(("wait_drained", sid))

    def demote(self, cli, sid):
        self.log.append(("demote", sid))

    def leave(self, cli):
        self.log.append(("leave", cli.api_endpoint))

    def remove(self, cli, sid):
        self.log.append(("remove", sid))
        self.nodes.pop(sid, None)

"""The swarm-mode COE driver: bays of Docker-hypervisor node instances forming a swarm.

Every operation converges: it reads the nodegroups' node_count and the node rows, removes
surplus or broken nodes, spawns the missing ones in parallel, initialises the swarm on the
first master, joins every other node over the bay network in parallel, loads the preload
images, and returns once every node is Ready. Running it again after a crash finishes the
job instead of starting over.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

import magnum_lite.conf  # noqa: F401
from magnum_lite.common import exception
from magnum_lite.drivers import base
from magnum_lite.drivers.swarm_mode import nodes as nodes_mod
from magnum_lite.drivers.swarm_mode import preload, swarm

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

MASTER = "master"


def parallel(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """fn over items on a thread pool; the first error is raised after all have finished."""
    items = list(items)
    if not items:
        return []
    if len(items) == 1:
        return [fn(items[0])]
    workers = min(len(items), CONF.swarm.max_parallel)
    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="bay") as pool:
        futures = [pool.submit(fn, item) for item in items]
        concurrent.futures.wait(futures)
    errors = [f.exception() for f in futures if f.exception() is not None]
    if errors:
        for extra in errors[1:]:
            LOG.warning("Another error of the same step: %s", extra)
        raise errors[0]
    return [f.result() for f in futures]


def _sorted(rows: Iterable[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: (getattr(r, "id", 0) or 0, r.uuid))


class SwarmModeDriver(base.Driver):
    """Docker swarm-mode bays on container nodes (server_type ``container``)."""

    provides = [{"server_type": "container", "os": "debian", "coe": "swarm-mode"}]

    def __init__(self, conductor_ctx: Any = None) -> None:
        super().__init__(conductor_ctx)
        self.nodes = nodes_mod.NodeManager(self.db, self.compute, self.scheduler, self.certificates)

    # -- the interface ---------------------------------------------------------------------
    def create_cluster(self, context: Any, cluster: Any, deadline: float) -> None:
        self._converge(context, cluster, deadline)

    def update_cluster(
        self, context: Any, cluster: Any, deadline: float, rollback: bool = False
    ) -> None:
        self._converge(context, cluster, deadline)

    def resize_cluster(
        self,
        context: Any,
        cluster: Any,
        nodegroup: Any,
        node_count: int,
        nodes_to_remove: list[str],
        deadline: float,
    ) -> None:
        if node_count < 0:
            raise exception.Invalid(reason=f"node_count must be at least 0, not {node_count}")
        if nodegroup.node_count != node_count:
            nodegroup = self.db.update_nodegroup(nodegroup.uuid, {"node_count": node_count})
        rows = self.db.list_nodes(cluster_uuid=cluster.uuid, nodegroup_uuid=nodegroup.uuid)
        surplus = max(len(rows) - node_count, 0)
        wanted = set(nodes_to_remove or [])
        named = [r for r in rows if {r.uuid, r.instance_uuid, r.name} & wanted][:surplus]
        for row in named:
            self.db.update_node(row.uuid, {"status": nodes_mod.DELETING})
        self._converge(context, cluster, deadline)

    def delete_cluster(self, context: Any, cluster: Any, deadline: float) -> None:
        rows = self.db.list_nodes(cluster_uuid=cluster.uuid)
        hosts = {r.host for r in rows if r.host} | self._live_hosts()
        for row in rows:
            self.db.update_node(row.uuid, {"status": nodes_mod.DELETING})
        base.check_deadline(deadline, "destroying the node instances")
        parallel(lambda r: self.nodes.destroy(context, r), rows)
        base.check_deadline(deadline, "deleting the bay network")
        parallel(lambda h: self.nodes.delete_network(context, cluster.uuid, h), sorted(hosts))
        if self.certificates is not None:
            self.certificates.delete_all(cluster.uuid)

    def create_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        self._converge(context, cluster, deadline)

    def update_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        self._converge(context, cluster, deadline)

    def delete_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        for row in self.db.list_nodes(cluster_uuid=cluster.uuid, nodegroup_uuid=nodegroup.uuid):
            self.db.update_node(row.uuid, {"status": nodes_mod.DELETING})
        self._converge(context, cluster, deadline, skip_nodegroups={nodegroup.uuid})

    def rotate_ca_certificate(self, context: Any, cluster: Any, deadline: float) -> None:
        """Rebuild every node with certificates of the new CA.

        The conductor has already replaced the CA (and dropped every certificate of the old
        one), so the node engines, which trust only the old CA, cannot be reached any more:
        the nodes are replaced and the swarm is formed anew. Workloads on the bay are lost.
        """
        rows = self.db.list_nodes(cluster_uuid=cluster.uuid)
        for row in rows:
            self.db.update_node(row.uuid, {"status": nodes_mod.DELETING})
        parallel(lambda r: self.nodes.destroy(context, r), rows)
        self._converge(context, cluster, deadline)

    def update_cluster_status(self, context: Any, cluster: Any) -> tuple[str, dict]:
        rows = [r for r in self.db.list_nodes(cluster_uuid=cluster.uuid) if _swarm_id(r)]
        primary = self._primary(rows)
        if primary is None:
            return "UNKNOWN", {"api": "the cluster has no master node yet"}
        try:
            with self._tls(cluster) as tls:
                states = swarm.node_states(swarm.client(primary.addresses["api"], tls, 10))
        except Exception as exc:  # noqa: BLE001  (any failure to ask is "unhealthy")
            return "UNHEALTHY", {"api": f"the swarm manager did not answer: {exc}"}
        reason = {}
        for row in rows:
            state = states.get(_swarm_id(row), {}).get("state", "missing")
            if state != "ready":
                reason[row.name] = f"swarm node state {state}"
        return ("HEALTHY", {}) if not reason else ("UNHEALTHY", reason)

    # -- convergence -----------------------------------------------------------------------
    def _converge(
        self,
        context: Any,
        cluster: Any,
        deadline: float,
        skip_nodegroups: set[str] | None = None,
    ) -> None:
        skip = skip_nodegroups or set()
        template = self.db.get_cluster_template_by_uuid(cluster.cluster_template_id)
        ngs = [ng for ng in self.db.list_nodegroups(cluster.uuid) if ng.uuid not in skip]
        ngs.sort(key=lambda ng: (ng.role != MASTER, getattr(ng, "id", 0) or 0))
        if not any(ng.role == MASTER and (ng.node_count or 0) > 0 for ng in ngs):
            raise exception.Invalid(reason="a swarm-mode cluster needs at least one master")
        labels = dict(getattr(template, "labels", None) or {})
        labels.update(getattr(cluster, "labels", None) or {})

        # Preload images are saved first: a bad name fails before any node is spawned.
        with self._tls(cluster) as tls, preload.saved(preload.wanted(labels)) as images:
            # Half-made nodes (a crash during spawn, a failed join) are rebuilt from scratch.
            broken = [
                r
                for r in self.db.list_nodes(cluster_uuid=cluster.uuid)
                if r.status in (nodes_mod.SPAWNING, nodes_mod.ERROR)
                or (r.status != nodes_mod.DELETING and not (r.addresses or {}).get("api"))
            ]
            if broken:
                LOG.info("Cluster %s: rebuilding %d half-made nodes", cluster.uuid, len(broken))
                parallel(lambda r: self.nodes.destroy(context, r), broken)

            rows = self.db.list_nodes(cluster_uuid=cluster.uuid)
            doomed = [r for r in rows if r.status == nodes_mod.DELETING]
            missing: list[Any] = []
            for ng in ngs:
                mine = _sorted(
                    r
                    for r in rows
                    if r.nodegroup_uuid == ng.uuid and r.status != nodes_mod.DELETING
                )
                want = ng.node_count or 0
                if len(mine) > want:
                    doomed.extend(mine[want:])  # the newest go first
                missing.extend([ng] * max(want - len(mine), 0))
            for ng_uuid in skip:
                doomed.extend(r for r in rows if r.nodegroup_uuid == ng_uuid and r not in doomed)

            if doomed:
                self._remove(context, cluster, tls, doomed, deadline)
            if missing:
                self._add(context, cluster, template, missing, deadline)
            self._form_swarm(cluster, tls, images, deadline)
        self._record(cluster)

    def _add(
        self, context: Any, cluster: Any, template: Any, missing: list[Any], deadline: float
    ) -> None:
        base.check_deadline(deadline, "placing new nodes")
        hosts = self.nodes.place(cluster, len(missing), deadline)
        for host in sorted(set(hosts)):
            self.nodes.ensure_network(context, cluster, host)
        pairs = zip(missing, hosts, strict=True)
        rows = [self.nodes.reserve(cluster, ng, host) for ng, host in pairs]
        images = {
            ng.uuid: ng.image_id or template.image_id or CONF.swarm.node_image for ng in missing
        }
        base.check_deadline(deadline, "spawning the node instances")
        started = time.monotonic()
        parallel(lambda r: self.nodes.spawn(context, cluster, r, images[r.nodegroup_uuid]), rows)
        LOG.info(
            "Cluster %s: spawned %d nodes in %.1f s", cluster.uuid, len(rows),
            time.monotonic() - started,
        )  # fmt: skip

    def _form_swarm(
        self, cluster: Any, tls: swarm.TLSFiles, images: list[str], deadline: float
    ) -> None:
        rows = _sorted(
            r for r in self.db.list_nodes(cluster_uuid=cluster.uuid)
            if r.status != nodes_mod.DELETING
        )  # fmt: skip
        primary = self._primary(rows) or next((r for r in rows if r.role == MASTER), None)
        if primary is None:
            raise exception.Invalid(reason="the cluster has no master node")
        step_deadline = min(deadline, time.monotonic() + CONF.swarm.node_ready_timeout)
        timeout = CONF.swarm.api_timeout
        manager = swarm.client(primary.addresses["api"], tls, timeout)

        if not _swarm_id(primary):
            swarm.wait_engine(manager, step_deadline)
            preload.load(manager, images)
            sid = swarm.init(manager, primary.addresses["ip"])
            primary = self._mark_joined(primary, sid)
        tokens = swarm.join_tokens(manager)
        manager_ip = primary.addresses["ip"]

        def join(row: Any) -> Any:
            cli = swarm.client(row.addresses["api"], tls, timeout)
            swarm.wait_engine(cli, step_deadline)
            preload.load(cli, images)
            token = tokens["manager" if row.role == MASTER else "worker"]
            sid = swarm.join(cli, manager_ip, token, row.addresses["ip"])
            return self._mark_joined(row, sid)

        parallel(join, [r for r in rows if r.uuid != primary.uuid and not _swarm_id(r)])
        rows = [r for r in self.db.list_nodes(cluster_uuid=cluster.uuid) if _swarm_id(r)]
        swarm.wait_ready(manager, [_swarm_id(r) for r in rows], step_deadline)
        info = manager.version()
        for row in rows:
            if row.status != nodes_mod.ACTIVE:
                self.db.update_node(row.uuid, {"status": nodes_mod.ACTIVE})
        self.db.update_cluster(
            cluster.uuid,
            {
                "coe_version": info.get("Version"),
                "container_version": info.get("Version"),
                "health_status": "HEALTHY",
                "health_status_reason": {},
            },
        )

    def _mark_joined(self, row: Any, swarm_id: str) -> Any:
        addresses = dict(row.addresses or {}, swarm_id=swarm_id)
        return self.db.update_node(row.uuid, {"addresses": addresses, "status": nodes_mod.ACTIVE})

    def _remove(
        self, context: Any, cluster: Any, tls: swarm.TLSFiles, rows: list[Any], deadline: float
    ) -> None:
        """Drain, leave, remove from the swarm, then destroy: the way down, in parallel."""
        for row in rows:
            if row.status != nodes_mod.DELETING:
                self.db.update_node(row.uuid, {"status": nodes_mod.DELETING})
        doomed = {r.uuid for r in rows}
        keep = [
            r
            for r in self.db.list_nodes(cluster_uuid=cluster.uuid)
            if r.uuid not in doomed and _swarm_id(r)
        ]
        primary = self._primary(keep)
        manager = None
        if primary is not None:
            manager = swarm.client(primary.addresses["api"], tls, CONF.swarm.api_timeout)
        drain_deadline = min(deadline, time.monotonic() + CONF.swarm.drain_timeout)

        def take_out(row: Any) -> None:
            sid = _swarm_id(row)
            if manager is not None and sid:
                try:
                    if row.role == MASTER:
                        swarm.demote(manager, sid)
                    swarm.drain(manager, sid)
                    swarm.wait_drained(manager, sid, drain_deadline)
                except Exception as exc:  # noqa: BLE001  (the node is going anyway)
                    LOG.warning("Node %s did not drain cleanly: %s", row.name, exc)
            api = (row.addresses or {}).get("api")
            if api and sid:
                with contextlib.suppress(Exception):  # a dead node cannot leave; removed below
                    swarm.leave(swarm.client(api, tls, 15))
            if manager is not None and sid:
                swarm.remove(manager, sid)
            self.nodes.destroy(context, row)

        base.check_deadline(deadline, "removing nodes")
        parallel(take_out, rows)

    def _record(self, cluster: Any) -> None:
        """api_address and node addresses on the cluster and its nodegroups."""
        rows = _sorted(self.db.list_nodes(cluster_uuid=cluster.uuid))
        primary = self._primary(rows)
        masters = [r.addresses["ip"] for r in rows if r.role == MASTER and r.addresses]
        workers = [r.addresses["ip"] for r in rows if r.role != MASTER and r.addresses]
        nodegroups = {}
        for ng in self.db.list_nodegroups(cluster.uuid):
            nodegroups[ng.uuid] = {
                "node_addresses": [
                    r.addresses["ip"] for r in rows if r.nodegroup_uuid == ng.uuid and r.addresses
                ]
            }
        self.db.update_cluster(
            cluster.uuid,
            {
                "api_address": primary.addresses["api"] if primary else None,
                "master_addresses": masters,
                "node_addresses": workers,
            },
            nodegroups=nodegroups,
        )

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _primary(rows: Iterable[Any]) -> Any:
        """The first master that is in the swarm: it initialised it, or took over."""
        masters = [r for r in _sorted(rows) if r.role == MASTER and _swarm_id(r)]
        masters = [r for r in masters if r.status != nodes_mod.DELETING] or masters
        return masters[0] if masters else None

    @contextlib.contextmanager
    def _tls(self, cluster: Any) -> Iterator[swarm.TLSFiles]:
        ca_cert = self.certificates.get_ca(cluster.uuid)[0]
        cert, key = self.certificates.get_client_cert(cluster)
        with swarm.TLSFiles(ca_cert, cert, key) as tls:
            yield tls

    def _live_hosts(self) -> set[str]:
        """Hosts of compute agents that report now (a bay network may be left on any)."""
        reports = getattr(self.scheduler, "reports", None)
        if reports is None:
            return set()
        try:
            return {r["host"] for r in reports.hosts() if r.get("host")}
        except Exception:  # noqa: BLE001
            return set()


def _swarm_id(row: Any) -> str | None:
    return (getattr(row, "addresses", None) or {}).get("swarm_id")

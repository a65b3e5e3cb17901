"""Cluster create, update, resize and delete."""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from magnum_lite.common import exception
from magnum_lite.conductor import certificates, states
from magnum_lite.conductor.handlers import common

LOG = logging.getLogger(__name__)


def create(
    hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, resuming: bool = False
) -> common.Outcome:
    def work(driver: Any, cluster: Any, deadline: float) -> None:
        # The CA exists before any node: nodes get server certs signed by it at spawn.
        certificates.ensure_cluster_ca(hctx.db, cluster)
        driver.create_cluster(ctxt, cluster, deadline)

    return common.run_op(hctx, cluster_uuid, states.CREATE, work, resuming=resuming)


def update(
    hctx: common.HandlerContext,
    ctxt: Any,
    cluster_uuid: str,
    rollback: bool = False,
    resuming: bool = False,
) -> common.Outcome:
    def work(driver: Any, cluster: Any, deadline: float) -> None:
        driver.update_cluster(ctxt, cluster, deadline, rollback=rollback)

    return common.run_op(
        hctx, cluster_uuid, states.UPDATE, work, rollback=rollback, resuming=resuming
    )


def resize(
    hctx: common.HandlerContext,
    ctxt: Any,
    cluster_uuid: str,
    node_count: int,
    nodes_to_remove: list[str] | None,
    nodegroup_uuid: str | None,
) -> common.Outcome:
    def work(driver: Any, cluster: Any, deadline: float) -> None:
        nodegroup = _resize_target(hctx, cluster_uuid, nodegroup_uuid)
        driver.resize_cluster(
            ctxt, cluster, nodegroup, int(node_count), list(nodes_to_remove or []), deadline
        )

    ngs = [nodegroup_uuid] if nodegroup_uuid else None
    return common.run_op(hctx, cluster_uuid, states.RESIZE, work, nodegroup_uuids=ngs)


def _resize_target(hctx: common.HandlerContext, cluster_uuid: str, ng_uuid: str | None) -> Any:
    if ng_uuid:
        return hctx.db.get_nodegroup_by_uuid(cluster_uuid, ng_uuid)
    workers = [ng for ng in hctx.db.list_nodegroups(cluster_uuid, role="worker") if ng.is_default]
    if not workers:
        raise exception.NodeGroupNotFound(nodegroup=f"default worker of cluster {cluster_uuid}")
    return workers[0]


def delete(hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str) -> common.Outcome:
    """Remove every resource of the cluster, then its rows; DELETE_FAILED on error."""

    def work(driver: Any, cluster: Any, deadline: float) -> None:
        driver.delete_cluster(ctxt, cluster, deadline)

    outcome = common.run_op(hctx, cluster_uuid, states.DELETE, work)
    if outcome.status != states.DELETE_COMPLETE:
        return outcome
    try:
        cluster = hctx.db.get_cluster_by_uuid(cluster_uuid)
    except exception.ClusterNotFound:
        return outcome
    if cluster.status != states.DELETE_COMPLETE:
        return common.Outcome(None, superseded=True)
    hctx.db.destroy_cluster(cluster_uuid)  # nodegroups, nodes and certificates go with it
    LOG.info("Cluster %s deleted", cluster_uuid)
    return outcome
